"""Gradient checking tools."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_quadratic_is_exact_enough(rng):
    x = rng.normal(size=(3, 2))
    np.testing.assert_allclose(numerical_gradient(lambda p: np.sum(p**2), x), 2 * x, rtol=1e-8)


def test_numerical_gradient_leaves_x_unchanged_and_returns_float64(rng):
    x = rng.normal(size=4)
    x0 = x.copy()
    out = numerical_gradient(lambda p: float(np.sum(np.sin(p))), x)
    np.testing.assert_array_equal(x, x0)
    assert out.dtype == np.float64 and out.shape == x.shape


def test_numerical_gradient_uses_central_differences():
    # f(x) = x**3 at 1 with eps 0.1: central gives 3 + eps**2 = 3.01, forward would give 3.31.
    assert numerical_gradient(lambda p: p[0] ** 3, np.array([1.0]), eps=0.1)[0] == pytest.approx(3.01)


def test_numerical_gradient_rejects_a_function_returning_an_array():
    with pytest.raises(TypeError, match="numerical_gradient: f must return a single number"):
        numerical_gradient(lambda p: p * 2, np.ones(3))


def test_numerical_gradient_rejects_non_positive_eps():
    with pytest.raises(ValueError, match="numerical_gradient: eps must be > 0, got 0"):
        numerical_gradient(np.sum, np.ones(2), eps=0)


def test_relative_error_follows_its_definition():
    a, b = np.array([1.0, -2.0]), np.array([1.0, -1.0])
    assert relative_error(a, b) == pytest.approx(1.0 / 3.0)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


def test_relative_error_rejects_shapes_that_differ():
    with pytest.raises(ValueError, match=r"relative_error: a and b must have the same shape, got \(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))
