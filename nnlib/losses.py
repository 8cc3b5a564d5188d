"""Loss functions and their gradients (lesson 05).

A loss turns the network's output and the true answer into one number to minimise. Each loss `L` here is
a mean over the batch, and `L_grad` returns dL/d(first argument), the array backpropagation starts from.

The classification losses take raw scores (logits), not probabilities: computing log(softmax(z)) in one
step with the log-sum-exp trick stays finite for logits of +-1000, where softmax first and log second
would give log(0) = -inf.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_labels
from .activations import _exp_nonpositive, _softmax, sigmoid

__all__ = [
    "mse",
    "mse_grad",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
]


def _check_pred_target(pred, target, func):
    pred = as_float_array(pred, func, "pred", copy=False)
    target = as_float_array(target, func, "target", copy=False)
    if pred.shape != target.shape:
        raise ValueError(f"{func}: pred and target must have the same shape, got {pred.shape} and {target.shape}")
    if pred.size == 0:
        raise ValueError(f"{func}: pred is empty")
    return pred, target


def mse(pred, target):
    """Mean squared error: the mean of (pred - target)**2 over all elements.

    pred, target: arrays of the same shape (e.g. `(n,)` or `(n, k)`).
    Returns: a Python float.
    Raises: TypeError for non-numeric input; ValueError for NaN, different shapes or empty arrays.
    """
    pred, target = _check_pred_target(pred, target, "mse")
    return float(np.mean((pred - target) ** 2))


def mse_grad(pred, target):
    """Gradient of mse with respect to pred: 2 * (pred - target) / pred.size.

    Each element appears once in the mean over pred.size elements, hence the division.
    pred, target: arrays of the same shape. Returns: float64 array shaped like pred.
    Raises: TypeError for non-numeric input; ValueError for NaN, different shapes or empty arrays.
    """
    pred, target = _check_pred_target(pred, target, "mse_grad")
    return 2.0 * (pred - target) / pred.size


def log_softmax(z, axis=-1):
    """log(softmax(z)) along `axis`, computed stably as z - max - log(sum(exp(z - max))).

    z: array with at least one dimension (usually logits `(n, k)`); axis: the axis to normalise along.
    Returns: float64 array shaped like z, every entry <= 0.
    Raises: TypeError for non-numeric input; ValueError for NaN, a 0-D z or an axis out of range.
    """
    z = as_float_array(z, "log_softmax", "z", copy=False)
    if z.ndim == 0:
        raise ValueError("log_softmax: z must have at least one dimension, got a scalar")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"log_softmax: axis {axis} is out of range for z with shape {z.shape}")
    shifted = z - np.max(z, axis=axis, keepdims=True)  # the largest entry becomes 0
    # The sum is at least exp(0) = 1, so its log is finite and >= 0.
    return shifted - np.log(np.sum(_exp_nonpositive(shifted), axis=axis, keepdims=True))


def _check_logits_labels(logits, y, func):
    logits = as_float_array(logits, func, "logits", ndim=2, copy=False)
    n, k = logits.shape
    if n == 0:
        raise ValueError(f"{func}: logits has no samples (shape {logits.shape})")
    y = check_labels(y, func, k, n=n)
    return logits, y


def cross_entropy(logits, y):
    """Softmax cross-entropy, averaged over the batch: mean_i of -log softmax(logits_i)[y_i].

    logits: `(n, k)` raw scores for k classes; y: `(n,)` integer labels in [0, k).
    Returns: a Python float (finite even for logits of +-1000).
    Raises: TypeError for non-numeric input; ValueError for NaN, a non-2-D logits, a label count that is
            not n, or labels that are not integers in [0, k).
    """
    logits, y = _check_logits_labels(logits, y, "cross_entropy")
    logp = log_softmax(logits, axis=1)
    return float(-np.mean(logp[np.arange(logits.shape[0]), y]))


def cross_entropy_grad(logits, y):
    """Gradient of cross_entropy with respect to the logits: (softmax(logits) - onehot(y)) / n.

    The softmax pushes every class's score down in proportion to its probability; the one-hot term pulls
    the true class up. Dividing by n comes from the mean over the batch.
    logits: `(n, k)`; y: `(n,)` integer labels in [0, k).
    Returns: float64 `(n, k)`; each row sums to 0.
    Raises: as cross_entropy.
    """
    logits, y = _check_logits_labels(logits, y, "cross_entropy_grad")
    n = logits.shape[0]
    grad = _softmax(logits, axis=1)  # the stable softmax (exp of the max-shifted logits, normalised), a new array
    grad[np.arange(n), y] -= 1.0  # minus onehot(y)
    grad /= n
    return grad


def _check_binary(logits, y, func):
    logits = as_float_array(logits, func, "logits", ndim=1, copy=False)
    if logits.shape[0] == 0:
        raise ValueError(f"{func}: logits is empty")
    y = check_labels(y, func, 2, n=logits.shape[0])
    return logits, y.astype(np.float64)


def binary_cross_entropy(logits, y):
    """Binary cross-entropy from logits, averaged: mean_i of -[y log sigmoid(z) + (1-y) log(1 - sigmoid(z))].

    Simplifies to mean(log(1 + exp(z)) - y z), and log(1 + exp(z)) = max(z, 0) + log(1 + exp(-|z|)) is
    computed without overflow (it is numpy's logaddexp(0, z), written out to stay silent on underflow).
    logits: `(n,)` raw scores; y: `(n,)` labels, each 0 or 1.
    Returns: a Python float.
    Raises: TypeError for non-numeric input; ValueError for NaN, a non-1-D logits, or labels not in {0, 1}.
    """
    z, y = _check_binary(logits, y, "binary_cross_entropy")
    softplus = np.maximum(z, 0.0) + np.log1p(_exp_nonpositive(-np.abs(z)))
    return float(np.mean(softplus - y * z))


def binary_cross_entropy_grad(logits, y):
    """Gradient of binary_cross_entropy with respect to the logits: (sigmoid(z) - y) / n.

    logits: `(n,)`; y: `(n,)` labels in {0, 1}. Returns: float64 `(n,)`.
    Raises: as binary_cross_entropy.
    """
    z, y = _check_binary(logits, y, "binary_cross_entropy_grad")
    return (sigmoid(z) - y) / z.shape[0]
