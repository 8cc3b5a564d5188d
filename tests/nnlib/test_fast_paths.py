"""The training-step functions take a fast path for plain float64 input; every check still applies.

dense_forward, relu, cross_entropy_grad, relu_backward and dense_backward test the common case first
(float64 ndarrays that fit together, no NaN) and run the full checks only otherwise. These tests pin
down that the fast path changes nothing a caller can see: the same values, NaN and bad labels still
rejected with a message naming the function and the argument, inputs left unchanged, new arrays back.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnlib._validate import nan_free
from nnlib.activations import relu
from nnlib.layers import dense_backward, dense_forward, relu_backward
from nnlib.losses import cross_entropy_grad


def _with_nan(a, where=0):
    a = a.copy()
    a.flat[where] = np.nan
    return a


@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (3, 4), (2, 3, 5)])
def test_nan_free_finds_one_nan_anywhere(shape, rng):
    a = rng.normal(size=shape)
    assert nan_free(a)
    for where in range(a.size):
        assert not nan_free(_with_nan(a, where))


def test_nan_free_is_not_fooled_by_infinities_or_overflow():
    assert nan_free(np.array([np.inf, -np.inf, 1e300, -1e300]))  # squares overflow to inf, never NaN
    with np.errstate(all="raise"):
        assert nan_free(np.full(5, 1e300))                       # and no floating-point error is raised


def test_nan_free_works_on_non_contiguous_views(rng):
    a = rng.normal(size=(6, 5))
    assert nan_free(a.T) and nan_free(a[:, ::2])
    assert not nan_free(_with_nan(a, 7).T)


@pytest.mark.parametrize("which", ["X", "W", "b"])
@pytest.mark.parametrize("zeros", [False, True])
def test_dense_forward_rejects_a_nan_in_each_argument(which, zeros, rng):
    # zeros=True: the NaN meets only zeros in the product (0 * NaN is still NaN: the check must not rely on it)
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


def test_cross_entropy_grad_rejects_logits_without_classes():
    with pytest.raises(ValueError, match=r"^cross_entropy_grad: labels must be integers in \[0, 0\) but got 0$"):
        cross_entropy_grad(np.zeros((2, 0)), np.array([0, 0]))


def test_fast_and_checked_paths_give_the_same_values(rng):
    # Float64 arrays take the fast path; lists, float32 and int arrays take the checked one.
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ, y = rng.normal(size=(5, 4)), np.array([0, 3, 1, 2, 3])
    np.testing.assert_allclose(dense_forward(X, W, b), dense_forward(X.tolist(), W.tolist(), b.tolist()))
    np.testing.assert_allclose(relu(X), relu(X.tolist()))
    np.testing.assert_allclose(relu_backward(dZ, dZ[::-1]), relu_backward(dZ.tolist(), dZ[::-1].tolist()))
    for fast, checked in zip(dense_backward(dZ, X, W), dense_backward(dZ.tolist(), X.tolist(), W.tolist())):
        np.testing.assert_allclose(fast, checked)
    np.testing.assert_allclose(cross_entropy_grad(dZ, y), cross_entropy_grad(dZ.tolist(), y.tolist()))
    np.testing.assert_allclose(cross_entropy_grad(dZ, y), cross_entropy_grad(dZ, y.astype(np.float64)))


def test_fast_path_leaves_inputs_unchanged_and_returns_new_arrays(rng):
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    dZ, y = rng.normal(size=(5, 4)), np.array([0, 3, 1, 2, 3])
    inputs = [X, W, b, dZ, y]
    copies = [a.copy() for a in inputs]
    outputs = [dense_forward(X, W, b), relu(X), relu_backward(dZ, dZ), *dense_backward(dZ, X, W),
               cross_entropy_grad(dZ, y)]
    for a, c in zip(inputs, copies):
        np.testing.assert_array_equal(a, c)
    for out in outputs:
        assert out.dtype == np.float64
        assert not any(np.shares_memory(out, a) for a in inputs)


def test_infinities_are_accepted_as_before():
    # inf is not NaN: the functions compute with it (the fast path may fall back to the full checks).
    with np.errstate(invalid="ignore"):
        Z = dense_forward(np.array([[np.inf, 0.0]]), np.ones((2, 2)), np.zeros(2))
    np.testing.assert_array_equal(Z, [[np.inf, np.inf]])
    dX, dW, db = dense_backward(np.array([[1.0, -1.0]]), np.array([[1e308, 1e308]]), np.ones((2, 2)))
    np.testing.assert_array_equal(db, [1.0, -1.0])


@pytest.mark.parametrize("closed", [-1.0, 0.0])
@pytest.mark.parametrize("which", ["dA", "Z"])
def test_relu_backward_rejects_a_nan_in_each_argument(check_path, which, closed, rng):
    args = {"dA": rng.normal(size=(3, 4)), "Z": rng.normal(size=(3, 4))}
    args["Z"].flat[2] = closed    # a NaN where the gate is closed, even facing a zero, must still be found
    args["dA"].flat[2] = closed
    args[which] = _with_nan(args[which], 2)
    with pytest.raises(ValueError, match=rf"^relu_backward: {which} contains NaN$"):
        relu_backward(args["dA"], args["Z"])


def test_this_numpy_carries_nan_through_matrix_products():
    # The probe behind the product check; if it ever says False here, the dense layers still check every
    # input, only slower (the tests below run both ways).
    from nnlib._validate import MATMUL_PROPAGATES_NAN

    assert MATMUL_PROPAGATES_NAN


@pytest.mark.parametrize("shape", [(4, 3, 2), (1, 5, 3), (6, 1, 4), (3, 4, 1)], ids=lambda s: "n,din,dout=%s" % (s,))
def test_dense_layers_find_a_nan_at_every_position_even_facing_dead_units(check_path, shape, rng):
    # Dead ReLU units make whole rows and columns of zeros: a NaN facing only zeros must still be found.
    n, d_in, d_out = shape
    X, W, b, dZ = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out), \
        rng.normal(size=(n, d_out))
    X[:, 0], W[-1, :], dZ[0, :] = 0.0, 0.0, 0.0
    for name, args in (("X", [X, W, b]), ("W", [X, W, b]), ("b", [X, W, b])):
        i = "XWb".index(name)
        for where in range(args[i].size):
            bad = list(args)
            bad[i] = _with_nan(args[i], where)
            with pytest.raises(ValueError, match=rf"^dense_forward: {name} contains NaN$"):
                dense_forward(*bad)
            if name == "X":
                with pytest.raises(ValueError, match=r"^dense_forward: X contains NaN$"):
                    dense_forward(bad[0][where // d_in], W, b)           # one sample (d_in,)
    for name, args in (("dZ", [dZ, X, W]), ("X", [dZ, X, W]), ("W", [dZ, X, W])):
        i = ["dZ", "X", "W"].index(name)
        for where in range(args[i].size):
            bad = list(args)
            bad[i] = _with_nan(args[i], where)
            with pytest.raises(ValueError, match=rf"^dense_backward: {name} contains NaN$"):
                dense_backward(*bad)


def test_dense_layers_find_a_nan_when_the_product_is_empty(check_path, rng):
    # No sample, no output unit or no input feature: the product cannot carry the NaN, the inputs are checked.
    with pytest.raises(ValueError, match=r"^dense_forward: W contains NaN$"):
        dense_forward(np.zeros((0, 3)), _with_nan(np.ones((3, 2))), np.zeros(2))
    with pytest.raises(ValueError, match=r"^dense_forward: X contains NaN$"):
        dense_forward(_with_nan(np.ones((2, 3))), np.zeros((3, 0)), np.zeros(0))
    with pytest.raises(ValueError, match=r"^dense_backward: dZ contains NaN$"):
        dense_backward(_with_nan(np.ones((2, 2))), np.zeros((2, 0)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"^dense_backward: X contains NaN$"):
        dense_backward(np.zeros((2, 0)), _with_nan(np.ones((2, 3))), np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"^dense_backward: W contains NaN$"):
        dense_backward(np.zeros((0, 2)), np.zeros((0, 3)), _with_nan(np.ones((3, 2))))


def test_both_check_paths_compute_the_same_values(check_path, rng):
    X, W, b, dZ = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 4))
    np.testing.assert_array_equal(dense_forward(X, W, b), X @ W + b)
    for got, want in zip(dense_backward(dZ, X, W), (dZ @ W.T, X.T @ dZ, dZ.sum(axis=0))):
        np.testing.assert_array_equal(got, want)
    with np.errstate(invalid="ignore"):        # inf * 0 makes a NaN from NaN-free inputs: computed, not refused
        np.testing.assert_array_equal(dense_forward(np.array([[np.inf, 1.0]]), np.array([[0.0], [1.0]]),
                                                    np.zeros(1)), [[np.nan]])


@pytest.mark.parametrize("spread", [0.0, 5.0, 650.0, 699.0, 701.0, 745.0, 800.0, 1e200, np.inf])
@pytest.mark.parametrize("classes", [2, 10, 3000])
def test_cross_entropy_grad_takes_either_exp_and_gives_the_reference_values(spread, classes):
    # The fast path calls plain np.exp only when the sum of squares of the shifted logits shows that no entry
    # is below -700; many entries above -700 can push that sum over 700**2 too, and -inf makes it inf. Each way
    # the values are the stable softmax minus the one-hot, exactly 0 where exp would underflow, and no
    # floating-point warning or error is raised.
    logits = np.zeros((3, classes))
    logits[:, 1:] = -spread * np.linspace(0.5, 1.0, classes - 1)
    y = np.array([0, 1, classes - 1])
    want = np.exp(np.maximum(logits, -700.0)) * (logits > -700.0)
    want /= want.sum(axis=1, keepdims=True)
    want[np.arange(3), y] -= 1.0
    with np.errstate(all="raise"):
        got = cross_entropy_grad(logits, y)
    np.testing.assert_allclose(got, want / 3, rtol=1e-12, atol=0)
    assert np.array_equal(got == 0, want == 0)


def test_the_check_overhead_benchmark_puts_the_nan_checks_back(capsys):
    # benchmarks/check_overhead.py swaps the fast paths' NaN dot product for stand-ins that check nothing; after
    # it (and after an error inside it) the real one must be back, and a NaN refused again.
    import nnlib.activations
    import nnlib.layers
    import nnlib.losses
    from benchmarks.check_overhead import _no_dot, main, nan_check
    from nnlib._validate import vdot

    assert main(["--rounds", "1", "--epochs", "1"]) == 0
    assert "no NaN dots" in capsys.readouterr().out
    with pytest.raises(KeyboardInterrupt):
        with nan_check(_no_dot):
            assert nnlib.layers.vdot is _no_dot
            raise KeyboardInterrupt
    assert all(m.vdot is vdot for m in (nnlib.layers, nnlib.activations, nnlib.losses))
    with pytest.raises(ValueError, match="contains NaN"):
        relu(_with_nan(np.ones((2, 3))))


@pytest.mark.parametrize("layout", ["transposed", "strided", "fortran"])
def test_cross_entropy_grad_subtracts_the_one_hot_for_logits_of_any_layout(layout, rng):
    # The fast path writes the one-hot through grad.ravel(), which is a view only for a C-ordered grad; numpy's
    # default order would lay grad out like the logits, and the one-hot went into a copy and was lost.
    from tests.nnlib.test_fast_paths_differential import _layouts

    logits = rng.normal(size=(4, 3))
    view = _layouts(logits)[layout]
    y = np.array([2, 0, 1, 2])
    assert not view.flags.c_contiguous and np.array_equal(view, logits)
    got = cross_entropy_grad(view, y)
    np.testing.assert_allclose(got, cross_entropy_grad(logits, y), rtol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 0.0, atol=1e-15)
