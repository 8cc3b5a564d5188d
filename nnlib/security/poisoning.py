"""Data poisoning (lesson 06, threat 4): whoever controls part of the training data steers the model.

Label flipping changes the labels of a fraction of the training set to wrong classes. A backdoor (Gu,
Dolan-Gavitt & Garg 2017, "BadNets") is stealthier: a small trigger patch is stamped on a few training
images that are relabelled as a target class; the model stays accurate on clean inputs but answers the
target whenever the trigger is present. On the 8x8 digits the trigger is three pixels in the bottom-right
corner set to full intensity (TRIGGER_PIXELS). Defence: sanitise the data before training, e.g. drop every
sample whose label disagrees with most of its nearest neighbours (`knn_sanitize`).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_labels, check_rng
from ..losses import cross_entropy
from . import _mlp
from ._checks import check_finite, check_params, check_rate

__all__ = [
    "TRIGGER_PIXELS",
    "TRIGGER_VALUE",
    "N_DIGIT_CLASSES",
    "flip_labels",
    "add_trigger",
    "poison_with_trigger",
    "attack_success_rate",
    "knn_sanitize",
    "interpolation_losses",
]

#: Flat indices of the trigger on an 8x8 image read row by row: (6, 7), (7, 6), (7, 7), the bottom-right corner.
TRIGGER_PIXELS = (6 * 8 + 7, 7 * 8 + 6, 7 * 8 + 7)
#: The intensity the trigger pixels are set to (the largest pixel value of the digits scaled to [0, 1]).
TRIGGER_VALUE = 1.0
#: The digits have ten classes.
N_DIGIT_CLASSES = 10


def flip_labels(y, rate, k, rng):
    """Label flipping: change exactly round(rate * n) labels, chosen at random, to a different class.

    y: `(n,)` integer labels in [0, k); rate: fraction in [0, 1]; k: number of classes (int >= 2);
    rng: numpy.random.Generator (chooses which labels and their new classes, uniformly among the k - 1 others).
    Returns: a new int64 array `(n,)`; y itself is unchanged.
    Raises: TypeError for non-integer labels, k or rng; ValueError for labels outside [0, k), rate outside
            [0, 1] or k < 2.
    """
    func = "flip_labels"
    k = check_int(k, func, "k", minimum=2)
    y = check_labels(y, func, k, name="y")
    rate = check_rate(rate, func)
    rng = check_rng(rng, func)
    n = y.shape[0]
    m = int(round(rate * n))
    rows = rng.choice(n, size=m, replace=False)
    flipped = y.copy()
    # Adding 1..k-1 modulo k lands on every other class with equal probability, never on the same one.
    flipped[rows] = (y[rows] + rng.integers(1, k, size=m)) % k
    return flipped


def _check_images(X, func):
    X = as_float_array(X, func, "X", ndim=2)
    if X.shape[1] != 64:
        raise ValueError(f"{func}: X must hold 8x8 images as rows of 64 pixels, got shape {X.shape}")
    check_finite(X, func, "X")
    return X


def add_trigger(X):
    """Stamp the trigger on every image: a copy of X `(n, 64)` (or `(64,)`) with TRIGGER_PIXELS set to 1."""
    func = "add_trigger"
    single = np.ndim(X) == 1
    X = _check_images(np.atleast_2d(as_float_array(X, func, "X", ndim=(1, 2))), func)
    X[:, list(TRIGGER_PIXELS)] = TRIGGER_VALUE
    return X[0] if single else X


def poison_with_trigger(X, y, rate, target, rng):
    """Backdoor poisoning: stamp the trigger on round(rate * n) random rows and relabel them as `target`.

    X: `(n, 64)` 8x8 digit images with pixels in [0, 1]; y: `(n,)` labels in [0, 10); rate: fraction in
    [0, 1]; target: the class the backdoor should answer (int in [0, 10)); rng: numpy.random.Generator.
    The chosen rows get TRIGGER_PIXELS set to 1 and the label target; every other row, and the order of
    the rows, is unchanged.
    Returns: (X_poisoned float64 `(n, 64)`, y_poisoned int64 `(n,)`), new arrays; X and y are unchanged.
    Raises: TypeError for non-numeric input, a non-integer target or a missing Generator; ValueError for
            X not `(n, 64)`, pixels outside [0, 1], labels or target outside [0, 10), a length mismatch or
            rate outside [0, 1].
    """
    func = "poison_with_trigger"
    X = _check_images(X, func)
    if X.size and (X.min() < 0.0 or X.max() > 1.0):
        raise ValueError(f"{func}: pixels must be in [0, 1], got values in [{X.min()}, {X.max()}]")
    y = check_labels(y, func, N_DIGIT_CLASSES, name="y", n=X.shape[0])
    rate = check_rate(rate, func)
    target = check_int(target, func, "target", minimum=0)
    if target >= N_DIGIT_CLASSES:
        raise ValueError(f"{func}: target must be a class in [0, {N_DIGIT_CLASSES}), got {target}")
    rng = check_rng(rng, func)
    n = X.shape[0]
    rows = rng.choice(n, size=int(round(rate * n)), replace=False)
    X_poisoned, y_poisoned = X.copy(), y.copy()
    X_poisoned[np.ix_(rows, list(TRIGGER_PIXELS))] = TRIGGER_VALUE
    y_poisoned[rows] = target
    return X_poisoned, y_poisoned


def attack_success_rate(params, X, y, target):
    """Fraction of the test images not of class `target` that the model calls `target` once triggered.

    params: list of (W, b) of a ReLU MLP; X: `(n, 64)` clean test images; y: `(n,)` their labels;
    target: the backdoor's class. Returns: a float in [0, 1].
    Raises: TypeError/ValueError for bad inputs, or when every test image is of class target.
    """
    func = "attack_success_rate"
    params = check_params(params, func)
    X = _check_images(X, func)
    y = check_labels(y, func, params[-1][0].shape[1], name="y", n=X.shape[0])
    target = check_int(target, func, "target", minimum=0)
    others = X[y != target]
    if others.shape[0] == 0:
        raise ValueError(f"{func}: no test image has a class other than target={target}")
    triggered = others.copy()
    triggered[:, list(TRIGGER_PIXELS)] = TRIGGER_VALUE
    return float(np.mean(np.argmax(_mlp.logits(params, triggered), axis=1) == target))


def knn_sanitize(X, y, n_neighbors=10):
    """Defence: keep a training sample only if its label is the most common one among its nearest neighbours.

    A flipped label, or a triggered image relabelled as the target, usually sits among images of its true
    class, so its label is outvoted. X: `(n, d)`; y: `(n,)`; n_neighbors: int >= 1 (the sample itself is
    not counted). Returns: a boolean mask `(n,)`, True for the samples to keep.
    Raises: TypeError/ValueError for bad inputs or n_neighbors >= n.
    """
    func = "knn_sanitize"
    X = as_float_array(X, func, "X", ndim=2)
    check_finite(X, func, "X")
    y = check_labels(y, func, name="y", n=X.shape[0])
    n_neighbors = check_int(n_neighbors, func, "n_neighbors", minimum=1)
    if n_neighbors >= X.shape[0]:
        raise ValueError(f"{func}: n_neighbors must be smaller than the {X.shape[0]} samples, got {n_neighbors}")
    sq = np.sum(X**2, axis=1)
    dist = sq[:, None] + sq[None, :] - 2.0 * X @ X.T
    np.fill_diagonal(dist, np.inf)
    neighbours = np.argsort(dist, axis=1, kind="stable")[:, :n_neighbors]
    votes = np.zeros((X.shape[0], int(y.max()) + 1))
    np.add.at(votes, (np.repeat(np.arange(X.shape[0]), n_neighbors), y[neighbours].ravel()), 1.0)
    return votes.argmax(axis=1) == y


def interpolation_losses(params_a, params_b, X, y, alphas):
    """Mean cross-entropy on (X, y) along the line (1 - alpha) * params_a + alpha * params_b in weight space.

    params_a, params_b: two ReLU MLPs of the same shapes (lists of (W, b)); X `(n, d)`, y `(n,)`;
    alphas: 1-D array of positions (0 is params_a, 1 is params_b). Returns: float64 `(len(alphas),)`.
    Raises: TypeError/ValueError for bad inputs or networks of different shapes.
    """
    func = "interpolation_losses"
    pa, pb = check_params(params_a, func), check_params(params_b, func)
    if [W.shape for W, _ in pa] != [W.shape for W, _ in pb]:
        raise ValueError(f"{func}: the two networks have different shapes")
    X = as_float_array(X, func, "X", ndim=2)
    y = check_labels(y, func, pa[-1][0].shape[1], name="y", n=X.shape[0])
    alphas = as_float_array(alphas, func, "alphas", ndim=1)
    out = []
    for a in alphas:
        params = [((1 - a) * Wa + a * Wb, (1 - a) * ba + a * bb) for (Wa, ba), (Wb, bb) in zip(pa, pb)]
        out.append(cross_entropy(_mlp.logits(params, X), y))
    return np.array(out)
