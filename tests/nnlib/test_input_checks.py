"""The training-step functions check every input, leave it unchanged, and do not care how it lies in memory.

dense_forward, relu, cross_entropy_grad, relu_backward and dense_backward run on every minibatch of a learner's
training loop. A NaN in any argument, even one that meets only zeros in a product, is rejected with a message
naming the function and the argument; infinities are computed with; lists and arrays give the same values; the
inputs are never modified and the outputs are new arrays. Last, the core's references (what the grader compares
learners with) give the same values whatever the memory layout of their inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu
from nnlib.layers import dense_backward, dense_forward, relu_backward
from nnlib.losses import cross_entropy_grad


def _with_nan(a, where=0):
    a = a.copy()
    a.flat[where] = np.nan
    return a


@pytest.mark.parametrize("which", ["X", "W", "b"])
@pytest.mark.parametrize("zeros", [False, True])
def test_dense_forward_rejects_a_nan_in_each_argument(which, zeros, rng):
    # zeros=True: the NaN meets only zeros in the product
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    if zeros:
        X, W = np.zeros_like(X), np.zeros_like(W)
    args = {"X": X, "W": W, "b": b}
    args[which] = _with_nan(args[which], 1)
    with pytest.raises(ValueError, match=rf"^dense_forward: {which} contains NaN$"):
        dense_forward(args["X"], args["W"], args["b"])


@pytest.mark.parametrize("which", ["dZ", "X", "W"])
@pytest.mark.parametrize("zeros", [False, True])
def test_dense_backward_rejects_a_nan_in_each_argument(which, zeros, rng):
    dZ, X, W = rng.normal(size=(4, 2)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    if zeros:
        dZ, X, W = np.zeros_like(dZ), np.zeros_like(X), np.zeros_like(W)
    args = {"dZ": dZ, "X": X, "W": W}
    args[which] = _with_nan(args[which], 1)
    with pytest.raises(ValueError, match=rf"^dense_backward: {which} contains NaN$"):
        dense_backward(args["dZ"], args["X"], args["W"])


@pytest.mark.parametrize("closed", [-1.0, 0.0])
@pytest.mark.parametrize("which", ["dA", "Z"])
def test_relu_backward_rejects_a_nan_in_each_argument(which, closed, rng):
    args = {"dA": rng.normal(size=(3, 4)), "Z": rng.normal(size=(3, 4))}
    args["Z"].flat[2] = closed  # a NaN where the gate is closed, even facing a zero, is still found
    args["dA"].flat[2] = closed
    args[which] = _with_nan(args[which], 2)
    with pytest.raises(ValueError, match=rf"^relu_backward: {which} contains NaN$"):
        relu_backward(args["dA"], args["Z"])


def test_relu_rejects_a_nan_in_a_matrix(rng):
    with pytest.raises(ValueError, match=r"^relu: x contains NaN$"):
        relu(_with_nan(rng.normal(size=(4, 5)), 13))


def test_cross_entropy_grad_rejects_nan_logits_and_bad_labels(rng):
    logits = rng.normal(size=(4, 3))
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: logits contains NaN$"):
        cross_entropy_grad(_with_nan(logits, 5), np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: labels must be integers in \[0, 3\) but got 3$"):
        cross_entropy_grad(logits, np.array([0, 3, 2, 0]))
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: labels must be integers in \[0, 3\) but got -1$"):
        cross_entropy_grad(logits, np.array([0, -1, 2, 0]))
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: labels must be integers in \[0, 3\) but got 7$"):
        cross_entropy_grad(logits, np.array([0, 7, 2, 0], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: labels must be integers in \[0, 0\) but got 0$"):
        cross_entropy_grad(np.zeros((2, 0)), np.array([0, 0]))


def test_lists_and_arrays_give_the_same_values(rng):
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ, y = rng.normal(size=(5, 4)), np.array([0, 3, 1, 2, 3])
    np.testing.assert_allclose(dense_forward(X, W, b), dense_forward(X.tolist(), W.tolist(), b.tolist()))
    np.testing.assert_allclose(relu(X), relu(X.tolist()))
    np.testing.assert_allclose(relu_backward(dZ, dZ[::-1]), relu_backward(dZ.tolist(), dZ[::-1].tolist()))
    for array, listed in zip(dense_backward(dZ, X, W), dense_backward(dZ.tolist(), X.tolist(), W.tolist())):
        np.testing.assert_allclose(array, listed)
    np.testing.assert_allclose(cross_entropy_grad(dZ, y), cross_entropy_grad(dZ.tolist(), y.tolist()))
    np.testing.assert_allclose(cross_entropy_grad(dZ, y), cross_entropy_grad(dZ, y.astype(np.float64)))


def test_inputs_stay_unchanged_and_outputs_are_new_arrays(rng):
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ, y = rng.normal(size=(5, 4)), np.array([0, 3, 1, 2, 3])
    inputs = [X, W, b, dZ, y]
    copies = [a.copy() for a in inputs]
    outputs = [
        dense_forward(X, W, b),
        relu(X),
        relu_backward(dZ, dZ),
        *dense_backward(dZ, X, W),
        cross_entropy_grad(dZ, y),
    ]
    for a, c in zip(inputs, copies):
        np.testing.assert_array_equal(a, c)
    for out in outputs:
        assert out.dtype == np.float64
        assert not any(np.shares_memory(out, a) for a in inputs)


def test_infinities_are_computed_with():
    # inf is not NaN: the functions compute with it
    with np.errstate(invalid="ignore"):
        Z = dense_forward(np.array([[np.inf, 0.0]]), np.ones((2, 2)), np.zeros(2))
    np.testing.assert_array_equal(Z, [[np.inf, np.inf]])
    dX, dW, db = dense_backward(np.array([[1.0, -1.0]]), np.array([[1e308, 1e308]]), np.ones((2, 2)))
    np.testing.assert_array_equal(db, [1.0, -1.0])


def _layouts(a):
    """The same values as `a` in other memory layouts: Fortran order, a strided view, a transposed copy's view."""
    return {
        "fortran": np.asfortranarray(a),
        "strided": np.repeat(a, 2, axis=-1)[..., ::2],
        "transposed": np.ascontiguousarray(a.T).T,
    }


@pytest.mark.parametrize("layout", ["transposed", "strided", "fortran"])
def test_cross_entropy_grad_subtracts_the_one_hot_for_logits_of_any_layout(layout, rng):
    # the one-hot once went into a copy for transposed or Fortran-ordered logits, and was lost
    logits = rng.normal(size=(4, 3))
    view = _layouts(logits)[layout]
    y = np.array([2, 0, 1, 2])
    assert not view.flags.c_contiguous and np.array_equal(view, logits)
    got = cross_entropy_grad(view, y)
    np.testing.assert_allclose(got, cross_entropy_grad(logits, y), rtol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 0.0, atol=1e-15)


def test_core_functions_give_the_same_values_for_any_memory_layout():
    # The references the grader compares learners with must not depend on how their inputs lie in memory
    # (the one-hot of cross_entropy_grad once went into a copy for transposed logits).
    from nnlib import activations as act
    from nnlib import attention as att
    from nnlib import layers as lay
    from nnlib import losses as los

    rng = np.random.default_rng(5)
    X, W, V = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    b, y = rng.normal(size=3), rng.integers(0, 4, 5)
    calls = {
        "relu": lambda t: act.relu(t(X)),
        "relu_grad": lambda t: act.relu_grad(t(X)),
        "sigmoid": lambda t: act.sigmoid(t(X)),
        "sigmoid_grad": lambda t: act.sigmoid_grad(t(X)),
        "softmax rows": lambda t: act.softmax(t(X), axis=1),
        "softmax columns": lambda t: act.softmax(t(X), axis=0),
        "gelu": lambda t: act.gelu(t(X)),
        "gelu_tanh": lambda t: act.gelu_tanh(t(X)),
        "log_softmax": lambda t: los.log_softmax(t(X)),
        "cross_entropy": lambda t: los.cross_entropy(t(X), y),
        "cross_entropy_grad": lambda t: los.cross_entropy_grad(t(X), y),
        "mse": lambda t: los.mse(t(X), t(X[::-1].copy())),
        "mse_grad": lambda t: los.mse_grad(t(X), t(X[::-1].copy())),
        "dense_forward": lambda t: lay.dense_forward(t(X), t(W), b),
        "dense_backward": lambda t: lay.dense_backward(t(X[:, :3]), t(X), t(W)),
        "relu_backward": lambda t: lay.relu_backward(t(X), t(X[::-1].copy())),
        "mlp_forward": lambda t: lay.mlp_forward(t(X), [(t(W), b), (t(V), np.zeros(2))], act.relu),
        "layer_activations": lambda t: lay.layer_activations(t(X), [(t(W), b), (t(V), np.zeros(2))]),
        "predict_class": lambda t: lay.predict_class(t(X)),
        "collapse_linear": lambda t: lay.collapse_linear(t(W), b, t(V), np.ones(2)),
        "attention": lambda t: att.attention(t(X), t(X), t(X)),
    }
    for name, call in calls.items():
        want = call(lambda a: a)
        want = want if isinstance(want, (tuple, list)) else [want]
        for layout in _layouts(X):
            got = call(lambda a: _layouts(a)[layout])
            got = got if isinstance(got, (tuple, list)) else [got]
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15, err_msg=f"{name}, {layout} inputs")
