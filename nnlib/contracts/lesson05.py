"""Contracts of lesson 05, the training loop: what each exercise's text promises (see nnlib.contracts.spec)."""

from __future__ import annotations

import numpy as np

from .domains import array_likes, float_arrays, reals, shapes
from .spec import Clause, Contract, Property, call

LESSON = "05-training"


# ------------------------------------------------------------------------------------------------------
# domains
# ------------------------------------------------------------------------------------------------------
def _pred_target(st, hnp):
    """Two arrays of one shape (one sample or a batch, 1 to 3 axes, never empty), float or int."""
    return (
        shapes(st, hnp, 1, 3, 5, 1)
        .flatmap(
            lambda shape: st.tuples(
                array_likes(st, hnp, shape, reals(st, 1e6)), array_likes(st, hnp, shape, reals(st, 1e6))
            )
        )
        .map(lambda pair: (pair, {}))
    )


def _logits_labels(st, hnp, magnitude=1e4):
    """Logits (n, k) and integer labels (n,) in [0, k): n, k from 1 to 6, logits up to +-magnitude."""

    def build(draw):
        n, k = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        logits = draw(float_arrays(st, hnp, (n, k), reals(st, magnitude)))
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
        return (logits, y), {}

    return st.composite(build)()


def _binary(st, hnp):
    """Logits (n,) up to +-1e4 and labels (n,), each 0 or 1."""

    def build(draw):
        n = draw(st.integers(1, 8))
        return (
            draw(float_arrays(st, hnp, (n,), reals(st, 1e4))),
            draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 1))),
        ), {}

    return st.composite(build)()


def _dense(st, hnp):
    def build(draw):
        n, d_in, d_out = (draw(st.integers(1, 5)) for _ in range(3))
        el = reals(st, 1e3)
        return (
            draw(float_arrays(st, hnp, (n, d_out), el)),
            draw(float_arrays(st, hnp, (n, d_in), el)),
            draw(float_arrays(st, hnp, (d_in, d_out), el)),
        ), {}

    return st.composite(build)()


def _relu_backward(st, hnp):
    """dA and Z of one shape; Z holds exact zeros often (the gate at Z = 0 is part of the text)."""
    zs = st.one_of(reals(st), st.just(0.0), st.just(0.0), st.just(-0.0))
    return (
        shapes(st, hnp, 1, 3, 5, 0)
        .flatmap(
            lambda shape: st.tuples(
                float_arrays(st, hnp, shape, st.one_of(reals(st), st.sampled_from([1.0, -2.5]))),
                float_arrays(st, hnp, shape, zs),
            )
        )
        .map(lambda pair: (pair, {}))
    )


def _layers(st, hnp, sizes, elements):
    return st.tuples(
        *(
            st.tuples(float_arrays(st, hnp, (a, c), elements), float_arrays(st, hnp, (c,), elements))
            for a, c in zip(sizes, sizes[1:])
        )
    ).map(list)


def _sizes(st):
    return st.lists(st.integers(1, 4), min_size=2, max_size=4)


def _sgd(st, hnp):
    def build(draw):
        sizes = draw(_sizes(st))
        el = reals(st, 1e4)
        params, grads = draw(_layers(st, hnp, sizes, el)), draw(_layers(st, hnp, sizes, el))
        lr = draw(st.one_of(st.floats(1e-4, 10.0), st.sampled_from([0.1, 1.0])))
        return (params, grads, lr), {}

    return st.composite(build)()


def _adam(st, hnp):
    def build(draw):
        sizes = draw(_sizes(st))
        params = draw(_layers(st, hnp, sizes, reals(st, 1e3)))
        grads = draw(_layers(st, hnp, sizes, reals(st, 1e4)))
        state = None
        if draw(st.booleans()):
            m = draw(_layers(st, hnp, sizes, reals(st, 1e3)))
            v = draw(_layers(st, hnp, sizes, st.floats(0.0, 1e6)))
            state = {"t": draw(st.integers(1, 50)), "m": m, "v": v}
        lr = draw(st.one_of(st.floats(1e-4, 1.0), st.sampled_from([0.001, 0.01])))
        kwargs = {}
        if draw(st.booleans()):
            kwargs = {
                "beta1": draw(st.floats(0.0, 0.99)),
                "beta2": draw(st.floats(0.5, 0.9999)),
                "eps": draw(st.sampled_from([1e-8, 1e-6, 1e-3])),
            }
        return (params, grads, state, lr), kwargs

    return st.composite(build)()


class ScalarFunction:
    """A scalar function ``f`` handed to numerical_gradient, shown by its formula in feedback.

    ``kind`` chooses the formula; ``x`` is the array the caller passes as numerical_gradient's x: the function
    "reads the array being nudged" (``x_seen``), so an answer that nudges the caller's own x (instead of a copy)
    sees a different function. It is called only with arrays of x's shape, and says so otherwise.
    """

    FORMULAS = {
        "cubic": "lambda v: np.sum(v ** 3 - 2 * v)",
        "coupled": "lambda v: np.sum(Q * v ** 2) + v.flat[0] * v.flat[-1]  (Q = np.linspace(-1, 2, x.size)"
        ".reshape(x.shape))",
        "reads_x": "lambda v: np.sum(v ** 2 * x) + np.sum(v)  (x: the x given to numerical_gradient)",
    }

    def __init__(self, kind: str, x: np.ndarray):
        self.kind, self.x = kind, x
        self.shape = np.shape(x)
        self.Q = (
            np.linspace(-1.0, 2.0, max(int(np.size(x)), 1)).reshape(self.shape) if np.size(x) else np.zeros(self.shape)
        )
        self.__name__ = self.FORMULAS[kind]  # how a message names it: numerical_gradient(lambda v: ..., x)

    def __call__(self, v):
        v = np.asarray(v)
        if v.shape != self.shape:
            raise ValueError(
                f"f was called with an array of shape {v.shape}; numerical_gradient must call f with "
                f"arrays shaped like x, {self.shape}"
            )
        v = v.astype(np.float64)
        if self.kind == "cubic":
            return float(np.sum(v**3 - 2.0 * v))
        if self.kind == "coupled":
            return float(np.sum(self.Q * v**2) + v.reshape(-1)[0] * v.reshape(-1)[-1])
        return float(np.sum(v**2 * np.asarray(self.x, dtype=np.float64)) + np.sum(v))

    def __repr__(self) -> str:
        return self.FORMULAS[self.kind]


def _numerical_gradient(st, hnp):
    def build(draw):
        shape = draw(shapes(st, hnp, 0, 2, 4, 1))
        x = draw(float_arrays(st, hnp, shape, reals(st, 1e3, 1e-3)))
        f = ScalarFunction(draw(st.sampled_from(sorted(ScalarFunction.FORMULAS))), x)
        eps = draw(st.sampled_from([None, 1e-3, 1e-4, 1e-5, 1e-6]))
        return ((f, x), {}) if eps is None else ((f, x, eps), {})

    return st.composite(build)()


def _train(st, hnp):
    """Tiny problems: n 1..10 samples of d 1..3 features, labels with k = y.max() + 1 from 1 to 3, 0..2 hidden
    layers of 1..4 units, and a few epochs (the defaults too, sometimes), so an exact comparison is cheap."""

    def build(draw):
        n, d = draw(st.integers(1, 10)), draw(st.integers(1, 3))
        X = draw(float_arrays(st, hnp, (n, d), st.floats(-3.0, 3.0, allow_subnormal=False)))
        # no two rows alike and none all zeros, whatever Hypothesis draws: a ReLU input Z then never sits within
        # rounding of 0, where two right answers that round differently could open different gates
        X = X + 0.01 * np.sin(np.arange(1.0, X.size + 1.0)).reshape(X.shape)
        y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 2)))
        hidden = draw(st.lists(st.integers(1, 4), max_size=2))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        kwargs = {}
        if draw(st.integers(0, 3)):
            kwargs = {
                "epochs": draw(st.integers(1, 3)),
                "lr": draw(st.sampled_from([0.05, 0.1, 0.5])),
                "batch_size": draw(st.integers(1, n + 2)),
            }
        return (X, y, hidden, rng), kwargs

    return st.composite(build)()


# ------------------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------------------
def _rows_sum_to_zero(args, kwargs, got, want):
    rows = np.sum(np.asarray(got, dtype=np.float64), axis=1)
    scale = float(np.max(np.abs(got))) if np.size(got) else 0.0
    if rows.size and np.max(np.abs(rows)) > 1e-9 * max(scale, 1e-300) + 1e-15:
        return f"returned rows that sum to {float(rows[np.argmax(np.abs(rows))]):.3g}, not 0"
    return None


_ROWS_SUM_TO_ZERO = Property(
    Clause(
        "rows",
        "each row sums to 0",
        "softmax sums to 1 along a row and the one-hot too: their difference sums to "
        "0. Subtract the one-hot once per row, at its label.",
    ),
    _rows_sum_to_zero,
)


_NEW_FLOAT = {"dtype": "a float64 array, also for integer inputs", "new": "a new array; the inputs are left unchanged"}
_NUMBER = {"type": "returned as a number (a float)", "unchanged": "Leave the inputs unchanged."}

CONTRACTS = [
    Contract(
        name="mse",
        lesson=LESSON,
        reference="nnlib.losses:mse",
        signature="pred, target",
        domain=_pred_target,
        visible=(
            call(np.array([2.5, 0.0, 2.0]), np.array([3.0, -0.5, 2.0])),
            call(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))),
            call(np.array([[1e6, -2.0, 3.0]]), np.array([[-1e6, 1.0, 3.0]])),
            call(np.array([3, 1, -2]), np.array([1, 1, 1])),
        ),
        rtol=1e-9,
        scale="max",
        new_result=False,
        sentences=dict(_NUMBER, values="the mean of (pred - target)**2 over all elements, returned as a number"),
        hint="square the differences and average over all pred.size elements (not per row, not a sum).",
    ),
    Contract(
        name="mse_grad",
        lesson=LESSON,
        reference="nnlib.losses:mse_grad",
        signature="pred, target",
        domain=_pred_target,
        visible=(
            call(np.array([2.5, 0.0, 2.0]), np.array([3.0, -0.5, 2.0])),
            call(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))),
            call(np.array([3, 1, -2]), np.array([1, 1, 1])),
        ),
        rtol=1e-12,
        atol=1e-300,
        sentences=dict(
            _NEW_FLOAT,
            values="2 * (pred - target) / N, N = pred.size, shaped like pred",
            type="an array shaped like pred",
        ),
        hint="2 * (pred - target) / N with N = pred.size, all the elements (not the number of rows).",
    ),
    Contract(
        name="cross_entropy",
        lesson=LESSON,
        reference="nnlib.losses:cross_entropy",
        signature="logits, y",
        domain=_logits_labels,
        visible=(
            call(np.array([[2.0, 1.0, 0.0]]), np.array([0])),
            call(np.zeros((2, 4)), np.array([1, 3])),
            call(np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 1000.0]]), np.array([1, 2])),
            call(np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.0]]), np.array([1, 0])),
        ),
        rtol=1e-9,
        atol=1e-10,
        scale="max",
        new_result=False,
        sentences=dict(
            _NUMBER,
            values="the mean over the batch of -log softmax(logits)[y], computed with the "
            "log-sum-exp trick so that it stays finite for logits of +-1000",
            unchanged="leaves the caller's logits and labels unchanged",
        ),
        hint="log(sum(exp(z))) - z[y] per row with each row's own maximum subtracted before exp, averaged over "
        "the batch: one number, finite for logits of +-1000.",
    ),
    Contract(
        name="cross_entropy_grad",
        lesson=LESSON,
        reference="nnlib.losses:cross_entropy_grad",
        signature="logits, y",
        domain=_logits_labels,
        visible=(
            call(np.array([[0.0, 0.0]]), np.array([0])),
            call(np.zeros((2, 2)), np.array([0, 1])),
            call(np.array([[1000.0, -1000.0, 0.0]]), np.array([1])),
            call(np.array([[1000.0, 999.0, 0.0], [-1000.0, -1001.0, -999.0]]), np.array([1, 0])),
        ),
        rtol=1e-9,
        atol=1e-15,
        scale="max",
        properties=(_ROWS_SUM_TO_ZERO,),
        sentences={
            "values": "(softmax(logits) - onehot(y)) / n, shape (n, k), finite for logits of +-1000",
            "new": "subtract 1 at [np.arange(n), y] on a new array (never on the caller's logits)",
            "unchanged": "never on the caller's logits",
        },
        hint="a stable softmax per row (each row's own maximum subtracted), minus 1 at each row's label, divided by n.",
    ),
    Contract(
        name="binary_cross_entropy",
        lesson=LESSON,
        reference="nnlib.losses:binary_cross_entropy",
        signature="logits, y",
        domain=_binary,
        visible=(
            call(np.array([0.0, 0.0]), np.array([0, 1])),
            call(np.array([2.0]), np.array([1])),
            call(np.array([1000.0, -1000.0, 3.0]), np.array([1, 0, 0])),
            call(np.array([1000.0, -1000.0, 3.0]), np.array([0, 1, 0])),
        ),
        rtol=1e-9,
        atol=1e-10,
        scale="max",
        new_result=False,
        sentences=dict(
            _NUMBER,
            values="the mean over the batch of log(1 + e^z) - y z, with the stable softplus, "
            "so that it stays finite for logits of +-1000",
        ),
        hint="softplus max(z, 0) + log1p(exp(-|z|)) is log(1 + e^z) without overflow; average softplus - y z.",
    ),
    Contract(
        name="binary_cross_entropy_grad",
        lesson=LESSON,
        reference="nnlib.losses:binary_cross_entropy_grad",
        signature="logits, y",
        domain=_binary,
        visible=(
            call(np.array([0.0, 0.0]), np.array([0, 1])),
            call(np.array([1000.0, -1000.0]), np.array([0, 1])),
            call(np.array([3.0, -0.5, 40.0]), np.array([1, 1, 1])),
        ),
        rtol=1e-9,
        atol=1e-15,
        scale="max",
        sentences={
            "values": "(sigmoid(logits) - y) / n, shape (n,)",
            "type": "an array of shape (n,)",
            "unchanged": "leaves the caller's logits unchanged",
        },
        hint="(sigmoid(z) - y) / n: prediction minus target, no sigmoid'(z) factor, stable for logits of +-1000.",
    ),
    Contract(
        name="dense_backward",
        lesson=LESSON,
        reference="nnlib.layers:dense_backward",
        signature="dZ, X, W",
        domain=_dense,
        visible=(
            call(
                np.array([[1.0, 0.0], [0.0, 2.0]]),
                np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]]),
                np.array([[0.5, -1.0], [0.0, 2.0], [1.0, 1.0]]),
            ),
            call(
                np.array([[1.0, -2.0], [3.0, 0.5]]),
                np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]]),
                np.array([[0.5, -1.0], [0.0, 2.0], [1.0, 1.0]]),
            ),
            call(np.array([[0.5, -1.0, 2.0]]), np.array([[2.0, 1.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])),
        ),
        rtol=1e-9,
        atol=1e-9,
        scale="max",
        sentences={
            "type": "returns the tuple (dX, dW, db)",
            "shape": "shapes (n, d_in), (d_in, d_out), (d_out,)",
            "values": "dX = dZ @ W.T, dW = X.T @ dZ, db = dZ summed over the batch (axis 0)",
        },
        hint="dX = dZ @ W.T has the shape of X, dW = X.T @ dZ the shape of W, db = dZ.sum(axis=0) one number per "
        "output unit, summed over the samples.",
    ),
    Contract(
        name="relu_backward",
        lesson=LESSON,
        reference="nnlib.layers:relu_backward",
        signature="dA, Z",
        domain=_relu_backward,
        visible=(
            call(np.array([5.0, 6.0, 7.0]), np.array([-1.0, 0.0, 2.0])),
            call(np.array([[-3.0, 4.0]]), np.array([[1.0, -1.0]])),
            call(np.array([[1.0, -2.0], [3.0, 4.0]]), np.array([[0.5, 0.0], [-1.0, 2.0]])),
            call(np.array([[1.5, -2.0]]), np.array([[0.5, 3.0]])),
        ),
        rtol=0.0,
        sentences={
            "values": "dZ = dA where Z > 0 and 0 where Z <= 0 (at exactly Z = 0 the course takes 0)",
            "new": "dZ, a new float64 array shaped like Z (also when every unit is active)",
            "unchanged": "leaves dA and Z unchanged",
        },
        hints={
            "new": "build the result with np.where(Z > 0, dA, 0.0) or dA * (Z > 0): returning dA itself when "
            "every unit is active hands the caller its own array."
        },
        hint="the gate is Z > 0, strictly: at Z = 0 the gradient is 0; it lets dA itself through, negative or not.",
    ),
    Contract(
        name="numerical_gradient",
        lesson=LESSON,
        reference="nnlib.gradcheck:numerical_gradient",
        signature="f, x, eps=1e-6",
        domain=_numerical_gradient,
        visible=(
            call(ScalarFunction("cubic", np.array([1.0, -2.0, 3.0])), np.array([1.0, -2.0, 3.0]), 1e-3),
            call(ScalarFunction("coupled", np.ones((2, 3))), np.ones((2, 3)), 1e-4),
            call(
                ScalarFunction("reads_x", np.array([[0.5, -1.5], [2.0, 0.25]])),
                np.array([[0.5, -1.5], [2.0, 0.25]]),
                1e-5,
            ),
            call(ScalarFunction("cubic", np.array([0.1, 0.7])), np.array([0.1, 0.7])),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        max_examples=30,
        sentences={
            "values": "entry i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), one entry at a time, f called "
            "with arrays of x's shape",
            "unchanged": "Leave x unchanged: work on a copy (f reads x while you nudge: it must see the "
            "caller's x as it was)",
            "shape": "a float64 array shaped like x",
        },
        hints={
            "unchanged": "nudge a copy (x_work = np.array(x, dtype=float)), put each entry back exactly "
            "(x_work[i] = original), and never write into the caller's x: x + eps - eps is not "
            "always x in floating point."
        },
        hint="central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), one entry at a time, each entry "
        "put back before the next, on a copy of x of any shape.",
    ),
    Contract(
        name="sgd_step",
        lesson=LESSON,
        reference="nnlib.optim:sgd_step",
        signature="params, grads, lr",
        domain=_sgd,
        visible=(
            call(
                [(np.array([[0.5, 1.0]]), np.array([-1.0, 0.0]))],
                [(np.array([[2.0, 0.0]]), np.array([-0.5, 1.0]))],
                0.1,
            ),
            call(
                [(np.ones((2, 3)), np.zeros(3)), (np.full((3, 1), -1.0), np.array([2.0]))],
                [(np.full((2, 3), 0.5), np.array([1.0, -1.0, 0.0])), (np.zeros((3, 1)), np.zeros(1))],
                0.2,
            ),
        ),
        rtol=1e-12,
        atol=1e-300,
        scale="max",
        containers="sequence",
        sentences={
            "type": "a new list of (W, b) pairs, one per layer, in order (the same structure as params)",
            "values": "new_weight = old_weight - learning_rate * gradient, for every W and b",
            "new": "new parameters: new arrays, not the ones you were given",
            "unchanged": "do not change the arrays you were given (W -= ... would change them in place)",
        },
        hint="a new (W - lr * dW, b - lr * db) pair per layer: subtract, and update the biases too.",
    ),
    Contract(
        name="adam_step",
        lesson=LESSON,
        reference="nnlib.optim:adam_step",
        signature="params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8",
        domain=_adam,
        visible=(
            call([(np.array([[1.0, 2.0]]), np.array([0.5]))], [(np.array([[0.1, -3.0]]), np.array([0.0]))], None, 0.01),
            call(
                [(np.array([[0.99, 2.01]]), np.array([0.5]))],
                [(np.array([[0.1, 1.0]]), np.array([2.0]))],
                {
                    "t": 1,
                    "m": [(np.array([[0.01, -0.3]]), np.array([0.0]))],
                    "v": [(np.array([[1e-5, 9e-3]]), np.array([0.0]))],
                },
                0.01,
            ),
            call(
                [(np.ones((2, 2)), np.zeros(2))],
                [(np.array([[1e4, -1e-4], [0.0, 2.0]]), np.array([3.0, -3.0]))],
                None,
                0.1,
                beta1=0.5,
                beta2=0.9,
                eps=1e-3,
            ),
        ),
        rtol=1e-9,
        atol=1e-12,
        scale="max",
        containers="sequence",
        rng_arg="state",
        sentences={
            "type": "(new_params, new_state): a new list of (W, b) pairs, and a new dict {'t': ..., 'm': ..., "
            "'v': ...} whose m and v are lists of (W, b)-shaped pairs like params",
            "values": "m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2, p <- p - lr (m / (1 - "
            "beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps), t counted from 1",
            "new": "Nothing is updated in place: return new arrays",
            "unchanged": "leave params, grads and the old state unchanged (a caller may keep an old state to "
            "retry a step)",
            "repeatable": "a caller may keep an old state to retry a step: the same state gives the same "
            "step, and the optimiser's memory travels in state only (nothing kept between "
            "calls)",
        },
        hints={
            "repeatable": "keep nothing between calls: no global, no mutable default argument (m=[] or "
            "memory={} in the def line), no attribute on the function; read t, m and v from "
            "state, and start from zeros when state is None."
        },
        hint="per array: m = beta1 m + (1 - beta1) g and v = beta2 v + (1 - beta2) g**2 with t counted from 1, "
        "then p - lr m_hat / (sqrt(v_hat) + eps) with both bias corrections.",
    ),
    Contract(
        name="train",
        lesson=LESSON,
        reference="nnlib.train:train",
        signature="X, y, hidden_sizes, rng, *, epochs=40, lr=0.1, batch_size=32",
        domain=_train,
        visible=(
            call(
                np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, 0.5], [0.5, -2.0]]),
                np.array([0, 1, 1, 0, 2]),
                [3],
                np.random.default_rng(0),
                epochs=2,
                batch_size=2,
            ),
            call(
                np.array([[0.5], [-1.0], [2.0]]),
                np.array([1, 0, 1]),
                [],
                np.random.default_rng(1),
                epochs=3,
                lr=0.5,
                batch_size=4,
            ),
            call(
                np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -0.5], [1.5, 0.5, 0.0], [-1.0, -1.0, 1.0]]),
                np.array([2, 0, 1, 2]),
                [4, 2],
                np.random.default_rng(2),
            ),
        ),
        rtol=1e-6,
        atol=1e-9,
        scale="max",
        containers="sequence",
        rng_arg="rng",
        max_examples=25,
        sentences={
            "type": "return the list of (W, b) pairs, ready for mlp_forward(X_test, params, relu)",
            "shape": "layer sizes [d] + hidden_sizes + [k] with d = X.shape[1] and k = y.max() + 1",
            "values": "the numbered steps, with the draws from rng in the order the text fixes: each layer's "
            'W ~ Normal(0, 2 / d_in) (init_dense(d_in, d_out, rng, "he") or '
            "rng.normal(0, np.sqrt(2 / d_in), size=(d_in, d_out))) and b zeros, first layer first; then every "
            "epoch one rng.permutation(n), the order, and minibatches order[start:start + batch_size] for start in "
            "range(0, n, batch_size) (the last one may be smaller, and is used); forward, cross_entropy_grad, "
            "backward, one sgd_step on every W and b per minibatch",
            "unchanged": "never shuffle or change the caller's X and y in place",
            "repeatable": "the given rng is used for the initial weights and the shuffling: the same rng "
            "state gives the same network",
        },
        hints={
            "repeatable": "draw every random number from the rng you are given (rng.normal or init_dense, "
            "rng.permutation), never from np.random or a new default_rng."
        },
        hint="draw from rng exactly as the text says: W of each layer first layer first (He: variance 2 / d_in, "
        "b zeros), then one rng.permutation(n) per epoch, minibatches order[start:start + batch_size] for start "
        "in range(0, n, batch_size) (keep the last, smaller one), and update every W and b with sgd_step.",
    ),
]
