"""perturb_to_activate: a bounded change to a real image that switches a chosen unit on (Sabour et al. 2016)."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import relu
from nnlib.layers import layer_activations
from nnlib.security.adversarial import maximize_neuron, perturb_to_activate, unit_pre_activation

from .conftest import small_mlp


def _z(params, layer, unit, x):
    """The pre-activation of `unit` in `layer`, computed independently with nnlib.layers."""
    if layer == 0:
        A = x
    else:
        A = layer_activations(x[None, :], params[: layer + 1], relu)[layer - 1][0]
    W, b = params[layer]
    return float((A @ W + b)[unit])


def test_a_first_layer_unit_moves_every_pixel_along_the_sign_of_its_weights():
    W = np.array([[1.0, -2.0], [0.5, 3.0], [0.0, 1.0], [-0.2, 0.0]])
    b = np.array([0.0, -10.0])
    out = perturb_to_activate([(W, b)], 0, 1, np.array([0.5, 0.5, 0.5, 0.5]), 0.25, 2, 0.1)
    # sign(W[:, 1]) = (-1, +1, +1, 0): two steps of 0.1 each, within 0.25; the last pixel has no gradient.
    np.testing.assert_allclose(out, [0.3, 0.7, 0.7, 0.5])


def test_the_change_is_projected_onto_the_eps_ball_and_the_pixel_range():
    W = np.array([[1.0], [-1.0], [1.0]])
    out = perturb_to_activate([(W, np.zeros(1))], 0, 0, np.array([0.5, 0.05, 0.98]), 0.1, 10, 0.03)
    np.testing.assert_allclose(out, [0.6, 0.0, 1.0])


def test_the_gradient_passes_only_through_active_relus():
    params = [
        (np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([0.0, -5.0])),
        (np.array([[1.0], [-1.0]]), np.array([0.0])),
    ]
    # unit 1 of layer 0 is off, so its weight -1 in layer 1 does not count: dz/dx = (1, 1).
    np.testing.assert_allclose(perturb_to_activate(params, 1, 0, np.array([0.5, 0.5]), 0.2, 1, 0.1), [0.6, 0.6])


def test_it_stays_within_eps_and_in_range_and_raises_the_unit(rng):
    params = small_mlp(rng, (20, 12, 8, 3))
    for layer, unit in [(0, 3), (1, 5), (2, 1)]:
        x = rng.uniform(0, 1, size=20)
        out = perturb_to_activate(params, layer, unit, x, 0.1, 30, 0.01)
        assert np.abs(out - x).max() <= 0.1 + 1e-12
        assert out.min() >= 0.0 and out.max() <= 1.0
        assert _z(params, layer, unit, out) > _z(params, layer, unit, x)


def test_a_large_budget_and_many_steps_reach_what_unconstrained_sign_ascent_reaches():
    W = np.array([[2.0], [-1.0], [0.5]])
    x = np.array([0.2, 0.6, 0.4])
    out = perturb_to_activate([(W, np.zeros(1))], 0, 0, x, 1.0, 100, 0.05)
    np.testing.assert_allclose(out, [1.0, 0.0, 1.0])
    # maximize_neuron ascends the raw gradient; for a first-layer unit both end in the same corner.
    np.testing.assert_allclose(maximize_neuron([(W, np.zeros(1))], 0, 0, x, 100, 0.05), out)


def test_zero_steps_or_zero_eps_return_a_copy_of_the_image(rng):
    params = small_mlp(rng)
    x = rng.uniform(0, 1, size=6)
    for eps, steps in [(0.1, 0), (0.0, 5)]:
        out = perturb_to_activate(params, 1, 0, x, eps, steps, 0.1)
        np.testing.assert_array_equal(out, x)
        assert out is not x and out.dtype == np.float64


def test_it_leaves_its_inputs_unchanged(rng):
    params = small_mlp(rng)
    copies = [(W.copy(), b.copy()) for W, b in params]
    x = rng.uniform(0, 1, size=6)
    x0 = x.copy()
    perturb_to_activate(params, 2, 1, x, 0.2, 5, 0.05)
    np.testing.assert_array_equal(x, x0)
    for (W, b), (W0, b0) in zip(params, copies):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_on_the_digits_a_small_change_switches_an_off_unit_on(digits, victim):
    _, X_test, _, _ = digits
    x = X_test[0]
    z = x @ victim[0][0] + victim[0][1]
    unit = int(np.flatnonzero(z < 0)[np.argmax(z[z < 0])])  # the off unit closest to switching on
    out = perturb_to_activate(victim, 0, unit, x, 0.1, 20, 0.01)
    assert np.abs(out - x).max() <= 0.1 + 1e-12
    assert unit_pre_activation(victim, 0, unit, out) > 0 > unit_pre_activation(victim, 0, unit, x)


def test_unit_pre_activation_matches_layer_activations(rng):
    params = small_mlp(rng)
    X = rng.uniform(0, 1, size=(4, 6))
    Z1 = layer_activations(X, params, relu)[0] @ params[1][0] + params[1][1]
    np.testing.assert_allclose(unit_pre_activation(params, 1, 2, X), Z1[:, 2])
    assert unit_pre_activation(params, 1, 2, X[0]) == pytest.approx(Z1[0, 2])


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((3, 0, None, 0.1, 1, 0.1), ValueError, r"perturb_to_activate: layer must be in \[0, 3\)"),
        ((0, 5, None, 0.1, 1, 0.1), ValueError, r"perturb_to_activate: unit must be in \[0, 5\) for layer 0"),
        ((0, 0, np.full(6, 1.5), 0.1, 1, 0.1), ValueError, r"perturb_to_activate: x must have values in \[0, 1\]"),
        (
            (0, 0, np.full(4, 0.5), 0.1, 1, 0.1),
            ValueError,
            "perturb_to_activate: x has 4 values but the first W expects 6",
        ),
        ((0, 0, None, -0.1, 1, 0.1), ValueError, "perturb_to_activate: eps must be >= 0"),
        ((0, 0, None, 0.1, -1, 0.1), ValueError, "perturb_to_activate: steps must be >= 0"),
        ((0, 0, None, 0.1, 1, 0.0), ValueError, "perturb_to_activate: lr must be > 0"),
        ((0, 1.0, None, 0.1, 1, 0.1), TypeError, "perturb_to_activate: unit must be an integer"),
    ],
)
def test_bad_inputs_raise_clear_errors(rng, args, error, match):
    layer, unit, x, eps, steps, lr = args
    x = np.full(6, 0.5) if x is None else x
    with pytest.raises(error, match=match):
        perturb_to_activate(small_mlp(rng), layer, unit, x, eps, steps, lr)
