"""recover_input_from_gradients and the leakage helpers: exact leak, batch mixture, DLG, noise as a defence."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.security import accuracy
from nnlib.security.leakage import (
    clip_and_noise,
    dlg_reconstruct,
    dp_sgd_training,
    parameter_gradients,
    recover_input_from_gradients,
)

from .conftest import LAYERS, small_mlp


def test_recovers_the_input_of_a_dense_layer_exactly(rng):
    x = rng.uniform(0, 1, size=7)
    dz = rng.normal(size=4)
    np.testing.assert_allclose(recover_input_from_gradients(np.outer(x, dz), dz), x, rtol=1e-12)


def test_skips_units_whose_bias_gradient_is_zero(rng):
    x = rng.uniform(0, 1, size=5)
    dz = np.array([0.0, 0.0, 0.3, 0.0])
    out = recover_input_from_gradients(np.outer(x, dz), dz)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, x, rtol=1e-12)


def test_divides_by_the_largest_bias_gradient():
    dW = np.array([[1.0, 10.0], [2.0, 20.0]])  # columns inconsistent on purpose: which one is used?
    db = np.array([1.0, -40.0])
    np.testing.assert_allclose(recover_input_from_gradients(dW, db), [-0.25, -0.5])


def test_leaves_its_inputs_unchanged(rng):
    dW, db = rng.normal(size=(3, 2)), rng.normal(size=2)
    dW0, db0 = dW.copy(), db.copy()
    recover_input_from_gradients(dW, db)
    np.testing.assert_array_equal(dW, dW0)
    np.testing.assert_array_equal(db, db0)


def test_one_digit_leaks_from_the_victims_first_layer_to_1e8(digits, victim):
    X_train, _, y_train, _ = digits
    dW1, db1 = parameter_gradients(victim, X_train[7], y_train[7])[0]
    assert np.abs(recover_input_from_gradients(dW1, db1) - X_train[7]).max() < 1e-8


def test_a_batch_gives_a_mixture_not_one_of_its_samples(digits, victim):
    X_train, _, y_train, _ = digits
    batch = X_train[10:14]
    out = recover_input_from_gradients(*parameter_gradients(victim, batch, y_train[10:14])[0])
    assert np.min(np.abs(out - batch).max(axis=1)) > 0.05


@pytest.mark.parametrize(
    "dW,db,error,match",
    [
        (np.ones((3, 2)), np.zeros(2), ValueError, "recover_input_from_gradients: db is all zero"),
        (
            np.ones((3, 2)),
            np.ones(3),
            ValueError,
            r"recover_input_from_gradients: db has 3 entries but dW has 2 columns",
        ),
        (np.ones(3), np.ones(1), ValueError, "recover_input_from_gradients: dW must be 2-D"),
        (np.array([["a"]]), np.ones(1), TypeError, "recover_input_from_gradients: expected a numeric array"),
        (np.array([[np.nan]]), np.ones(1), ValueError, "recover_input_from_gradients: dW contains NaN"),
    ],
)
def test_bad_inputs_raise_clear_errors(dW, db, error, match):
    with pytest.raises(error, match=match):
        recover_input_from_gradients(dW, db)


def test_parameter_gradients_match_central_differences(rng):
    params = small_mlp(rng)
    X, y = rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])
    grads = parameter_gradients(params, X, y)

    def loss(p):
        from nnlib.activations import relu
        from nnlib.layers import mlp_forward
        from nnlib.losses import cross_entropy

        return cross_entropy(mlp_forward(X, p, relu), y)

    W0, b0 = params[0]
    h = 1e-6
    for i, j in [(0, 0), (3, 2), (5, 4)]:
        Wp, Wm = W0.copy(), W0.copy()
        Wp[i, j] += h
        Wm[i, j] -= h
        num = (loss([(Wp, b0)] + params[1:]) - loss([(Wm, b0)] + params[1:])) / (2 * h)
        assert abs(num - grads[0][0][i, j]) < 1e-6


def test_clipping_alone_does_not_stop_the_leak(digits, victim, rng):
    X_train, _, y_train, _ = digits
    grads = parameter_gradients(victim, X_train[3], y_train[3])
    clipped = clip_and_noise(grads, 1e-3, 0.0, rng)
    np.testing.assert_allclose(recover_input_from_gradients(*clipped[0]), X_train[3], atol=1e-8)


def test_clip_and_noise_bounds_the_norm_and_is_reproducible(rng):
    grads = [(rng.normal(size=(4, 3)) * 10, rng.normal(size=3) * 10)]
    clipped = clip_and_noise(grads, 2.0, 0.0, rng)
    norm = np.sqrt(sum(np.sum(a**2) + np.sum(c**2) for a, c in clipped))
    assert norm == pytest.approx(2.0)
    a = clip_and_noise(grads, 1.0, 0.5, np.random.default_rng(1))
    b = clip_and_noise(grads, 1.0, 0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(a[0][0], b[0][0])


def test_noise_destroys_the_reconstruction(digits, victim, rng):
    X_train, _, y_train, _ = digits
    grads = parameter_gradients(victim, X_train[3], y_train[3])
    noisy = clip_and_noise(grads, 1.0, 0.1, rng)
    rmse = np.sqrt(np.mean((recover_input_from_gradients(*noisy[0]) - X_train[3]) ** 2))
    assert rmse > 0.2


def test_clip_and_noise_validates(rng):
    with pytest.raises(ValueError, match="clip_and_noise: clip must be > 0"):
        clip_and_noise([(np.ones((2, 2)), np.ones(2))], 0.0, 1.0, rng)
    with pytest.raises(ValueError, match="clip_and_noise: sigma must be >= 0"):
        clip_and_noise([(np.ones((2, 2)), np.ones(2))], 1.0, -1.0, rng)
    with pytest.raises(TypeError, match="clip_and_noise: rng must be a numpy.random.Generator"):
        clip_and_noise([(np.ones((2, 2)), np.ones(2))], 1.0, 1.0, 0)


def test_dlg_recovers_a_batch_of_four_digits(digits, rng):
    from nnlib.security import train_mlp

    X_train, _, y_train, _ = digits
    ((W, b),) = train_mlp(X_train, y_train, [64, 10], rng, epochs=20)
    picks = [int(np.flatnonzero(y_train == c)[0]) for c in (0, 3, 5, 8)]
    dW, db = parameter_gradients([(W, b)], X_train[picks], y_train[picks])[0]
    out = dlg_reconstruct(W, b, dW, db, y_train[picks], rng)
    assert np.sqrt(np.mean((out - X_train[picks]) ** 2, axis=1)).max() < 1e-2


def test_dp_sgd_without_noise_learns_and_heavy_noise_costs_accuracy(digits):
    X_train, X_test, y_train, y_test = digits
    quiet = dp_sgd_training(X_train, y_train, LAYERS, np.random.default_rng(1), clip=1.0, sigma=0.0, epochs=15, lr=0.2)
    loud = dp_sgd_training(X_train, y_train, LAYERS, np.random.default_rng(1), clip=1.0, sigma=16.0, epochs=15, lr=0.2)
    assert accuracy(quiet, X_test, y_test) > 0.85
    assert accuracy(loud, X_test, y_test) < accuracy(quiet, X_test, y_test) - 0.1
