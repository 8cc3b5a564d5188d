"""One artificial neuron (lesson 01): inputs times weights, plus a bias, through an activation.

A neuron with weights `w` and bias `b` computes `activation(w . x + b)`. With the step activation it
answers 1 on one side of the line (plane, hyperplane) `w . x + b = 0` and 0 on the other: a single neuron
can only separate classes that a straight boundary can separate. AND and OR can be drawn that way, XOR
cannot; `is_linearly_separable` decides the question exactly with a small linear program.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_labels

__all__ = ["weighted_sum", "neuron", "AND_PARAMS", "OR_PARAMS", "is_linearly_separable", "truth_table"]


def _check_neuron_inputs(x, w, b, func):
    """Validate (x, w, b) of a neuron; return them as float64 arrays (b as a 0-D array)."""
    x = as_float_array(x, func, "x", ndim=(1, 2), copy=False)
    w = as_float_array(w, func, "w", ndim=1, copy=False)
    b = as_float_array(b, func, "b", copy=False)
    if b.ndim != 0:
        raise ValueError(f"{func}: b must be a scalar (one bias for one neuron), got shape {b.shape}")
    if x.shape[-1] != w.shape[0]:
        raise ValueError(f"{func}: x has {x.shape[-1]} features but w has {w.shape[0]} weights (x.shape={x.shape})")
    return x, w, b


def weighted_sum(x, w, b):
    """The neuron's pre-activation z = x . w + b.

    x: `(d,)` one sample, or `(n, d)` a batch of n samples; w: `(d,)` weights; b: a scalar bias.
    Returns: a Python float for one sample, a float64 array `(n,)` for a batch.
    Raises: TypeError for non-numeric input; ValueError for NaN, a non-scalar b, or when x's number of
            features differs from the number of weights.
    """
    x, w, b = _check_neuron_inputs(x, w, b, "weighted_sum")
    z = x @ w + b
    return float(z) if x.ndim == 1 else z


def neuron(x, w, b, activation):
    """One neuron's output: activation(x . w + b).

    x: `(d,)` or `(n, d)`; w: `(d,)`; b: scalar; activation: a function applied element-wise (e.g. `step`,
    `sigmoid`, `relu` from nnlib.activations).
    Returns: a Python float for one sample, a float64 array `(n,)` for a batch.
    Raises: TypeError if activation is not callable or input is non-numeric; ValueError as `weighted_sum`.
    """
    if not callable(activation):
        raise TypeError(f"neuron: activation must be a function such as step or sigmoid, got {activation!r}")
    x, w, b = _check_neuron_inputs(x, w, b, "neuron")
    out = np.asarray(activation(x @ w + b), dtype=np.float64)
    return float(out) if x.ndim == 1 else out


# Step-neuron parameters for the two-input truth tables, read off the lesson's picture:
# AND fires only at (1, 1): x1 + x2 - 1.5 > 0 exactly there.
AND_PARAMS = (np.array([1.0, 1.0]), -1.5)
# OR fires unless both inputs are 0: x1 + x2 - 0.5 > 0 as soon as one input is 1.
OR_PARAMS = (np.array([1.0, 1.0]), -0.5)

_TRUTH_TABLE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_TRUTH_TABLE_OUTPUTS = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "XOR": [0, 1, 1, 0],
    "NAND": [1, 1, 1, 0],
}


def truth_table(name):
    """The truth table of a two-input logic gate.

    name: "AND", "OR", "XOR" or "NAND" (case-insensitive).
    Returns: (X, y) with X float64 `(4, 2)` = the inputs (0,0), (0,1), (1,0), (1,1) and y int64 `(4,)`.
    Raises: ValueError for an unknown gate, TypeError if name is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"truth_table: name must be a string such as 'AND', got {type(name).__name__}")
    key = name.upper()
    if key not in _TRUTH_TABLE_OUTPUTS:
        raise ValueError(f"truth_table: unknown gate {name!r}; expected one of {sorted(_TRUTH_TABLE_OUTPUTS)}")
    return _TRUTH_TABLE_INPUTS.copy(), np.array(_TRUTH_TABLE_OUTPUTS[key], dtype=np.int64)


def is_linearly_separable(X, y):
    """Whether a single step neuron can reproduce the 0/1 labels y on the points X, exactly.

    We look for w, b with w . x_i + b > 0 exactly where y_i = 1. Writing s_i = +1 for y_i = 1 and -1 for
    y_i = 0, that is s_i (w . x_i + b) > 0 for every i. If some (w, b) achieves it with a margin m > 0,
    then (w, b) / m achieves s_i (w . x_i + b) >= 1, so the strict question becomes the feasibility of a
    set of linear inequalities, which scipy's linear-programming solver answers exactly (no learning, no
    luck with initial weights).

    X: `(n, d)` points; y: `(n,)` labels, each 0 or 1.
    Returns: a Python bool.
    Raises: TypeError for non-numeric input; ValueError for NaN, shape mismatch or labels other than 0/1.
    """
    X = as_float_array(X, "is_linearly_separable", "X", ndim=2, copy=False)
    y = check_labels(y, "is_linearly_separable", 2, name="y", n=X.shape[0])
    if not np.isfinite(X).all():
        raise ValueError("is_linearly_separable: X must be finite, got inf")
    n, d = X.shape
    s = np.where(y == 1, 1.0, -1.0)
    # Unknowns v = (w_1, ..., w_d, b). linprog wants A_ub @ v <= b_ub, so we write -s_i (x_i . w + b) <= -1.
    A_ub = -s[:, None] * np.hstack([X, np.ones((n, 1))])
    b_ub = -np.ones(n)
    from scipy.optimize import linprog  # here, not at the top: importing it costs every lesson 0.3 s

    result = linprog(c=np.zeros(d + 1), A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * (d + 1), method="highs")
    return bool(result.status == 0)  # 0: a feasible point was found; 2: the inequalities are infeasible
