"""Shared input checks for the nnlib core.

Every public function of the core starts by calling one of these helpers, so that a wrong input fails at
once with a message that names the function, says what was expected and shows what came:

    relu: x contains NaN
    cross_entropy: labels must be integers in [0, 10) but got 12
    sgd_step: lr must be > 0, got 0

The checks are plain numpy, one pass over the data at most (NaN is found with `np.isnan(a).any()`).
The training loop in `nnlib.train` validates its data once per call to `fit`, never once per minibatch.
"""

from __future__ import annotations

import numbers

import numpy as np

# dtype kinds numpy calls b(ool), i(nt), u(nsigned int) and f(loat): the ones that are plain real numbers.
_NUMERIC_KINDS = "biuf"


def as_float_array(x, func: str, name: str, *, ndim=None, copy: bool = True) -> np.ndarray:
    """Return `x` as a float64 array after checking that it is real, numeric and free of NaN.

    Parameters: x (array-like, any shape), func (name of the calling function, used in messages),
    name (the argument's name), ndim (an int or a tuple of allowed numbers of dimensions, or None for any),
    copy (return a new array even when `x` already is float64; the default, so callers may never alias
    their input).
    Returns: float64 array of the same shape as `x`.
    Raises: TypeError when `x` is not numeric (strings, objects, complex numbers);
            ValueError when it has the wrong number of dimensions or contains NaN.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as err:  # ragged nested lists, for example
            raise ValueError(f"{func}: {name} could not be turned into an array ({err})") from None
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"{func}: expected a numeric array, got dtype {arr.dtype} for {name}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            wanted = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(f"{func}: {name} must be {wanted}, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{func}: {name} contains NaN")
    return np.array(arr, dtype=np.float64, copy=copy or None)


def check_labels(y, func: str, n_classes=None, *, name: str = "labels", n=None) -> np.ndarray:
    """Return integer class labels as a new int64 array `(n,)`, after checking them.

    Parameters: y (array-like of whole numbers; floats such as 3.0 are accepted, 3.5 is not),
    n_classes (labels must lie in [0, n_classes); None checks only that they are >= 0),
    n (the number of labels expected, usually the batch size; None for any).
    Returns: int64 array `(n,)`.
    Raises: TypeError for non-numeric labels; ValueError for labels that are not 1-D, not whole numbers,
            out of range, or not `n` of them.
    """
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"{func}: {name} must be integers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{func}: {name} must be a 1-D array (n,), got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{func}: got {arr.shape[0]} {name} for {n} samples")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            wanted = f"in [0, {n_classes})" if n_classes is not None else ">= 0"
            raise ValueError(f"{func}: {name} must be integers {wanted} but got {float(arr[bad][0])}")
    labels = arr.astype(np.int64)
    if labels.size:
        low, high = labels.min(), labels.max()
        if low < 0 or (n_classes is not None and high >= n_classes):
            wrong = low if low < 0 else high
            wanted = f"in [0, {n_classes})" if n_classes is not None else ">= 0"
            raise ValueError(f"{func}: {name} must be integers {wanted} but got {wrong}")
    return labels


def check_positive(value, func: str, name: str) -> float:
    """Return `value` as a Python float after checking that it is a real number > 0.

    Raises: TypeError when it is not a real number (a string, an array, a bool);
            ValueError when it is <= 0, NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not value > 0 or not np.isfinite(value):
        shown = int(value) if value == int(value) else value
        raise ValueError(f"{func}: {name} must be > 0, got {shown}")
    return value


def check_nonnegative(value, func: str, name: str) -> float:
    """Return `value` as a Python float after checking that it is a finite real number >= 0.

    Raises: TypeError when it is not a real number; ValueError when it is negative, NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not value >= 0 or not np.isfinite(value):
        raise ValueError(f"{func}: {name} must be >= 0, got {value}")
    return value


def check_int(value, func: str, name: str, *, minimum=None) -> int:
    """Return `value` as a Python int after checking that it is a whole number (and >= minimum).

    Raises: TypeError when it is not an integer (floats such as 2.0 and bools are refused);
            ValueError when it is below `minimum`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}, got {value}")
    return value


def check_rng(rng, func: str) -> np.random.Generator:
    """Return `rng` after checking that it is a numpy.random.Generator.

    Raises: TypeError otherwise (an int seed, the legacy np.random module, None...).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{func}: rng must be a numpy.random.Generator such as np.random.default_rng(0), got {type(rng).__name__}"
        )
    return rng


def check_same_shape(a: np.ndarray, b: np.ndarray, func: str, name_a: str, name_b: str) -> None:
    """Raise ValueError unless arrays `a` and `b` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{func}: {name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")
