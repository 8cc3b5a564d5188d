"""Shared fixtures for the nnlib.security tests: a seeded Generator, the digits split, a trained victim."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.data import load_digits, train_test_split
from nnlib.security import train_mlp

LAYERS = [64, 64, 10]


@pytest.fixture
def rng():
    return np.random.default_rng(20260606)


@pytest.fixture(scope="session")
def digits():
    """(X_train, X_test, y_train, y_test): 80/20 stratified split of the 1797 digits, pixels in [0, 1]."""
    X, y = load_digits()
    return train_test_split(X, y, 0.2, np.random.default_rng(6))


@pytest.fixture(scope="session")
def victim(digits):
    """A 64-64-10 ReLU network trained for 60 epochs of SGD on the digits (the lesson's victim)."""
    X_train, _, y_train, _ = digits
    return train_mlp(X_train, y_train, LAYERS, np.random.default_rng(7), epochs=60)


def small_mlp(rng, sizes=(6, 5, 4, 3)):
    """A random ReLU MLP as a list of (W, b) pairs."""
    return [(rng.normal(size=(a, b)), rng.normal(size=b) * 0.1) for a, b in zip(sizes[:-1], sizes[1:])]
