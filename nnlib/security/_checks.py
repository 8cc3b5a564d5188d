"""Input checks shared by the attacks of nnlib.security (built on nnlib._validate)."""
from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_float_array

__all__ = ["check_rate", "check_params", "check_finite"]


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
    """Validate a ReLU MLP given as a list of (W, b) pairs that chain; return float64 copies."""
    if isinstance(params, tuple) and len(params) == 2 and isinstance(params[0], np.ndarray) and params[0].ndim == 2:
        raise TypeError(f"{func}: params must be a list of (W, b) pairs, got a single (W, b); wrap it: [(W, b)]")
    try:
        pairs = list(params)
    except TypeError:
        raise TypeError(f"{func}: params must be a list of (W, b) pairs, got {type(params).__name__}") from None
    if not pairs:
        raise ValueError(f"{func}: params must contain at least one (W, b) pair, got an empty list")
    checked = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{func}: params[{i}] must be a (W, b) pair, got {type(pair).__name__}")
        W = as_float_array(pair[0], func, f"params[{i}] W", ndim=2)
        b = as_float_array(pair[1], func, f"params[{i}] b", ndim=1)
        if b.shape[0] != W.shape[1]:
            raise ValueError(f"{func}: params[{i}] has b.shape={b.shape} but W.shape={W.shape}")
        if checked and checked[-1][0].shape[1] != W.shape[0]:
            raise ValueError(f"{func}: params[{i}] W.shape={W.shape} does not follow params[{i - 1}] "
                             f"W.shape={checked[-1][0].shape}")
        checked.append((W, b))
    return checked
