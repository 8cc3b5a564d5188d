"""What depth buys (lesson 04): exponentially many linear pieces, and features built on features.

A ReLU network computes a piecewise-linear function. Two ReLU units and a linear readout compute the
"tent" map on [0, 1] (up from 0 to 1, then down again): one layer, two linear pieces. Feeding the tent into
itself k times folds [0, 1] k times and gives a sawtooth with 2**k pieces, from a network with only 2k
hidden units. A one-hidden-layer network needs about 2**k units for the same function (Telgarsky 2016).
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int
from .activations import relu
from .layers import mlp_forward

__all__ = ["tent_params", "sawtooth", "count_linear_pieces", "top_activating"]


def tent_params():
    """Parameters of a 2-unit ReLU layer and its linear readout that compute the tent map on [0, 1].

    tent(x) = 2x for x <= 1/2 and 2 - 2x for x >= 1/2, which equals 2 relu(x) - 4 relu(x - 1/2):
    the first unit rises with slope 1 from 0, the second switches on at 1/2, and the readout
    weights (2, -4) turn slope +2 into slope 2 - 4 = -2 after the kink.
    Returns: [(W1, b1), (W2, b2)] with W1 `(1, 2)`, b1 `(2,)`, W2 `(2, 1)`, b2 `(1,)` (float64), ready for
             mlp_forward(x[:, None], tent_params(), relu) with x `(n,)`, which returns `(n, 1)`.
    Raises: nothing.
    """
    W1 = np.array([[1.0, 1.0]])
    b1 = np.array([0.0, -0.5])
    W2 = np.array([[2.0], [-4.0]])
    b2 = np.array([0.0])
    return [(W1, b1), (W2, b2)]


def sawtooth(x, k):
    """The tent map composed k times, computed by stacking the tent network k times (a 2k-layer ReLU net).

    x: `(n,)` points in [0, 1]; k: number of compositions (int >= 0; k = 0 returns x unchanged).
    Returns: float64 `(n,)`, a sawtooth with 2**k linear pieces on [0, 1] (2**(k-1) teeth).
    Raises: TypeError for non-numeric x or non-integer k; ValueError for NaN, a non-1-D x or k < 0.
    """
    x = as_float_array(x, "sawtooth", "x", ndim=1, copy=True)
    k = check_int(k, "sawtooth", "k", minimum=0)
    params = tent_params()
    y = x[:, None]  # the network takes a batch of 1-feature samples: (n, 1)
    for _ in range(k):
        y = mlp_forward(y, params, relu)
    return y[:, 0].copy()


def count_linear_pieces(y, x, *, rtol=1e-6):
    """Number of linear pieces (kinks + 1) of a piecewise-linear function sampled at points x.

    We compute the slope of every segment between neighbouring samples. A kink shows as a change of
    slope; float noise does not count: a change counts only if it exceeds rtol times the largest |slope|.
    A kink that falls between two samples gives that segment an intermediate slope, hence two changes
    in a row; a run of consecutive changes therefore counts as one kink. (So sample finely enough that
    true kinks are at least two samples apart.)
    y: `(n,)` function values; x: `(n,)` strictly increasing sample points, n >= 2; rtol: relative tolerance.
    Returns: a Python int >= 1.
    Raises: TypeError for non-numeric input; ValueError for NaN, shapes that differ or are not 1-D,
            fewer than 2 samples, or x not strictly increasing.
    """
    func = "count_linear_pieces"
    y = as_float_array(y, func, "y", ndim=1, copy=False)
    x = as_float_array(x, func, "x", ndim=1, copy=False)
    if x.shape != y.shape:
        raise ValueError(f"{func}: y and x must have the same shape, got {y.shape} and {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"{func}: need at least 2 samples, got {x.shape[0]}")
    if not np.all(np.diff(x) > 0):
        raise ValueError(f"{func}: x must be strictly increasing")
    slopes = np.diff(y) / np.diff(x)
    scale = max(float(np.max(np.abs(slopes))), 1e-300)
    changed = np.abs(np.diff(slopes)) > rtol * scale
    # A kink starts wherever a run of changes starts: changed[i] is True and changed[i - 1] is not.
    starts = changed & ~np.concatenate([[False], changed[:-1]])
    return int(np.count_nonzero(starts)) + 1


def top_activating(acts, unit, k):
    """Indices of the k inputs that activate one unit the most, largest first.

    acts: `(n, units)` activations of a layer for n inputs; unit: column index; k: how many (1 <= k <= n).
    Ties are broken by the lower index first (a stable sort).
    Returns: int64 array `(k,)` of row indices into acts.
    Raises: TypeError for non-numeric acts or non-integer unit/k; ValueError for NaN, a non-2-D acts,
            unit out of range or k out of [1, n].
    """
    func = "top_activating"
    acts = as_float_array(acts, func, "acts", ndim=2, copy=False)
    unit = check_int(unit, func, "unit")
    k = check_int(k, func, "k", minimum=1)
    n, units = acts.shape
    if not 0 <= unit < units:
        raise ValueError(f"{func}: unit must be in [0, {units}) for acts.shape={acts.shape}, got {unit}")
    if k > n:
        raise ValueError(f"{func}: k must be at most the number of inputs ({n}), got {k}")
    # Sorting -values in a stable way orders largest first and keeps equal values in index order.
    order = np.argsort(-acts[:, unit], kind="stable")
    return order[:k].astype(np.int64)
