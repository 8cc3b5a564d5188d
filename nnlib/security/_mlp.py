"""Small ReLU-MLP helpers shared by the attacks (lesson 06): forward with caches, gradients, training loops.

A network is a list of `(W, b)` pairs, as in nnlib.layers.mlp_forward: ReLU after every hidden layer, raw
scores (logits) from the last one. These helpers skip the input checks of the public functions that call
them; every public function of nnlib.security validates its inputs first.
"""
from __future__ import annotations

import numpy as np

from ..network import Network
from ..train import fit

__all__ = ["forward", "logits", "probabilities", "accuracy", "input_gradient", "parameter_gradients",
           "params_of", "train_mlp", "train_custom"]


def params_of(net: Network):
    """The parameters of an nnlib Network as a list of (W, b) pairs (copies)."""
    flat = net.params()
    return [(flat[i].copy(), flat[i + 1].copy()) for i in range(0, len(flat), 2)]


def forward(params, X):
    """Forward pass keeping every layer's input and pre-activation: (inputs, pre_activations, logits)."""
    inputs, pre = [], []
    A = X
    for i, (W, b) in enumerate(params):
        Z = A @ W + b
        inputs.append(A)
        pre.append(Z)
        A = np.maximum(Z, 0.0) if i < len(params) - 1 else Z
    return inputs, pre, A


def logits(params, X):
    """Raw scores `(n, k)` of the network for X `(n, d)`."""
    return forward(params, X)[2]


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def probabilities(params, X):
    """Softmax probabilities `(n, k)`."""
    return _softmax(logits(params, X))


def accuracy(params, X, y):
    """Fraction of samples whose predicted class (argmax of the logits) equals y, a Python float."""
    return float(np.mean(np.argmax(logits(params, X), axis=1) == y))


def _targets(y, k):
    """Integer labels `(n,)` -> one-hot `(n, k)`; probability rows `(n, k)` pass through."""
    if y.ndim == 2:
        return y
    T = np.zeros((y.shape[0], k))
    T[np.arange(y.shape[0]), y] = 1.0
    return T


def _backward(params, inputs, pre, dZ):
    """Backpropagate dZ (gradient w.r.t. the logits) -> (list of (dW, db), dX)."""
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        W = params[i][0]
        grads[i] = (inputs[i].T @ dZ, dZ.sum(axis=0))
        dA = dZ @ W.T
        if i > 0:
            dZ = dA * (pre[i - 1] > 0)
    return grads, dA


def parameter_gradients(params, X, y):
    """Gradients of the mean softmax cross-entropy over the batch w.r.t. every (W, b): list of (dW, db).

    y: integer labels `(n,)` or target probabilities `(n, k)`.
    """
    inputs, pre, Z = forward(params, X)
    dZ = (_softmax(Z) - _targets(y, Z.shape[1])) / X.shape[0]
    return _backward(params, inputs, pre, dZ)[0]


def input_gradient(params, X, y):
    """Gradient of each sample's own cross-entropy loss w.r.t. its input: `(n, d)` (not divided by n)."""
    inputs, pre, Z = forward(params, X)
    dZ = _softmax(Z) - _targets(y, Z.shape[1])
    return _backward(params, inputs, pre, dZ)[1]


def train_mlp(X, y, sizes, rng, *, epochs=60, lr=0.1, batch_size=32):
    """Train a ReLU MLP with nnlib.train.fit (plain SGD on cross-entropy); return its list of (W, b)."""
    net = Network.mlp(sizes, rng)
    fit(net, X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng, progress=False)
    return params_of(net)


def train_custom(X, T, sizes, rng, *, epochs=60, lr=0.1, batch_size=32, batch_hook=None, grad_hook=None):
    """Minibatch SGD on a ReLU MLP with soft targets and two optional hooks (the defences use them).

    X: `(n, d)`; T: integer labels `(n,)` or target probabilities `(n, k)`; sizes: layer sizes.
    batch_hook(params, Xb, Tb) -> (Xb, Tb): replaces a minibatch before the step (adversarial training).
    grad_hook(params, inputs, pre, dZ) -> list of (dW, db): replaces the gradient (DP-SGD).
    Returns: list of (W, b).
    """
    net = Network.mlp(sizes, rng)  # same He initialisation as fit uses
    params = params_of(net)
    k = sizes[-1]
    T = _targets(T, k)
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            Xb, Tb = X[idx], T[idx]
            if batch_hook is not None:
                Xb, Tb = batch_hook(params, Xb, Tb)
            inputs, pre, Z = forward(params, Xb)
            dZ = (_softmax(Z) - Tb) / Xb.shape[0]
            if grad_hook is None:
                grads = _backward(params, inputs, pre, dZ)[0]
            else:
                grads = grad_hook(params, inputs, pre, dZ)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
    return params
