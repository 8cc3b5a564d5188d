"""Losses: values, gradients against finite differences, stability at +-1000, label checks."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import softmax
from nnlib.losses import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    mse,
    mse_grad,
)

from .conftest import assert_gradient_matches


def test_mse_is_the_mean_over_all_elements():
    assert mse(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))) == pytest.approx(30 / 4)
    assert isinstance(mse(np.ones(3), np.zeros(3)), float)


def test_mse_grad_matches_finite_differences(rng):
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    assert_gradient_matches(mse_grad(pred, target), lambda p: mse(p, target), pred, "mse_grad")


def test_cross_entropy_of_uniform_logits_is_log_k():
    assert cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9])) == pytest.approx(np.log(10))


def test_cross_entropy_equals_minus_log_softmax_of_the_true_class(rng):
    logits, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    expected = -np.mean(np.log(softmax(logits))[np.arange(5), y])
    assert cross_entropy(logits, y) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_grad_matches_finite_differences(rng):
    logits, y = rng.normal(size=(5, 4)) * 3, rng.integers(0, 4, size=5)
    assert_gradient_matches(cross_entropy_grad(logits, y), lambda z: cross_entropy(z, y), logits, "cross_entropy_grad")


def test_cross_entropy_grad_is_softmax_minus_one_hot_over_n(rng):
    logits, y = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    expected = (softmax(logits) - np.eye(4)[y]) / 3
    np.testing.assert_allclose(cross_entropy_grad(logits, y), expected, atol=1e-15)


def test_cross_entropy_is_finite_for_logits_of_plus_minus_1000():
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with np.errstate(all="raise"):
        right = cross_entropy(logits, np.array([0, 1]))
        wrong = cross_entropy(logits, np.array([1, 0]))
        grad = cross_entropy_grad(logits, np.array([1, 0]))
    assert right == pytest.approx(0.0, abs=1e-300)
    assert wrong == pytest.approx(2000.0)
    assert np.all(np.isfinite(grad))


def test_log_softmax_is_stable_and_equals_log_of_softmax(rng):
    z = rng.normal(size=(3, 5))
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=1e-12)
    with np.errstate(all="raise"):
        out = log_softmax(np.array([1000.0, -1000.0]))
    np.testing.assert_allclose(out, [0.0, -2000.0])


def test_binary_cross_entropy_matches_the_textbook_formula(rng):
    z, y = rng.normal(size=6), rng.integers(0, 2, size=6)
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_cross_entropy(z, y) == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_grad_matches_finite_differences(rng):
    z, y = rng.normal(size=6) * 3, rng.integers(0, 2, size=6)
    assert_gradient_matches(
        binary_cross_entropy_grad(z, y), lambda p: binary_cross_entropy(p, y), z, "binary_cross_entropy_grad"
    )


def test_binary_cross_entropy_is_finite_for_huge_logits():
    with np.errstate(all="raise"):
        loss = binary_cross_entropy(np.array([1000.0, -1000.0]), np.array([0, 1]))
        grad = binary_cross_entropy_grad(np.array([1000.0, -1000.0]), np.array([0, 1]))
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(grad, [0.5, -0.5])


def test_losses_leave_inputs_unchanged(rng):
    logits, y = rng.normal(size=(4, 3)), np.array([0, 1, 2, 1])
    l0, y0 = logits.copy(), y.copy()
    cross_entropy(logits, y)
    out = cross_entropy_grad(logits, y)
    np.testing.assert_array_equal(logits, l0)
    np.testing.assert_array_equal(y, y0)
    assert out.dtype == np.float64


# ---- bad input -------------------------------------------------------------------------------------
def test_cross_entropy_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match=r"^cross_entropy: labels must be integers in \[0, 10\) but got 12$"):
        cross_entropy(np.zeros((2, 10)), np.array([3, 12]))


def test_cross_entropy_rejects_negative_labels():
    with pytest.raises(ValueError, match=r"cross_entropy_grad: labels must be integers in \[0, 3\) but got -1"):
        cross_entropy_grad(np.zeros((2, 3)), np.array([0, -1]))


def test_cross_entropy_rejects_non_integer_labels():
    with pytest.raises(ValueError, match=r"cross_entropy: labels must be integers in \[0, 3\) but got 1.5"):
        cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.5]))


def test_cross_entropy_accepts_whole_float_labels():
    assert cross_entropy(np.zeros((2, 3)), np.array([0.0, 2.0])) == pytest.approx(np.log(3))


def test_cross_entropy_rejects_a_label_count_that_differs_from_the_batch():
    with pytest.raises(ValueError, match="cross_entropy: got 3 labels for 2 samples"):
        cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


def test_cross_entropy_rejects_one_dimensional_logits():
    with pytest.raises(ValueError, match=r"cross_entropy: logits must be 2-D, got shape \(3,\)"):
        cross_entropy(np.zeros(3), np.array([0]))


def test_mse_rejects_shapes_that_differ():
    with pytest.raises(ValueError, match=r"mse: pred and target must have the same shape, got \(3,\) and \(3, 1\)"):
        mse(np.zeros(3), np.zeros((3, 1)))


def test_mse_grad_rejects_nan():
    with pytest.raises(ValueError, match="mse_grad: target contains NaN"):
        mse_grad(np.zeros(2), np.array([0.0, np.nan]))


def test_binary_cross_entropy_rejects_labels_other_than_0_and_1():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: labels must be integers in \[0, 2\) but got 3"):
        binary_cross_entropy(np.zeros(2), np.array([1, 3]))
