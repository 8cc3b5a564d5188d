"""Datasets and data helpers."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.data import (
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    one_hot,
    standardize,
    train_test_split,
)


@pytest.mark.parametrize("make", [make_xor, make_moons, make_circles])
def test_two_d_generators_return_float_points_and_int_labels(make, rng):
    X, y = make(101, rng)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i" and set(np.unique(y)) == {0, 1}


def test_generators_are_reproducible_from_the_generator():
    a = make_moons(20, np.random.default_rng(3))
    b = make_moons(20, np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])


def test_make_xor_labels_are_the_xor_of_the_nearest_corner(rng):
    X, y = make_xor(200, rng, noise=0.05)
    np.testing.assert_array_equal(y, np.round(X[:, 0]).astype(int) ^ np.round(X[:, 1]).astype(int))


def test_make_circles_puts_class_1_on_the_inner_radius(rng):
    X, y = make_circles(200, rng, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 1, 0.3, 1.0))


def test_make_spirals_has_n_per_class_points_of_each_class(rng):
    X, y = make_spirals(50, rng, n_classes=4)
    assert X.shape == (200, 2)
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)


def test_load_digits_is_scaled_to_unit_interval():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.shape == (1797,) and set(np.unique(y)) == set(range(10))


def test_train_test_split_is_stratified_and_disjoint(rng):
    X = np.arange(300, dtype=float)[:, None]
    y = np.repeat([0, 1, 2], [100, 150, 50])
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, 0.2, rng)
    np.testing.assert_array_equal(np.bincount(y_te), [20, 30, 10])
    assert len(X_tr) + len(X_te) == 300
    assert not set(X_tr[:, 0]) & set(X_te[:, 0])
    np.testing.assert_array_equal(y[X_te[:, 0].astype(int)], y_te)


def test_train_test_split_rejects_a_fraction_outside_0_1(rng):
    with pytest.raises(ValueError, match=r"train_test_split: test_fraction must be in \(0, 1\), got 1.5"):
        train_test_split(np.zeros((4, 1)), np.zeros(4, dtype=int), 1.5, rng)


def test_one_hot_encodes_labels():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert one_hot(np.array([1])).shape == (1, 2)


def test_one_hot_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match=r"one_hot: y must be integers in \[0, 3\) but got 3"):
        one_hot(np.array([3]), 3)


def test_standardize_gives_zero_mean_unit_std_and_handles_constant_columns(rng):
    X = np.column_stack([rng.normal(5, 3, size=50), np.full(50, 7.0)])
    X0 = X.copy()
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 0].std(), 1.0)
    assert std[1] == 1.0 and np.all(Z[:, 1] == 0.0)
    np.testing.assert_array_equal(X, X0)
    Z2, _, _ = standardize(X[:5], mean, std)
    np.testing.assert_allclose(Z2, Z[:5])


def test_load_digits_equals_scikit_learns_loader():
    """nnlib reads scikit-learn's file itself (importing sklearn.datasets is slow): the same data, bit for bit."""
    from sklearn.datasets import load_digits as sk_load_digits

    X, y = load_digits()
    digits = sk_load_digits()
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, digits.data / 16.0)
    np.testing.assert_array_equal(y, digits.target)
