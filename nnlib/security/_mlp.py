"""The attacks' access to a ReLU MLP, built on the core: nnlib.network for the passes, nnlib.train for training.

The attacks of lesson 06 take a network as a list of `(W, b)` pairs (nnlib.layers.mlp_forward's convention:
ReLU after every hidden layer, raw scores from the last). Everything they need from it is computed by one
forward and one backward pass, nnlib.network.Network's (the same one nnlib.train.fit trains with), and one
softmax, nnlib.activations.softmax. The helpers below only connect those pieces:

- `network(params)` is the Network of a list of pairs, `params_of(net)` the way back;
- `logits`, `probabilities`, `accuracy`: the forward pass;
- `input_gradient`, `parameter_gradients`, `unit_gradient`: one forward and one backward pass each;
- `dense_deltas`: the backward pass, stopping at every Dense layer to report what it saw (DP-SGD clips with it);
- `train_mlp` is nnlib.train.fit; `train_custom` is the same minibatch SGD with soft targets and two hooks.

They skip the input checks of the public functions that call them: every public function of nnlib.security
validates its inputs first.
"""

from __future__ import annotations

import numpy as np

from ..activations import softmax
from ..network import Dense, Network
from ..optim import SGD
from ..train import fit

__all__ = [
    "network",
    "params_of",
    "logits",
    "probabilities",
    "accuracy",
    "input_gradient",
    "parameter_gradients",
    "unit_gradient",
    "dense_deltas",
    "train_mlp",
    "train_custom",
]


def network(params) -> Network:
    """The ReLU Network whose layers hold (copies of) the pairs in params."""
    return Network.from_params(params, activation="relu")


def params_of(net: Network):
    """The parameters of an nnlib Network as a list of (W, b) pairs (copies)."""
    flat = net.params()
    return [(flat[i].copy(), flat[i + 1].copy()) for i in range(0, len(flat), 2)]


def _as_net(model):
    return model if isinstance(model, Network) else network(model)


def logits(model, X):
    """Raw scores `(n, k)` of the network (a Network or a list of (W, b)) for X `(n, d)`."""
    return _as_net(model)._forward(X)


def probabilities(model, X):
    """Softmax probabilities `(n, k)`."""
    return softmax(logits(model, X), axis=-1)


def accuracy(model, X, y):
    """Fraction of samples whose predicted class (argmax of the logits) equals y, a Python float."""
    return float(np.mean(np.argmax(logits(model, X), axis=1) == y))


def _targets(y, k):
    """Integer labels `(n,)` -> one-hot `(n, k)`; probability rows `(n, k)` pass through."""
    if y.ndim == 2:
        return y
    T = np.zeros((y.shape[0], k))
    T[np.arange(y.shape[0]), y] = 1.0
    return T


def _output_delta(net, X, y):
    """Forward X; return softmax(logits) - targets `(n, k)`: each sample's d(cross-entropy)/d(logits)."""
    Z = net._forward(X)
    return softmax(Z, axis=-1) - _targets(y, Z.shape[1])


def parameter_gradients(model, X, y):
    """Gradients of the mean softmax cross-entropy over the batch w.r.t. every (W, b): list of (dW, db).

    y: integer labels `(n,)` or target probabilities `(n, k)`.
    """
    net = _as_net(model)
    net._backward(_output_delta(net, X, y) / X.shape[0], need_dX=False)
    flat = net.grads()
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def input_gradient(model, X, y):
    """Gradient of each sample's own cross-entropy loss w.r.t. its input: `(n, d)` (not divided by n)."""
    net = _as_net(model)
    return net._backward(_output_delta(net, X, y))


def unit_gradient(net: Network, unit, x):
    """dz/dx `(d,)` for the last layer's `unit` of net (its raw output z, before any activation), at x `(d,)`.

    To differentiate a hidden unit's pre-activation, pass the network cut after that layer: its last Dense
    layer is then the hidden one, and nothing follows it.
    """
    z = net._forward(x[None, :])
    seed = np.zeros_like(z)
    seed[0, unit] = 1.0
    return net._backward(seed)[0]


def dense_deltas(net: Network, dlogits):
    """Backpropagate dlogits `(n, k)` through net; return [(X_l, dZ_l)] for every Dense layer, first first.

    X_l is the layer's input in the last forward pass and dZ_l the gradient arriving at its output, so the
    layer's gradients are dW_l = X_l.T @ dZ_l and db_l = dZ_l.sum(axis=0); row i of each is sample i's own.
    """
    out, grad = [], dlogits
    for layer in reversed(net.layers):
        if isinstance(layer, Dense):
            out.append((layer._cache, grad))
            if layer is net.layers[0]:
                break
            grad = layer._backward(grad, need_dX=True)
        else:
            grad = layer._backward(grad)
    return out[::-1]


def train_mlp(X, y, sizes, rng, *, epochs=60, lr=0.1, batch_size=32):
    """Train a ReLU MLP with nnlib.train.fit (plain SGD on cross-entropy); return its list of (W, b)."""
    net = Network.mlp(sizes, rng)
    fit(net, X, y, epochs=epochs, batch_size=batch_size, lr=lr, rng=rng, progress=False)
    return params_of(net)


def train_custom(X, T, sizes, rng, *, epochs=60, lr=0.1, batch_size=32, batch_hook=None, grad_hook=None):
    """Minibatch SGD on a ReLU MLP with soft targets and two optional hooks (the defences use them).

    The loop is fit's (shuffle with rng, cut into minibatches, forward, backward, SGD step) on the same
    Network.mlp initialisation; it differs only where the defences need it to.
    X: `(n, d)`; T: integer labels `(n,)` or target probabilities `(n, k)`; sizes: layer sizes.
    batch_hook(net, Xb, Tb) -> (Xb, Tb): replaces a minibatch before the step (adversarial training).
    grad_hook(net, dlogits) -> list of (dW, db): replaces the gradient (DP-SGD); it is called right after
    the forward pass of the batch, with dlogits = (softmax - targets) / batch size.
    Returns: list of (W, b).
    """
    net = Network.mlp(sizes, rng)  # the same He initialisation as fit's networks
    optimizer = SGD(lr)
    T = _targets(T, sizes[-1])
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            Xb, Tb = X[idx], T[idx]
            if batch_hook is not None:
                Xb, Tb = batch_hook(net, Xb, Tb)
            dlogits = _output_delta(net, Xb, Tb) / Xb.shape[0]
            if grad_hook is None:
                net._backward(dlogits, need_dX=False)
                flat = net.grads()
            else:
                flat = [g for pair in grad_hook(net, dlogits) for g in pair]
            net._set_params(optimizer._step_flat(net.params(), flat))
    return params_of(net)
