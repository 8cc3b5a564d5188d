"""Gradient checking (lesson 05): compare a backward pass with finite differences.

Backpropagation is easy to get subtly wrong, and a wrong gradient still "trains", only worse. The check:
nudge each input number by +-eps, see how a scalar function f changes, and compare that slope with the
analytic gradient. With central differences the error is about eps**2, so in float64 a correct backward
pass agrees to a relative error around 1e-8 or better; anything above 1e-5 means a bug.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_float_array, check_labels, check_positive
from .losses import cross_entropy, cross_entropy_grad

__all__ = ["numerical_gradient", "relative_error", "check_network_gradients"]


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function: df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    f: function taking an array shaped like x and returning a number; x: float array of any shape;
    eps: the nudge (> 0). f is called 2 * x.size times, on a private copy of x: x itself is unchanged.
    Returns: float64 array shaped like x.
    Raises: TypeError if f is not callable or does not return a number; ValueError for NaN in x or eps <= 0.
    """
    if not callable(f):
        raise TypeError(f"numerical_gradient: f must be a function, got {type(f).__name__}")
    x_work = as_float_array(x, "numerical_gradient", "x", copy=True)  # our own copy: we nudge it in place
    eps = check_positive(eps, "numerical_gradient", "eps")

    def call(point):
        value = f(point)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
            raise TypeError(
                f"numerical_gradient: f must return a single number, got {type(value).__name__} {np.shape(value)}"
            )
        return float(value)

    grad = np.zeros_like(x_work)
    flat, grad_flat = x_work.reshape(-1), grad.reshape(-1)  # views: writing to flat changes x_work
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        f_plus = call(x_work)
        flat[i] = original - eps
        f_minus = call(x_work)
        flat[i] = original  # put it back before nudging the next entry
        grad_flat[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a, b):
    """Relative error between two arrays: max|a - b| / max(1e-12, max(|a| + |b|)).

    Dividing by the size of the values makes the number comparable across scales: 1e-7 means the arrays
    agree to about 7 significant digits. The floor 1e-12 avoids dividing by zero when both are zero
    (then the result is max|a - b| / 1e-12, i.e. 0 for equal arrays).
    a, b: arrays of the same shape (or numbers).
    Returns: a Python float >= 0.
    Raises: TypeError for non-numeric input; ValueError for NaN or different shapes.
    """
    a = as_float_array(a, "relative_error", "a", copy=False)
    b = as_float_array(b, "relative_error", "b", copy=False)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(a) + np.abs(b)))))


def check_network_gradients(net, X, y, eps=1e-6):
    """Compare a Network's backward pass with numerical gradients of its mean cross-entropy loss.

    net: an nnlib Network; X: `(n, d)`; y: `(n,)` integer labels; eps: finite-difference step.
    The network's parameters are restored afterwards.
    Returns: dict parameter name (as net.param_names(), e.g. 'layers[0].W') -> relative error (float).
    Raises: TypeError/ValueError for bad input (as Network.forward and cross_entropy).
    """
    from .network import Network  # local import: network is a layer above this module

    if not isinstance(net, Network):
        raise TypeError(f"check_network_gradients: net must be an nnlib Network, got {type(net).__name__}")
    X = as_float_array(X, "check_network_gradients", "X", ndim=2, copy=True)
    y = check_labels(y, "check_network_gradients", net.d_out, name="y", n=X.shape[0])

    # Analytic gradients: one forward and one backward pass.
    logits = net.forward(X)
    net.backward(cross_entropy_grad(logits, y))
    analytic = [g.copy() for g in net.grads()]

    original = [p.copy() for p in net.params()]
    errors = {}
    try:
        for j, name in enumerate(net.param_names()):

            def loss_at(p_j, j=j):
                params = list(original)
                params[j] = p_j
                net._set_params(params)
                return cross_entropy(net.forward(X), y)

            errors[name] = relative_error(analytic[j], numerical_gradient(loss_at, original[j], eps))
    finally:
        net._set_params(original)
    return errors
