"""One neuron: weighted sum, activation, logic gates and linear separability."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import sigmoid, step
from nnlib.neuron import AND_PARAMS, OR_PARAMS, is_linearly_separable, neuron, truth_table, weighted_sum


def test_weighted_sum_of_one_sample_is_a_float():
    out = weighted_sum(np.array([1.0, 2.0]), np.array([3.0, -1.0]), 0.5)
    assert isinstance(out, float) and out == pytest.approx(1.5)


def test_weighted_sum_of_a_batch_is_one_value_per_row(rng):
    X, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    out = weighted_sum(X, w, -0.25)
    assert out.shape == (5,) and out.dtype == np.float64
    np.testing.assert_allclose(out, X @ w - 0.25)


def test_neuron_applies_the_activation_to_the_weighted_sum(rng):
    X, w = rng.normal(size=(4, 2)), rng.normal(size=2)
    np.testing.assert_allclose(neuron(X, w, 0.3, sigmoid), sigmoid(X @ w + 0.3))


def test_neuron_leaves_inputs_unchanged(rng):
    X, w = rng.normal(size=(4, 2)), rng.normal(size=2)
    X0, w0 = X.copy(), w.copy()
    neuron(X, w, 0.3, sigmoid)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("params, gate", [(AND_PARAMS, "AND"), (OR_PARAMS, "OR")])
def test_gate_params_reproduce_their_truth_table_with_step(params, gate):
    w, b = params
    assert w.dtype == np.float64 and w.shape == (2,) and isinstance(b, float)
    X, y = truth_table(gate)
    np.testing.assert_array_equal(neuron(X, w, b, step), y)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_separable_gates_are_recognised(gate):
    assert is_linearly_separable(*truth_table(gate)) is True


def test_xor_is_not_linearly_separable():
    assert is_linearly_separable(*truth_table("XOR")) is False


def test_separability_holds_for_a_tilted_boundary():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [0.5, 2.0]])
    assert is_linearly_separable(X, np.array([0, 1, 1, 1])) is True


def test_separability_fails_when_a_point_lies_between_two_of_the_other_class():
    X = np.array([[0.0, 0.0], [2.0, 2.0], [1.0, 1.0], [3.0, 0.0]])  # (1, 1) is midway between the two 1s
    assert is_linearly_separable(X, np.array([1, 1, 0, 0])) is False


def test_truth_table_shapes_and_types():
    X, y = truth_table("xor")
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_weighted_sum_rejects_mismatched_weights():
    with pytest.raises(ValueError, match=r"weighted_sum: x has 3 features but w has 2 weights"):
        weighted_sum(np.ones(3), np.ones(2), 0.0)


def test_weighted_sum_rejects_a_vector_bias():
    with pytest.raises(ValueError, match=r"weighted_sum: b must be a scalar.*got shape \(2,\)"):
        weighted_sum(np.ones(2), np.ones(2), np.ones(2))


def test_neuron_rejects_a_non_callable_activation():
    with pytest.raises(TypeError, match="neuron: activation must be a function"):
        neuron(np.ones(2), np.ones(2), 0.0, "relu")


def test_is_linearly_separable_rejects_labels_other_than_0_1():
    with pytest.raises(ValueError, match=r"is_linearly_separable: y must be integers in \[0, 2\) but got 2"):
        is_linearly_separable(np.zeros((2, 2)), np.array([0, 2]))


def test_truth_table_rejects_unknown_gates():
    with pytest.raises(ValueError, match="truth_table: unknown gate 'XNOR'"):
        truth_table("XNOR")
