"""Contracts of lesson 00, start here: what its practice exercise's text promises (see nnlib.contracts.spec)."""

from __future__ import annotations

import numpy as np

from .domains import float_arrays, reals
from .spec import Contract, call

LESSON = "00-start-here"


def _add_domain(st, hnp):
    """Two numbers, or two float arrays of one shape (n,) or (n, d): n and d from 0, so all-zero, empty and
    one-element arrays come up as often as Hypothesis likes them."""
    numbers = st.tuples(reals(st), reals(st))
    arrays = hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=6).flatmap(
        lambda shape: st.tuples(float_arrays(st, hnp, shape), float_arrays(st, hnp, shape))
    )
    return st.one_of(numbers, arrays, arrays).map(lambda pair: (pair, {}))


CONTRACTS = [
    Contract(
        name="add",
        lesson=LESSON,
        reference="nnlib.practice:add",
        signature="a, b",
        domain=_add_domain,
        visible=(
            call(2.0, 3.0),
            call(np.array([1.0, 2.0]), np.array([10.0, 20.0])),
            call(np.zeros(3), np.array([1.0, -2.0, 3.0])),
            call(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2))),
            call(np.array([[1e8, -1e-8, 0.5]]), np.array([[1.0, 1e-8, -0.5]])),
        ),
        rtol=0.0,
        scale="element",
        sentences={
            "type": "Returns: a number, or a new array of that shape",
            "dtype": "Return a + b (of float64 inputs: float64)",
            "shape": "numpy arrays of the same shape (n,) or (n, d)",
            "values": "Return a + b",
            "new": "a new array of that shape (never a or b itself, even when the other one is all zeros)",
            "unchanged": "a and b are left unchanged",
        },
        hint="return a + b: numpy adds arrays element by element, and a + b is always a new array.",
    ),
]
