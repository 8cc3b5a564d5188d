"""Model extraction (lesson 06, threat 1): the weights are the model, and answers to queries give them away.

Tramèr, Zhang, Juels, Reiter & Ristenpart (2016), "Stealing machine learning models via prediction APIs":
a softmax-regression model p = softmax(x W + b) that returns probabilities is recovered exactly by solving
equations, because log p_j(x) - log p_0(x) = x (W[:, j] - W[:, 0]) + (b_j - b_0) is linear in x. Querying
the origin and the d unit vectors (d + 1 queries) gives every coefficient. A network with hidden layers is
not linear, so the attacker trains a surrogate on the victim's answers instead and measures its agreement.
Defence: answer with labels only, or with rounded probabilities; `labels_only` and `rounded` wrap a query.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_positive, check_rng
from ..activations import softmax
from . import _mlp
from ._checks import check_finite

__all__ = [
    "extract_linear_model",
    "QueryCounter",
    "linear_model_query",
    "mlp_query",
    "rounded",
    "labels_only",
    "train_surrogate",
    "agreement",
]


def extract_linear_model(query, d, k):
    """Recover a softmax-regression model from its probability outputs with d + 1 queries.

    query: a function mapping inputs X `(m, d)` to the victim's probabilities `(m, k)` (rows sum to 1);
    d: number of input features (int >= 1); k: number of classes (int >= 2).
    Method: query X = [0; e_1; ...; e_d] (the origin and the d unit vectors). With p0 = query(0) and
    p_i = query(e_i), take b = log p0 and W[i] = log p_i - log p0. Then x W + b differs from the victim's
    logits by a constant per sample, which softmax ignores, so softmax(x W + b) equals the victim's output
    for every x. (W and b themselves are recovered only up to such constants: softmax cannot see them.)
    Returns: (W `(d, k)`, b `(k,)`), float64.
    Raises: TypeError when query is not callable or d, k are not ints; ValueError for d < 1, k < 2, or a
            query answer that is not `(d + 1, k)` positive probabilities.
    """
    func = "extract_linear_model"
    if not callable(query):
        raise TypeError(
            f"{func}: query must be a function X (m, d) -> probabilities (m, k), got {type(query).__name__}"
        )
    d = check_int(d, func, "d", minimum=1)
    k = check_int(k, func, "k", minimum=2)
    X = np.vstack([np.zeros((1, d)), np.eye(d)])  # the origin, then one unit vector per feature
    P = as_float_array(query(X), func, "query(X)", ndim=2)
    if P.shape != (d + 1, k):
        raise ValueError(f"{func}: query returned shape {P.shape} for {d + 1} inputs; expected ({d + 1}, {k})")
    check_finite(P, func, "query(X)")
    if (P <= 0).any():
        raise ValueError(
            f"{func}: query returned probabilities <= 0; the logarithm needs positive outputs (were they rounded?)"
        )
    logP = np.log(P)
    b = logP[0].copy()
    W = logP[1:] - logP[0]
    return W, b


class QueryCounter:
    """Wrap a query function and count how many inputs (rows) it has answered: the attacker's cost.

    QueryCounter(query); calling it answers like query; `.count` is the number of rows asked so far.
    A query is one input `(d,)` (one row) or a batch `(n, d)` (n rows); any other shape is a ValueError.
    """

    def __init__(self, query):
        if not callable(query):
            raise TypeError(f"QueryCounter: query must be callable, got {type(query).__name__}")
        self.query = query
        self.count = 0

    def __call__(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim not in (1, 2):  # a (1, m, d) batch would otherwise cost one row for m answers
            raise ValueError(f"QueryCounter: a query is one input (d,) or a batch (n, d), got shape {X.shape}")
        X = np.atleast_2d(X)
        self.count += X.shape[0]
        return self.query(X)

    def __repr__(self):
        return f"QueryCounter(count={self.count})"


def linear_model_query(W, b):
    """The prediction API of a softmax-regression victim: a function X `(m, d)` -> softmax(X W + b) `(m, k)`."""
    W = as_float_array(W, "linear_model_query", "W", ndim=2)
    b = as_float_array(b, "linear_model_query", "b", ndim=1)
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"linear_model_query: b has {b.shape[0]} entries but W has {W.shape[1]} outputs")

    def query(X):
        X = as_float_array(X, "query", "X", ndim=2)
        if X.shape[1] != W.shape[0]:
            raise ValueError(f"query: X has {X.shape[1]} features but the model expects {W.shape[0]}")
        return softmax(X @ W + b, axis=-1)

    return query


def mlp_query(params):
    """The prediction API of a ReLU MLP victim (list of (W, b)): X `(m, d)` -> probabilities `(m, k)`."""
    from ._checks import check_params

    params = check_params(params, "mlp_query")
    net = _mlp.network(params)

    def query(X):
        X = as_float_array(X, "query", "X", ndim=2)
        if X.shape[1] != params[0][0].shape[0]:
            raise ValueError(f"query: X has {X.shape[1]} features but the model expects {params[0][0].shape[0]}")
        return _mlp.probabilities(net, X)

    return query


def rounded(query, decimals):
    """Defence: a query that returns probabilities rounded to `decimals` decimal places (int >= 0)."""
    if not callable(query):
        raise TypeError(f"rounded: query must be callable, got {type(query).__name__}")
    decimals = check_int(decimals, "rounded", "decimals", minimum=0)
    return lambda X: np.round(query(X), decimals)


def labels_only(query):
    """Defence: a query that returns only the predicted class, as one-hot rows `(m, k)` of 0 and 1."""
    if not callable(query):
        raise TypeError(f"labels_only: query must be callable, got {type(query).__name__}")

    def answer(X):
        P = np.asarray(query(X), dtype=np.float64)
        out = np.zeros_like(P)
        out[np.arange(P.shape[0]), P.argmax(axis=1)] = 1.0
        return out

    return answer


def train_surrogate(X_queries, answers, layer_sizes, rng, *, epochs=60, lr=0.1, batch_size=32):
    """The attacker's copy: a ReLU MLP trained by SGD on the victim's answers to the queries.

    X_queries: `(m, d)` the inputs the attacker sent; answers: `(m, k)` what came back (probabilities,
    rounded probabilities or one-hot labels: cross-entropy with soft targets works for all of them);
    layer_sizes: e.g. [64, 64, 10] (or [64, 10] for softmax regression); rng: Generator.
    Returns: list of (W, b).
    Raises: TypeError/ValueError for bad inputs.
    """
    func = "train_surrogate"
    X = as_float_array(X_queries, func, "X_queries", ndim=2)
    check_finite(X, func, "X_queries")
    T = as_float_array(answers, func, "answers", ndim=2)
    check_finite(T, func, "answers")
    sizes = [check_int(s, func, "each layer size", minimum=1) for s in layer_sizes]
    if len(sizes) < 2 or sizes[0] != X.shape[1] or sizes[-1] != T.shape[1] or T.shape[0] != X.shape[0]:
        raise ValueError(
            f"{func}: layer_sizes {sizes} must run from the {X.shape[1]} features to the "
            f"{T.shape[1]} classes, with one answer per query ({X.shape[0]} queries, {T.shape[0]} answers)"
        )
    rng = check_rng(rng, func)
    T = T / np.maximum(T.sum(axis=1, keepdims=True), 1e-12)  # rounded answers may not sum to exactly 1
    return _mlp.train_custom(
        X,
        T,
        sizes,
        rng,
        epochs=check_int(epochs, func, "epochs", minimum=1),
        lr=check_positive(lr, func, "lr"),
        batch_size=check_int(batch_size, func, "batch_size", minimum=1),
    )


def agreement(query_a, query_b, X):
    """Fraction of the inputs X `(n, d)` on which two models (query functions) predict the same class."""
    X = as_float_array(X, "agreement", "X", ndim=2)
    a = np.asarray(query_a(X)).argmax(axis=1)
    b = np.asarray(query_b(X)).argmax(axis=1)
    return float(np.mean(a == b))
