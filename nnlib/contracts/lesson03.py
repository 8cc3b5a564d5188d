"""Contracts of lesson 03, architecture: what each exercise's text promises (see nnlib.contracts.spec)."""

from __future__ import annotations

import numpy as np

from ..activations import relu, sigmoid, tanh
from .domains import array_likes, float_arrays, reals
from .lesson01 import well_conditioned
from .spec import Clause, Contract, Property, Raises, call

LESSON = "03-architecture"


# ------------------------------------------------------------------------------------------------------
# dense_forward
# ------------------------------------------------------------------------------------------------------
def _dense_domain(st, hnp):
    """(X, W, b): X one sample (d_in,) or a batch (n, d_in) with n from 0, W (d_in, d_out), b (d_out,); each a
    float64 or an integer array (the text promises float64 values all the same); magnitudes 1e-8 to 1e8."""

    def build(draw):
        d_in, d_out = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        x_shape = draw(st.sampled_from([(d_in,), "batch", "batch"]))
        if x_shape == "batch":
            x_shape = (draw(st.integers(0, 6)), d_in)
        return tuple(draw(array_likes(st, hnp, shape)) for shape in (x_shape, (d_in, d_out), (d_out,)))

    def stable(args):  # rounding of X @ W depends on the order of the additions (see lesson01.CONDITION)
        X, W, b = (np.asarray(a, dtype=np.float64) for a in args)
        return well_conditioned(X @ W + b, np.abs(X) @ np.abs(W) + np.abs(b))

    return st.composite(build)().filter(stable).map(lambda a: (a, {}))


_X = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
_W = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])
_B = np.array([0.1, -0.2])

_DENSE = Contract(
    name="dense_forward",
    lesson=LESSON,
    reference="nnlib.layers:dense_forward",
    signature="X, W, b",
    domain=_dense_domain,
    visible=(
        call(_X, _W, _B),
        call(_X[0].copy(), _W, _B),
        call(np.array([[1, 2], [3, -4]]), np.array([[1, 0, 2], [0, 1, -1]]), np.array([0, 5, 1])),
        call(np.array([[2e8, -1e-8]]), np.array([[1e-8], [3e8]]), np.array([0.5])),
    ),
    rtol=1e-9,
    sentences={
        "type": "Returns: Z, a new array",
        "dtype": "return float64 values (also when X, W and b hold integers)",
        "shape": "(n, d_out) for a batch X: (n, d_in), (d_out,) for a single sample X: (d_in,)",
        "values": "Z = X @ W + b",
        "new": "Z is a new array (never X, W, b or a view of them)",
        "unchanged": "leave its inputs unchanged",
    },
    hint="Z = X @ W + b, with W as given (not W.T), the bias added, no activation; np.asarray(X, dtype=float) "
    "makes integer inputs float64 first.",
)


# ------------------------------------------------------------------------------------------------------
# count_parameters
# ------------------------------------------------------------------------------------------------------
def _sizes_domain(st, hnp):
    sizes = st.lists(st.one_of(st.integers(1, 10), st.integers(1, 5000)), min_size=2, max_size=6)
    return st.tuples(sizes, st.booleans()).map(lambda p: ((tuple(p[0]) if p[1] else p[0],), {}))


_COUNT = Contract(
    name="count_parameters",
    lesson=LESSON,
    reference="nnlib.layers:count_parameters",
    signature="layer_sizes",
    domain=_sizes_domain,
    visible=(call([2, 3, 1]), call([64, 128, 64, 10]), call((10, 4, 3)), call([1, 1])),
    rtol=0.0,
    new_result=False,
    sentences={
        "type": "Return the number of weights plus biases ... as a Python int (not a numpy integer)",
        "values": "the sum over neighbouring sizes of d_in * d_out weights and d_out biases",
        "unchanged": "layer_sizes is left unchanged",
    },
    hint="each pair of neighbouring sizes (d_in, d_out) has d_in * d_out weights and d_out biases; return int(...) "
    "of the total, a Python int.",
)


# ------------------------------------------------------------------------------------------------------
# mlp_forward and transformer_mlp
# ------------------------------------------------------------------------------------------------------
def doubled(z):
    """An activation of the learner's own kind, not one of nnlib's."""
    return 2.0 * z


def _network(st, hnp, n_layers, x_magnitude=100.0, magnitude=10.0):
    """(X, params): a sample (d_0,) or a batch (n, d_0), n from 0, and n_layers (W, b) pairs, widths 1 to 4.
    Moderate magnitudes: the layers' rounding (and a ReLU's kink) must stay below the tolerance."""

    def build(draw):
        sizes = [draw(st.integers(1, 4)) for _ in range(draw(n_layers) + 1)]
        x_shape = draw(st.sampled_from([(sizes[0],), "batch", "batch"]))
        if x_shape == "batch":
            x_shape = (draw(st.integers(0, 5)), sizes[0])
        X = draw(float_arrays(st, hnp, x_shape, reals(st, x_magnitude)))
        params = [
            (
                draw(float_arrays(st, hnp, (a, b), reals(st, magnitude))),
                draw(float_arrays(st, hnp, (b,), reals(st, magnitude))),
            )
            for a, b in zip(sizes[:-1], sizes[1:])
        ]
        return X, params

    return st.composite(build)()


def _mlp_domain(st, hnp):
    activations = st.sampled_from([relu, np.tanh, sigmoid, tanh, doubled])
    return st.tuples(_network(st, hnp, st.integers(1, 3)), activations).map(lambda p: ((*p[0], p[1]), {}))


_P1 = np.array([[1.0, 2.0, -1.0], [0.5, 1.0, 1.0]]), np.array([0.0, 0.5, 1.0])
_P2 = np.array([[1.0, -1.0], [-2.0, 1.0], [3.0, 0.5]]), np.array([0.5, 0.0])
_DEEP = [
    (np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]), np.array([0.0, 1.0, 0.5])),
    (np.array([[1.0, -2.0], [-1.0, 1.0], [2.0, 0.5]]), np.array([-0.5, 0.25])),
    (np.array([[1.5, -1.0], [-0.5, 2.0]]), np.array([0.1, -0.1])),
]

_MLP = Contract(
    name="mlp_forward",
    lesson=LESSON,
    reference="nnlib.layers:mlp_forward",
    signature="X, params, activation",
    domain=_mlp_domain,
    visible=(
        call(np.array([1.0, -2.0]), [_P1, _P2], relu),
        call(np.array([[1.0, -2.0], [0.0, 0.0]]), [_P1, _P2], relu),
        call(np.array([1.0, -2.0]), [(np.array([[2.0], [-1.0]]), np.array([-1.0]))], np.tanh),
        call(np.array([[1.0, -2.0], [0.5, 1.0]]), _DEEP, np.tanh),
    ),
    rtol=1e-9,
    atol=1e-7,
    scale="max",
    sentences={
        "type": "Returns: the logits, a new array",
        "dtype": "the logits, float64",
        "shape": "(n, d_L) for a batch (n, d_0), or (d_L,) for a single sample (d_0,)",
        "values": "activation after every hidden layer, none after the output layer, for any number of layers",
        "new": "build new arrays (the logits are never X, a weight, or a view of them)",
        "unchanged": "leave the inputs unchanged (do not write into X or the weights)",
    },
    hint="loop over every (W, b) in params: Z = A @ W + b, then the activation you are given after every layer "
    "but the last, whose Z is returned as it is.",
)


def _transformer_domain(st, hnp):
    return _network(st, hnp, st.just(2)).map(lambda p: (p, {}))


_T = (
    np.array([[1.0, -1.0, 0.5, 0.0, 2.0, 0.0, -0.5, 1.0], [0.0, 1.0, 0.5, -1.0, 0.0, 1.0, 0.0, 0.5]]),
    np.array([0.0, 0.5, 0.0, -0.5, 0.0, 0.0, 1.0, 0.0]),
    np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [0.5, -0.5], [0.0, 2.0], [1.0, 0.0], [0.0, -1.0]]),
    np.array([0.1, -0.1]),
)

_TRANSFORMER = Contract(
    name="transformer_mlp",
    lesson=LESSON,
    reference="nnlib.layers:transformer_mlp",
    signature="X, params",
    domain=_transformer_domain,
    visible=(
        call(np.array([[1.0, -2.0], [0.5, 0.0]]), [(_T[0], _T[1]), (_T[2], _T[3])]),
        call(np.array([1.0, -2.0]), [(_T[0], _T[1]), (_T[2], _T[3])]),
        call(np.array([[0.3, -0.2, 0.1]]), [(np.eye(3), np.zeros(3)), (np.ones((3, 1)), np.array([0.5]))]),
    ),
    rtol=1e-9,
    atol=1e-7,
    scale="max",
    sentences={
        "type": "Returns: a new array",
        "dtype": "float64 logits, also for integer inputs",
        "shape": "(n_tokens, d_out), or (d_out,) for one token (d_model,)",
        "values": "GELU(X W1 + b1) W2 + b2, the exact GELU, without adding X",
        "new": "a new array (never X, a weight, or a view of them)",
        "unchanged": "leave its inputs unchanged",
    },
    hint="gelu(X @ W1 + b1) @ W2 + b2: the exact GELU after the first layer only, and no residual X added.",
)


# ------------------------------------------------------------------------------------------------------
# init_dense
# ------------------------------------------------------------------------------------------------------
def _init_domain(st, hnp):
    def build(draw):
        d_in, d_out = draw(st.integers(1, 8)), draw(st.integers(1, 8))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        scheme = draw(st.sampled_from([None, "he", "xavier"]))
        if scheme is None:
            return (d_in, d_out, rng), {}
        return ((d_in, d_out, rng, scheme), {}) if draw(st.booleans()) else ((d_in, d_out, rng), {"scheme": scheme})

    return st.composite(build)()


def _zero_bias(args, kwargs, got, want):
    b = np.asarray(got[1])
    return None if not np.any(b) else f"returned biases {b!r}; the text asks for zeros"


def _unknown(scheme: str) -> Raises:
    return Raises(
        (3, 2, np.random.default_rng(0), scheme),
        {},
        ValueError,
        (scheme,),
        Clause(
            "errors",
            "any scheme other than 'he' and 'xavier' must raise ValueError naming it",
            "check scheme against 'he' and 'xavier' and raise ValueError(f\"unknown scheme {scheme!r}\") "
            "for anything else: never fall back to one of them silently.",
        ),
    )


_INIT = Contract(
    name="init_dense",
    lesson=LESSON,
    reference="nnlib.layers:init_dense",
    signature="d_in, d_out, rng, scheme='he'",
    domain=_init_domain,
    visible=(
        call(3, 2, np.random.default_rng(0)),
        call(4, 5, np.random.default_rng(1), "xavier"),
        call(1, 1, np.random.default_rng(2), scheme="he"),
    ),
    # W is random: any correct way of drawing it gives other numbers than nnlib's, so the values are not
    # compared (atol=inf); the test cell's own checks judge its distribution. Everything else is.
    rtol=0.0,
    atol=float("inf"),
    rng_arg="rng",
    max_examples=30,
    errors=(_unknown("lecun"), _unknown("glorot_uniform")),
    properties=(Property(Clause("zeros", "b: (d_out,) zeros", "np.zeros(d_out)."), _zero_bias),),
    sentences={
        "type": "Return (W, b): a tuple of two new arrays",
        "dtype": "Both float64",
        "shape": "W: (d_in, d_out), b: (d_out,)",
        "values": "W: (d_in, d_out) drawn from a normal distribution with mean 0 and variance 2 / d_in for "
        'scheme="he" or 2 / (d_in + d_out) for scheme="xavier" (judged by the test cell\'s statistical checks)',
        "repeatable": "Draw the random numbers from the generator rng you are given: then the same seed "
        "gives the same network (no generator of your own, no state kept between calls)",
    },
    hint="draw W with rng.normal(0.0, std, size=(d_in, d_out)) and return it with np.zeros(d_out).",
)


# ------------------------------------------------------------------------------------------------------
# predict_class
# ------------------------------------------------------------------------------------------------------
def _scores_domain(st, hnp):
    def build(draw):
        k = draw(st.integers(1, 6))
        shape = (k,) if draw(st.booleans()) else (draw(st.integers(0, 6)), k)
        elements = draw(st.sampled_from([reals(st), reals(st, 1.0), st.sampled_from([0.0, 0.25, 0.5, -1.0])]))
        return (draw(float_arrays(st, hnp, shape, elements)),), {}

    return st.composite(build)()


_PROBS = np.array([[0.10, 0.60, 0.20, 0.10], [0.70, 0.10, 0.10, 0.10], [0.05, 0.15, 0.30, 0.50]])

_PREDICT = Contract(
    name="predict_class",
    lesson=LESSON,
    reference="nnlib.layers:predict_class",
    signature="probs",
    domain=_scores_domain,
    visible=(
        call(_PROBS),
        call(np.array([0.2, 0.5, 0.3])),
        call(np.array([[-3.0, 1.0, 2.0], [-0.5, -4.0, -0.1]])),
        call(np.array([[0.25, 0.25, 0.5, 0.0], [0.5, 0.0, 0.0, 0.5]])),
        call(np.array([[1.0, 2.0]])),
    ),
    rtol=0.0,
    sentences={
        "type": "an int array (n,) for a batch (n, k) and a single int (a Python int) for one sample (k,)",
        "dtype": "as integers",
        "shape": "(n,) for a batch (n, k); one int for one sample (k,)",
        "values": "the index of the largest value along the last axis, negatives included (on a tie, the "
        "first of the tied positions, as np.argmax gives)",
        "new": "a new array",
        "unchanged": "probs is left unchanged",
    },
    hint="np.argmax(probs, axis=-1); for one sample (k,) turn the numpy integer into a Python int with int(...).",
)

CONTRACTS = [_DENSE, _COUNT, _MLP, _INIT, _PREDICT, _TRANSFORMER]
