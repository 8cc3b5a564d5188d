"""The RDP accountant of the sampled Gaussian mechanism (dp_sgd_epsilon) and the least-squares leak."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.security.leakage import (
    dp_sgd_epsilon,
    least_squares_input,
    rdp_sampled_gaussian,
    recover_input_from_gradients,
)

# Reference values from Google's dp_accounting 0.6.0 (rdp_privacy_accountant._compute_rdp_poisson_subsampled_gaussian
# and compute_epsilon, with the integer orders 2..256), computed once outside this project:
#   (sigma, q, steps, delta) -> epsilon
DP_ACCOUNTING = [
    ((1.0, 64 / 1438, 690, 1e-5), 8.725697843932721),  # lesson 06's DP-SGD run at sigma = 1
    ((8.0, 64 / 1438, 690, 1e-5), 0.573338851213606),  # ... and at sigma = 8
    (
        (1.1, 256 / 60000, 14100, 1e-5),
        2.6007181389425194,
    ),  # MNIST, batch 256, 60 epochs (TF Privacy's tutorial setting)
    ((4.0, 0.01, 10000, 1e-5), 1.0354900660362436),
    ((2.0, 0.05, 1, 1e-6), 0.4446310651084897),
]


@pytest.mark.parametrize("args,expected", DP_ACCOUNTING)
def test_epsilon_agrees_with_googles_dp_accounting(args, expected):
    assert dp_sgd_epsilon(*args) == pytest.approx(expected, rel=1e-9)


def test_one_step_rdp_agrees_with_dp_accounting():
    np.testing.assert_allclose(
        rdp_sampled_gaussian(2.0, 0.1, [2, 3, 8, 32]),
        [0.0028362282662636636, 0.004373658348577078, 0.013725430103219973, 1.627202301019436],
        rtol=1e-9,
    )


def test_without_sampling_it_is_the_gaussian_mechanism():
    orders = [2, 5, 40]
    np.testing.assert_allclose(rdp_sampled_gaussian(0.7, 1.0, orders), np.array(orders) / (2 * 0.7**2))
    # epsilon = min over a of a / (2 sigma^2) + log(1 - 1/a) - log(delta a) / (a - 1): at sigma = 0.5, a = 3.
    a, delta = 3, 1e-5
    assert dp_sgd_epsilon(0.5, 1.0, 1, delta) == pytest.approx(a * 2 + np.log(1 - 1 / a) - np.log(delta * a) / (a - 1))


def test_the_closed_form_equals_the_integral_it_comes_from():
    """A_a = E_{z ~ N(0, s^2)} [((1 - q) + q exp((2z - 1) / (2 s^2)))^a], the a-th moment of the likelihood ratio."""
    from scipy.integrate import quad

    for sigma, q, a in [(1.0, 0.05, 4), (2.0, 0.3, 7), (0.8, 0.01, 12)]:

        def integrand(z):
            ratio = (1 - q) + q * np.exp((2 * z - 1) / (2 * sigma**2))
            return np.exp(-(z**2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2) * ratio**a

        A, _ = quad(integrand, -40 * sigma, 40 * sigma, limit=400)
        assert rdp_sampled_gaussian(sigma, q, [a])[0] == pytest.approx(np.log(A) / (a - 1), rel=1e-7)


def test_more_noise_fewer_steps_or_less_sampling_spend_less():
    base = dp_sgd_epsilon(1.0, 0.05, 500, 1e-5)
    assert dp_sgd_epsilon(2.0, 0.05, 500, 1e-5) < base
    assert dp_sgd_epsilon(1.0, 0.05, 100, 1e-5) < base
    assert dp_sgd_epsilon(1.0, 0.01, 500, 1e-5) < base
    assert dp_sgd_epsilon(1.0, 0.05, 500, 1e-3) < base


def test_edge_cases():
    assert dp_sgd_epsilon(1.0, 0.05, 0, 1e-5) == 0.0
    assert dp_sgd_epsilon(1.0, 0.0, 100, 1e-5) == 0.0
    assert dp_sgd_epsilon(0.0, 0.05, 1, 1e-5) == np.inf
    assert dp_sgd_epsilon(1e-4, 1.0, 1, 1e-5) > 1e7  # the leak panel's noise: no guarantee at all


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((1.0, 0.1, 10, 0.0), ValueError, "dp_sgd_epsilon: delta must be > 0"),
        ((1.0, 0.1, 10, 1.0), ValueError, r"dp_sgd_epsilon: delta must be in \(0, 1\)"),
        ((1.0, 1.5, 10, 1e-5), ValueError, r"rdp_sampled_gaussian: sample_rate must be in \[0, 1\]"),
        ((-1.0, 0.1, 10, 1e-5), ValueError, "rdp_sampled_gaussian: sigma must be >= 0"),
        ((1.0, 0.1, 2.5, 1e-5), TypeError, "dp_sgd_epsilon: steps must be an integer"),
    ],
)
def test_bad_arguments_raise_clear_errors(args, error, match):
    with pytest.raises(error, match=match):
        dp_sgd_epsilon(*args)


def test_rdp_orders_must_be_integers_of_at_least_2():
    with pytest.raises(ValueError, match="rdp_sampled_gaussian: each order must be >= 2"):
        rdp_sampled_gaussian(1.0, 0.1, [1])


def test_least_squares_is_exact_without_noise_and_beats_the_division_with_noise(rng):
    x = rng.uniform(0, 1, size=64)
    dz = rng.normal(size=10) * 1e-2
    dW, db = np.outer(x, dz), dz
    np.testing.assert_allclose(least_squares_input(dW, db, clip_to_pixels=False), x, rtol=1e-12)
    errors_div, errors_ls = [], []
    for _ in range(20):
        noisy_dW, noisy_db = dW + 1e-3 * rng.normal(size=dW.shape), db + 1e-3 * rng.normal(size=db.shape)
        errors_div.append(np.sqrt(np.mean((recover_input_from_gradients(noisy_dW, noisy_db) - x) ** 2)))
        errors_ls.append(np.sqrt(np.mean((least_squares_input(noisy_dW, noisy_db) - x) ** 2)))
    assert np.median(errors_ls) < np.median(errors_div)


def test_least_squares_clips_to_pixels_and_refuses_a_zero_db():
    out = least_squares_input(np.array([[3.0], [-2.0]]), np.array([1.0]))
    np.testing.assert_array_equal(out, [1.0, 0.0])
    with pytest.raises(ValueError, match="least_squares_input: db is all zero"):
        least_squares_input(np.ones((2, 2)), np.zeros(2))
