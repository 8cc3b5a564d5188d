"""What an exercise's text promises, declared once: the vocabulary of a contract and how one call is judged.

A :class:`Contract` says, for one graded exercise, which inputs its text accepts (``domain``), what a correct
answer returns on them (the nnlib reference, within ``rtol``), and every property the text states beside the
values: the result's type, container and dtype, a new object that aliases no input, inputs left unchanged,
the same rng state giving the same result, the errors it must raise. Each property is a :class:`Clause` that
quotes the sentence of the exercise text it enforces.

Two checkers read the same declaration:

- the learner's instant check (:func:`nnlib.checks.check_examples`) runs the contract's ``visible`` calls, a
  small fixed set written out in the declaration, with plain numpy;
- the grade (``autograder.contract_grading``, on the judge's side) draws many more calls from ``domain`` with
  Hypothesis, seeded per submission, and shrinks a failure to the smallest call that breaks a clause.

Both judge a call with :func:`verify_call`, so a learner's instant check and the grade never disagree on what a
clause means. ``domain`` is a function of Hypothesis's ``strategies`` and ``extra.numpy`` modules, passed in by
the judge, so the learner's environment never needs Hypothesis.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..checks import CheckFailed, _first_change, _is_layers, _same, _short, describe_call


@dataclass(frozen=True)
class Clause:
    """One property an exercise's text promises: ``key`` names it, ``sentence`` quotes the text."""

    key: str
    sentence: str
    hint: str = ""


@dataclass(frozen=True)
class Property:
    """A clause checked by a function of the call: ``check(args, kwargs, got, want) -> problem or None``.

    ``want`` is the reference's result for the same call. The problem text completes "<call> ..." (for
    example "returned labels with 3 unchanged entries; the text asks for exactly round(rate * n) = 4 changed").
    """

    clause: Clause
    check: Callable[..., str | None]
    calls_again: bool = False  # check(args, kwargs, got, want, func): it may call the answer again


@dataclass(frozen=True)
class Raises:
    """An input the text says is an error: the call must raise ``exception`` whose message names every item of
    ``names`` as a word of its own (for example the index of the offending row: "2" is named by "query row 2"
    and by "query 2 has no key", not by "12" or "2.5")."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    exception: type = ValueError
    names: tuple[str, ...] = ()
    clause: Clause = Clause("errors", "bad input raises a clear error")


def call(*args, **kwargs) -> tuple[tuple, dict]:
    """One call of an exercise, as ``(args, kwargs)``: ``call(np.array([1.0, -2.0]), axis=0)``."""
    return args, kwargs


#: The clauses every contract has unless it says otherwise (their sentences come from COURSE.md's conventions).
RUNS = Clause(
    "runs",
    "works on every input the text accepts",
    "run the failing call in your notebook: the traceback shows the line that fails.",
)
TYPE = Clause(
    "type",
    "returns the type the text names (a new array, a tuple, a Python int, ...)",
    "return exactly the kind of value the text names: a numpy array, a tuple, a Python int (int(...)), "
    "a Python bool (bool(...)).",
)
DTYPE = Clause(
    "dtype",
    "returns float64 values (integer results: an integer dtype)",
    "give the result the dtype the text names: float64 values (np.asarray(..., dtype=float)), integer "
    "labels or indices as integers.",
)
SHAPE = Clause(
    "shape",
    "returns the shape the text names",
    "compare your result's shape with the one the text names for this call's inputs.",
)
VALUES = Clause(
    "values",
    "computes the formula of the text (compared with nnlib's reference)",
    "compare your formula with the text's, term by term, on this small call.",
)
NEW = Clause(
    "new",
    "returns a new array: never an input, nor a view of one",
    "return a new array (x.copy(), np.array(x, dtype=float)); x[:], x.reshape(...) and np.asarray(x) "
    "share the caller's memory, and returning an input unchanged hands the caller its own array.",
)
UNCHANGED = Clause(
    "unchanged",
    "leaves its inputs unchanged",
    "work on a copy (x = x.copy()) or build new arrays; never assign into the caller's inputs.",
)
REPEATABLE = Clause(
    "repeatable",
    "the same rng state gives the same result, and no state is kept between calls",
    "draw every random number from the rng you are given, and keep nothing between calls (no "
    "global, no mutable default argument).",
)


@dataclass(frozen=True)
class Contract:
    """The declaration of one graded exercise.

    name: the exercise (the solution cell's grade_id); lesson: its lesson id; reference: "module:attr" of the
    nnlib reference; signature: the def line's parameters as the text writes them (``"x, axis=-1"``).
    domain: ``domain(st, hnp)`` → a Hypothesis strategy of ``(args, kwargs)`` pairs: every input the text accepts.
    visible: the instant check's calls, ``call(...)`` each: few, readable, one or more per clause.
    rtol, atol: the value comparison, ``|got - want| <= atol + rtol * scale``; ``scale`` is ``"element"``
    (each entry's own |want|: right for element-wise formulas, where tiny outputs matter) or ``"max"`` (the
    largest |want| of the result: right for sums and products, where rounding follows the largest term).
    new_result, unchanged, rng_arg: the NEW, UNCHANGED and REPEATABLE clauses (rng_arg names the argument
    that is a numpy Generator; None: the exercise is not random). containers: "exact" (a tuple is a tuple)
    or "sequence" (the text allows a tuple or a list). errors: :class:`Raises` cases, checked as given.
    properties: further clauses. max_examples: Hypothesis's budget at grading. hint: the default hint of the
    values clause (the idea, not the line of code). sentences, hints: a clause's own sentence and hint for this
    exercise, by clause key (``rng_arg`` may name any argument whose same value must give the same result, such
    as Adam's ``state``: the REPEATABLE clause then says so in the exercise's ``sentences``/``hints``).
    """

    name: str
    lesson: str
    reference: str
    signature: str
    domain: Callable | None
    visible: tuple
    rtol: float = 1e-9
    atol: float = 0.0
    scale: str = "element"
    new_result: bool = True
    unchanged: bool = True
    rng_arg: str | None = None
    containers: str = "exact"
    errors: tuple = ()
    properties: tuple = ()
    max_examples: int = 40
    compare_values: bool = True
    hint: str = ""
    sentences: dict = field(default_factory=dict)
    hints: dict = field(default_factory=dict)

    def reference_function(self) -> Callable:
        module, attr = self.reference.split(":")
        return getattr(importlib.import_module(module), attr)

    def clauses(self) -> list[Clause]:
        """Every clause this contract enforces, in the order a call is checked."""
        found = [RUNS, TYPE, DTYPE, SHAPE] + ([VALUES] if self.compare_values else [])
        found += [NEW] if self.new_result else []
        found += [UNCHANGED] if self.unchanged else []
        found += [REPEATABLE] if self.rng_arg else []
        found += [p.clause for p in self.properties]
        found += [e.clause for e in self.errors][:1]
        return [self._quoted(c) for c in found]

    def _quoted(self, clause: Clause) -> Clause:
        """The clause with this exercise's own sentence where the declaration gives one."""
        sentence = self.sentences.get(clause.key) or clause.sentence
        return Clause(clause.key, sentence, self.hints.get(clause.key, clause.hint))


@dataclass
class Violation:
    """A call that breaks a clause; ``message`` is written for the learner."""

    clause: Clause
    call: str
    message: str
    size: int = 0


# ------------------------------------------------------------------------------------------------------
# judging one call
# ------------------------------------------------------------------------------------------------------
def _arrays(value):
    if type(value) is np.ndarray:
        yield value
    elif type(value) in (tuple, list):
        for item in value:
            yield from _arrays(item)
    elif type(value) is dict:
        for item in value.values():
            yield from _arrays(item)


def _same_value(a, b) -> bool:
    """nnlib.checks._same, also inside dicts (Adam's state: a dict of lists of arrays)."""
    if type(a) is dict and type(b) is dict:
        return set(a) == set(b) and all(_same_value(a[k], b[k]) for k in a)
    if type(a) in (tuple, list) and type(b) is type(a):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return _same(a, b)


def _copy_args(args: tuple, kwargs: dict):
    return copy.deepcopy(args), copy.deepcopy(kwargs)


def _type_problem(got, want, containers: str, path: str = "") -> str | None:
    """Why ``got`` is not of the kind of ``want`` (the reference's result), or None."""
    where = f" at {path}" if path else ""
    if type(want) is np.ndarray:
        if type(got) is not np.ndarray:
            return f"returned a {type(got).__name__}{where}; the text asks for a numpy array"
        return None
    if type(want) in (tuple, list):
        allowed = (tuple, list) if containers == "sequence" else (type(want),)
        if type(got) not in allowed:
            return f"returned a {type(got).__name__}{where}; the text asks for a {type(want).__name__}"
        if len(got) != len(want):
            return f"returned {len(got)} items{where}; the text asks for {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _type_problem(g, w, containers, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if type(want) is dict:
        if type(got) is not dict:
            return f"returned a {type(got).__name__}{where}; the text asks for a dict"
        if set(got) != set(want):
            return (
                f"returned a dict{where} with the keys {sorted(map(str, got))}; the text asks for "
                f"{sorted(map(str, want))}"
            )
        for key in want:
            problem = _type_problem(got[key], want[key], containers, f"{path}[{key!r}]")
            if problem:
                return problem
        return None
    if type(want) is bool:
        return (
            None
            if type(got) is bool
            else f"returned a {type(got).__name__}{where}; the text asks for a bool (True or False, not a numpy bool)"
        )
    if type(want) is int:
        return (
            None
            if type(got) is int
            else f"returned a {type(got).__module__ + '.' if type(got).__module__ == 'numpy' else ''}"
            f"{type(got).__name__}{where}; the text asks for a Python int"
        )
    if isinstance(want, float):
        ok = isinstance(got, float) and not isinstance(got, np.floating) or type(got) is np.float64
        return None if ok else f"returned a {type(got).__name__}{where}; the text asks for a float"
    return None


def _array_leaves_problem(got, want, check, path: str = "") -> str | None:
    """The first problem ``check(got_array, want_array, where)`` finds among the arrays that ``got`` and ``want``
    hold at the same places (tuples, lists and dicts walked in step; other leaves are _type_problem's)."""
    if type(want) is np.ndarray and type(got) is np.ndarray:
        return check(got, want, f" at {path}" if path else "")
    if type(want) in (tuple, list) and type(got) in (tuple, list):
        pairs = [(f"{path}[{i}]", g, w) for i, (g, w) in enumerate(zip(got, want))]
    elif type(want) is dict and type(got) is dict:
        pairs = [(f"{path}[{key!r}]", got.get(key), want[key]) for key in want]
    else:
        return None
    for where, g, w in pairs:
        problem = _array_leaves_problem(g, w, check, where)
        if problem:
            return problem
    return None


def _dtype_of(got: np.ndarray, want: np.ndarray, where: str) -> str | None:
    if want.dtype.kind == "f" and got.dtype != np.float64:
        return f"returned an array of dtype {got.dtype}{where}; the text asks for float64"
    if want.dtype.kind in "iu" and got.dtype.kind not in "iu":
        return f"returned an array of dtype {got.dtype}{where}; the text asks for integers"
    if want.dtype.kind == "b" and got.dtype.kind != "b":
        return f"returned an array of dtype {got.dtype}{where}; the text asks for bools"
    return None


def _shape_of(got: np.ndarray, want: np.ndarray, where: str) -> str | None:
    return f"returned shape {got.shape}{where}; expected shape {want.shape}" if got.shape != want.shape else None


def _dtype_problem(got, want) -> str | None:
    return _array_leaves_problem(got, want, _dtype_of)


def _shape_problem(got, want) -> str | None:
    return _array_leaves_problem(got, want, _shape_of)


def _value_problem(got, want, rtol: float, atol: float, scale: str, path: str = "") -> str | None:
    where = f" at {path}" if path else ""
    if type(want) in (tuple, list):
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _value_problem(g, w, rtol, atol, scale, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if type(want) is dict:
        if type(got) is dict and set(got) == set(want):  # a dict of results (Adam's state): entry by entry
            for key in want:
                problem = _value_problem(got[key], want[key], rtol, atol, scale, f"{path}[{key!r}]")
                if problem:
                    return problem
            return None
        return None if _same(got, want) else f"returned a different dict{where}"
    if isinstance(want, (str, bool)) or want is None:
        return None if got == want else f"returned {_short(got)}{where}"
    g = np.asarray(got)
    w = np.asarray(want)
    if not (np.issubdtype(g.dtype, np.number) or g.dtype == bool):
        return f"returned {g.dtype} values{where}"
    if w.dtype.kind in "iub":
        return None if np.array_equal(g, w) else f"returned different values{where}"
    g = g.astype(np.float64)
    w = w.astype(np.float64)
    if np.isnan(g).any() and not np.isnan(w).any():
        return f"returned NaN{where} where the result is a number"
    finite = np.isfinite(w)
    if not np.array_equal(np.isinf(g), np.isinf(w)) or not np.array_equal(
        g[~finite & ~np.isnan(w)], w[~finite & ~np.isnan(w)]
    ):
        return f"returned infinities{where} that do not match"
    if not finite.any():
        return None
    diff = np.abs(g[finite] - w[finite])
    if scale == "max":
        bound = atol + rtol * float(np.max(np.abs(w[finite])))
    else:
        bound = atol + rtol * np.abs(w[finite])
    if np.all(diff <= bound):
        return None
    worst = float(np.max(diff))
    relative = float(np.max(diff / np.maximum(np.abs(w[finite]), 1e-300)))
    return (
        f"returned values{where} off by up to {worst:.3g} (relative {relative:.3g}; "
        f"the tolerance is {rtol:g} relative" + (f" + {atol:g}" if atol else "") + ")"
    )


def _input_names(contract: Contract, args: tuple) -> list[str]:
    names = [p.split("=")[0].strip().lstrip("*") for p in contract.signature.split(",") if p.strip()]
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(len(args))]


def _size(args: tuple, kwargs: dict) -> int:
    return sum(a.size for a in _arrays((args, kwargs)))


_DRAWN = object()  # the reference's result is one draw of a random procedure: no "expected" value to show


def _shown(value) -> str:
    """A result for a message; a network's parameters small enough to show whole are named by their depth too."""
    text = _short(value)
    if _is_layers(value) and "layer" not in text:
        text = f"{len(value)} layer{'s' if len(value) != 1 else ''} (W, b): {text}"
    return text


def _fail(
    contract: Contract,
    clause: Clause,
    text: str,
    problem: str,
    got=None,
    want=None,
    hint: str = "",
    show: bool = True,
    args=(),
    kwargs=None,
) -> Violation:
    clause = contract._quoted(clause)
    lines = [f"{text} {problem}."]
    if show:
        lines.append(f"  returned: {_shown(got)}")
        if want is not _DRAWN:
            lines.append(f"  expected: {_shown(want)}")
    lines.append(f"  expected, as the text says: {clause.sentence} [clause: {clause.key}]")
    own = clause.key in contract.hints or not (clause.key == "values" and contract.hint)
    hint = hint or (clause.hint if own else contract.hint) or contract.hint
    if hint:
        lines.append(f"  hint: {hint}")
    return Violation(clause, text, "\n".join(lines), _size(args, kwargs or {}))


def verify_call(contract: Contract, func: Callable, args: tuple, kwargs: dict | None = None) -> Violation | None:
    """Call ``func`` on copies of ``args``/``kwargs`` and check every clause of ``contract``; the first broken
    clause as a :class:`Violation`, or None when the call keeps them all."""
    kwargs = dict(kwargs or {})
    text = describe_call(contract.name, args, kwargs)
    reference = contract.reference_function()
    want = reference(*_copy_args(args, kwargs)[0], **_copy_args(args, kwargs)[1])
    mine_args, mine_kwargs = _copy_args(args, kwargs)
    before_args, before_kwargs = _copy_args(args, kwargs)
    fail = lambda clause, problem, **kw: _fail(contract, clause, text, problem, args=args, kwargs=kwargs, **kw)  # noqa: E731
    try:
        got = func(*mine_args, **mine_kwargs)
    except (CheckFailed, NotImplementedError):  # a stub not written yet says so itself
        raise
    except Exception as exc:  # noqa: BLE001 - the answer's own error is the verdict
        return fail(RUNS, f"raised {type(exc).__name__}: {str(exc)[:300]}", want=want, got=None, show=False)
    if contract.unchanged:
        names = _input_names(contract, args)
        for name, before, after in [
            *zip(names, before_args, mine_args),
            *((f"{k}=", before_kwargs[k], mine_kwargs[k]) for k in kwargs),
        ]:
            if isinstance(after, np.random.Generator) or callable(after):
                continue
            if not _same_value(before, after):
                where, old, new = _first_change(before, after, name) or (name, before, after)
                return fail(
                    UNCHANGED,
                    f"changed its input {where} in place (before: {_short(old, 120)}; after: {_short(new, 120)})",
                    show=False,
                )
    for clause, problem in (
        (TYPE, _type_problem(got, want, contract.containers)),
        (DTYPE, _dtype_problem(got, want)),
        (SHAPE, _shape_problem(got, want)),
    ):
        if problem:
            return fail(clause, problem, got=got, want=want if contract.compare_values else _DRAWN)
    problem = (
        _value_problem(got, want, contract.rtol, contract.atol, contract.scale) if contract.compare_values else None
    )
    if problem:
        return fail(VALUES, problem, got=got, want=want)
    if contract.new_result:
        inputs = list(_arrays((mine_args, mine_kwargs)))
        for out in _arrays(got):
            if any(out is a or np.shares_memory(out, a) for a in inputs):
                return fail(NEW, "returned an input array (or a view of one), not a new array", show=False)
    for prop in contract.properties:
        if prop.calls_again:
            again_args, again_kwargs = _copy_args(args, kwargs)
            problem = prop.check(again_args, again_kwargs, got, want, func)
        else:
            problem = prop.check(args, kwargs, got, want)
        if problem:
            return fail(prop.clause, problem, got=got, want=want if contract.compare_values else _DRAWN)
    if contract.rng_arg:
        again_args, again_kwargs = _copy_args(args, kwargs)
        try:
            again = func(*again_args, **again_kwargs)
        except Exception as exc:  # noqa: BLE001
            return fail(
                REPEATABLE,
                f"raised {type(exc).__name__} when called again with the same arguments "
                f"(copies of them, {contract.rng_arg} included)",
                show=False,
            )
        if not _same_value(got, again):
            return fail(
                REPEATABLE,
                "gave a different result when called again with the same arguments "
                f"(copies of them, {contract.rng_arg} included)",
                got=again,
                want=got,
            )
    return None


def _names(message: str, word: str) -> bool:
    """Whether ``message`` contains ``word`` with no letter, digit or decimal point joined to it."""
    return re.search(r"(?<![\w.])" + re.escape(word) + r"(?![\w]|\.\d)", message) is not None


def verify_errors(contract: Contract, func: Callable) -> Violation | None:
    """Check every :class:`Raises` case of ``contract``: the first one that does not raise as the text says."""
    for case in contract.errors:
        args, kwargs = _copy_args(case.args, case.kwargs)
        text = describe_call(contract.name, case.args, case.kwargs)
        try:
            func(*args, **kwargs)
        except case.exception as exc:
            missing = [n for n in case.names if not _names(str(exc), n)]
            if missing:
                return _fail(
                    contract,
                    case.clause,
                    text,
                    f"raised {case.exception.__name__}: {str(exc)[:200]!r}, "
                    f"which does not name {', '.join(repr(m) for m in missing)}",
                    show=False,
                )
            continue
        except Exception as exc:  # noqa: BLE001
            return _fail(
                contract,
                case.clause,
                text,
                f"raised {type(exc).__name__}: {str(exc)[:200]}; the text asks for {case.exception.__name__}",
                show=False,
            )
        return _fail(
            contract, case.clause, text, f"returned normally; the text asks for {case.exception.__name__}", show=False
        )
    return None


def finite(x) -> bool:
    """True when every entry of the array or number ``x`` is finite (for domain filters)."""
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64)))) if np.size(x) else True


__all__ = [
    "Clause",
    "Property",
    "Raises",
    "Contract",
    "Violation",
    "call",
    "verify_call",
    "verify_errors",
    "finite",
    "RUNS",
    "TYPE",
    "DTYPE",
    "SHAPE",
    "VALUES",
    "NEW",
    "UNCHANGED",
    "REPEATABLE",
]
