"""Adversarial inputs (lesson 06, threat 3): small input changes that flip a network's decision.

Goodfellow, Shlens & Szegedy (2015), "Explaining and harnessing adversarial examples": a network that is
close to linear in its input can be fooled by moving every pixel a little in the direction that raises the
loss. The fast gradient sign method (FGSM) takes one step of size eps along sign(dL/dx); projected gradient
descent (PGD, Madry et al. 2018) takes several smaller steps and stays within eps of the original.
`maximize_neuron` uses the same input gradients the other way round: it builds the input that drives one
chosen unit as high as it goes, making "activation patterns are exploitable" concrete. `perturb_to_activate`
is its adversarial form (Sabour et al. 2016, "Adversarial manipulation of deep representations"): a change of
at most eps per pixel to a real image that switches a chosen hidden unit on.
Defence: adversarial training (train on FGSM examples of the current model alongside clean ones).

Networks are ReLU MLPs given as a list of (W, b) pairs (nnlib.layers.mlp_forward's convention); images are
rows of pixel intensities in [0, 1].
"""

from __future__ import annotations

import numpy as np

from .._validate import (
    as_float_array,
    check_int,
    check_labels,
    check_nonnegative,
    check_positive,
    check_rng,
    check_same_shape,
)
from . import _mlp
from ._checks import check_finite, check_params, check_training_inputs

__all__ = [
    "fgsm",
    "input_gradient",
    "fgsm_attack",
    "pgd_attack",
    "maximize_neuron",
    "perturb_to_activate",
    "unit_pre_activation",
    "adversarial_training",
    "accuracy",
]


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
    net = _mlp.network(params)
    for _ in range(steps):
        g = _mlp.input_gradient(net, X_adv, y)
        X_adv = np.clip(X_adv + step_size * np.sign(g), lo, hi)
    return X_adv


def _check_unit_and_image(params, layer, unit, x, func, x_name):
    """Validate a ReLU MLP, one of its units and an image; return (params, layer, unit, float64 copy of x)."""
    params = check_params(params, func)
    layer = check_int(layer, func, "layer", minimum=0)
    if layer >= len(params):
        raise ValueError(
            f"{func}: layer must be in [0, {len(params)}) for a network of {len(params)} layers, got {layer}"
        )
    n_units = params[layer][0].shape[1]
    unit = check_int(unit, func, "unit", minimum=0)
    if unit >= n_units:
        raise ValueError(f"{func}: unit must be in [0, {n_units}) for layer {layer}, got {unit}")
    x = as_float_array(x, func, x_name, ndim=1)
    if x.shape[0] != params[0][0].shape[0]:
        raise ValueError(f"{func}: {x_name} has {x.shape[0]} values but the first W expects {params[0][0].shape[0]}")
    if x.size and (x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"{func}: {x_name} must have values in [0, 1], got values in [{x.min()}, {x.max()}]")
    return params, layer, unit, x


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
    params, layer, unit, x = _check_unit_and_image(params, layer, unit, x0, func, "x0")
    steps = check_int(steps, func, "steps", minimum=0)
    lr = check_positive(lr, func, "lr")
    up_to_layer = _mlp.network(params[: layer + 1])  # its output is the pre-activation of `layer`
    for _ in range(steps):
        x = np.clip(x + lr * _mlp.unit_gradient(up_to_layer, unit, x), 0.0, 1.0)
    return x


def perturb_to_activate(params, layer, unit, x, eps, steps, lr):
    """A small change to a real image that switches one chosen unit on: projected signed-gradient ascent.

    Sabour, Cao, Faghri & Fleet (2016), "Adversarial manipulation of deep representations", show that an
    image can be changed imperceptibly (every pixel by at most a small delta) so that a network's internal
    representation becomes that of a quite different image. This is the one-unit version: raise the
    pre-activation z of `unit` in dense layer `layer` while staying within eps of x in every pixel (an L-inf
    ball) and inside [0, 1]. As in PGD, each step moves every pixel by lr along the sign of the gradient (the
    steepest ascent for an L-inf budget) and projects back:
        x' <- clip(x' + lr * sign(dz/dx'), max(x - eps, 0), min(x + eps, 1)),   `steps` times from x' = x.
    A pixel whose gradient is exactly 0 does not move.

    params: list of (W, b) of a ReLU MLP; layer: int in [0, len(params)) (0 is the first layer; the last
    layer's units are the class scores); unit: int in [0, units of that layer); x: the real image `(d,)`,
    values in [0, 1]; eps: the budget >= 0 (largest change of any pixel); steps: int >= 0; lr: step size > 0.
    Returns: float64 `(d,)`, within eps of x and inside [0, 1] (a copy of x when steps = 0 or eps = 0).
    Raises: TypeError/ValueError for bad params, a layer or unit out of range, x of the wrong shape or
            outside [0, 1], eps < 0, steps < 0 or lr <= 0, e.g. "perturb_to_activate: eps must be >= 0, got -0.1".
    """
    func = "perturb_to_activate"
    params, layer, unit, x = _check_unit_and_image(params, layer, unit, x, func, "x")
    eps = check_nonnegative(eps, func, "eps")
    steps = check_int(steps, func, "steps", minimum=0)
    lr = check_positive(lr, func, "lr")
    lo, hi = np.clip(x - eps, 0.0, 1.0), np.clip(x + eps, 0.0, 1.0)
    up_to_layer = _mlp.network(params[: layer + 1])  # its output is the pre-activation of `layer`
    x_adv = x.copy()
    for _ in range(steps):
        x_adv = np.clip(x_adv + lr * np.sign(_mlp.unit_gradient(up_to_layer, unit, x_adv)), lo, hi)
    return x_adv


def unit_pre_activation(params, layer, unit, X):
    """The pre-activation z of `unit` in dense layer `layer` for every image of X `(n, d)` (or one `(d,)`).

    Returns: float64 `(n,)` (a Python float for one image). Raises: TypeError/ValueError as perturb_to_activate.
    """
    func = "unit_pre_activation"
    single = np.ndim(X) == 1
    X = np.atleast_2d(as_float_array(X, func, "X", ndim=(1, 2)))
    check_finite(X, func, "X")
    params = check_params(params, func)
    layer = check_int(layer, func, "layer", minimum=0)
    if layer >= len(params):
        raise ValueError(
            f"{func}: layer must be in [0, {len(params)}) for a network of {len(params)} layers, got {layer}"
        )
    unit = check_int(unit, func, "unit", minimum=0)
    if unit >= params[layer][0].shape[1]:
        raise ValueError(f"{func}: unit must be in [0, {params[layer][0].shape[1]}) for layer {layer}, got {unit}")
    if X.shape[1] != params[0][0].shape[0]:
        raise ValueError(f"{func}: X has {X.shape[1]} features but the first W expects {params[0][0].shape[0]}")
    z = _mlp.logits(params[: layer + 1], X)[:, unit]
    return float(z[0]) if single else z


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

    def with_adversarial(net, Xb, Tb):
        Xadv = np.clip(Xb + eps * np.sign(_mlp.input_gradient(net, Xb, Tb)), 0.0, 1.0)
        return np.vstack([Xb, Xadv]), np.vstack([Tb, Tb])

    return _mlp.train_custom(
        X,
        y,
        sizes,
        rng,
        epochs=check_int(epochs, func, "epochs", minimum=1),
        lr=check_positive(lr, func, "lr"),
        batch_size=check_int(batch_size, func, "batch_size", minimum=1),
        batch_hook=with_adversarial,
    )
