"""Network.from_params and Dense.from_weights: a Network with given weights computes mlp_forward."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu, sigmoid
from nnlib.layers import mlp_forward
from nnlib.network import Dense, Network


def _params(rng, sizes=(5, 4, 3, 2)):
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes[:-1], sizes[1:])]


def test_forward_equals_mlp_forward():
    rng = np.random.default_rng(0)
    params = _params(rng)
    X = rng.normal(size=(6, 5))
    np.testing.assert_allclose(Network.from_params(params).forward(X), mlp_forward(X, params, relu), rtol=1e-13)
    np.testing.assert_allclose(
        Network.from_params(params, "sigmoid").forward(X), mlp_forward(X, params, sigmoid), rtol=1e-13
    )


def test_the_weights_are_copies_in_order():
    rng = np.random.default_rng(1)
    params = _params(rng)
    net = Network.from_params(params)
    assert [repr(layer) for layer in net.layers] == [
        "Dense(5 -> 4)",
        "ReLU()",
        "Dense(4 -> 3)",
        "ReLU()",
        "Dense(3 -> 2)",
    ]
    for p, q in zip(net.params(), [a for pair in params for a in pair]):
        np.testing.assert_array_equal(p, q)
        assert not np.shares_memory(p, q)


def test_a_single_layer_has_no_activation():
    rng = np.random.default_rng(2)
    ((W, b),) = _params(rng, (3, 2))
    net = Network.from_params([(W, b)])
    assert len(net.layers) == 1
    X = rng.normal(size=(4, 3))
    np.testing.assert_allclose(net.forward(X), X @ W + b)


@pytest.mark.parametrize(
    "params,activation,error,match",
    [
        ([], "relu", ValueError, "Network.from_params: params must contain at least one"),
        ([(np.ones((2, 3)), np.ones(2))], "relu", ValueError, r"Network.from_params: params\[0\] has b.shape"),
        ([(np.ones((2, 3)), np.ones(3))], "swish", ValueError, "Network.from_params: unknown activation 'swish'"),
    ],
)
def test_bad_params_raise_clear_errors(params, activation, error, match):
    with pytest.raises(error, match=match):
        Network.from_params(params, activation)


def test_dense_from_weights_checks_the_bias():
    with pytest.raises(ValueError, match="Dense.from_weights: b has 2 entries but W has 3 output units"):
        Dense.from_weights(np.ones((2, 3)), np.ones(2))
