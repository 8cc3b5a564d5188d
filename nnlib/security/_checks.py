"""Input checks shared by the attacks of nnlib.security (built on nnlib._validate)."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_float_array

__all__ = ["check_rate", "check_params", "check_finite", "check_training_inputs"]


def check_rate(rate, func: str, name: str = "rate") -> float:
    """Return `rate` as a float after checking that it is a real number in [0, 1]."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"{func}: {name} must be a number in [0, 1], got {type(rate).__name__} {rate!r}")
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{func}: {name} must be in [0, 1], got {rate}")
    return rate


def check_finite(arr: np.ndarray, func: str, name: str) -> np.ndarray:
    """Raise ValueError if `arr` contains an infinity (NaN is already refused by as_float_array)."""
    if not np.isfinite(arr).all():
        raise ValueError(f"{func}: {name} contains inf")
    return arr


def check_params(params, func: str):
    """Validate a ReLU MLP given as a list of (W, b) pairs that chain; return float64 copies.

    The checks are nnlib.layers' own (one place for the rules and their messages); the copies keep the
    attacks from ever touching the caller's weights.
    """
    from ..layers import _check_params

    return [(W.copy(), b.copy()) for W, b in _check_params(params, func)]


def check_training_inputs(X, y, layer_sizes, rng, func: str):
    """Validate the data and architecture a defence trains on; return (X, y, sizes, rng).

    X: `(n, d)` finite floats; y: `(n,)` labels in [0, sizes[-1]); layer_sizes: ints starting with d.
    """
    from .._validate import check_int, check_labels, check_rng

    X = as_float_array(X, func, "X", ndim=2)
    check_finite(X, func, "X")
    sizes = [check_int(s, func, "each layer size", minimum=1) for s in layer_sizes]
    if len(sizes) < 2 or sizes[0] != X.shape[1]:
        raise ValueError(f"{func}: layer_sizes must start with the {X.shape[1]} input features, got {sizes}")
    y = check_labels(y, func, sizes[-1], name="y", n=X.shape[0])
    return X, y, sizes, check_rng(rng, func)
