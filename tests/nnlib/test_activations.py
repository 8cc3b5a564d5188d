"""Activation functions: values, derivatives against finite differences, stability, purity."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import (
    ACTIVATIONS,
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    identity,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step,
    tanh,
    tanh_grad,
)

from .conftest import assert_gradient_matches, away_from_zero

PAIRS = [(relu, relu_grad), (sigmoid, sigmoid_grad), (tanh, tanh_grad), (gelu, gelu_grad), (gelu_tanh, gelu_tanh_grad)]
ELEMENTWISE = [
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    step,
    identity,
]
HUGE = np.array([-1e4, -1e3, -745.0, -50.0, -1.0, 0.0, 1.0, 50.0, 745.0, 1e3, 1e4])


@pytest.mark.parametrize("f, f_grad", PAIRS, ids=lambda f: getattr(f, "__name__", ""))
def test_derivative_matches_central_differences(f, f_grad, rng):
    x = away_from_zero(rng, (5, 3)) * 2.0
    # Each output depends only on its own input, so d sum(f(x) * v) / dx = f'(x) * v for any fixed v.
    v = rng.normal(size=x.shape)
    assert_gradient_matches(f_grad(x) * v, lambda p: np.sum(f(p) * v), x, f.__name__)


def test_relu_values():
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_relu_grad_is_zero_at_zero():
    np.testing.assert_array_equal(relu_grad(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


def test_sigmoid_known_values():
    np.testing.assert_allclose(sigmoid(np.array([0.0, np.log(3.0)])), [0.5, 0.75], rtol=1e-15)


def test_gelu_is_exact_x_times_normal_cdf():
    from scipy.stats import norm

    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(gelu(x), x * norm.cdf(x), rtol=1e-12, atol=1e-15)


def test_gelu_tanh_follows_its_formula_and_stays_close_to_gelu():
    x = np.linspace(-6, 6, 61)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(gelu_tanh(x), expected, rtol=1e-13, atol=1e-15)
    assert np.max(np.abs(gelu_tanh(x) - gelu(x))) < 1e-3


def test_step_is_one_only_for_positive_inputs():
    np.testing.assert_array_equal(step(np.array([-1.0, 0.0, 1e-9])), [0.0, 0.0, 1.0])


def test_identity_returns_a_copy():
    x = np.array([1.0, 2.0])
    out = identity(x)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_activations_table_pairs_functions_with_derivatives():
    assert {"relu", "sigmoid", "tanh", "gelu", "identity"} <= set(ACTIVATIONS)
    assert ACTIVATIONS["relu"] == (relu, relu_grad)
    assert ACTIVATIONS["gelu"] == (gelu, gelu_grad)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=lambda f: f.__name__)
def test_no_floating_point_warning_for_huge_inputs(f):
    with np.errstate(all="raise"):
        out = f(HUGE)
    assert np.all(np.isfinite(out)), f"{f.__name__} gave non-finite values for |x| up to 1e4: {out}"


def test_sigmoid_saturates_exactly_at_large_magnitudes():
    with np.errstate(all="raise"):
        out = sigmoid(np.array([-1e4, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_gelus_are_relu_like_at_large_magnitudes():
    with np.errstate(all="raise"):
        for f in (gelu, gelu_tanh):
            np.testing.assert_allclose(f(np.array([-1e4, 1e4])), [0.0, 1e4], atol=1e-12)


@pytest.mark.parametrize("f", ELEMENTWISE + [softmax], ids=lambda f: f.__name__)
def test_input_unchanged_and_output_float64(f, rng):
    x = rng.normal(size=(4, 3))
    before = x.copy()
    out = f(x)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.float64 and out.shape == x.shape


@pytest.mark.parametrize("f", ELEMENTWISE, ids=lambda f: f.__name__)
def test_integer_input_gives_float64(f):
    assert f(np.array([-2, 0, 3])).dtype == np.float64


# ---- softmax ------------------------------------------------------------------------------------
def test_softmax_rows_sum_to_one_even_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [1e4, 1e4, -1e4], [0.0, 0.0, 0.0]])
    with np.errstate(all="raise"):
        p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0])


def test_softmax_is_shift_invariant_along_each_row(rng):
    z = rng.normal(size=(4, 5))
    shift = rng.normal(size=(4, 1)) * 500
    np.testing.assert_allclose(softmax(z + shift), softmax(z), rtol=1e-12)


def test_softmax_axis0_normalises_columns_only(rng):
    z = rng.normal(size=(3, 4)) * 100
    with np.errstate(all="raise"):
        p = softmax(z, axis=0)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(z + rng.normal(size=(1, 4)) * 300, axis=0), p, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(p, softmax(z.T, axis=-1).T, rtol=1e-14)


def test_softmax_of_a_single_vector():
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75], rtol=1e-15)


def test_softmax_jacobian_matches_finite_differences(rng):
    z = rng.normal(size=4)
    p = softmax(z)
    v = rng.normal(size=4)
    jacobian = np.diag(p) - np.outer(p, p)
    assert_gradient_matches(jacobian @ v, lambda q: softmax(q) @ v, z, "softmax")


# ---- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("f", ELEMENTWISE + [softmax], ids=lambda f: f.__name__)
def test_nan_is_rejected_naming_the_function(f):
    with pytest.raises(ValueError, match=rf"^{f.__name__}: .* contains NaN"):
        f(np.array([1.0, np.nan]))


@pytest.mark.parametrize("f", ELEMENTWISE + [softmax], ids=lambda f: f.__name__)
def test_strings_are_rejected_naming_the_dtype(f):
    with pytest.raises(TypeError, match=rf"^{f.__name__}: expected a numeric array, got dtype <U1"):
        f(np.array(["a", "b"]))


def test_object_arrays_are_rejected():
    with pytest.raises(TypeError, match="relu: expected a numeric array, got dtype object"):
        relu(np.array([1.0, None], dtype=object))


def test_softmax_rejects_an_axis_out_of_range():
    with pytest.raises(ValueError, match=r"softmax: axis 2 is out of range for z with shape \(2, 3\)"):
        softmax(np.zeros((2, 3)), axis=2)
