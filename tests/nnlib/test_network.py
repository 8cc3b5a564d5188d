"""The class layer: Dense and activation layers, and the whole Network, against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import gelu, relu, sigmoid, softmax
from nnlib.gradcheck import check_network_gradients
from nnlib.layers import mlp_forward
from nnlib.network import GELU, Dense, Network, ReLU, Sigmoid, Tanh

from .conftest import GRAD_TOLERANCE, assert_gradient_matches, away_from_zero


def test_dense_forward_and_backward_match_the_functions(rng):
    layer = Dense(3, 4, rng)
    X, dZ = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    np.testing.assert_allclose(layer.forward(X), X @ layer.W + layer.b)
    dX = layer.backward(dZ)
    np.testing.assert_allclose(dX, dZ @ layer.W.T)
    np.testing.assert_allclose(layer.dW, X.T @ dZ)
    np.testing.assert_allclose(layer.db, dZ.sum(axis=0))


def test_dense_layer_gradients_match_finite_differences(rng):
    layer = Dense(3, 4, rng)
    X, dZ = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    layer.forward(X)
    dX = layer.backward(dZ)
    W, b = layer.W.copy(), layer.b.copy()
    assert_gradient_matches(dX, lambda p: np.sum((p @ W + b) * dZ), X, "Dense dX")
    assert_gradient_matches(layer.dW, lambda p: np.sum((X @ p + b) * dZ), W, "Dense dW")
    assert_gradient_matches(layer.db, lambda p: np.sum((X @ W + p) * dZ), b, "Dense db")


@pytest.mark.parametrize(
    "cls, f", [(ReLU, relu), (Sigmoid, sigmoid), (Tanh, np.tanh), (GELU, gelu)], ids=["ReLU", "Sigmoid", "Tanh", "GELU"]
)
def test_activation_layer_backward_matches_finite_differences(cls, f, rng):
    layer = cls()
    Z, dA = away_from_zero(rng, (4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(layer.forward(Z), f(Z))
    assert_gradient_matches(layer.backward(dA), lambda p: np.sum(f(p) * dA), Z, f"{cls.__name__}.backward")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "gelu"])
def test_whole_network_gradients_match_finite_differences(activation, rng):
    net = Network.mlp([5, 7, 6, 3], rng, activation=activation)
    X, y = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
    errors = check_network_gradients(net, X, y)
    assert set(errors) == set(net.param_names())
    worst = max(errors, key=errors.get)
    assert errors[worst] < GRAD_TOLERANCE, f"{worst}: relative error {errors[worst]:.2e}"


def test_network_input_gradient_matches_finite_differences(rng):
    net = Network.mlp([4, 6, 3], rng, activation="tanh")
    X, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 3))
    net.forward(X)
    dX = net.backward(v)
    assert_gradient_matches(dX, lambda p: np.sum(net.forward(p) * v), X, "Network.backward dX")


def test_check_network_gradients_restores_the_parameters(rng):
    net = Network.mlp([3, 4, 2], rng)
    before = [p.copy() for p in net.params()]
    check_network_gradients(net, rng.normal(size=(5, 3)), rng.integers(0, 2, size=5))
    for p, q in zip(net.params(), before):
        np.testing.assert_array_equal(p, q)


def test_check_network_gradients_detects_a_wrong_backward(rng, monkeypatch):
    net = Network.mlp([3, 4, 2], rng)
    monkeypatch.setattr(ReLU, "_backward", lambda self, dA: dA)  # forgets to gate by the ReLU
    errors = check_network_gradients(net, rng.normal(size=(6, 3)), rng.integers(0, 2, size=6))
    assert errors["layers[0].W"] > 1e-3


def test_mlp_builds_dense_and_activation_layers(rng):
    net = Network.mlp([64, 128, 64, 10], rng)
    assert [type(layer).__name__ for layer in net.layers] == ["Dense", "ReLU", "Dense", "ReLU", "Dense"]
    assert net.n_parameters() == 17226


def test_forward_equals_mlp_forward_on_the_same_params(rng):
    net = Network.mlp([4, 5, 3], rng)
    p = net.params()
    X = rng.normal(size=(6, 4))
    np.testing.assert_allclose(net.forward(X), mlp_forward(X, [(p[0], p[1]), (p[2], p[3])], relu))


def test_forward_accepts_a_single_sample(rng):
    net = Network.mlp([4, 5, 3], rng)
    x = rng.normal(size=4)
    np.testing.assert_allclose(net.forward(x), net.forward(x[None, :])[0])
    assert isinstance(net.predict(x), int)


def test_predict_proba_and_predict(rng):
    net = Network.mlp([4, 5, 3], rng)
    X = rng.normal(size=(6, 4))
    np.testing.assert_allclose(net.predict_proba(X), softmax(net.forward(X)))
    np.testing.assert_array_equal(net.predict(X), np.argmax(net.forward(X), axis=1))


def test_activations_lists_every_layer_output(rng):
    net = Network.mlp([4, 5, 3], rng)
    X = rng.normal(size=(2, 4))
    acts = net.activations(X)
    assert [a.shape for a in acts] == [(2, 5), (2, 5), (2, 3)]
    np.testing.assert_allclose(acts[-1], net.forward(X))


def test_params_grads_and_set_params_use_the_same_order(rng):
    net = Network.mlp([4, 5, 3], rng)
    net.forward(rng.normal(size=(2, 4)))
    net.backward(rng.normal(size=(2, 3)))
    assert [g.shape for g in net.grads()] == [p.shape for p in net.params()] == [(4, 5), (5,), (5, 3), (3,)]
    new = [np.full(p.shape, float(i)) for i, p in enumerate(net.params())]
    net.set_params(new)
    for p, q in zip(net.params(), new):
        np.testing.assert_array_equal(p, q)
        assert p is not q


def test_set_params_rejects_a_wrong_shape(rng):
    net = Network.mlp([4, 5, 3], rng)
    bad = net.params()
    bad[2] = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"Network.set_params: layers\[2\].W must have shape \(5, 3\), got \(3, 5\)"):
        net.set_params(bad)


def test_network_forward_rejects_the_wrong_number_of_features(rng):
    net = Network.mlp([4, 5, 3], rng)
    with pytest.raises(ValueError, match="Network.forward: X has 3 features but the network expects 4"):
        net.forward(np.ones((2, 3)))


def test_network_forward_rejects_nan(rng):
    with pytest.raises(ValueError, match="Network.forward: X contains NaN"):
        Network.mlp([2, 3], rng).forward(np.array([[np.nan, 0.0]]))


def test_backward_before_forward_is_an_error(rng):
    with pytest.raises(RuntimeError, match="Network.backward: call forward before backward"):
        Network.mlp([2, 3], rng).backward(np.ones((1, 3)))


def test_mlp_rejects_an_unknown_activation(rng):
    with pytest.raises(ValueError, match="Network.mlp: unknown activation 'swish'"):
        Network.mlp([2, 3], rng, activation="swish")


def test_repr_lists_the_layers_and_parameter_count(rng):
    text = repr(Network.mlp([4, 5, 3], rng))
    assert "Dense(4 -> 5)" in text and "ReLU()" in text and "43 parameters" in text


def test_forward_leaves_its_input_unchanged(rng):
    net = Network.mlp([4, 5, 3], rng)
    X = rng.normal(size=(3, 4))
    X0 = X.copy()
    net.forward(X)
    net.backward(np.ones((3, 3)))
    np.testing.assert_array_equal(X, X0)
