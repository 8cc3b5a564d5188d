"""Scaled dot-product attention and the transformer block built around it (lessons 02 and 03).

Attention (Vaswani et al., 2017, "Attention is all you need") lets every query look at every key and take a
weighted average of the values, with weights given by a softmax over the query's scores:

    weights = softmax(Q @ K^T / sqrt(d_k), axis=-1),    output = weights @ V.

Shapes: Q `(..., n_q, d_k)`, K `(..., n_k, d_k)`, V `(..., n_k, d_v)` → output `(..., n_q, d_v)`; the leading
axes `...` (none, or a batch of sentences or heads) must be equal or broadcastable. A `mask` is a bool array
broadcastable to `(..., n_q, n_k)`: True where query i may attend to key j. A forbidden key gets weight exactly
0; a query with no allowed key at all has nothing to average, so it is an error (ValueError naming the row),
never a silent row of NaN or of uniform weights.

`transformer_block` is the unit a transformer stacks: attention and a 4x-wide GELU MLP, each with a residual
connection (layer normalisation, which real blocks add, is left out: see lesson 03).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_float_array
from .activations import softmax
from .layers import transformer_mlp

__all__ = ["attention", "attention_weights", "causal_mask", "transformer_block", "transformer_block_parameters"]


def _check_qkv(Q, K, V, func):
    Q = as_float_array(Q, func, "Q", copy=False)
    K = as_float_array(K, func, "K", copy=False)
    if Q.ndim < 2 or K.ndim < 2:
        raise ValueError(f"{func}: Q and K must be at least 2-D (n, d_k), got Q.shape={Q.shape}, K.shape={K.shape}")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(
            f"{func}: queries have d_k = {Q.shape[-1]} but keys have {K.shape[-1]} "
            f"(Q.shape={Q.shape}, K.shape={K.shape})"
        )
    if not (np.isfinite(Q).all() and np.isfinite(K).all()):
        raise ValueError(f"{func}: Q and K must be finite (no inf)")
    if V is not None:
        V = as_float_array(V, func, "V", copy=False)
        if V.ndim < 2:
            raise ValueError(f"{func}: V must be at least 2-D (n_k, d_v), got shape {V.shape}")
        if V.shape[-2] != K.shape[-2]:
            raise ValueError(
                f"{func}: {K.shape[-2]} keys but {V.shape[-2]} values "
                f"(K.shape={K.shape}, V.shape={V.shape}); there is one value per key"
            )
    return Q, K, V


def _check_mask(mask, scores_shape, func):
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"{func}: mask must be a bool array (True = may attend), got dtype {mask.dtype}")
    try:
        return np.broadcast_to(mask, scores_shape)
    except ValueError:
        raise ValueError(
            f"{func}: mask of shape {mask.shape} does not broadcast to the scores' shape {scores_shape} (..., n_q, n_k)"
        ) from None


def attention_weights(Q, K, mask=None):
    """The attention weights softmax(Q @ K^T / sqrt(d_k)) along the keys, with forbidden keys at exactly 0.

    Q: (..., n_q, d_k) queries; K: (..., n_k, d_k) keys; mask: None, or a bool array broadcastable to
    (..., n_q, n_k), True where a query may attend to a key.
    Returns: float64 (..., n_q, n_k), each row non-negative and summing to 1. Stable for scores of +-1e4
    (the softmax subtracts each row's largest allowed score).
    Raises: TypeError/ValueError naming the function for non-numeric, NaN or inf input, mismatched d_k, a
    mask that is not bool or does not broadcast; ValueError naming the first query row that has no allowed key.
    """
    return _weights(*_check_qkv(Q, K, None, "attention_weights")[:2], mask, "attention_weights")


def _weights(Q, K, mask, func):
    """attention_weights on checked arrays; `func` names the public function in error messages."""
    scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[-1])
    if mask is None:
        return softmax(scores, axis=-1)
    mask = _check_mask(mask, scores.shape, func)
    empty = ~mask.any(axis=-1)
    if empty.any():
        row = tuple(int(i) for i in np.argwhere(empty)[0])
        where = f"row {row[-1]}" + (f" of batch index {row[:-1]}" if len(row) > 1 else "")
        raise ValueError(
            f"{func}: query {where} has no allowed key (its mask row is all False), so there is nothing to attend to"
        )
    return softmax(np.where(mask, scores, -np.inf), axis=-1)


def attention(Q, K, V, mask=None):
    """Scaled dot-product attention: softmax(Q @ K^T / sqrt(d_k), axis=-1) @ V.

    Q: (n_q, d_k) queries; K: (n_k, d_k) keys; V: (n_k, d_v) values, one per key. Leading batch axes are
    accepted: Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v) with equal (or broadcastable) leading axes.
    mask: None (every query sees every key), or a bool array broadcastable to (..., n_q, n_k): True where
    query i may attend to key j; a forbidden key gets weight exactly 0.
    Returns: float64 (..., n_q, d_v): row i is the weighted average of the values, with query i's weights.
    Stable for scores of +-1e4. Inputs are left unchanged.
    Raises: TypeError/ValueError naming the function for bad shapes, NaN or inf, or a bad mask;
    ValueError naming the row when a query has no allowed key (a fully masked row), since a softmax over
    no keys at all is undefined.
    """
    func = "attention"
    Q, K, V = _check_qkv(Q, K, V, func)
    return _weights(Q, K, mask, func) @ V


def causal_mask(n):
    """The mask of a decoder (GPT-style) transformer: token i may attend to tokens 0..i only.

    n: number of tokens (int >= 1). Returns: bool (n, n), True on and below the diagonal.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"causal_mask: n must be an int >= 1, got {n!r}")
    return np.tril(np.ones((int(n), int(n)), dtype=bool))


def transformer_block(X, params, mask=None):
    """One transformer block without layer normalisation: attention, then a GELU MLP, each with a residual.

        A = X + attention(X W_Q, X W_K, X W_V, mask) W_O
        out = A + transformer_mlp(A, ((W1, b1), (W2, b2)))       (W1 widens d_model to d_ff, usually 4 d_model)

    X: (n_tokens, d_model). params: a dict with W_Q, W_K, W_V (d_model, d_k), W_O (d_k, d_model) for one
    attention head (d_k = d_model here, one head), and W1 (d_model, d_ff), b1 (d_ff,), W2 (d_ff, d_model),
    b2 (d_model,). mask: as for `attention`.
    Returns: float64 (n_tokens, d_model), the same shape as X, so blocks can be stacked.
    Raises: ValueError naming the function for a missing parameter or mismatched shapes.
    """
    func = "transformer_block"
    X = as_float_array(X, func, "X", ndim=2, copy=False)
    missing = [k for k in ("W_Q", "W_K", "W_V", "W_O", "W1", "b1", "W2", "b2") if k not in params]
    if missing:
        raise ValueError(f"{func}: params lacks {missing}")
    d_model = X.shape[1]
    if params["W_O"].shape[-1] != d_model or params["W2"].shape[-1] != d_model:
        raise ValueError(
            f"{func}: W_O and W2 must map back to d_model = {d_model} (the residual adds X), got "
            f"W_O.shape={params['W_O'].shape}, W2.shape={params['W2'].shape}"
        )
    A = X + attention(X @ params["W_Q"], X @ params["W_K"], X @ params["W_V"], mask) @ params["W_O"]
    return A + transformer_mlp(A, ((params["W1"], params["b1"]), (params["W2"], params["b2"])))


def transformer_block_parameters(d_model, d_ff=None):
    """Parameters of one `transformer_block` with one head of size d_model: 4 d_model^2 for W_Q, W_K, W_V, W_O
    (no biases), plus the MLP's 2 d_model d_ff weights and d_ff + d_model biases. d_ff defaults to 4 d_model.

    Returns: an int (12 d_model^2 + 5 d_model for the default d_ff). Layer norm would add 4 d_model more.
    """
    for name, v in (("d_model", d_model), ("d_ff", d_ff)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1):
            raise ValueError(f"transformer_block_parameters: {name} must be an int >= 1, got {v!r}")
    d_ff = 4 * int(d_model) if d_ff is None else int(d_ff)
    return int(4 * d_model * d_model + 2 * d_model * d_ff + d_ff + d_model)
