"""Contracts of lesson 04, depth: what each exercise's text promises (see nnlib.contracts.spec).

tent_params has no contract: many parameter sets are right ("any of them is accepted"), so its hidden checks
compare the network's output with the tent map on 1501 points instead of a reference's parameters.
"""

from __future__ import annotations

import numpy as np

from .domains import array_likes, float_arrays, reals
from .spec import Contract, call

LESSON = "04-depth"


def _sawtooth(st, hnp):
    """Points in [0, 1] (the dyadic ones, where the teeth turn, included), k from 0 to 10."""
    points = st.one_of(st.floats(0.0, 1.0), st.integers(0, 64).map(lambda i: i / 64.0))
    return st.tuples(hnp.arrays(np.float64, st.integers(0, 12), elements=points), st.integers(0, 10)).map(
        lambda pair: (pair, {})
    )


def _piecewise(st, hnp):
    """A piecewise-linear function sampled at 2 to 60 strictly increasing points (even or uneven), with 0 to 5
    kinks on or between the samples, at least 3 samples apart, then scaled (1e10, 1e-7, -1: decreasing, ...)
    and offset (1e6, where the scale leaves the slopes far above the offset's rounding): the domain of the text's
    "relative to the size of the slopes" (issue 21)."""

    def build(draw):
        n = draw(st.integers(2, 60))
        gaps = np.array(draw(st.lists(st.floats(0.5, 1.5), min_size=n - 1, max_size=n - 1)))
        if draw(st.booleans()):
            gaps[:] = 1.0  # even spacing
        x = np.concatenate([[0.0], np.cumsum(gaps)])
        width = draw(st.sampled_from([1.0, 1e-3, 1e3]))
        x = x / x[-1] * width + draw(st.sampled_from([0.0, -5.0, 7.5]))
        slots = list(range(1, n - 2, 3))
        n_kinks = draw(st.integers(0, min(5, len(slots))))
        chosen = sorted(draw(st.permutations(slots))[:n_kinks]) if n_kinks else []
        monotone = draw(st.booleans())  # every slope of one sign
        slopes = [draw(st.floats(0.5, 3.0))]
        for _ in chosen:
            step = draw(st.floats(0.2, 2.0)) * draw(st.sampled_from([-1.0, 1.0]))
            nxt = slopes[-1] + step
            slopes.append(abs(nxt) + 0.2 if monotone else nxt)
        where = [x[s] + draw(st.sampled_from([0.0, 0.3, 0.5, 0.8])) * (x[s + 1] - x[s]) for s in chosen]
        y = slopes[0] * (x - x[0])
        for t, before, after in zip(where, slopes, slopes[1:]):
            y = y + (after - before) * np.maximum(x - t, 0.0)
        scale = draw(st.sampled_from([1.0, -1.0, 1e10, -1e10, 1e-7, -1e-7, 2.5, -0.03]))
        y = y * scale
        if abs(scale) >= 1.0 and width >= 1.0 and draw(st.booleans()):
            y = y + draw(st.sampled_from([1e6, -1e6, 3.0]))
        return (y, x), {}

    return st.composite(build)()


def _layers_domain(st, hnp):
    def build(draw):
        sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
        one = draw(st.integers(0, 3)) == 0
        shape = (sizes[0],) if one else (draw(st.integers(1, 5)), sizes[0])
        X = draw(array_likes(st, hnp, shape, reals(st, 1e3)))
        el = reals(st, 10.0)
        params = [
            (draw(float_arrays(st, hnp, (a, c), el)), draw(float_arrays(st, hnp, (c,), el)))
            for a, c in zip(sizes, sizes[1:])
        ]
        return (X, params), {}

    return st.composite(build)()


def _top_domain(st, hnp):
    """Activations (n, units) with distinct values (the text fixes no order between equal ones): few rows, or
    more than 256, where numpy's partition (np.argpartition) stops returning sorted indices by chance, so that
    "largest first" shows; k from 1 to n."""

    def build(draw):
        n, units = draw(st.one_of(st.integers(1, 20), st.integers(257, 400))), draw(st.integers(1, 4))
        kind = draw(st.sampled_from(["float", "float", "int"]))
        if kind == "int":
            acts = draw(hnp.arrays(np.int64, (n, units), elements=st.integers(-(10**6), 10**6), unique=True))
        else:
            acts = draw(hnp.arrays(np.float64, (n, units), elements=reals(st), unique=True))
        unit = draw(st.integers(0, units - 1))
        k = draw(st.one_of(st.integers(1, n), st.just(n), st.integers(1, min(n, 60))))
        return (acts, unit, k), {}

    return st.composite(build)()


_ACTS = np.array([[0.1, 5.0], [3.0, -1.0], [2.0, 0.0], [-4.0, 7.0]])
_XS = np.linspace(0.0, 1.0, 11)
_X4 = np.array([0.0, 0.2, 0.4, 0.6])
_XU = np.array([0.0, 0.1, 0.3, 0.6, 1.0])
_X41 = np.linspace(0.0, 4.0, 41)

CONTRACTS = [
    Contract(
        name="sawtooth",
        lesson=LESSON,
        reference="nnlib.depth:sawtooth",
        signature="x, k",
        domain=_sawtooth,
        visible=(
            call(np.array([0.0, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0]), 1),
            call(np.array([0.0, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0]), 2),
            call(np.array([0.3]), 3),
            call(np.array([0.0, 0.5, 1.0]), 0),
        ),
        rtol=0.0,
        atol=1e-8,
        sentences={
            "type": "returns a 1-D array (n,)",
            "shape": "a 1-D array (n,)",
            "values": "T^k(x) for every entry of x, by running the tent network k times",
            "new": "For k = 0 it returns the values of x unchanged (as a new array)",
            "unchanged": "Do not modify x.",
        },
        hint="the tent applied k times in a row, each time to the previous output (k = 0: a copy of x).",
    ),
    Contract(
        name="count_linear_pieces",
        lesson=LESSON,
        reference="nnlib.depth:count_linear_pieces",
        signature="y, x",
        domain=_piecewise,
        visible=(
            call(3 * _XS - 1, _XS),
            call(np.abs(_XS - 0.5), _XS),
            call(np.abs(_X4 - 0.3), _X4),
            call(1e-4 * np.abs(_XS - 0.5), _XS),
            call(2 * _XU + 1, _XU),
            call(1e10 * (np.abs(_X41 - 1.05) + 0.5 * _X41), _X41),
            call(-3.0 * _X41 - np.maximum(_X41 - 2.05, 0.0), _X41),
            call(1e6 + 2.0 * _X41 + np.maximum(_X41 - 1.55, 0.0), _X41),
            call(1.0 - 2.0 * _XU, _XU),
        ),
        rtol=0.0,
        new_result=False,
        sentences={
            "type": "Return the number of linear pieces (kinks + 1) as a Python int",
            "values": "count a change only if |s_{i+1} - s_i| > 1e-6 * max_j |s_j|: relative to the size of "
            "the slopes, so the answer does not change when y is multiplied by 1000 (or by 1e10, "
            "or offset, or decreasing); a run of consecutive slope changes is one kink",
        },
        hints={"type": "return int(...): numpy's sum and count give numpy integers."},
        hint="the tolerance is 1e-6 times the largest |slope| (np.max(np.abs(slopes)): the size, whatever the "
        "sign), never a fixed number; a run of consecutive changes is one kink, and pieces = kinks + 1.",
    ),
    Contract(
        name="layer_activations",
        lesson=LESSON,
        reference="nnlib.layers:layer_activations",
        signature="X, params",
        domain=_layers_domain,
        visible=(
            call(
                np.array([[1.0, -1.0], [0.0, 2.0]]),
                [
                    (np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 1.0])),
                    (np.array([[1.0], [-1.0]]), np.array([-3.0])),
                ],
            ),
            call(
                np.array([[1.0, -2.0], [0.5, 1.0]]),
                [
                    (np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]), np.array([0.0, 1.0, 0.5])),
                    (np.array([[1.0, -2.0], [-1.0, 1.0], [2.0, 0.5]]), np.array([-0.5, 0.25])),
                    (np.array([[1.5, -1.0], [-0.5, 2.0]]), np.array([0.1, -0.1])),
                ],
            ),
            call(np.array([2.0, -1.0]), [(np.array([[1.0], [3.0]]), np.array([0.5]))]),
        ),
        rtol=1e-9,
        atol=1e-9,
        scale="max",
        sentences={
            "type": "Return a list with one array per layer",
            "shape": "The list has len(params) entries: (n, d_l) for a batch, (d_l,) for one sample",
            "values": "the hidden layers' outputs after ReLU, and last the output layer's raw logits; its "
            "last entry equals mlp_forward(X, params, relu)",
        },
        hint="one entry per layer: relu(A @ W + b) for every hidden layer, fed forward, and the logits A @ W + b "
        "without ReLU last.",
    ),
    Contract(
        name="top_activating",
        lesson=LESSON,
        reference="nnlib.depth:top_activating",
        signature="acts, unit, k",
        domain=_top_domain,
        visible=(
            call(_ACTS, 0, 2),
            call(_ACTS, 1, 3),
            call(np.array([[0.5, 2.0], [3.0, -1.0], [1.0, 4.0]]), 1, 2),
            call(np.stack([np.arange(300.0) * 7 % 300, -np.arange(300.0)], axis=1), 0, 200),
        ),
        rtol=0.0,
        sentences={
            "type": "returns the indices as an integer array (k,)",
            "dtype": "an integer array",
            "values": "the indices of the k rows with the largest value in column unit, largest first",
        },
        hint="rank the column acts[:, unit] from the largest value down (np.argsort of -column, or a full sort "
        "after a partition) and keep the first k row indices.",
    ),
]
