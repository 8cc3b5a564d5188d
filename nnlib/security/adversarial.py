"""Adversarial inputs (lesson 06, threat 3): small input changes that flip a network's decision.

Goodfellow, Shlens & Szegedy (2015), "Explaining and harnessing adversarial examples": a network that is
close to linear in its input can be fooled by moving every pixel a little in the direction that raises the
loss. The fast gradient sign method (FGSM) takes one step of size eps along sign(dL/dx); projected gradient
descent (PGD, Madry et al. 2018) takes several smaller steps and stays within eps of the original.
`maximize_neuron` uses the same input gradients the other way round: it builds the input that drives one
chosen unit as high as it goes, making "activation patterns are exploitable" concrete.
Defence: adversarial training (train on FGSM examples of the current model alongside clean ones).

Networks are ReLU MLPs given as a list of (W, b) pairs (nnlib.layers.mlp_forward's convention); images are
rows of pixel intensities in [0, 1].
"""
from __future__ import annotations

import numpy as np

from .._validate import (as_float_array, check_int, check_labels, check_nonnegative, check_positive, check_rng,
                         check_same_shape)
from . import _mlp
from ._checks import check_finite, check_params, check_training_inputs

__all__ = ["fgsm", "input_gradient", "fgsm_attack", "pgd_attack", "maximize_neuron", "adversarial_training",
           "accuracy"]


def fgsm(x, grad, eps):
    """The fast gradient sign step: clip(x + eps * sign(grad), 0, 1).

    x: inputs of any shape (one image `(d,)` or a batch `(n, d)`), pixel values in [0, 1];
    grad: the gradient of the loss with respect to x, same shape; eps: step size >= 0 (max change per pixel).
    Returns: float64 array shaped like x, every value in [0, 1] and within eps of x (where x was in [0, 1]).
    Raises: TypeError for non-numeric input; ValueError for NaN, shapes that differ or eps < 0,
            e.g. "fgsm: eps must be >= 0, got -0.1".
    """
    func = "fgsm"
    x = as_float_array(x, func, "x")
    grad = as_float_array(grad, func, "grad")
    check_same_shape(x, grad, func, "x", "grad")
    eps = check_nonnegative(eps, func, "eps")
    return np.clip(x + eps * np.sign(grad), 0.0, 1.0)


def _check_batch(params, X, y, func):
    params = check_params(params, func)
    X = as_float_array(X, func, "X", ndim=2)
    check_finite(X, func, "X")
    if X.shape[1] != params[0][0].shape[0]:
        raise ValueError(f"{func}: X has {X.shape[1]} features but the first W expects {params[0][0].shape[0]}")
    y = check_labels(y, func, params[-1][0].shape[1], name="y", n=X.shape[0])
    return params, X, y


def accuracy(params, X, y):
    """Fraction of the samples of X `(n, d)` that the ReLU MLP `params` classifies as y `(n,)`: a float."""
    params, X, y = _check_batch(params, X, y, "accuracy")
    return _mlp.accuracy(params, X, y)


def input_gradient(params, X, y):
    """Gradient of each sample's cross-entropy loss with respect to its own input.

    params: list of (W, b) of a ReLU MLP; X: `(n, d)`; y: `(n,)` true labels.
    Returns: float64 `(n, d)`; row i is dL_i/dx_i with L_i = -log softmax(f(x_i))[y_i].
    Raises: TypeError/ValueError for bad params, shapes or labels out of range.
    """
    params, X, y = _check_batch(params, X, y, "input_gradient")
    return _mlp.input_gradient(params, X, y)


def fgsm_attack(params, X, y, eps):
    """FGSM adversarial examples for a whole batch: fgsm(X, input_gradient(params, X, y), eps)."""
    params, X, y = _check_batch(params, X, y, "fgsm_attack")
    eps = check_nonnegative(eps, "fgsm_attack", "eps")
    return np.clip(X + eps * np.sign(_mlp.input_gradient(params, X, y)), 0.0, 1.0)


def pgd_attack(params, X, y, eps, *, steps=10, step_size=None, rng=None):
    """Projected gradient descent (Madry et al. 2018): several signed-gradient steps, kept within eps of X.

    Each step: X_adv <- clip(X_adv + step_size * sign(grad), X - eps, X + eps), then clip to [0, 1].
    params, X `(n, d)`, y `(n,)`: as input_gradient; eps >= 0; steps: int >= 1;
    step_size: > 0, default 2.5 * eps / steps; rng: a Generator for a random start uniformly within eps of X,
    or None to start at X (deterministic).
    Returns: float64 `(n, d)` adversarial inputs.
    Raises: TypeError/ValueError for bad inputs (eps < 0, steps < 1, ...).
    """
    func = "pgd_attack"
    params, X, y = _check_batch(params, X, y, func)
    eps = check_nonnegative(eps, func, "eps")
    steps = check_int(steps, func, "steps", minimum=1)
    step_size = 2.5 * eps / steps if step_size is None else check_positive(step_size, func, "step_size")
    lo, hi = np.clip(X - eps, 0.0, 1.0), np.clip(X + eps, 0.0, 1.0)
    X_adv = X.copy()
    if rng is not None:
        X_adv = np.clip(X + check_rng(rng, func).uniform(-eps, eps, size=X.shape), lo, hi)
    for _ in range(steps):
        g = _mlp.input_gradient(params, X_adv, y)
        X_adv = np.clip(X_adv + step_size * np.sign(g), lo, hi)
    return X_adv


def _unit_gradient(params, layer, unit, x):
    """Gradient of the pre-activation of `unit` in layer `layer` with respect to one input x `(d,)`."""
    inputs, pre, _ = _mlp.forward(params[:layer + 1], x[None, :])
    dZ = np.zeros((1, params[layer][0].shape[1]))
    dZ[0, unit] = 1.0
    for i in reversed(range(layer + 1)):
        dA = dZ @ params[i][0].T
        if i > 0:
            dZ = dA * (pre[i - 1] > 0)
    return dA[0]


def maximize_neuron(params, layer, unit, x0, steps, lr):
    """Gradient ascent on the input that drives one unit of a ReLU MLP as high as it goes.

    The objective is the unit's pre-activation z = (A @ W + b)[unit] in dense layer `layer` (0 is the first
    layer; the last layer's units are the class scores). ReLU is increasing, so raising z raises the unit's
    activation too, and the gradient does not vanish while the unit is still off. Every step is
        x <- clip(x + lr * dz/dx, 0, 1)     (pixels stay valid intensities),
    repeated `steps` times from x0.

    params: list of (W, b) of a ReLU MLP; layer: int in [0, len(params)); unit: int in [0, units of that
    layer); x0: starting image `(d,)` with values in [0, 1]; steps: int >= 0; lr: step size > 0.
    Returns: float64 `(d,)`, the image after `steps` steps (x0 itself, copied, when steps = 0).
    Raises: TypeError/ValueError for bad params, a layer or unit out of range, x0 of the wrong shape or
            outside [0, 1], steps < 0 or lr <= 0.
    """
    func = "maximize_neuron"
    params = check_params(params, func)
    layer = check_int(layer, func, "layer", minimum=0)
    if layer >= len(params):
        raise ValueError(f"{func}: layer must be in [0, {len(params)}) for a network of {len(params)} layers, "
                         f"got {layer}")
    n_units = params[layer][0].shape[1]
    unit = check_int(unit, func, "unit", minimum=0)
    if unit >= n_units:
        raise ValueError(f"{func}: unit must be in [0, {n_units}) for layer {layer}, got {unit}")
    x = as_float_array(x0, func, "x0", ndim=1)
    if x.shape[0] != params[0][0].shape[0]:
        raise ValueError(f"{func}: x0 has {x.shape[0]} values but the first W expects {params[0][0].shape[0]}")
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"{func}: x0 must have values in [0, 1], got values in [{x.min()}, {x.max()}]")
    steps = check_int(steps, func, "steps", minimum=0)
    lr = check_positive(lr, func, "lr")
    for _ in range(steps):
        x = np.clip(x + lr * _unit_gradient(params, layer, unit, x), 0.0, 1.0)
    return x


def adversarial_training(X, y, layer_sizes, rng, eps, *, epochs=60, lr=0.1, batch_size=32):
    """Defence: train a ReLU MLP on each minibatch plus its FGSM examples against the current weights.

    The loss is the mean over the clean and the adversarial copies of the batch (Goodfellow et al.'s
    objective with weight 1/2 on each), so the network learns to give the same answer within eps of a sample.
    X: `(n, d)`; y: `(n,)`; layer_sizes: e.g. [64, 64, 10]; rng: Generator; eps >= 0; epochs, batch_size >= 1.
    Returns: list of (W, b).
    Raises: TypeError/ValueError for bad inputs.
    """
    func = "adversarial_training"
    X, y, sizes, rng = check_training_inputs(X, y, layer_sizes, rng, func)
    eps = check_nonnegative(eps, func, "eps")

    def with_adversarial(params, Xb, Tb):
        Xadv = np.clip(Xb + eps * np.sign(_mlp.input_gradient(params, Xb, Tb)), 0.0, 1.0)
        return np.vstack([Xb, Xadv]), np.vstack([Tb, Tb])

    return _mlp.train_custom(X, y, sizes, rng, epochs=check_int(epochs, func, "epochs", minimum=1),
                             lr=check_positive(lr, func, "lr"),
                             batch_size=check_int(batch_size, func, "batch_size", minimum=1),
                             batch_hook=with_adversarial)
