"""Every generic clause of every contract catches an answer that breaks that clause alone.

For each exercise, the nnlib reference is wrapped into "mutants", each right in every way but one: it returns
a list where the text asks for an array (type), float32 values (dtype), one axis too many (shape), values off
by a part in ten thousand (values), the caller's own array when the result equals it (new), a changed input
(unchanged), or draws from a generator of its own instead of the rng it is given (repeatable). The mutant must
fail the contract — the instant check or the grade drawn from the domain — with a message that names the very
clause it breaks. A clause no mutant of its kind can reach on the exercise's domain (an answer never equal to
an input, so `new` cannot be broken alone) is listed by the last test, which keeps that list from growing.
The wrong variants of tests/lessons carry the exercise-specific mistakes through the sandboxed grader.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.contract_grading import grade
from nnlib.checks import CheckFailed, check_examples
from nnlib.contracts import CONTRACTS


def _first_array(value):
    if type(value) is np.ndarray:
        return value
    if type(value) in (tuple, list):
        for item in value:
            found = _first_array(item)
            if found is not None:
                return found
    return None


def _replace_first_array(value, change):
    """``value`` with its first array replaced by ``change(array)`` (tuples and lists rebuilt alike)."""
    if type(value) is np.ndarray:
        return change(value)
    if type(value) in (tuple, list):
        items, done = [], False
        for item in value:
            if not done and _first_array(item) is not None:
                items.append(_replace_first_array(item, change))
                done = True
            else:
                items.append(item)
        return type(value)(items)
    return value


def _wrong_type(out):
    if type(out) is np.ndarray:
        return out.tolist()
    if type(out) is tuple:
        return list(out)
    if type(out) is list:
        return tuple(out)
    if type(out) is bool:
        return np.bool_(out)
    if type(out) is int:
        return np.int64(out)
    if isinstance(out, float):
        return np.float32(out)
    return None


def _wrong_dtype(out):
    arr = _first_array(out)
    if arr is None:
        return None
    return _replace_first_array(out, lambda a: a.astype(np.float32) if a.dtype.kind == "f" else a.astype(np.float64))


def _wrong_shape(out):
    return None if _first_array(out) is None else _replace_first_array(out, lambda a: a[np.newaxis])


def _wrong_values(out):
    if type(out) is np.ndarray or _first_array(out) is not None:

        def nudge(a):
            if a.dtype.kind == "f":
                return a * (1 + 1e-4) + 1e-4
            if a.dtype.kind == "b":
                return ~a
            return a + 1

        return _replace_first_array(out, nudge)
    if type(out) is bool:
        return not out
    if type(out) is int:
        return out + 1
    if isinstance(out, float):
        return float(out) * (1 + 1e-4) + 1e-4
    return None


def _where_it_applies(change):
    """A mutant that changes the reference's result where ``change`` applies to it, and returns it as it is
    elsewhere (a number has no dtype to get wrong)."""

    def make(ref):
        def mutant(*args, **kwargs):
            out = ref(*args, **kwargs)
            changed = change(out)
            return out if changed is None else changed

        return mutant

    return make


MUTATIONS = {
    "type": _where_it_applies(_wrong_type),
    "dtype": _where_it_applies(_wrong_dtype),
    "shape": _where_it_applies(_wrong_shape),
    "values": _where_it_applies(_wrong_values),
}


def _same_input(ref):
    def mutant(*args, **kwargs):
        out = ref(*args, **kwargs)
        for a in (*args, *kwargs.values()):
            if type(a) is np.ndarray and type(out) is np.ndarray and a.shape == out.shape and a.dtype == out.dtype:
                if np.array_equal(a, out):
                    return a
        return out

    return mutant


def _changes_input(ref):
    def mutant(*args, **kwargs):
        out = ref(*args, **kwargs)
        target = _first_array(list(args) + list(kwargs.values()))
        if target is not None and target.size and target.flags.writeable:
            target.flat[0] = target.flat[0] + 1 if target.dtype.kind != "b" else not target.flat[0]
        return out

    return mutant


def _own_generator(ref, rng_arg, signature):
    names = [p.split("=")[0].strip() for p in signature.split(",") if p.strip() and p.strip() != "*"]
    position = names.index(rng_arg)

    def mutant(*args, **kwargs):
        args = list(args)
        if position < len(args):
            args[position] = np.random.default_rng()
        else:
            kwargs[rng_arg] = np.random.default_rng()
        return ref(*args, **kwargs)

    return mutant


def mutants(name: str):
    """(clause, mutant) for every generic clause of the contract that a mutant of its kind can break."""
    spec = CONTRACTS[name]
    ref = spec.reference_function()
    keys = {c.key for c in spec.clauses()}
    # a number has no dtype or shape of its own (its type clause covers float32): those mutants need an array
    gives_arrays = any(_first_array(ref(*args, **kwargs)) is not None for args, kwargs in spec.visible)
    found = [(k, make(ref)) for k, make in MUTATIONS.items() if k in keys and (gives_arrays or k in ("type", "values"))]
    if "new" in keys:
        found.append(("new", _same_input(ref)))
    if "unchanged" in keys:
        found.append(("unchanged", _changes_input(ref)))
    takes_generator = spec.rng_arg and any(
        isinstance(v, np.random.Generator) for args, kwargs in spec.visible for v in (*args, *kwargs.values())
    )
    if takes_generator and "repeatable" in keys:
        found.append(("repeatable", _own_generator(ref, spec.rng_arg, spec.signature)))
    return found


def caught_by(name: str, mutant) -> str | None:
    """The clause named by the first failure of ``mutant`` (the instant check, then the grade), or None."""
    for check in (lambda: check_examples(name, mutant), lambda: grade(name, mutant, max_examples=30)):
        try:
            with np.errstate(all="ignore"):
                check()
        except CheckFailed as failure:
            found = re.search(r"\[clause: ([\w-]+)\]", str(failure))
            return found.group(1) if found else str(failure)[:200]
    return None


_NEVER_AN_INPUT = "the result never equals an input on the domain: returning an input is also a wrong value"
_SEQUENCE = "the text accepts a tuple or a list (containers='sequence')"
_NO_ARRAY_INPUT = "its inputs hold no array to change (ints, lists of ints)"
#: (exercise, clause) pairs that no mutant of the generic kind can break alone, and why. The last test checks
#: that each really is out of reach, so the list cannot hide a clause that has stopped catching mistakes.
UNREACHABLE = {
    **{
        (n, "new"): _NEVER_AN_INPUT
        for n in (
            "adam_step",
            "binary_cross_entropy_grad",
            "collapse_linear",
            "dense_backward",
            "init_dense",
            "is_linearly_separable",
            "layer_activations",
            "poison_with_trigger",
            "predict_class",
            "recover_input_from_gradients",
            "sgd_step",
            "softmax",
            "top_activating",
            "train",
            "weighted_sum",
        )
    },
    **{(n, "type"): _SEQUENCE for n in ("adam_step", "collapse_linear", "sgd_step", "train")},
    ("count_parameters", "unchanged"): _NO_ARRAY_INPUT,
    ("init_dense", "unchanged"): _NO_ARRAY_INPUT,
    ("init_dense", "values"): "W is random: its distribution is judged by the test cell's statistical checks",
}
#: Where the text fixes the random draws, a result drawn from another generator is first of all a wrong value.
ALSO_REPORTED = {("train", "repeatable"): "values"}

ALL = [(name, clause) for name in sorted(CONTRACTS) for clause, _ in mutants(name)]
CASES = [case for case in ALL if case not in UNREACHABLE]


@pytest.mark.parametrize(("name", "clause"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_a_mutant_breaking_one_clause_is_caught_by_that_clause(name, clause):
    mutant = dict(mutants(name))[clause]
    got = caught_by(name, mutant)
    assert got is not None, f"{name}: an answer that breaks only its {clause!r} clause passes its contract"
    assert got in (clause, ALSO_REPORTED.get((name, clause))), f"{name}: the {clause!r} mutant was reported as {got!r}"


@pytest.mark.parametrize(("name", "clause"), sorted(UNREACHABLE), ids=[f"{n}-{c}" for n, c in sorted(UNREACHABLE)])
def test_the_unreachable_clauses_are_really_out_of_reach(name, clause):
    assert (name, clause) in ALL, f"{name} has no {clause!r} mutant any more: drop it from UNREACHABLE"
    assert caught_by(name, dict(mutants(name))[clause]) is None, (
        f"{name}: its {clause!r} mutant is caught now; move it back to the tested cases"
    )
