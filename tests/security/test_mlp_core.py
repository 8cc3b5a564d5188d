"""nnlib.security's network helpers are nnlib.network's passes: same numbers as the core, per-sample deltas right."""

from __future__ import annotations

import numpy as np

from nnlib.activations import relu, softmax
from nnlib.layers import mlp_forward
from nnlib.losses import cross_entropy
from nnlib.security import _mlp
from nnlib.security.leakage import parameter_gradients

from .conftest import small_mlp


def test_logits_and_probabilities_are_mlp_forward_and_softmax(rng):
    params = small_mlp(rng)
    X = rng.normal(size=(5, 6))
    np.testing.assert_allclose(_mlp.logits(params, X), mlp_forward(X, params, relu), rtol=1e-13)
    np.testing.assert_allclose(_mlp.probabilities(params, X), softmax(mlp_forward(X, params, relu)), rtol=1e-13)


def test_parameter_gradients_match_central_differences(rng):
    params = small_mlp(rng)
    X, y = rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])
    grads = _mlp.parameter_gradients(params, X, y)
    h = 1e-6
    for layer, (i, j) in [(0, (1, 2)), (1, (0, 3)), (2, (3, 1))]:
        plus = [(W.copy(), b.copy()) for W, b in params]
        minus = [(W.copy(), b.copy()) for W, b in params]
        plus[layer][0][i, j] += h
        minus[layer][0][i, j] -= h
        numeric = (cross_entropy(mlp_forward(X, plus, relu), y) - cross_entropy(mlp_forward(X, minus, relu), y)) / (
            2 * h
        )
        assert abs(numeric - grads[layer][0][i, j]) < 1e-6


def test_dense_deltas_give_each_samples_own_gradient(rng):
    params = small_mlp(rng)
    X, y = rng.normal(size=(3, 6)), np.array([1, 0, 2])
    net = _mlp.network(params)
    dlogits = _mlp._output_delta(net, X, y)  # per-sample losses (not their mean)
    deltas = _mlp.dense_deltas(net, dlogits)
    assert len(deltas) == len(params)
    for s in range(3):
        own = parameter_gradients(params, X[s], y[s])  # one sample's gradients, computed on their own
        for (A, dZ), (dW, db) in zip(deltas, own):
            np.testing.assert_allclose(np.outer(A[s], dZ[s]), dW, rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(dZ[s], db, rtol=1e-10, atol=1e-14)


def test_helpers_never_touch_the_callers_weights(rng):
    params = small_mlp(rng)
    before = [(W.copy(), b.copy()) for W, b in params]
    net = _mlp.network(params)
    net._set_params([p * 0 for p in net.params()])
    for (W, b), (W0, b0) in zip(params, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
