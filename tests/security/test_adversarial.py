"""fgsm, PGD, maximize_neuron and adversarial training: the behaviour lesson 06 relies on."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.security.adversarial import (
    accuracy,
    adversarial_training,
    fgsm,
    fgsm_attack,
    input_gradient,
    maximize_neuron,
    pgd_attack,
)

from .conftest import LAYERS, small_mlp


def test_fgsm_moves_every_pixel_by_eps_along_the_gradient_sign():
    out = fgsm(np.array([0.5, 0.5, 0.5]), np.array([3.0, -1e-9, 0.0]), 0.1)
    np.testing.assert_allclose(out, [0.6, 0.4, 0.5])


def test_fgsm_clips_to_valid_pixels():
    np.testing.assert_allclose(fgsm(np.array([0.95, 0.02]), np.array([1.0, -1.0]), 0.1), [1.0, 0.0])


def test_fgsm_with_eps_zero_returns_a_copy(rng):
    x = rng.uniform(0, 1, size=(3, 4))
    out = fgsm(x, rng.normal(size=(3, 4)), 0.0)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_fgsm_leaves_its_inputs_unchanged(rng):
    x, g = rng.uniform(0, 1, size=5), rng.normal(size=5)
    x0, g0 = x.copy(), g.copy()
    fgsm(x, g, 0.2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize(
    "x,grad,eps,error,match",
    [
        (np.ones(3), np.ones(3), -0.1, ValueError, "fgsm: eps must be >= 0"),
        (np.ones(3), np.ones(4), 0.1, ValueError, r"fgsm: x and grad must have the same shape, got \(3,\) and \(4,\)"),
        (np.ones(3), np.ones(3), "0.1", TypeError, "fgsm: eps must be a number"),
        (np.array(["a"]), np.ones(1), 0.1, TypeError, "fgsm: expected a numeric array"),
    ],
)
def test_fgsm_bad_inputs_raise_clear_errors(x, grad, eps, error, match):
    with pytest.raises(error, match=match):
        fgsm(x, grad, eps)


def test_input_gradient_matches_central_differences(rng):
    from nnlib.activations import relu
    from nnlib.layers import mlp_forward
    from nnlib.losses import cross_entropy

    params = small_mlp(rng)
    X, y = rng.normal(size=(3, 6)), np.array([1, 0, 2])
    G = input_gradient(params, X, y)
    h = 1e-6
    for i, j in [(0, 0), (1, 3), (2, 5)]:
        Xp, Xm = X.copy(), X.copy()
        Xp[i, j] += h
        Xm[i, j] -= h
        # input_gradient is the gradient of each sample's own loss, i.e. of n * (mean loss).
        num = (
            3
            * (cross_entropy(mlp_forward(Xp, params, relu), y) - cross_entropy(mlp_forward(Xm, params, relu), y))
            / (2 * h)
        )
        assert abs(num - G[i, j]) < 1e-5


def test_pgd_stays_within_eps_and_in_range(digits, victim):
    _, X_test, _, y_test = digits
    X_adv = pgd_attack(victim, X_test[:50], y_test[:50], 0.1, steps=5, rng=np.random.default_rng(0))
    assert np.abs(X_adv - X_test[:50]).max() <= 0.1 + 1e-12
    assert X_adv.min() >= 0 and X_adv.max() <= 1


def test_pgd_is_at_least_as_strong_as_fgsm(digits, victim):
    _, X_test, _, y_test = digits
    for eps in (0.05, 0.1):
        assert (
            accuracy(victim, pgd_attack(victim, X_test, y_test, eps), y_test)
            <= accuracy(victim, fgsm_attack(victim, X_test, y_test, eps), y_test) + 0.01
        )


def test_maximize_neuron_on_a_first_layer_unit_follows_its_weight_column():
    W = np.array([[1.0, -2.0], [0.5, 3.0], [0.0, 1.0]])
    b = np.array([0.0, -10.0])
    out = maximize_neuron([(W, b)], 0, 1, np.full(3, 0.5), 2, 0.1)
    np.testing.assert_allclose(out, [0.1, 1.0, 0.7])


def test_maximize_neuron_gradient_passes_only_through_active_relus():
    params = [(np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([0.0, -5.0])), (np.array([[1.0], [1.0]]), np.array([0.0]))]
    np.testing.assert_allclose(maximize_neuron(params, 1, 0, np.array([0.5, 0.5]), 1, 0.1), [0.6, 0.6])


def test_maximize_neuron_raises_the_unit_and_keeps_pixels_valid(victim):
    start = np.full(64, 0.5)
    out = maximize_neuron(victim, 1, 3, start, 100, 0.05)
    logits = lambda x: np.maximum(x @ victim[0][0] + victim[0][1], 0) @ victim[1][0] + victim[1][1]
    assert logits(out)[3] > logits(start)[3] + 5
    assert out.min() >= 0 and out.max() <= 1


def test_maximize_neuron_with_zero_steps_returns_a_copy(rng):
    params = small_mlp(rng)
    x0 = rng.uniform(0, 1, size=6)
    out = maximize_neuron(params, 1, 0, x0, 0, 0.1)
    np.testing.assert_array_equal(out, x0)
    assert out is not x0


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((3, 0, None, 1, 0.1), ValueError, r"maximize_neuron: layer must be in \[0, 3\)"),
        ((0, 5, None, 1, 0.1), ValueError, r"maximize_neuron: unit must be in \[0, 5\) for layer 0"),
        ((0, 0, np.full(6, 2.0), 1, 0.1), ValueError, r"maximize_neuron: x0 must have values in \[0, 1\]"),
        ((0, 0, np.full(4, 0.5), 1, 0.1), ValueError, "maximize_neuron: x0 has 4 values but the first W expects 6"),
        ((0, 0, None, -1, 0.1), ValueError, "maximize_neuron: steps must be >= 0"),
        ((0, 0, None, 1, 0.0), ValueError, "maximize_neuron: lr must be > 0"),
        ((0.0, 0, None, 1, 0.1), TypeError, "maximize_neuron: layer must be an integer"),
    ],
)
def test_maximize_neuron_bad_inputs_raise_clear_errors(rng, args, error, match):
    layer, unit, x0, steps, lr = args
    x0 = np.full(6, 0.5) if x0 is None else x0
    with pytest.raises(error, match=match):
        maximize_neuron(small_mlp(rng), layer, unit, x0, steps, lr)


def test_adversarial_training_buys_robustness(digits, victim):
    X_train, X_test, y_train, y_test = digits
    robust = adversarial_training(X_train, y_train, LAYERS, np.random.default_rng(3), 0.2, epochs=60)
    assert accuracy(robust, X_test, y_test) > 0.90
    robust_acc = accuracy(robust, fgsm_attack(robust, X_test, y_test, 0.2), y_test)
    plain_acc = accuracy(victim, fgsm_attack(victim, X_test, y_test, 0.2), y_test)
    assert robust_acc > plain_acc + 0.25
