"""Contracts of lesson 02, activations: what each exercise's text promises (see nnlib.contracts.spec)."""

from __future__ import annotations

import numpy as np

from .domains import array_likes, float_arrays, one_arg, reals, shapes
from .spec import Clause, Contract, Property, Raises, call

LESSON = "02-activations"

_NEW_FLOAT = {
    "type": "returns a new float array of the same shape",
    "dtype": "a float array (float64), also for integer or boolean x",
    "new": "a new array; x is left unchanged",
}


def _elementwise(st, hnp, magnitude=1e8, kinds=("float", "int")):
    return one_arg(array_likes(st, hnp, shapes(st, hnp), elements=reals(st, magnitude), kinds=kinds))


def _in_range(low: float, high: float, what: str) -> Property:
    def check(args, kwargs, got, want):
        values = np.asarray(got, dtype=np.float64)
        slack = 1e-12  # rounding: e / (1 + e)**2 gives 0.25000000000000006 at x = 2e-13
        if values.size and (np.nanmin(values) < low - slack or np.nanmax(values) > high + slack):
            return (
                f"returned values outside [{low:g}, {high:g}] ({float(np.nanmin(values)):.3g} to "
                f"{float(np.nanmax(values)):.3g})"
            )
        return None

    return Property(
        Clause("range", f"values in [{low:g}, {high:g}]", f"{what} can never leave [{low:g}, {high:g}]."), check
    )


def _sums_to_one(args, kwargs, got, want):
    axis = kwargs.get("axis", args[1] if len(args) > 1 else -1)
    total = np.sum(np.asarray(got, dtype=np.float64), axis=axis)
    if total.size and np.max(np.abs(total - 1.0)) > 1e-9:
        return f"returned slices along axis {axis} that sum to {float(total.flat[np.argmax(np.abs(total - 1))]):.6g}, not 1"
    return None


CONTRACTS = [
    Contract(
        name="collapse_linear",
        lesson=LESSON,
        reference="nnlib.layers:collapse_linear",
        signature="W1, b1, W2, b2",
        domain=lambda st, hnp: (
            st.tuples(*(st.integers(1, 5),) * 3)
            .flatmap(
                lambda dims: st.tuples(
                    float_arrays(st, hnp, (dims[0], dims[1]), reals(st, 1e3)),
                    float_arrays(st, hnp, (dims[1],), reals(st, 1e3)),
                    float_arrays(st, hnp, (dims[1], dims[2]), reals(st, 1e3)),
                    float_arrays(st, hnp, (dims[2],), reals(st, 1e3)),
                )
            )
            .map(lambda a: (a, {}))
        ),
        visible=(
            call(np.array([[1.0, 2.0]]), np.array([0.5, -1.0]), np.array([[1.0], [3.0]]), np.array([2.0])),
            call(np.eye(2), np.zeros(2), np.array([[2.0, 0.0, 1.0], [0.0, 3.0, -1.0]]), np.array([1.0, 1.0, 1.0])),
            call(
                np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]]),
                np.array([1.0, 2.0, 3.0]),
                np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
                np.zeros(2),
            ),
        ),
        rtol=1e-9,
        atol=1e-9,
        scale="max",
        containers="sequence",
        sentences={
            "type": "returns (W, b): a pair of arrays (a tuple, or a list)",
            "shape": "W: (d, k) and b: (k,)",
            "values": "(X @ W1 + b1) @ W2 + b2 == X @ W + b for every X",
        },
        hint="expand (X @ W1 + b1) @ W2 + b2: the part that multiplies X is W, the rest, b1 included, is b.",
    ),
    Contract(
        name="relu",
        lesson=LESSON,
        reference="nnlib.activations:relu",
        signature="x",
        domain=lambda st, hnp: _elementwise(st, hnp, kinds=("float", "int", "bool")),
        visible=(
            call(np.array([-2.0, 0.0, 3.0])),
            call(np.array([[-1.0, 2.0, -3.0], [4.0, -5.0, 0.5]])),
            call(np.array([1.0, 2.0])),
            call(np.array([[-3, 2], [0, 5]])),
            call(np.array([True, False])),
        ),
        rtol=0.0,
        sentences=_NEW_FLOAT,
        hint="max(0, x) element by element, for any shape: negative entries become 0, the others stay.",
    ),
    Contract(
        name="relu_grad",
        lesson=LESSON,
        reference="nnlib.activations:relu_grad",
        signature="x",
        domain=_elementwise,
        visible=(
            call(np.array([-2.0, 0.0, 3.0])),
            call(np.array([[0.5, -0.5], [0.0, 1e-9]])),
            call(np.array([-1, 0, 2])),
        ),
        rtol=0.0,
        sentences=dict(_NEW_FLOAT, values="1.0 where x > 0, 0.0 where x <= 0 (0 at the corner x = 0)"),
        hint="the slope is 1 where x > 0 and 0 elsewhere, x = 0 included.",
    ),
    Contract(
        name="sigmoid",
        lesson=LESSON,
        reference="nnlib.activations:sigmoid",
        signature="x",
        domain=lambda st, hnp: _elementwise(st, hnp, 1e4),
        visible=(
            call(np.array([0.0, 2.0, -2.0])),
            call(np.array([-1000.0, 1000.0])),
            call(np.array([[-30.0, -745.0], [30.0, 0.5]])),
            call(np.array([-3, 0, 3])),
        ),
        rtol=1e-10,
        atol=1e-15,
        properties=(_in_range(0.0, 1.0, "1 / (1 + exp(-x))"),),
        sentences=dict(
            _NEW_FLOAT,
            values="1 / (1 + exp(-x)), element by element, without overflow for large |x| "
            "(to 1e-10 relative or 1e-15 absolute, float64's precision near 1: clipping x at +-25 is off by 1e-11 "
            "at x = -30)",
        ),
        hint="1 / (1 + exp(-x)) must not overflow for large |x|, and must keep tiny results such as sigmoid(-30) "
        "accurate: the lesson's stable form computes exp only of numbers <= 0.",
    ),
    Contract(
        name="sigmoid_grad",
        lesson=LESSON,
        reference="nnlib.activations:sigmoid_grad",
        signature="x",
        domain=lambda st, hnp: _elementwise(st, hnp, 1e4),
        visible=(call(np.array([0.0, 2.0, -2.0])), call(np.array([-1000.0, 1000.0])), call(np.array([-30.0, 30.0]))),
        rtol=1e-9,
        atol=1e-15,
        properties=(_in_range(0.0, 0.25, "sigmoid(x) * (1 - sigmoid(x))"),),
        sentences=dict(_NEW_FLOAT, values="sigmoid(x) * (1 - sigmoid(x)), x the input of sigmoid"),
        hint="the slope is s * (1 - s) with s = sigmoid(x) of the input x, not of the output.",
    ),
    Contract(
        name="softmax",
        lesson=LESSON,
        reference="nnlib.activations:softmax",
        signature="z, axis=-1",
        domain=lambda st, hnp: (
            shapes(st, hnp, 1, 3, 5, 1)
            .flatmap(
                lambda shape: st.tuples(
                    array_likes(st, hnp, shape, reals(st, 1e4), kinds=("float", "int", "list")),
                    st.sampled_from([None] + list(range(-len(shape), len(shape)))),
                )
            )
            .map(lambda p: ((p[0],), {} if p[1] is None else {"axis": p[1]}))
        ),
        visible=(
            call(np.array([1.0, 2.0, 3.0])),
            call(np.array([[1000.0, 1001.0], [-1000.0, -1000.0]])),
            call(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0),
            call(np.array([[0.0, 1.0, 2.0]]), axis=0),
            call(np.array([1, 2, 3])),
        ),
        rtol=1e-9,
        atol=1e-300,
        properties=(
            Property(
                Clause("sums", "non-negative, summing to 1 along axis", "divide by the sum along the same axis."),
                _sums_to_one,
            ),
        ),
        sentences=dict(_NEW_FLOAT, values="exp(z) / sum(exp(z)) along axis only, computed without overflow"),
        hint="normalise along `axis` only, after subtracting the maximum along that same axis.",
    ),
    Contract(
        name="gelu",
        lesson=LESSON,
        reference="nnlib.activations:gelu",
        signature="x",
        # no empty arrays: np.vectorize(math.erf), which the text suggests, refuses them
        domain=lambda st, hnp: one_arg(array_likes(st, hnp, shapes(st, hnp, min_side=1), reals(st, 1e4))),
        visible=(
            call(np.array([-1.0, 0.0, 1.0])),
            call(np.array([[3.0, -3.0], [0.5, -10.0]])),
            call(np.array([-2, 2])),
        ),
        rtol=1e-9,
        atol=1e-12,
        sentences=dict(_NEW_FLOAT, values="the exact form x * Phi(x) = 0.5 x (1 + erf(x/sqrt 2))"),
        hint="the exact GELU uses the error function, not the tanh approximation.",
    ),
    Contract(
        name="gelu_tanh",
        lesson=LESSON,
        reference="nnlib.activations:gelu_tanh",
        signature="x",
        domain=lambda st, hnp: _elementwise(st, hnp, 1e4),
        visible=(
            call(np.array([-1.0, 0.0, 1.0])),
            call(np.array([[3.0, -3.0], [0.5, -10.0]])),
            call(np.array([-2, 2])),
        ),
        rtol=1e-9,
        atol=1e-12,
        sentences=dict(_NEW_FLOAT, values="0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))"),
        hint="the approximation has a cubic term 0.044715 x^3 inside the tanh, scaled by sqrt(2/pi).",
    ),
]


def _attention_domain(st, hnp):
    def build(draw):
        batch = draw(st.sampled_from([(), (1,), (2,), (3,)]))
        n_q, n_k, d_k, d_v = (draw(st.integers(1, 4)) for _ in range(4))
        el = reals(st, 30.0)
        Q = draw(float_arrays(st, hnp, batch + (n_q, d_k), el))
        K = draw(float_arrays(st, hnp, batch + (n_k, d_k), el))
        V = draw(float_arrays(st, hnp, batch + (n_k, d_v), reals(st, 1e3)))
        if not draw(st.booleans()):
            return (Q, K, V), {}
        mask = draw(hnp.arrays(np.bool_, (n_q, n_k)))
        mask[np.arange(n_q), draw(hnp.arrays(np.int64, (n_q,), elements=st.integers(0, n_k - 1)))] = True
        return (Q, K, V), {"mask": mask}

    return st.composite(build)()


_Q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_K = np.array([[1.0, 0.0], [0.0, 1.0]])
_V = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
_EMPTY_ROW_2 = np.array([[True, False], [True, True], [False, False]])

CONTRACTS.append(
    Contract(
        name="attention",
        lesson=LESSON,
        reference="nnlib.attention:attention",
        signature="Q, K, V, mask=None",
        domain=_attention_domain,
        visible=(
            call(_Q, _K, _V),
            call(_Q, _K, _V, mask=np.array([[True, False], [True, True], [False, True]])),
            call(np.stack([_Q, -_Q]), np.stack([_K, _K]), np.stack([_V, 2 * _V])),
            call(_Q * 1e3, _K * 1e3, _V),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        errors=(
            Raises(
                (_Q, _K, _V),
                {"mask": _EMPTY_ROW_2},
                ValueError,
                ("2",),
                Clause(
                    "errors",
                    "raises ValueError naming the row when a query has no allowed key",
                    "check mask.any(axis=-1) before the softmax and name the first row without a True.",
                ),
            ),
            Raises(
                (np.stack([_Q, _Q]), np.stack([_K, _K]), np.stack([_V, _V])),
                {"mask": np.array([[True, True], [True, True], [False, False]])},
                ValueError,
                ("2",),
                Clause("errors", "raises ValueError naming the row when a query has no allowed key"),
            ),
        ),
        sentences={
            "values": "softmax(Q @ K^T / sqrt(d_k)) @ V along the keys; a forbidden key gets weight exactly 0",
            "shape": "float64 (n_q, d_v), or (b, n_q, d_v) for a batch",
        },
        hint="scale the scores by sqrt(d_k), the length of one query; forbidden keys must get weight exactly 0 before "
        "the softmax along the keys.",
    )
)
