"""Datasets and data helpers, all offline (every lesson runs without a network connection).

Synthetic 2-D problems for drawing decision boundaries (XOR, moons, circles, spirals), and the real 8x8
handwritten digits that ship inside scikit-learn. Every generator takes an explicit
`rng: numpy.random.Generator`, so a notebook that seeds once at the top gets the same data on every run.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int, check_labels, check_nonnegative, check_rng

__all__ = [
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spirals",
    "load_digits",
    "train_test_split",
    "one_hot",
    "standardize",
]


def _shuffled(X, y, rng):
    order = rng.permutation(X.shape[0])
    return X[order], y[order]


def make_xor(n, rng, noise=0.1):
    """Noisy XOR: points around the corners (0,0), (0,1), (1,0), (1,1), labelled x1 XOR x2.

    n: number of points (int >= 1); rng: numpy.random.Generator; noise: std of the Gaussian jitter (>= 0).
    Returns: (X float64 `(n, 2)`, y int64 `(n,)` of 0/1).
    Raises: TypeError for a non-integer n or a missing Generator; ValueError for n < 1 or noise < 0.
    """
    n = check_int(n, "make_xor", "n", minimum=1)
    rng = check_rng(rng, "make_xor")
    noise = check_nonnegative(noise, "make_xor", "noise")
    corners = rng.integers(0, 2, size=(n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(np.int64)
    X = corners + noise * rng.normal(size=(n, 2))
    return X.astype(np.float64), y


def make_moons(n, rng, noise=0.1):
    """Two interleaving half circles (as scikit-learn's make_moons), in random order.

    n: number of points (n // 2 in class 0, the rest in class 1); rng; noise: Gaussian std (>= 0).
    Returns: (X float64 `(n, 2)`, y int64 `(n,)`).
    Raises: TypeError/ValueError as make_xor.
    """
    n = check_int(n, "make_moons", "n", minimum=1)
    rng = check_rng(rng, "make_moons")
    noise = check_nonnegative(noise, "make_moons", "noise")
    n0 = n // 2
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t[:n0]), np.sin(t[:n0])])
    lower = np.column_stack([1.0 - np.cos(t[n0:]), 0.5 - np.sin(t[n0:])])
    X = np.vstack([upper, lower]) + noise * rng.normal(size=(n, 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n - n0, dtype=np.int64)])
    return _shuffled(X, y, rng)


def make_circles(n, rng, noise=0.05, factor=0.5):
    """Two concentric circles: class 0 on radius 1, class 1 on radius `factor`, in random order.

    n: number of points (n // 2 outer); rng; noise: Gaussian std (>= 0); factor: inner radius in (0, 1).
    Returns: (X float64 `(n, 2)`, y int64 `(n,)`).
    Raises: TypeError/ValueError as make_xor; ValueError for factor outside (0, 1).
    """
    n = check_int(n, "make_circles", "n", minimum=1)
    rng = check_rng(rng, "make_circles")
    noise = check_nonnegative(noise, "make_circles", "noise")
    factor = float(factor)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    n0 = n // 2
    t = rng.uniform(0.0, 2.0 * np.pi, size=n)
    radius = np.where(np.arange(n) < n0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.normal(size=(n, 2))
    y = (np.arange(n) >= n0).astype(np.int64)
    return _shuffled(X, y, rng)


def make_spirals(n_per_class, rng, n_classes=3, noise=0.2):
    """Interleaved spiral arms, one per class (the CS231n toy problem), in random order.

    Arm j: radius r from 0 to 1, angle 4j + 4r plus Gaussian noise of std `noise` (radians).
    n_per_class: points per arm (int >= 1); rng; n_classes: arms (int >= 2); noise: >= 0.
    Returns: (X float64 `(n_per_class * n_classes, 2)`, y int64 `(n_per_class * n_classes,)`).
    Raises: TypeError/ValueError as make_xor.
    """
    n_per_class = check_int(n_per_class, "make_spirals", "n_per_class", minimum=1)
    rng = check_rng(rng, "make_spirals")
    n_classes = check_int(n_classes, "make_spirals", "n_classes", minimum=2)
    noise = check_nonnegative(noise, "make_spirals", "noise")
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    angle = 4.0 * y + 4.0 * r + noise * rng.normal(size=r.shape)
    X = r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return _shuffled(X, y, rng)


def load_digits():
    """The 1797 8x8 handwritten digits bundled with scikit-learn (no download), scaled to [0, 1].

    Returns: (X float64 `(1797, 64)` with pixel intensities in [0, 1], y int64 `(1797,)` in 0..9).
    Each row is an image read row by row: X.reshape(-1, 8, 8) gives the images.
    The file is read straight from scikit-learn's package folder (`sklearn/datasets/data/digits.csv.gz`), as
    `sklearn.datasets.load_digits` reads it: importing `sklearn.datasets` costs a second or more, which every
    lesson (and every learner's grading) would otherwise pay. Falls back to scikit-learn's loader when the file is
    not where this version of scikit-learn keeps it.
    Raises: ImportError if scikit-learn is not installed.
    """
    path = _sklearn_digits_file()
    if path is not None:
        import gzip

        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",")
        pixels, target = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - another scikit-learn layout
        from sklearn.datasets import load_digits as _sk_load_digits

        digits = _sk_load_digits()
        pixels, target = digits.data, digits.target
    X = pixels.astype(np.float64) / 16.0  # the raw pixels are integers 0..16
    y = target.astype(np.int64)
    return X, y


def _sklearn_digits_file():
    """The path of scikit-learn's digits file, found without importing scikit-learn; None if it is not there."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ImportError("load_digits needs scikit-learn, which ships the digits: pip install scikit-learn")
    for folder in spec.submodule_search_locations or []:
        path = os.path.join(folder, "datasets", "data", "digits.csv.gz")
        if os.path.isfile(path):
            return path
    return None


def train_test_split(X, y, test_fraction, rng, stratify=True):
    """Split a dataset at random into a training part and a test part.

    With stratify=True every class keeps (up to rounding) the same proportion in both parts:
    round(test_fraction * count) samples of each class go to the test part.
    X: `(n, ...)`; y: `(n,)` integer labels; test_fraction: in (0, 1); rng: numpy.random.Generator.
    Returns: (X_train, X_test, y_train, y_test), new arrays in random order (scikit-learn's order).
    Raises: TypeError/ValueError for non-numeric input, mismatched lengths or test_fraction outside (0, 1).
    """
    func = "train_test_split"
    X = as_float_array(X, func, "X", copy=False)
    if X.ndim == 0:
        raise ValueError(f"{func}: X must have at least one dimension, got a scalar")
    y = check_labels(y, func, name="y", n=X.shape[0])
    rng = check_rng(rng, func)
    test_fraction = float(test_fraction)
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"{func}: test_fraction must be in (0, 1), got {test_fraction}")
    n = X.shape[0]
    if stratify:
        test_parts = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            test_parts.append(members[: int(round(test_fraction * members.size))])
        test_idx = np.concatenate(test_parts)
    else:
        test_idx = rng.permutation(n)[: int(round(test_fraction * n))]
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return X[train_idx], X[test_idx], y[train_idx].copy(), y[test_idx].copy()


def one_hot(y, n_classes=None):
    """One-hot encoding: row i has a 1.0 in column y[i] and 0.0 elsewhere.

    y: `(n,)` integer labels; n_classes: number of columns (default y.max() + 1).
    Returns: float64 `(n, n_classes)`.
    Raises: TypeError/ValueError for non-integer labels or labels outside [0, n_classes).
    """
    if n_classes is not None:
        n_classes = check_int(n_classes, "one_hot", "n_classes", minimum=1)
    y = check_labels(y, "one_hot", n_classes, name="y")
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    out = np.zeros((y.shape[0], n_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


def standardize(X, mean=None, std=None):
    """Shift and scale each feature (column) to mean 0 and standard deviation 1.

    Compute mean and std on the training data, then pass them in to transform test data the same way.
    Features with std 0 (a pixel that is always blank) are left unscaled: their std is taken as 1.
    X: `(n, d)`; mean, std: `(d,)` or None to compute them from X.
    Returns: (X_std float64 `(n, d)`, mean `(d,)`, std `(d,)` as used, zeros replaced by 1).
    Raises: TypeError for non-numeric input; ValueError for NaN, a non-2-D X or mean/std of the wrong shape.
    """
    X = as_float_array(X, "standardize", "X", ndim=2, copy=False)
    d = X.shape[1]
    mean = X.mean(axis=0) if mean is None else as_float_array(mean, "standardize", "mean", ndim=1)
    std = X.std(axis=0) if std is None else as_float_array(std, "standardize", "std", ndim=1)
    for name, v in (("mean", mean), ("std", std)):
        if v.shape != (d,):
            raise ValueError(f"standardize: {name} must have shape ({d},) for X.shape={X.shape}, got {v.shape}")
    std = np.where(std == 0, 1.0, std)
    return (X - mean) / std, mean, std
