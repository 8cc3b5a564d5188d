"""Contracts of lesson 01, one neuron: what each exercise's text promises (see nnlib.contracts.spec).

AND_PARAMS and OR_PARAMS are constants: their test cells keep hand-written checks (the four corners of the
truth table, judged with exact arithmetic), no contract.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..activations import identity, relu, sigmoid, step, tanh
from .domains import float_arrays, reals
from .spec import Contract, call

LESSON = "01-neuron"

#: A dot product's rounding depends on the order of its additions (x @ w, np.sum(x * w), a Python loop, einsum
#: all add in different orders), by up to about (d + 1) * 2^-53 * (|x| . |w| + |b|). The domains keep only
#: sums at least CONDITION times that size, so any order lands within the contracts' rtol of 1e-9; sums that
#: cancel to (nearly) nothing are left to the hand-written checks. Sums of exact zeros are kept.
CONDITION = 1e-5


def well_conditioned(z, size) -> bool:
    """True when every |z| is at least CONDITION * size (or size is exactly 0): rounding cannot matter."""
    z = np.abs(np.asarray(z, dtype=np.float64))
    size = np.asarray(size, dtype=np.float64)
    return bool(np.all((z >= CONDITION * size) | (size == 0)))


def _sum_is_stable(args) -> bool:
    x, w, b = args[:3]
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return well_conditioned(x @ w + b, np.abs(x) @ np.abs(w) + abs(float(b)))


def _samples(st, hnp):
    """(x, w, b): x one sample (d,) or a batch (n, d) with n from 0, w (d,), b a Python float or int or a
    numpy float; magnitudes 1e-8 to 1e8 of both signs."""

    def build(draw):
        d = draw(st.integers(1, 6))
        shape = draw(st.sampled_from([(d,), (d,), "batch"]))
        if shape == "batch":
            shape = (draw(st.integers(0, 6)), d)
        x = draw(float_arrays(st, hnp, shape))
        w = draw(float_arrays(st, hnp, (d,)))
        b = draw(st.one_of(reals(st), reals(st).map(np.float64), st.integers(-1000, 1000)))
        return x, w, b

    return st.composite(build)()


def doubled(z):
    """An activation of the learner's own kind: 2 z (a numpy scalar for one sample)."""
    return 2.0 * z


def _neuron_domain(st, hnp):
    scalar_out = [step, relu, tanh, np.tanh, doubled]  # give a number for one number
    array_out = [sigmoid, identity]  # give a 0-d array for one number: batches only

    def pick(xwb):
        x = xwb[0]
        return st.sampled_from(scalar_out if x.ndim == 1 else scalar_out + array_out).map(lambda f: (*xwb, f))

    return _samples(st, hnp).flatmap(pick).filter(_sum_is_stable).map(lambda a: (a, {}))


_X3 = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 1.0]])

CONTRACTS = [
    Contract(
        name="weighted_sum",
        lesson=LESSON,
        reference="nnlib.neuron:weighted_sum",
        signature="x, w, b",
        domain=lambda st, hnp: _samples(st, hnp).filter(_sum_is_stable).map(lambda a: (a, {})),
        visible=(
            call(np.array([2.0, -1.0, 0.5]), np.array([0.4, 0.3, -1.0]), 0.1),
            call(np.array([1.0, 2.0]), np.array([3.0, 4.0]), 0.0),
            call(_X3, np.array([3.0, 4.0]), -1.0),
            call(np.array([[1e8, 2.0, -3e-8]]), np.array([1e-8, -1.0, 1e8]), 7),
        ),
        rtol=1e-9,
        sentences={
            "type": "Returns: a number for one sample, an array (n,) for a batch",
            "shape": "a number for one sample (d,), an array (n,) for a batch (n, d)",
            "values": "z = x . w + b: one dot product per sample, the bias added once",
            "new": "a new array for a batch (never x, w, nor a view of them)",
            "unchanged": "x, w and b are left unchanged",
        },
        hint="x @ w is one dot product for a sample (d,) and one per row for a batch (n, d); add b once.",
    ),
    Contract(
        name="neuron",
        lesson=LESSON,
        reference="nnlib.neuron:neuron",
        signature="x, w, b, activation",
        domain=_neuron_domain,
        visible=(
            call(np.array([2.0, -1.0, 0.5]), np.array([0.4, 0.3, -1.0]), 0.1, step),
            call(np.array([[1.0, 2.0], [-3.0, 0.0]]), np.array([1.0, -1.0]), 0.5, relu),
            call(np.array([[1.0, 2.0], [-3.0, 0.5]]), np.array([1.0, -1.0]), 0.5, sigmoid),
            call(np.array([1.0, -2.0]), np.array([0.5, 0.25]), -1.0, doubled),
        ),
        rtol=1e-9,
        atol=1e-12,
        sentences={
            "type": "Returns: a number for one sample, an array (n,) for a batch",
            "shape": "a number for one sample (d,), an array (n,) for a batch (n, d)",
            "values": "activation(x . w + b): the activation you are given, on the weighted sum",
            "unchanged": "x, w and b are left unchanged",
        },
        hint="the bias goes inside, and the activation you are given acts once, on the weighted sum.",
    ),
]


def _corners(st, hnp):
    """(X, y): the four corners of the unit square in any order (float or int), with any 0/1 labels (int or
    float) in the same order."""
    corners = np.array(list(itertools.product([0.0, 1.0], repeat=2)))

    def build(draw):
        order = draw(st.permutations(range(4)))
        labels = np.array(draw(st.tuples(*(st.integers(0, 1),) * 4)))
        X = corners[list(order)]
        y = labels[list(order)]
        X = X.astype(draw(st.sampled_from([np.float64, np.int64])))
        y = y.astype(draw(st.sampled_from([np.int64, np.float64])))
        return (X, y), {}

    return st.composite(build)()


CONTRACTS.append(
    Contract(
        name="is_linearly_separable",
        lesson=LESSON,
        reference="nnlib.neuron:is_linearly_separable",
        signature="X, y",
        domain=_corners,
        visible=(
            call(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 0, 0, 1])),
            call(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])),
            call(np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0, 1, 0, 0])),
            call(np.array([[1, 1], [0, 1], [1, 0], [0, 0]]), np.array([1.0, 0.0, 0.0, 1.0])),
        ),
        max_examples=60,
        sentences={
            "type": "Returns: True or False (a Python bool: bool(...) of a numpy result)",
            "values": "whether one step neuron, step(X @ w + b), can reproduce the 0/1 labels y exactly, the "
            "rows of X in any order",
            "unchanged": "X and y are left unchanged",
        },
        hint="judge every candidate line on every row of X, in the order given, and return True only if one line "
        "gets all four rows right.",
    )
)

__all__ = ["CONTRACTS", "CONDITION", "well_conditioned", "doubled"]
