"""Instant checks for learners: readable verdicts for every test cell of the course.

Every visible and hidden test cell checks answers through these helpers instead of bare ``assert`` or
``np.allclose``. A failed check raises :class:`CheckFailed` whose message says what was called, what came
back, what was expected and the likely mistake, in one readable block::

    relu(np.array([-2.0, 0.0, 3.0])) returned the wrong values.
      returned: array([-2.,  0.,  3.])  (shape (3,), dtype float64)
      expected: array([0., 0., 3.])  (shape (3,), dtype float64)
      largest difference: 2 at index (0,): returned -2, expected 0 (1 of 3 values wrong)
      hint: Negative inputs become 0, positive inputs pass through unchanged.

A call's arguments read as ``describe_value`` writes them: small arrays by their values, larger ones by their
shape and range, a network's parameters by their depth and shapes (``[3 layers (W, b): W (64, 16), ...]``);
no value is ever cut off in the middle. An exception of the answer inside ``compare_with_reference`` becomes
a failed check naming the call, the expected result and the hint.

The helpers only accept real numbers: a plain ``numpy.ndarray`` of a numeric dtype, a Python ``int``/``float``
or a numpy scalar. Anything else (an ndarray subclass, an object whose ``==`` always answers True, a list of
strings) is rejected with a message naming its type, so an answer cannot pass by pretending to be a number.
The numpy functions used here are captured when this module is imported; in the grader, that happens in a
fresh process before any learner code runs (see ``autograder``), so rebinding ``numpy.allclose`` or
``numpy.testing`` from a notebook cannot change a verdict.
"""

from __future__ import annotations

import copy as _copy
import math as _math

import numpy as _np

# Pristine references, captured at import time (see the module docstring).
_ndarray = _np.ndarray
_asarray = _np.asarray
_array_equal = _np.array_equal
_shares_memory = _np.shares_memory
_Generator = _np.random.Generator
_isfinite = _np.isfinite
_isnan = _np.isnan
_abs = _np.abs
_argmax = _np.argmax
_unravel_index = _np.unravel_index
_array2string = _np.array2string
_issubdtype = _np.issubdtype
_number = _np.number
_bool_ = _np.bool_
_generic = _np.generic
_float64 = _np.float64
_nanmin = _np.nanmin
_nanmax = _np.nanmax
_count_nonzero = _np.count_nonzero
_isinstance = isinstance
_type = type
_float = float
_int = int
_bool = bool
_tuple = tuple
_list = list
_repr = repr
_len = len
_zip = zip
_max = max


class CheckFailed(AssertionError):
    """A check of a learner's answer failed; the message is written for the learner."""


def _short(value, limit: int = 400, with_shape: bool = True) -> str:
    """A compact, bounded text form of a value for messages. An array too long to show whole is shown with fewer
    of its entries, then by its shape and range (describe_value), never cut off in the middle; so is a list
    holding arrays (a network's layers read as their number and shapes)."""
    try:
        if _type(value) is _ndarray:
            text = ""
            for edge, precision in ((3, 6), (2, 4), (1, 3)):
                text = _array2string(
                    value, precision=precision, threshold=20, edgeitems=edge, max_line_width=100, separator=", "
                )
                text = f"array({text})" if value.ndim else text
                if _len(text) <= limit:
                    break
            else:
                text = describe_value(value, limit)
            if value.ndim and with_shape:
                text += f"  (shape {value.shape}, dtype {value.dtype})"
            return text
        if _type(value) in (_tuple, _list, dict) and any(True for _ in _arrays_in(value)):
            text = _repr(value)
            if _len(text) > limit or "\n" in text:
                text = describe_value(value, limit)
        else:
            text = _repr(value)
    except Exception as exc:  # a broken __repr__ must not hide the verdict
        text = f"<{_type(value).__name__} object; repr failed: {_type(exc).__name__}>"
    return text if _len(text) <= limit else text[: limit - 3] + "..."


def _is_layers(value) -> bool:
    """A network's parameters: a non-empty list (or tuple) of (W, b) pairs, W 2-D and b 1-D."""
    return (
        _type(value) in (_list, _tuple)
        and _len(value) > 0
        and all(
            _type(p) in (_tuple, _list)
            and _len(p) == 2
            and _type(p[0]) is _ndarray
            and p[0].ndim == 2
            and _type(p[1]) is _ndarray
            and p[1].ndim == 1
            for p in value
        )
    )


def describe_value(value, limit: int = 240) -> str:
    """How a value reads where a message names a call: a small array by its values (``np.array([1., -2.])``),
    a larger one by its shape and range (``an array (7, 5) of values in [-3.1, 2.4]``), a network's
    parameters by their depth and shapes (``[3 layers (W, b): W (4, 5), b (5,); ...]``), a function by its
    name. Never more than ``limit`` characters; never cut inside a network's list of layers."""
    try:
        t = _type(value)
        if t is _ndarray:
            kind = "" if value.dtype == _float64 else f"{value.dtype} "
            if value.size == 0:
                return f"an empty {kind}array of shape {value.shape}"
            if value.size <= 8 and value.ndim <= 2:
                text = _array2string(value, precision=6, separator=", ", max_line_width=10_000)
                return f"np.array({' '.join(text.split())})"
            if value.dtype == _bool_:
                return f"a bool array {value.shape} ({_int(_count_nonzero(value))} True)"
            if not _bool(value.any()):
                return f"np.zeros({value.shape})" if not kind else f"an {kind}array {value.shape} of zeros"
            if _issubdtype(value.dtype, _number):
                low, high = _float(_nanmin(value)), _float(_nanmax(value))
                return f"an {kind}array {value.shape} of values in [{low:.3g}, {high:.3g}]".replace("an  ", "an ")
            return f"an {kind}array {value.shape}"
        if _is_layers(value):
            parts = [f"W {W.shape}, b {b.shape}" for W, b in value]
            head = f"{_len(value)} layer{'s' if _len(value) != 1 else ''} (W, b): "
            text = "[" + head + "; ".join(parts) + "]"
            if _len(text) > limit:  # keep the depth and the first and last layers
                text = "[" + head + "; ".join(parts[:2]) + "; ...; " + parts[-1] + "]"
            return text
        if t in (_tuple, _list):
            items = [describe_value(v, 80) for v in value]
            if _len(items) > 6:
                items = items[:3] + ["..."] + items[-1:]
            open_, close = ("(", ")") if t is _tuple else ("[", "]")
            text = open_ + ", ".join(items) + ("," if t is _tuple and _len(value) == 1 else "") + close
            if _len(value) > 6 or _len(text) > limit:
                text = f"a {t.__name__} of {_len(value)} items"
            return text
        if t is dict:
            text = "{" + ", ".join(f"{k!r}: {describe_value(v, 80)}" for k, v in value.items()) + "}"
            return text if _len(text) <= limit else f"a dict with the keys {_list(value)!r}"[:limit]
        if _isinstance(value, _Generator):
            return "rng (a numpy Generator)"
        if callable(value) and _isinstance(getattr(value, "__name__", None), str):
            return value.__name__
        return _short(value, limit)
    except Exception as exc:  # a broken value must not hide the verdict
        return f"<{_type(value).__name__} object: {_type(exc).__name__}>"


def describe_call(name: str, args: tuple = (), kwargs: dict | None = None) -> str:
    """``name(arguments)`` as describe_value writes each argument, e.g. ``relu(np.array([-2., 3.]))``."""
    return f"{name}({_describe_args(args, kwargs or {})})"


def _fail(
    call: str, problem: str, got=None, expected=None, hint: str | None = None, extra: str = "", show_values: bool = True
) -> None:
    lines = [f"{call} {problem}"]
    if show_values:
        lines.append(f"  returned: {_short(got)}")
        lines.append(f"  expected: {_short(expected)}")
    if extra:
        lines.append(f"  {extra}")
    if hint:
        lines.append(f"  hint: {hint}")
    raise CheckFailed("\n".join(lines))


def as_number_array(value, call: str = "your function", hint: str | None = None):
    """Return ``value`` as a float64 ndarray if it is an honest number or array of numbers, else fail.

    Accepted: a plain ``numpy.ndarray`` (exact type) of a numeric or boolean dtype, a Python ``int``/
    ``float``/``bool`` or a numpy scalar. Raises CheckFailed naming the type otherwise.
    """
    t = _type(value)
    if t is _ndarray:
        if not (_issubdtype(value.dtype, _number) or value.dtype == _bool_):
            _fail(
                call,
                f"returned an array of dtype {value.dtype}, expected numbers.",
                value,
                None,
                hint,
                show_values=False,
            )
        return _asarray(value, dtype=_float64)
    if t in (_float, _int, _bool) or (_isinstance(value, _generic) and t.__module__ == "numpy"):
        if _isinstance(value, _generic) and not (_issubdtype(t, _number) or t is _bool_):
            _fail(call, f"returned a {t.__name__}, expected a number.", value, None, hint, show_values=False)
        return _asarray(_float(value), dtype=_float64)
    _fail(
        call,
        f"returned a {t.__module__}.{t.__qualname__}, expected a numpy array or a number.",
        value,
        None,
        hint,
        extra="Return a plain numpy array (np.ndarray) or a Python float.",
        show_values=False,
    )


def expect_close(
    got, expected, *, call: str = "your function", rtol: float = 1e-7, atol: float = 1e-9, hint: str | None = None
) -> None:
    """Check that ``got`` equals ``expected`` within ``rtol``/``atol``, elementwise, with the same shape.

    got, expected: arrays or numbers. NaN is never accepted where a number is expected, and infinities must
    match exactly. Raises CheckFailed with the call, both values, the largest difference and the hint.
    """
    exp = as_number_array(expected, "the expected value")
    g = as_number_array(got, call, hint)
    if g.shape != exp.shape:
        _fail(call, f"returned shape {g.shape}, expected shape {exp.shape}.", got, expected, hint)
    if g.size == 0:
        return
    shape = g.shape
    g, exp = g.reshape(-1), exp.reshape(-1)
    g_nan, e_nan = _isnan(g), _isnan(exp)
    if _bool((g_nan & ~e_nan).any()):
        _fail(
            call,
            "returned NaN where a number was expected.",
            got,
            expected,
            hint,
            extra="NaN usually means an overflow (exp of a large number) or 0/0.",
        )
    g_fin, e_fin = _isfinite(g), _isfinite(exp)
    if _bool((~g_fin & e_fin & ~g_nan).any()):
        _fail(
            call,
            "returned an infinite value where a finite one was expected.",
            got,
            expected,
            hint,
            extra="Infinity usually means an overflow: rewrite the formula so large inputs stay finite.",
        )
    both = g_fin & e_fin
    if _bool((~both).any()) and not _bool((g[~both] == exp[~both]).all()):
        _fail(call, "returned the wrong infinite values.", got, expected, hint)
    diff = _abs(g - exp)
    diff[~both] = 0.0
    bad = diff > atol + rtol * _abs(exp)
    if _bool(bad.any()):
        worst = _int(_argmax(diff))
        if not _len(shape):
            _fail(
                call, "returned the wrong value.", got, expected, hint, extra=f"difference: {_float(diff[worst]):.6g}"
            )
        where = _tuple(_int(i) for i in _unravel_index(worst, shape))
        _fail(
            call,
            "returned the wrong values.",
            got,
            expected,
            hint,
            extra=f"largest difference: {_float(diff[worst]):.6g} at index {where}: returned {_float(g[worst]):.6g}, "
            f"expected {_float(exp[worst]):.6g} ({_int(bad.sum())} of {bad.size} values wrong)",
        )


def expect_equal(got, expected, *, call: str = "your function", hint: str | None = None) -> None:
    """Check exact equality of integers, booleans, strings or integer arrays (e.g. class labels, counts).

    Python ints, bools and strings are compared by type and value (``True`` is not accepted for ``1``
    unless ``expected`` is a bool); arrays must be plain ndarrays of an integer or boolean dtype with the
    same shape and values.
    """
    te, tg = _type(expected), _type(got)
    if te in (_int, _bool, str):
        ok_types = (_int,) if te is _int else (te,)
        if te is _int and _isinstance(got, _generic) and _issubdtype(tg, _np.integer):
            got_value = _int(got)
        elif tg in ok_types:
            got_value = got
        else:
            _fail(call, f"returned a {tg.__name__}, expected a {te.__name__}.", got, expected, hint)
        if got_value != expected:
            _fail(call, "returned the wrong value.", got, expected, hint)
        return
    exp = _asarray(expected)
    if tg is not _ndarray:
        _fail(call, f"returned a {tg.__name__}, expected a numpy array.", got, expected, hint)
    if not (_issubdtype(got.dtype, _np.integer) or got.dtype == _bool_):
        _fail(call, f"returned an array of dtype {got.dtype}, expected integers.", got, expected, hint)
    if got.shape != exp.shape:
        _fail(call, f"returned shape {got.shape}, expected shape {exp.shape}.", got, expected, hint)
    if not _bool(_array_equal(_asarray(got, dtype=_np.int64), _asarray(exp, dtype=_np.int64))):
        _fail(call, "returned the wrong values.", got, expected, hint)


def expect_true(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is the bool True (not merely truthy)."""
    if _type(condition) not in (_bool, _bool_) or not _bool(condition):
        raise CheckFailed(message)


def expect_tuple(got, length: int, *, call: str = "your function", hint: str | None = None) -> tuple:
    """Check that ``got`` is a tuple (or list) of ``length`` items and return it as a tuple."""
    if _type(got) not in (_tuple, _list):
        _fail(
            call,
            f"returned a {_type(got).__name__}, expected a tuple of {length} items.",
            got,
            None,
            hint,
            show_values=False,
        )
    if _len(got) != length:
        _fail(call, f"returned {_len(got)} items, expected {length}.", got, None, hint, show_values=False)
    return _tuple(got)


def _snapshot(value):
    return _copy.deepcopy(value)


def _same(a, b) -> bool:
    if _type(a) is _ndarray and _type(b) is _ndarray:
        return a.shape == b.shape and a.dtype == b.dtype and _bool(_array_equal(a, b, equal_nan=True))
    if _type(a) in (_tuple, _list) and _type(b) is _type(a):
        return _len(a) == _len(b) and all(_same(x, y) for x, y in _zip(a, b))
    try:
        return _bool(a == b) or (_isinstance(a, _float) and _math.isnan(a) and _math.isnan(b))
    except Exception:
        return False


def _describe_args(args: tuple, kwargs: dict) -> str:
    parts = [describe_value(a, 160) for a in args] + [f"{k}={describe_value(v, 160)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _first_change(before, after, path: str):
    """(path, before, after) of the first part of ``after`` that differs from ``before`` (an array inside a
    list of layers, a dict's entry), or None when they are the same."""
    if _type(before) in (_tuple, _list) and _type(after) is _type(before) and _len(before) == _len(after):
        for i, (b, a) in enumerate(_zip(before, after)):
            found = _first_change(b, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if _type(before) is dict and _type(after) is dict and set(before) == set(after):
        for k in before:
            found = _first_change(before[k], after[k], f"{path}[{k!r}]")
            if found:
                return found
        return None
    return None if _same(before, after) else (path, before, after)


def _changed_in_place(call: str, label: str, before, after, hint: str | None) -> None:
    """Fail: ``call`` changed its input ``label`` (shown at the first part that changed)."""
    where, old, new = _first_change(before, after, label) or (label, before, after)
    part = "" if where == label else f" (first at {where})"
    raise CheckFailed(
        f"{call} changed its input {label} in place{part}.\n"
        f"  before the call: {_short(old)}\n  after the call:  {_short(new)}\n"
        "  hint: "
        + (
            hint
            or "leave the caller's arrays alone: build new arrays "
            "(y = x * 2, z = np.array(x, dtype=float)) instead of assigning "
            "into them (x[...] = ..., x += ...)."
        )
    )


def _compare_outputs(got, want, call, rtol, atol, hint) -> None:
    if _type(want) in (_tuple, _list):
        items = expect_tuple(got, _len(want), call=call, hint=hint)
        for i, (g, w) in enumerate(_zip(items, want)):
            _compare_outputs(g, w, f"{call}[{i}]", rtol, atol, hint)
    elif _type(want) in (_int, _bool, str) or (_type(want) is _ndarray and _issubdtype(want.dtype, _np.integer)):
        expect_equal(got, want, call=call, hint=hint)
    else:
        expect_close(got, want, call=call, rtol=rtol, atol=atol, hint=hint)


def _parameter_names(func) -> list:
    import inspect

    try:
        return [
            p.name
            for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return []


def compare_with_reference(
    func,
    reference,
    cases,
    *,
    name: str | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    hint: str | None = None,
    check_unchanged: bool = True,
) -> None:
    """Call ``func`` and ``reference`` on every case and check the results agree and inputs stay unchanged.

    cases: a list of argument tuples, or of ``(args_tuple, kwargs_dict)`` pairs. Each call gets its own deep
    copy of the arguments. Results may be arrays, numbers, integer labels or tuples/lists of those; integer
    results are compared exactly, floats within ``rtol``/``atol``.
    """
    if not callable(func):
        raise CheckFailed(f"{name or 'your answer'} is a {_type(func).__name__}, expected a function.")
    label = name or getattr(reference, "__name__", "your function")
    params = _parameter_names(reference)
    for case in cases:
        if _type(case) is _tuple and _len(case) == 2 and _type(case[0]) is _tuple and _type(case[1]) is dict:
            args, kwargs = case
        else:
            args, kwargs = (case if _type(case) is _tuple else (case,)), {}
        want = reference(*_snapshot(args), **_snapshot(kwargs))
        mine_args, mine_kwargs = _snapshot(args), _snapshot(kwargs)
        call = describe_call(label, args, kwargs)
        try:
            got = func(*mine_args, **mine_kwargs)
        except CheckFailed:
            raise
        except Exception as exc:  # the answer failed on this case: say on which, and what was expected
            raise CheckFailed(
                f"{call} raised {_type(exc).__name__}: {exc}\n  expected: {_short(want)}\n  hint: "
                + (
                    hint
                    or "run this call in your notebook with inputs like these: the traceback shows the line that fails."
                )
            ) from None
        _compare_outputs(got, want, call, rtol, atol, hint)
        if check_unchanged:
            for i, (before, after) in enumerate(_zip(args, mine_args)):
                if _isinstance(after, _Generator) or callable(after):  # an rng advances, a function is no data
                    continue
                if not _same(before, after):
                    _changed_in_place(
                        call,
                        params[i] if i < _len(params) else f"argument {i + 1}",
                        before,
                        after,
                        "work on a copy (x = x.copy()) or build a new array; never modify the caller's inputs.",
                    )
            for k in kwargs:
                if not _same(kwargs[k], mine_kwargs[k]):
                    _changed_in_place(
                        call,
                        f"{k}=",
                        kwargs[k],
                        mine_kwargs[k],
                        "work on a copy or build a new array; never modify the caller's inputs.",
                    )


def expect_raises(func, args: tuple, exception=(ValueError, TypeError), *, call: str, hint: str | None = None):
    """Check that ``func(*args)`` raises one of ``exception`` (e.g. a clear error on bad input)."""
    try:
        func(*args)
    except exception:
        return
    except Exception as exc:  # the wrong kind of error
        raise CheckFailed(
            f"{call} raised {_type(exc).__name__}: {exc}; expected "
            f"{getattr(exception, '__name__', exception)}." + (f"\n  hint: {hint}" if hint else "")
        ) from None
    raise CheckFailed(
        f"{call} returned normally; expected it to raise an error." + (f"\n  hint: {hint}" if hint else "")
    )


def _arrays_in(value):
    """The ndarrays inside ``value`` (itself, or inside tuples, lists and dict values), depth first."""
    if _type(value) is _ndarray:
        yield value
    elif _type(value) in (_tuple, _list):
        for item in value:
            yield from _arrays_in(item)
    elif _type(value) is dict:
        for item in value.values():
            yield from _arrays_in(item)


def call_checking_inputs(func, *args, call: str, names=None, hint: str | None = None, **kwargs):
    """Call ``func(*args, **kwargs)``, check that it left every argument unchanged, and return its result.

    A ``numpy.random.Generator`` argument is expected to advance, and a function argument is not data: both
    are left out of the comparison.

    names: the arguments' names for the message (default "argument 1", "argument 2", ...). Arrays, and
    arrays inside tuples, lists and dicts (a list of (W, b) pairs, an optimiser's state) are compared exactly
    with a copy taken before the call. Raises CheckFailed naming the call and the argument that changed.
    """
    before = [_snapshot(a) for a in args]
    before_kw = {k: _snapshot(v) for k, v in kwargs.items()}
    result = func(*args, **kwargs)
    labels = _list(names) if names is not None else [f"argument {i + 1}" for i in range(_len(args))]
    pairs = [
        (labels[i] if i < _len(labels) else f"argument {i + 1}", b, a) for i, (b, a) in enumerate(_zip(before, args))
    ] + [(f"{k}=", before_kw[k], kwargs[k]) for k in kwargs]
    for label, old, new in pairs:
        if _isinstance(new, _Generator) or callable(new):  # an rng advances, a function is not data
            continue
        if not _same(old, new):
            _changed_in_place(call, label, old, new, hint)
    return result


def expect_new_array(got, *inputs, call: str, hint: str | None = None) -> None:
    """Check that the array ``got`` shares no memory with any array in ``inputs`` (not the input, nor a view).

    A function that promises a new array must not return the caller's array itself or a view of it
    (x[:], x.reshape(...), np.asarray(x)): the caller's data would change the moment the result is changed.
    """
    if _type(got) is not _ndarray:
        return
    for value in inputs:
        for arr in _arrays_in(value):
            if got is arr or _bool(_shares_memory(got, arr)):
                _fail(
                    call,
                    "returned the caller's array itself (or a view of it), not a new array.",
                    got,
                    None,
                    hint
                    or "return a new array: x.copy() or np.array(x, dtype=float); "
                    "x[:], x.reshape(...) and np.asarray(x) share the caller's memory.",
                    show_values=False,
                )


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if _type(const) is _type(code):
            yield from _code_objects(const)


def expect_no_reference(func, references, *, call: str, hint: str | None = None) -> None:
    """Check that ``func`` does not use any of the course's reference answers listed in ``references``.

    references: "module:name" strings, e.g. ["nnlib.activations:softmax"]. At grading, an answer that calls
    a reference of its own lesson scores zero; this check tells the learner beforehand. It looks at the names
    the function's code uses (and those of the notebook functions it calls): a global bound to a reference, a
    module holding one (``nnlib.activations.softmax``), or an import of one inside the function.
    """
    import importlib

    wanted = []
    for ref in references:
        module, _, attr = ref.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except Exception:  # an environment without the references: nothing to find
            obj = None
        wanted.append((module, attr, obj))
    seen, todo = set(), [func]
    while todo:
        f = todo.pop()
        code, glb = getattr(f, "__code__", None), getattr(f, "__globals__", {})
        if code is None or id(f) in seen:
            continue
        seen.add(id(f))
        names = set()
        for c in _code_objects(code):
            names.update(c.co_names)
        cells = [c.cell_contents for c in (getattr(f, "__closure__", None) or ()) if _cell_ok(c)]
        values = [glb.get(n) for n in names] + cells
        for module, attr, obj in wanted:
            hit = (obj is not None and any(v is obj for v in values)) or (
                attr in names
                and (
                    module in names
                    or any(getattr(v, "__name__", None) == module for v in values if _type(v).__name__ == "module")
                )
            )
            if hit:
                raise CheckFailed(
                    f"{call} uses {module}.{attr}, the course's reference answer to the exercise {attr!r} of this "
                    "lesson.\n  At grading, an answer that calls a reference of its own lesson scores zero.\n"
                    "  hint: " + (hint or f"call the {attr} you wrote yourself in this notebook instead.")
                )
        todo += [
            v
            for v in values
            if callable(v)
            and getattr(v, "__globals__", None) is glb
            and getattr(v, "__module__", None) == glb.get("__name__")
        ]


def _cell_ok(cell) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True


def check_examples(name: str, func, when=None, errors: bool = True) -> None:
    """The instant check of exercise ``name``: its contract's visible calls (nnlib.contracts), each checked
    against every clause of the exercise's text (values, type, dtype, a new array, inputs unchanged, repeatable
    randomness, the errors it must raise). Raises CheckFailed naming the call and the clause; prints the calls
    checked when all pass. ``when(args, kwargs)`` and ``errors`` select the calls of one test cell where an
    exercise's points are split over several (as ``autograder.contract_grading.grade``)."""
    from .contracts import contract, verify_call, verify_errors

    spec = contract(name)
    if not callable(func):
        raise CheckFailed(f"{name} is a {_type(func).__name__}, expected a function.")
    calls = [(args, kwargs) for args, kwargs in spec.visible if when is None or when(args, kwargs)]
    for args, kwargs in calls:
        broken = verify_call(spec, func, args, kwargs)
        if broken is not None:
            raise CheckFailed(broken.message)
    broken = verify_errors(spec, func) if errors else None
    if broken is not None:
        raise CheckFailed(broken.message)
    print(
        f"{name}: {_len(calls) + (_len(spec.errors) if errors else 0)} calls of its contract keep every clause "
        "of its text:"
    )
    for args, kwargs in calls:
        print("  " + _short(describe_call(name, args, kwargs), 110))
