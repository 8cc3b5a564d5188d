"""Activation functions and their derivatives (lesson 02).

Every function here works element by element on an array of any shape (except `softmax`, which normalises
along one axis) and returns a new float64 array of the same shape; the input is never modified.

The derivative of `f` is called `f_grad` and takes the same input `x` as `f` (not its output), so that
`relu_grad(x)[i]` is the slope of `relu` at `x[i]`.

Numerical stability matters here: `exp(1000)` overflows and `exp(-1000)` underflows. The functions below
are written so that they stay exact and silent even under `np.errstate(all="raise")` for |x| up to 1e4.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array

__all__ = [
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "softmax",
    "gelu",
    "gelu_grad",
    "gelu_tanh",
    "gelu_tanh_grad",
    "step",
    "identity",
    "ACTIVATIONS",
]

# exp(-t) is below the smallest normal float64 (about 2.2e-308) once t > 708; numpy then raises an
# "underflow" flag. We treat exp(-t) as exactly 0 beyond this point, which is what it rounds to anyway.
_EXP_UNDERFLOW = 700.0
_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715  # the cubic coefficient of the tanh approximation (Hendrycks & Gimpel, 2016)
# tanh(u) is exactly +-1 in float64 once |u| > 19.1, which happens for |x| > 6 in gelu_tanh; clipping x
# to +-100 inside the cubic keeps x**3 from overflowing without changing any result.
_GELU_TANH_CLIP = 100.0


def erf(x):
    """scipy.special.erf, imported on first use: importing scipy.special takes about 0.4 s, which every lesson
    (and every learner's grading) would pay at `import nnlib` even when it never computes a GELU."""
    from scipy.special import erf as _erf

    return _erf(x)


def _exp_nonpositive(s: np.ndarray) -> np.ndarray:
    """exp(s) for s <= 0, returning exactly 0.0 where exp(s) would underflow (no floating-point warning)."""
    if s.size == 0 or s.min() > -_EXP_UNDERFLOW:  # the common case: no entry can underflow
        return np.exp(s)
    return np.where(s > -_EXP_UNDERFLOW, np.exp(np.maximum(s, -_EXP_UNDERFLOW)), 0.0)


def relu(x):
    """Rectified linear unit, max(0, x), element-wise.

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "relu", "x", copy=False)
    return np.maximum(x, 0.0)


def relu_grad(x):
    """Derivative of relu: 1.0 where x > 0, else 0.0 (we choose 0 at x = 0, where relu has a corner).

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "relu_grad", "x", copy=False)
    return (x > 0).astype(np.float64)


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), element-wise, without overflow for any |x|.

    The textbook formula overflows for x = -1000 (exp(1000) = inf). We only ever take exp of a
    non-positive number, e = exp(-|x|) in (0, 1], and use
        sigmoid(x) = 1 / (1 + e)   for x >= 0,
        sigmoid(x) = e / (1 + e)   for x < 0   (the same value, multiplied above and below by exp(x)).

    x: array of any shape. Returns: float64 array of the same shape, values in [0, 1].
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    return _sigmoid(as_float_array(x, "sigmoid", "x", copy=False))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """sigmoid without the input checks (used by the network classes inside the training loop)."""
    e = _exp_nonpositive(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    """Derivative of sigmoid: sigmoid(x) * (1 - sigmoid(x)).

    x: array of any shape. Returns: float64 array of the same shape, values in [0, 0.25].
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    s = _sigmoid(as_float_array(x, "sigmoid_grad", "x", copy=False))
    return s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent, element-wise (numpy's tanh is already stable for large |x|).

    x: array of any shape. Returns: float64 array of the same shape, values in [-1, 1].
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "tanh", "x", copy=False)
    return np.tanh(x)


def tanh_grad(x):
    """Derivative of tanh: 1 - tanh(x)**2.

    x: array of any shape. Returns: float64 array of the same shape, values in [0, 1].
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "tanh_grad", "x", copy=False)
    t = np.tanh(x)
    return 1.0 - t * t


def softmax(z, axis=-1):
    """Softmax along `axis`: exp(z) / sum(exp(z)), computed stably.

    Subtracting the maximum along `axis` first changes nothing mathematically (softmax(z + c) = softmax(z)
    for any constant c along the axis) but makes the largest exponent exp(0) = 1, so nothing overflows.
    Only the slices along `axis` are normalised: for logits `(n, k)` and axis=-1, each row sums to 1.

    z: array of any shape with at least one dimension (usually logits `(n, k)` or `(k,)`).
    axis: the axis to normalise along (default: the last).
    Returns: float64 array of the same shape, non-negative, summing to 1 along `axis`.
    Raises: TypeError for non-numeric input, ValueError if z contains NaN, is 0-D, or axis is out of range.
    """
    z = as_float_array(z, "softmax", "z", copy=False)
    if z.ndim == 0:
        raise ValueError("softmax: z must have at least one dimension, got a scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"softmax: axis {axis} is out of range for z with shape {z.shape}")
    return _softmax(z, axis)


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """softmax without the input checks (for callers that checked z already)."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = _exp_nonpositive(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def gelu(x):
    """Gaussian error linear unit, exact form: x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))).

    Phi is the standard normal cumulative distribution: GELU lets x through in proportion to how likely
    a standard normal variable is to be below x.

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    return _gelu(as_float_array(x, "gelu", "x", copy=False))


def _gelu(x: np.ndarray) -> np.ndarray:
    """gelu without the input checks."""
    return 0.5 * x * (1.0 + erf(x / _SQRT_2))


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """Standard normal density exp(-x**2 / 2) / sqrt(2 pi), exactly 0 where it would underflow."""
    small = np.abs(x) < 37.0  # exp(-37**2 / 2) = 1e-297 is still a normal float64
    xs = np.where(small, x, 0.0)
    return np.where(small, np.exp(-0.5 * xs * xs), 0.0) * _INV_SQRT_2PI


def gelu_grad(x):
    """Derivative of the exact gelu: Phi(x) + x * phi(x), with phi the standard normal density.

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    return _gelu_grad(as_float_array(x, "gelu_grad", "x", copy=False))


def _gelu_grad(x: np.ndarray) -> np.ndarray:
    """gelu_grad without the input checks."""
    return 0.5 * (1.0 + erf(x / _SQRT_2)) + x * _normal_pdf(x)


def gelu_tanh(x):
    """GELU, tanh approximation: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).

    This is the form used by GPT-2 and BERT; it differs from the exact gelu by less than 1e-3.

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "gelu_tanh", "x", copy=False)
    xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)  # keeps x**3 finite; tanh is +-1 there anyway
    return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (xc + _GELU_CUBIC * xc**3)))


def gelu_tanh_grad(x):
    """Derivative of gelu_tanh: 0.5 (1 + t) + 0.5 x (1 - t**2) sqrt(2/pi) (1 + 3 * 0.044715 x**2), t = tanh(u).

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "gelu_tanh_grad", "x", copy=False)
    xc = np.clip(x, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    t = np.tanh(_SQRT_2_OVER_PI * (xc + _GELU_CUBIC * xc**3))
    # Beyond |x| = 100, 1 - t**2 is exactly 0, so using the clipped xc in the second term changes nothing.
    du_dx = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * xc * xc)
    return 0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * du_dx


def step(x):
    """Heaviside step: 1.0 where x > 0, else 0.0 (the activation of the perceptron in lesson 01).

    x: array of any shape (or a number). Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "step", "x", copy=False)
    return (x > 0).astype(np.float64)


def identity(x):
    """Identity activation, f(x) = x (a "linear" layer). Returns a new float64 array, x is not aliased.

    x: array of any shape. Returns: float64 array of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    return as_float_array(x, "identity", "x", copy=True)


def identity_grad(x):
    """Derivative of identity: an array of ones shaped like x.

    x: array of any shape. Returns: float64 array of ones of the same shape.
    Raises: TypeError for non-numeric input, ValueError if x contains NaN.
    """
    x = as_float_array(x, "identity_grad", "x", copy=False)
    return np.ones_like(x)


# Name -> (function, derivative): lets layers and lessons pick an activation by its name.
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "gelu": (gelu, gelu_grad),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad),
    "identity": (identity, identity_grad),
}
