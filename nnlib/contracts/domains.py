"""Building blocks for a contract's ``domain``: Hypothesis strategies of the inputs an exercise accepts.

Each function takes Hypothesis's ``strategies`` module as ``st`` (and ``hypothesis.extra.numpy`` as ``hnp``),
which the judge passes in, so nnlib never imports Hypothesis. The values cover what the course's texts
accept: magnitudes from about 1e-8 to 1e8 of both signs (and exact zeros), one sample and a batch, non-square
shapes, and, where a text accepts array-likes, integer, boolean and list inputs.
"""

from __future__ import annotations

import numpy as np


def reals(st, magnitude: float = 1e8, tiny: float = 1e-8):
    """Floats in [-magnitude, magnitude] of every size down to ``tiny``, exact zeros included; no NaN/inf."""
    return st.one_of(
        st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.sampled_from([0.0, tiny, -tiny, 1.0, -1.0]),
    )


def shapes(st, hnp, min_dims: int = 1, max_dims: int = 3, max_side: int = 6, min_side: int = 0):
    """Array shapes with ``min_dims`` to ``max_dims`` axes of ``min_side`` to ``max_side`` entries."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def float_arrays(st, hnp, shape, elements=None):
    """float64 arrays of ``shape`` (a tuple or a strategy of tuples)."""
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else reals(st))


def array_likes(st, hnp, shape, elements=None, kinds=("float", "int")):
    """What a text that accepts array-likes is given: float64 arrays mostly, and integer arrays, bool arrays
    and nested Python lists of floats of the same shapes."""
    floats = float_arrays(st, hnp, shape, elements)
    options = [floats, floats]
    if "int" in kinds:
        options.append(hnp.arrays(np.int64, shape, elements=st.integers(-1000, 1000)))
    if "bool" in kinds:
        options.append(hnp.arrays(np.bool_, shape))
    if "list" in kinds:
        options.append(floats.map(lambda a: a.tolist()))
    return st.one_of(*options)


def one_arg(strategy):
    """A domain of calls with one positional argument drawn from ``strategy``."""
    return strategy.map(lambda value: ((value,), {}))
