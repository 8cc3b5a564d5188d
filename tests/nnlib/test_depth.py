"""Depth: the tent network, sawtooth functions with 2**k pieces, piece counting, top-activating inputs."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu
from nnlib.depth import count_linear_pieces, sawtooth, tent_params, top_activating
from nnlib.layers import mlp_forward


def test_tent_params_have_the_documented_shapes():
    (W1, b1), (W2, b2) = tent_params()
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((1, 2), (2,), (2, 1), (1,))


def test_tent_network_computes_the_tent_map():
    x = np.linspace(0, 1, 101)
    expected = np.where(x <= 0.5, 2 * x, 2 - 2 * x)
    np.testing.assert_allclose(mlp_forward(x[:, None], tent_params(), relu)[:, 0], expected, atol=1e-15)


def test_sawtooth_with_k_zero_is_the_identity():
    x = np.linspace(0, 1, 11)
    np.testing.assert_array_equal(sawtooth(x, 0), x)


def test_sawtooth_composes_the_tent_map():
    x = np.linspace(0, 1, 257)
    tent = lambda v: np.where(v <= 0.5, 2 * v, 2 - 2 * v)  # noqa: E731
    np.testing.assert_allclose(sawtooth(x, 3), tent(tent(tent(x))), atol=1e-12)


@pytest.mark.parametrize("k", range(9))
def test_sawtooth_has_two_to_the_k_linear_pieces(k):
    x = np.linspace(0, 1, 2**k * 64 + 1)
    assert count_linear_pieces(sawtooth(x, k), x) == 2**k


def test_sawtooth_leaves_its_input_unchanged():
    x = np.linspace(0, 1, 33)
    x0 = x.copy()
    out = sawtooth(x, 2)
    np.testing.assert_array_equal(x, x0)
    assert out.dtype == np.float64 and out.shape == x.shape


def test_count_linear_pieces_of_a_line_is_one():
    x = np.linspace(-3, 3, 50)
    assert count_linear_pieces(3 * x + 1, x) == 1


def test_count_linear_pieces_counts_a_kink_between_samples_once():
    x = np.linspace(0, 1, 10)  # the kink at 0.5 falls between samples 4 and 5
    assert count_linear_pieces(np.abs(x - 0.5), x) == 2


def test_count_linear_pieces_ignores_float_noise(rng):
    x = np.linspace(0, 1, 1000)
    y = 5 * x + 1e-13 * rng.normal(size=x.size)
    assert count_linear_pieces(y, x) == 1


def test_count_linear_pieces_counts_a_relu_with_a_kink_on_a_sample():
    x = np.linspace(-1, 1, 21)
    assert count_linear_pieces(relu(x), x) == 2


def test_count_linear_pieces_rejects_x_that_is_not_increasing():
    with pytest.raises(ValueError, match="count_linear_pieces: x must be strictly increasing"):
        count_linear_pieces(np.zeros(3), np.array([0.0, 2.0, 1.0]))


def test_top_activating_returns_largest_first_with_ties_by_index():
    acts = np.array([[0.1, 5.0], [0.9, 1.0], [0.5, 5.0], [0.9, 0.0]])
    np.testing.assert_array_equal(top_activating(acts, 0, 3), [1, 3, 2])
    np.testing.assert_array_equal(top_activating(acts, 1, 2), [0, 2])
    assert top_activating(acts, 1, 2).dtype.kind == "i"


def test_top_activating_rejects_a_unit_out_of_range():
    with pytest.raises(ValueError, match=r"top_activating: unit must be in \[0, 2\).*got 2"):
        top_activating(np.zeros((3, 2)), 2, 1)


def test_top_activating_rejects_k_larger_than_the_inputs():
    with pytest.raises(ValueError, match=r"top_activating: k must be at most the number of inputs \(3\), got 4"):
        top_activating(np.zeros((3, 2)), 0, 4)


def test_sawtooth_rejects_a_negative_k():
    with pytest.raises(ValueError, match="sawtooth: k must be >= 0, got -1"):
        sawtooth(np.linspace(0, 1, 5), -1)
