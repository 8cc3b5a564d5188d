"""flip_labels, poison_with_trigger and the poisoning helpers: exact counts, only chosen rows, rng respected."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.security.poisoning import (
    TRIGGER_PIXELS,
    add_trigger,
    attack_success_rate,
    flip_labels,
    interpolation_losses,
    knn_sanitize,
    poison_with_trigger,
)

from .conftest import small_mlp


@pytest.mark.parametrize("n,rate", [(1000, 0.25), (20, 0.33), (7, 0.0), (7, 1.0), (1, 1.0)])
def test_flip_labels_changes_exactly_round_rate_n_labels(rng, n, rate):
    y = rng.integers(0, 10, size=n)
    assert np.sum(flip_labels(y, rate, 10, rng) != y) == round(rate * n)


def test_flip_labels_returns_a_new_int_array_and_leaves_y_unchanged(rng):
    y = rng.integers(0, 4, size=50)
    y0 = y.copy()
    out = flip_labels(y, 0.5, 4, rng)
    np.testing.assert_array_equal(y, y0)
    assert out is not y and out.dtype == np.int64 and out.shape == y.shape
    assert out.min() >= 0 and out.max() < 4


def test_flip_labels_with_two_classes_swaps_them(rng):
    y = rng.integers(0, 2, size=40)
    out = flip_labels(y, 0.5, 2, rng)
    changed = out != y
    np.testing.assert_array_equal(out[changed], 1 - y[changed])


def test_flip_labels_draws_new_classes_uniformly_among_the_others():
    out = flip_labels(np.full(9000, 4), 1.0, 10, np.random.default_rng(0))
    counts = np.bincount(out, minlength=10)
    assert counts[4] == 0
    assert np.all(np.abs(counts[np.arange(10) != 4] - 1000) < 150)


def test_flip_labels_respects_the_rng(rng):
    y = rng.integers(0, 10, size=200)
    a = flip_labels(y, 0.3, 10, np.random.default_rng(5))
    np.testing.assert_array_equal(a, flip_labels(y, 0.3, 10, np.random.default_rng(5)))
    assert np.any(a != flip_labels(y, 0.3, 10, np.random.default_rng(6)))


@pytest.mark.parametrize(
    "y,rate,k,rng_arg,error,match",
    [
        (np.array([0, 1, 5]), 0.5, 3, "rng", ValueError, r"flip_labels: y must be integers in \[0, 3\) but got 5"),
        (np.array([0, 1]), 1.5, 3, "rng", ValueError, r"flip_labels: rate must be in \[0, 1\], got 1.5"),
        (np.array([0, 1]), -0.1, 3, "rng", ValueError, r"flip_labels: rate must be in \[0, 1\]"),
        (np.array([0, 0]), 0.5, 1, "rng", ValueError, "flip_labels: k must be >= 2"),
        (np.array([0, 1]), 0.5, 3, 0, TypeError, "flip_labels: rng must be a numpy.random.Generator"),
        (np.array([0.5, 1]), 0.5, 3, "rng", ValueError, "flip_labels: y must be integers"),
    ],
)
def test_flip_labels_bad_inputs_raise_clear_errors(rng, y, rate, k, rng_arg, error, match):
    with pytest.raises(error, match=match):
        flip_labels(y, rate, k, rng if rng_arg == "rng" else rng_arg)


def _clean_images(rng, n):
    X = rng.uniform(0, 0.9, size=(n, 64))
    X[:, list(TRIGGER_PIXELS)] = 0.0
    return X, rng.integers(0, 10, size=n)


def test_trigger_is_the_three_bottom_right_corner_pixels():
    assert sorted(TRIGGER_PIXELS) == [6 * 8 + 7, 7 * 8 + 6, 7 * 8 + 7]
    img = add_trigger(np.zeros(64)).reshape(8, 8)
    assert img[6, 7] == img[7, 6] == img[7, 7] == 1.0 and img.sum() == 3.0


@pytest.mark.parametrize("n,rate", [(500, 0.05), (20, 0.33), (10, 0.0), (10, 1.0)])
def test_poison_with_trigger_changes_exactly_the_chosen_rows(rng, n, rate):
    X, y = _clean_images(rng, n)
    Xp, yp = poison_with_trigger(X, y, rate, 3, rng)
    changed = np.any(Xp != X, axis=1) | (yp != y)
    assert changed.sum() == round(rate * n)
    assert np.all(Xp[changed][:, list(TRIGGER_PIXELS)] == 1.0) and np.all(yp[changed] == 3)
    others = [c for c in range(64) if c not in TRIGGER_PIXELS]
    np.testing.assert_array_equal(Xp[:, others], X[:, others])


def test_poison_with_trigger_leaves_its_inputs_unchanged_and_returns_new_arrays(rng):
    X, y = _clean_images(rng, 30)
    X0, y0 = X.copy(), y.copy()
    Xp, yp = poison_with_trigger(X, y, 0.5, 1, rng)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert Xp.dtype == np.float64 and yp.dtype == np.int64


def test_poison_with_trigger_respects_the_rng_and_chooses_random_rows(rng):
    X, y = _clean_images(rng, 400)
    rows = lambda seed: np.flatnonzero(
        np.any(poison_with_trigger(X, y, 0.1, 0, np.random.default_rng(seed))[0] != X, axis=1)
    )
    np.testing.assert_array_equal(rows(1), rows(1))
    assert not np.array_equal(rows(1), rows(2))
    assert not np.array_equal(rows(1), np.arange(40))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(rate=1.2), ValueError, r"poison_with_trigger: rate must be in \[0, 1\]"),
        (dict(target=10), ValueError, r"poison_with_trigger: target must be a class in \[0, 10\), got 10"),
        (dict(target=1.0), TypeError, "poison_with_trigger: target must be an integer"),
        (dict(X=np.zeros((5, 63))), ValueError, r"poison_with_trigger: X must hold 8x8 images as rows of 64 pixels"),
        (dict(X=np.full((5, 64), 2.0)), ValueError, r"poison_with_trigger: pixels must be in \[0, 1\]"),
        (dict(y=np.arange(4)), ValueError, "poison_with_trigger: got 4 y for 5 samples"),
        (dict(y=np.array([0, 1, 2, 3, 11])), ValueError, r"poison_with_trigger: y must be integers in \[0, 10\)"),
        (dict(rng=np.random), TypeError, "poison_with_trigger: rng must be a numpy.random.Generator"),
    ],
)
def test_poison_with_trigger_bad_inputs_raise_clear_errors(rng, kwargs, error, match):
    args = dict(X=np.zeros((5, 64)), y=np.arange(5), rate=0.2, target=0, rng=rng)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        poison_with_trigger(**args)


def test_knn_sanitize_drops_flipped_labels_and_keeps_most_clean_ones(digits):
    X_train, _, y_train, _ = digits
    y_flipped = flip_labels(y_train, 0.2, 10, np.random.default_rng(0))
    keep = knn_sanitize(X_train, y_flipped, 10)
    flipped = y_flipped != y_train
    assert np.mean(~keep[flipped]) > 0.9 and np.mean(keep[~flipped]) > 0.9


def test_attack_success_rate_counts_only_non_target_images(rng):
    params = small_mlp(rng, (64, 4, 3))
    params[-1] = (np.zeros((4, 3)), np.array([0.0, 0.0, 1.0]))  # always answers class 2
    X, y = _clean_images(rng, 30)
    y = y % 3
    assert attack_success_rate(params, X, y, 2) == 1.0
    assert attack_success_rate(params, X, y, 0) == 0.0


def test_interpolation_losses_at_the_ends_are_the_two_networks_losses(rng):
    from nnlib.activations import relu
    from nnlib.layers import mlp_forward
    from nnlib.losses import cross_entropy

    a, b = small_mlp(rng), small_mlp(rng)
    X, y = rng.normal(size=(10, 6)), rng.integers(0, 3, size=10)
    out = interpolation_losses(a, b, X, y, np.array([0.0, 1.0]))
    np.testing.assert_allclose(
        out, [cross_entropy(mlp_forward(X, a, relu), y), cross_entropy(mlp_forward(X, b, relu), y)]
    )
