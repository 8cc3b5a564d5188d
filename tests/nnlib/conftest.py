"""Shared fixtures for the nnlib tests: a seeded Generator, PyTorch as an optional oracle, a grad checker."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error

# A correct float64 backward pass agrees with central differences far better than this.
GRAD_TOLERANCE = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(20260101)


@pytest.fixture(scope="module")
def torch():
    """PyTorch, or a skip when it is missing - unless NNLIB_REQUIRE_TORCH=1, where missing torch fails."""
    try:
        import torch as _torch
    except ImportError as err:
        if os.environ.get("NNLIB_REQUIRE_TORCH") == "1":
            pytest.fail(
                f"NNLIB_REQUIRE_TORCH=1 but PyTorch cannot be imported ({err}); install torch or unset "
                f"the variable to skip the cross-checks",
                pytrace=False,
            )
        pytest.skip(f"PyTorch not importable ({err}): cross-checks skipped (NNLIB_REQUIRE_TORCH=1 makes this fail)")
    return _torch


def assert_gradient_matches(analytic, f, x, what, eps=1e-6):
    """Fail with the relative error unless `analytic` equals the central-difference gradient of f at x."""
    numeric = numerical_gradient(f, x, eps)
    err = relative_error(analytic, numeric)
    assert err < GRAD_TOLERANCE, f"{what}: relative error {err:.2e} against finite differences (want < 1e-6)"


def away_from_zero(rng, shape, margin=1e-3):
    """Random normal values with |x| >= margin, so finite differences never straddle a ReLU kink."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < margin, margin * np.sign(x + 1e-300) + x, x)
