"""Dense layers and multi-layer perceptrons as plain functions (lessons 02, 03, 05).

Conventions: a batch of n samples with d features is `X: (n, d)`; a dense layer from d_in to d_out units
has weights `W: (d_in, d_out)` and bias `b: (d_out,)` and computes `Z = X @ W + b`, so row i of Z is the
pre-activation of sample i. A network's parameters are a list of `(W, b)` pairs, first layer first.

Every `*_forward` has a `*_backward` next to it. The backward function receives the gradient of the loss
with respect to the forward function's output (`dZ`, `dA`) and what the forward pass saw (its "cache":
`X` and `W` for a dense layer, `Z` for a ReLU) and returns the gradients with respect to the forward
function's inputs. Chaining them from the loss back to the input is backpropagation.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_int, check_rng
from .activations import gelu, relu

__all__ = [
    "dense_forward",
    "dense_backward",
    "relu_backward",
    "init_dense",
    "count_parameters",
    "mlp_forward",
    "layer_activations",
    "predict_class",
    "collapse_linear",
    "transformer_mlp",
    "INIT_SCHEMES",
]


def _check_dense(X, W, b, func):
    """Validate the inputs of a dense layer and return them as float64 arrays."""
    X = as_float_array(X, func, "X", ndim=(1, 2), copy=False)
    W = as_float_array(W, func, "W", ndim=2, copy=False)
    b = as_float_array(b, func, "b", ndim=1, copy=False)
    if X.shape[-1] != W.shape[0]:
        raise ValueError(f"{func}: X has {X.shape[-1]} features but W expects {W.shape[0]} (W.shape={W.shape})")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"{func}: b has {b.shape[0]} entries but W has {W.shape[1]} output units (W.shape={W.shape})")
    return X, W, b


def dense_forward(X, W, b):
    """Forward pass of a dense (fully connected) layer: Z = X @ W + b.

    X: `(n, d_in)` a batch, or `(d_in,)` one sample; W: `(d_in, d_out)`; b: `(d_out,)`.
    Returns: Z, float64 `(n, d_out)` (or `(d_out,)` for one sample). The cache for dense_backward is (X, W).
    Raises: TypeError for non-numeric input; ValueError for NaN or mismatched shapes,
            e.g. "dense_forward: X has 3 features but W expects 4 (W.shape=(4, 2))".
    """
    X, W, b = _check_dense(X, W, b, "dense_forward")
    return X @ W + b


def dense_backward(dZ, X, W):
    """Backward pass of a dense layer: gradients of the loss with respect to X, W and b.

    Since Z = X @ W + b, each Z[i, j] = sum_k X[i, k] W[k, j] + b[j], and the chain rule gives
        dX = dZ @ W.T          (n, d_in)     how the loss changes with each input
        dW = X.T @ dZ          (d_in, d_out) summed over the batch: every sample used the same W
        db = dZ.sum(axis=0)    (d_out,)      likewise summed over the batch
    dZ: `(n, d_out)` gradient of the loss with respect to Z (or `(d_out,)` for one sample);
    X: `(n, d_in)` the layer's input in the forward pass (or `(d_in,)`); W: `(d_in, d_out)`.
    Returns: (dX, dW, db), float64 arrays shaped like X, W and b.
    Raises: TypeError for non-numeric input; ValueError for NaN or mismatched shapes.
    """
    func = "dense_backward"
    dZ = as_float_array(dZ, func, "dZ", ndim=(1, 2), copy=False)
    X = as_float_array(X, func, "X", ndim=(1, 2), copy=False)
    W = as_float_array(W, func, "W", ndim=2, copy=False)
    if X.shape[-1] != W.shape[0]:
        raise ValueError(f"{func}: X has {X.shape[-1]} features but W expects {W.shape[0]} (W.shape={W.shape})")
    if dZ.ndim != X.ndim or dZ.shape[:-1] != X.shape[:-1] or dZ.shape[-1] != W.shape[1]:
        expected = X.shape[:-1] + (W.shape[1],)
        raise ValueError(
            f"{func}: dZ must have shape {expected} for X.shape={X.shape} and W.shape={W.shape}, got {dZ.shape}"
        )
    one_sample = X.ndim == 1
    if one_sample:  # treat it as a batch of one, then drop the batch axis of dX again
        dZ, X = dZ[None, :], X[None, :]
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    return (dX[0] if one_sample else dX), dW, db


def relu_backward(dA, Z):
    """Backward pass of a ReLU: the gradient flows through where Z > 0 and is stopped elsewhere.

    A = relu(Z) has slope 1 where Z > 0 and 0 where Z <= 0, so dZ = dA * (Z > 0).
    dA: gradient of the loss with respect to A = relu(Z); Z: the ReLU's input (its cache); same shape.
    Returns: dZ, float64 array shaped like Z.
    Raises: TypeError for non-numeric input; ValueError for NaN or when dA and Z differ in shape.
    """
    dA = as_float_array(dA, "relu_backward", "dA", copy=False)
    Z = as_float_array(Z, "relu_backward", "Z", copy=False)
    if dA.shape != Z.shape:
        raise ValueError(f"relu_backward: dA and Z must have the same shape, got {dA.shape} and {Z.shape}")
    return np.where(Z > 0, dA, 0.0)


# The variance of the initial weights, as a function of the layer's fan-in and fan-out.
#   he:     2 / d_in          keeps the variance of ReLU activations constant from layer to layer (He et al. 2015)
#   xavier: 2 / (d_in + d_out) balances forward and backward variance for tanh/sigmoid (Glorot & Bengio 2010)
INIT_SCHEMES = {
    "he": lambda d_in, d_out: 2.0 / d_in,
    "xavier": lambda d_in, d_out: 2.0 / (d_in + d_out),
}


def init_dense(d_in, d_out, rng, scheme="he"):
    """Random initial weights for a dense layer: W ~ Normal(0, variance), b = 0.

    d_in, d_out: numbers of input and output units (ints >= 1); rng: numpy.random.Generator;
    scheme: "he" (variance 2 / d_in, for ReLU networks) or "xavier" (variance 2 / (d_in + d_out)).
    Returns: (W, b), float64 `(d_in, d_out)` and `(d_out,)`.
    Raises: TypeError for a non-integer size or a missing Generator; ValueError for sizes < 1 or an unknown
            scheme.
    """
    d_in = check_int(d_in, "init_dense", "d_in", minimum=1)
    d_out = check_int(d_out, "init_dense", "d_out", minimum=1)
    rng = check_rng(rng, "init_dense")
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"init_dense: unknown scheme {scheme!r}; expected one of {sorted(INIT_SCHEMES)}")
    std = np.sqrt(INIT_SCHEMES[scheme](d_in, d_out))
    W = rng.normal(0.0, std, size=(d_in, d_out))
    b = np.zeros(d_out)
    return W, b


def count_parameters(layer_sizes):
    """Number of trainable numbers in a chain of dense layers: sum of d_in * d_out + d_out.

    layer_sizes: sequence of ints, input size first, e.g. [64, 128, 64, 10] -> 8320 + 8256 + 650 = 17226.
    Returns: a Python int.
    Raises: TypeError for non-integer sizes; ValueError for fewer than two sizes or a size < 1.
    """
    try:
        sizes = list(layer_sizes)
    except TypeError:
        raise TypeError(
            f"count_parameters: layer_sizes must be a list of ints, got {type(layer_sizes).__name__}"
        ) from None
    if len(sizes) < 2:
        raise ValueError(f"count_parameters: need at least two layer sizes (input and output), got {sizes}")
    sizes = [check_int(s, "count_parameters", "each layer size", minimum=1) for s in sizes]
    return int(sum(d_in * d_out + d_out for d_in, d_out in zip(sizes[:-1], sizes[1:])))


def _check_params(params, func):
    """Validate a list of (W, b) pairs that chain together; return them as float64 arrays."""
    if isinstance(params, tuple) and len(params) == 2 and isinstance(params[0], np.ndarray) and params[0].ndim == 2:
        raise TypeError(f"{func}: params must be a list of (W, b) pairs, got a single (W, b); wrap it: [(W, b)]")
    try:
        pairs = list(params)
    except TypeError:
        raise TypeError(f"{func}: params must be a list of (W, b) pairs, got {type(params).__name__}") from None
    if not pairs:
        raise ValueError(f"{func}: params must contain at least one (W, b) pair, got an empty list")
    checked = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{func}: params[{i}] must be a (W, b) pair, got {type(pair).__name__}")
        W = as_float_array(pair[0], func, f"params[{i}] W", ndim=2, copy=False)
        b = as_float_array(pair[1], func, f"params[{i}] b", ndim=1, copy=False)
        if b.shape[0] != W.shape[1]:
            raise ValueError(f"{func}: params[{i}] has b.shape={b.shape} but W.shape={W.shape}")
        if checked and checked[-1][0].shape[1] != W.shape[0]:
            raise ValueError(
                f"{func}: params[{i}] W.shape={W.shape} does not follow params[{i - 1}] W.shape={checked[-1][0].shape}"
            )
        checked.append((W, b))
    return checked


def _check_network_input(X, params, func):
    X = as_float_array(X, func, "X", ndim=(1, 2), copy=False)
    if X.shape[-1] != params[0][0].shape[0]:
        W = params[0][0]
        raise ValueError(
            f"{func}: X has {X.shape[-1]} features but the first W expects {W.shape[0]} (W.shape={W.shape})"
        )
    return X


def layer_activations(X, params, activation=relu):
    """Every layer's output of a multi-layer perceptron, first layer first.

    X: `(n, d)` (or `(d,)`); params: list of (W, b) pairs; activation: applied after every hidden layer.
    Returns: list with one float64 array per layer: hidden layer l gives activation(Z_l) `(n, units_l)`;
             the last entry is the output layer's raw scores (logits), equal to mlp_forward(X, params, activation).
    Raises: TypeError/ValueError as mlp_forward.
    """
    if not callable(activation):
        raise TypeError(f"layer_activations: activation must be a function such as relu, got {activation!r}")
    params = _check_params(params, "layer_activations")
    A = _check_network_input(X, params, "layer_activations")
    outputs = []
    for i, (W, b) in enumerate(params):
        Z = A @ W + b
        # Hidden layers go through the non-linearity; the last layer stays linear (logits).
        A = Z if i == len(params) - 1 else np.asarray(activation(Z), dtype=np.float64)
        outputs.append(A)
    return outputs


def mlp_forward(X, params, activation):
    """Forward pass of a multi-layer perceptron: dense, activation, dense, activation, ..., dense.

    X: `(n, d)` (or `(d,)`); params: list of (W, b) with W_l `(d_l, d_{l+1})`, b_l `(d_{l+1},)`;
    activation: the function applied after every hidden layer (e.g. relu). The output layer has no
    activation: it returns raw scores (logits); apply softmax to read them as probabilities.
    Returns: logits, float64 `(n, d_out)` (or `(d_out,)`).
    Raises: TypeError for non-numeric input or a non-callable activation; ValueError for NaN or layers
            whose shapes do not chain.
    """
    if not callable(activation):
        raise TypeError(f"mlp_forward: activation must be a function such as relu, got {activation!r}")
    params = _check_params(params, "mlp_forward")
    A = _check_network_input(X, params, "mlp_forward")
    for W, b in params[:-1]:
        A = np.asarray(activation(A @ W + b), dtype=np.float64)
    W, b = params[-1]
    return A @ W + b


def transformer_mlp(X, params):
    """The MLP of a transformer block: dense, exact GELU, dense, i.e. gelu(X @ W1 + b1) @ W2 + b2.

    The first layer usually widens d_model to d_ff = 4 d_model (Vaswani et al. 2017: 512 -> 2048) and the second
    brings it back to d_model, so the block can add the result to its input (the residual connection, which
    is *not* part of this function: the block adds it, as nanoGPT's `Block` does around its `MLP`).
    X: `(n_tokens, d_model)` (or `(d_model,)` for one token); params: `[(W1, b1), (W2, b2)]` with
    W1 `(d_model, d_ff)`, b1 `(d_ff,)`, W2 `(d_ff, d_out)`, b2 `(d_out,)` (d_out = d_model in a transformer).
    Returns: float64 `(n_tokens, d_out)` (or `(d_out,)`).
    Raises: TypeError/ValueError as mlp_forward; ValueError when params does not hold exactly two layers.
    """
    params = _check_params(params, "transformer_mlp")
    if len(params) != 2:
        raise ValueError(
            f"transformer_mlp: params must hold exactly two (W, b) pairs, the widening layer and "
            f"the projection back, got {len(params)}"
        )
    X = _check_network_input(X, params, "transformer_mlp")
    (W1, b1), (W2, b2) = params
    return gelu(X @ W1 + b1) @ W2 + b2


def predict_class(probs):
    """The predicted class of each sample: the index of the largest score along the last axis.

    probs: `(n, k)` class probabilities or logits (or `(k,)` for one sample).
    Returns: int64 array `(n,)` (a Python int for a single sample `(k,)`).
    Raises: TypeError for non-numeric input; ValueError for NaN or a 0-D input.
    """
    probs = as_float_array(probs, "predict_class", "probs", ndim=(1, 2), copy=False)
    if probs.shape[-1] == 0:
        raise ValueError(f"predict_class: probs has no classes (shape {probs.shape})")
    pred = np.argmax(probs, axis=-1)
    return int(pred) if probs.ndim == 1 else pred.astype(np.int64)


def collapse_linear(W1, b1, W2, b2):
    """The single dense layer equivalent to two stacked dense layers with no activation in between.

    (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2): without a non-linearity, depth adds nothing.
    W1: `(d, h)`, b1: `(h,)`, W2: `(h, k)`, b2: `(k,)`.
    Returns: (W, b) = (W1 @ W2, b1 @ W2 + b2), float64 `(d, k)` and `(k,)`.
    Raises: TypeError for non-numeric input; ValueError for NaN or shapes that do not chain.
    """
    func = "collapse_linear"
    W1 = as_float_array(W1, func, "W1", ndim=2, copy=False)
    b1 = as_float_array(b1, func, "b1", ndim=1, copy=False)
    W2 = as_float_array(W2, func, "W2", ndim=2, copy=False)
    b2 = as_float_array(b2, func, "b2", ndim=1, copy=False)
    if b1.shape[0] != W1.shape[1]:
        raise ValueError(f"{func}: b1 has {b1.shape[0]} entries but W1 has {W1.shape[1]} outputs (W1.shape={W1.shape})")
    if W2.shape[0] != W1.shape[1]:
        raise ValueError(
            f"{func}: W2 expects {W2.shape[0]} inputs but W1 has {W1.shape[1]} outputs "
            f"(W1.shape={W1.shape}, W2.shape={W2.shape})"
        )
    if b2.shape[0] != W2.shape[1]:
        raise ValueError(f"{func}: b2 has {b2.shape[0]} entries but W2 has {W2.shape[1]} outputs (W2.shape={W2.shape})")
    return W1 @ W2, b1 @ W2 + b2
