"""Dense layers and MLPs as functions: forward values, backward passes, init, shapes, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu, sigmoid
from nnlib.layers import (
    collapse_linear,
    count_parameters,
    dense_backward,
    dense_forward,
    init_dense,
    layer_activations,
    mlp_forward,
    predict_class,
    relu_backward,
)

from .conftest import assert_gradient_matches, away_from_zero


def test_dense_forward_is_x_times_w_plus_b(rng):
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    np.testing.assert_allclose(dense_forward(X, W, b), X @ W + b)


def test_dense_forward_accepts_a_single_sample(rng):
    x, W, b = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    out = dense_forward(x, W, b)
    assert out.shape == (2,)
    np.testing.assert_allclose(out, x @ W + b)


@pytest.mark.parametrize("which", ["dX", "dW", "db"])
def test_dense_backward_matches_finite_differences(which, rng):
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
    dZ = rng.normal(size=(4, 5))  # loss = sum(Z * dZ) has dL/dZ = dZ
    dX, dW, db = dense_backward(dZ, X, W)
    analytic, x0, f = {
        "dX": (dX, X, lambda p: np.sum(dense_forward(p, W, b) * dZ)),
        "dW": (dW, W, lambda p: np.sum(dense_forward(X, p, b) * dZ)),
        "db": (db, b, lambda p: np.sum(dense_forward(X, W, p) * dZ)),
    }[which]
    assert_gradient_matches(analytic, f, x0, f"dense_backward {which}")


def test_dense_backward_sums_db_over_the_batch(rng):
    dZ = rng.normal(size=(6, 2))
    _, _, db = dense_backward(dZ, rng.normal(size=(6, 3)), rng.normal(size=(3, 2)))
    np.testing.assert_allclose(db, dZ.sum(axis=0))


def test_dense_backward_of_a_single_sample_keeps_its_shape(rng):
    x, W, dz = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    dx, dW, db = dense_backward(dz, x, W)
    assert dx.shape == (3,) and dW.shape == (3, 2) and db.shape == (2,)
    np.testing.assert_allclose(dW, np.outer(x, dz))


def test_relu_backward_matches_finite_differences(rng):
    Z, dA = away_from_zero(rng, (4, 5)), rng.normal(size=(4, 5))
    assert_gradient_matches(relu_backward(dA, Z), lambda p: np.sum(relu(p) * dA), Z, "relu_backward")


def test_relu_backward_blocks_the_gradient_at_zero():
    np.testing.assert_array_equal(relu_backward(np.ones(3), np.array([-1.0, 0.0, 1.0])), [0.0, 0.0, 1.0])


def test_backward_passes_leave_inputs_unchanged_and_return_float64(rng):
    X, W, dZ = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    copies = [a.copy() for a in (X, W, dZ)]
    outs = list(dense_backward(dZ, X, W)) + [relu_backward(dZ, dZ.copy()), dense_forward(X, W, np.zeros(2))]
    for a, c in zip((X, W, dZ), copies):
        np.testing.assert_array_equal(a, c)
    assert all(o.dtype == np.float64 for o in outs)


@pytest.mark.parametrize("scheme, variance", [("he", lambda i, o: 2 / i), ("xavier", lambda i, o: 2 / (i + o))])
def test_init_dense_draws_weights_with_the_scheme_variance(scheme, variance, rng):
    W, b = init_dense(400, 300, rng, scheme)
    assert W.shape == (400, 300) and b.shape == (300,) and W.dtype == np.float64
    np.testing.assert_array_equal(b, 0.0)
    assert W.var() == pytest.approx(variance(400, 300), rel=0.02)
    assert abs(W.mean()) < 0.01


def test_init_dense_is_reproducible_from_the_generator():
    W1, _ = init_dense(3, 2, np.random.default_rng(5))
    W2, _ = init_dense(3, 2, np.random.default_rng(5))
    np.testing.assert_array_equal(W1, W2)


def test_init_dense_rejects_an_unknown_scheme_naming_the_allowed_ones(rng):
    with pytest.raises(ValueError, match=r"init_dense: unknown scheme 'lecun'; expected one of \['he', 'xavier'\]"):
        init_dense(3, 2, rng, "lecun")


def test_init_dense_rejects_a_seed_instead_of_a_generator():
    with pytest.raises(TypeError, match="init_dense: rng must be a numpy.random.Generator.*got int"):
        init_dense(3, 2, 0)


def test_count_parameters_counts_weights_and_biases():
    assert count_parameters([64, 128, 64, 10]) == 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert count_parameters([2, 1]) == 3


def test_count_parameters_rejects_a_single_size():
    with pytest.raises(ValueError, match=r"count_parameters: need at least two layer sizes.*\[5\]"):
        count_parameters([5])


def _params(rng, sizes=(3, 4, 5, 2)):
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes[:-1], sizes[1:])]


def test_mlp_forward_applies_the_activation_to_hidden_layers_only(rng):
    X, params = rng.normal(size=(6, 3)), _params(rng)
    (W1, b1), (W2, b2), (W3, b3) = params
    expected = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(mlp_forward(X, params, sigmoid), expected)


def test_layer_activations_ends_with_the_logits(rng):
    X, params = rng.normal(size=(6, 3)), _params(rng)
    acts = layer_activations(X, params)
    assert [a.shape for a in acts] == [(6, 4), (6, 5), (6, 2)]
    assert np.all(acts[0] >= 0) and np.all(acts[1] >= 0)
    np.testing.assert_allclose(acts[-1], mlp_forward(X, params, relu))


def test_mlp_forward_rejects_layers_that_do_not_chain(rng):
    params = [(rng.normal(size=(3, 4)), np.zeros(4)), (rng.normal(size=(5, 2)), np.zeros(2))]
    with pytest.raises(ValueError, match=r"mlp_forward: params\[1\] W.shape=\(5, 2\) does not follow"):
        mlp_forward(np.ones((1, 3)), params, relu)


def test_mlp_forward_leaves_params_unchanged(rng):
    params = _params(rng)
    copies = [(W.copy(), b.copy()) for W, b in params]
    mlp_forward(rng.normal(size=(2, 3)), params, relu)
    for (W, b), (W0, b0) in zip(params, copies):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_predict_class_is_argmax_along_the_last_axis():
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    pred = predict_class(probs)
    assert pred.dtype.kind == "i"
    np.testing.assert_array_equal(pred, [1, 0])


def test_collapse_linear_equals_two_stacked_linear_layers(rng):
    X = rng.normal(size=(5, 3))
    W1, b1, W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
    W, b = collapse_linear(W1, b1, W2, b2)
    assert W.shape == (3, 2) and b.shape == (2,)
    np.testing.assert_allclose(X @ W + b, (X @ W1 + b1) @ W2 + b2)


# ---- bad input -------------------------------------------------------------------------------------
def test_dense_forward_names_both_feature_counts():
    with pytest.raises(ValueError, match=r"^dense_forward: X has 3 features but W expects 4 \(W.shape=\(4, 2\)\)$"):
        dense_forward(np.ones((5, 3)), np.ones((4, 2)), np.zeros(2))


def test_dense_forward_rejects_a_bias_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"dense_forward: b has 3 entries but W has 2 output units"):
        dense_forward(np.ones((5, 4)), np.ones((4, 2)), np.zeros(3))


def test_dense_forward_rejects_nan():
    with pytest.raises(ValueError, match="dense_forward: X contains NaN"):
        dense_forward(np.array([[np.nan, 1.0]]), np.ones((2, 2)), np.zeros(2))


def test_dense_forward_rejects_strings():
    with pytest.raises(TypeError, match="dense_forward: expected a numeric array, got dtype <U1 for W"):
        dense_forward(np.ones((1, 2)), np.array([["a", "b"], ["c", "d"]]), np.zeros(2))


def test_dense_backward_rejects_a_dz_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"dense_backward: dZ must have shape \(5, 2\).*got \(5, 3\)"):
        dense_backward(np.ones((5, 3)), np.ones((5, 4)), np.ones((4, 2)))


def test_relu_backward_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"relu_backward: dA and Z must have the same shape, got \(2,\) and \(3,\)"):
        relu_backward(np.ones(2), np.ones(3))


def test_collapse_linear_rejects_layers_that_do_not_chain():
    with pytest.raises(ValueError, match="collapse_linear: W2 expects 5 inputs but W1 has 4 outputs"):
        collapse_linear(np.ones((3, 4)), np.ones(4), np.ones((5, 2)), np.ones(2))
