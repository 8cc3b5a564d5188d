"""Gradient leakage (lesson 06, threat 2): the gradients a client shares reveal the data it trained on.

Phong, Aono, Hayashi, Wang & Moriai (2017), "Privacy-preserving deep learning via additively homomorphic
encryption": for a dense layer Z = x W + b and one sample, dL/dW = x^T dL/dZ and dL/db = dL/dZ, so column j
of dL/dW divided by entry j of dL/db is x itself, exactly. For a batch the same division gives a weighted
mixture of the batch's inputs. Zhu, Liu & Han (2019), "Deep leakage from gradients" (DLG), go further:
optimise dummy inputs until their gradients match the shared ones; `dlg_reconstruct` does this for a
softmax-regression model with known labels, where the gradient of the matching loss has a closed form.
Defence: DP-SGD (Abadi et al. 2016), clip each sample's gradient and add Gaussian noise to their sum. Its
guarantee is a privacy budget (epsilon, delta) that an accountant computes from the noise multiplier, the
sampling rate and the number of steps: `dp_sgd_epsilon` is the Renyi-DP accountant of the sampled Gaussian
mechanism (Mironov 2017; Mironov, Talwar & Zhang 2019). `least_squares_input` is a sturdier version of the
division attack, for gradients that carry noise.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_labels, check_nonnegative, check_positive, check_rng
from ..activations import softmax
from . import _mlp
from ._checks import check_finite, check_params, check_training_inputs

__all__ = [
    "recover_input_from_gradients",
    "least_squares_input",
    "parameter_gradients",
    "clip_and_noise",
    "dp_sgd_training",
    "rdp_sampled_gaussian",
    "dp_sgd_epsilon",
    "RDP_ORDERS",
    "dlg_reconstruct",
    "softmax_regression_gradients",
]


def _layer_gradients(dW, db, func: str, why_zero: str):
    """dW `(d_in, d_out)` and db `(d_out,)` as float64 arrays, checked: no NaN, shapes that fit, db not all zero
    (`why_zero` ends that message)."""
    dW = as_float_array(dW, func, "dW", ndim=2)
    db = as_float_array(db, func, "db", ndim=1)
    if db.shape[0] != dW.shape[1]:
        raise ValueError(
            f"{func}: db has {db.shape[0]} entries but dW has {dW.shape[1]} columns "
            f"(dW.shape={dW.shape}); expected db of shape ({dW.shape[1]},)"
        )
    if db.size == 0 or not np.any(db != 0):
        raise ValueError(f"{func}: db is all zero, {why_zero}")
    return dW, db


def recover_input_from_gradients(dW, db):
    """The input of one sample, read off the gradients of a dense layer with bias: x = dW[:, j] / db[j].

    For Z = x W + b, dL/dW[i, j] = x[i] * dL/dZ[j] and dL/db[j] = dL/dZ[j], so any output j with
    db[j] != 0 gives x. We divide by the entry of db with the largest magnitude (the most accurate one).
    dW: `(d_in, d_out)` gradient of the loss w.r.t. the weights; db: `(d_out,)` gradient w.r.t. the bias.
    Returns: x, float64 `(d_in,)`. (For a batch the result is a mixture of the samples, not one of them.)
    Raises: TypeError for non-numeric input; ValueError for NaN, mismatched shapes or db all zero.
    """
    dW, db = _layer_gradients(
        dW,
        db,
        "recover_input_from_gradients",
        "so no column of dW can be divided by it (the sample's loss had zero gradient)",
    )
    j = int(np.argmax(np.abs(db)))
    return dW[:, j] / db[j]


def least_squares_input(dW, db, clip_to_pixels=True):
    """The least-squares estimate of one sample's input from (possibly noisy) dense-layer gradients.

    Without noise every column of dW is x times db[j]. With noise, the x that best explains all the
    columns at once, argmin_x |dW - outer(x, db)|^2, is x = dW @ db / (db @ db): a weighted average of the
    per-column divisions in which the columns with large |db[j]| count most. It uses every column, so it
    survives noise that ruins the single division of recover_input_from_gradients.
    dW: `(d_in, d_out)`; db: `(d_out,)`; clip_to_pixels: clip the estimate to [0, 1] (the attacker knows
    that pixels live there).
    Returns: x, float64 `(d_in,)`.
    Raises: TypeError for non-numeric input; ValueError for NaN, mismatched shapes or db all zero.
    """
    dW, db = _layer_gradients(dW, db, "least_squares_input", "so it says nothing about the input")
    x = dW @ db / (db @ db)
    return np.clip(x, 0.0, 1.0) if clip_to_pixels else x


def parameter_gradients(params, X, y):
    """The gradients a client would share: d(mean cross-entropy)/d(W, b) for every layer of a ReLU MLP.

    params: list of (W, b); X: `(n, d)` (or one sample `(d,)`); y: `(n,)` labels (or one int).
    Returns: list of (dW, db) pairs shaped like params.
    Raises: TypeError/ValueError for bad params, shapes or labels.
    """
    func = "parameter_gradients"
    params = check_params(params, func)
    X = np.atleast_2d(as_float_array(X, func, "X", ndim=(1, 2)))
    check_finite(X, func, "X")
    if X.shape[1] != params[0][0].shape[0]:
        raise ValueError(f"{func}: X has {X.shape[1]} features but the first W expects {params[0][0].shape[0]}")
    y = check_labels(np.atleast_1d(y), func, params[-1][0].shape[1], name="y", n=X.shape[0])
    return _mlp.parameter_gradients(params, X, y)


def clip_and_noise(grads, clip, sigma, rng):
    """The DP-SGD treatment of one shared gradient: scale it to L2 norm <= clip, add N(0, (sigma clip)^2).

    grads: list of (dW, db) (as parameter_gradients returns); clip: > 0; sigma: noise multiplier >= 0;
    rng: numpy.random.Generator. The norm is taken over all arrays together.
    Returns: a new list of (dW, db). (Clipping alone rescales dW and db by the same factor, so it does not
    stop recover_input_from_gradients; the noise does.)
    Raises: TypeError/ValueError for bad arguments.
    """
    func = "clip_and_noise"
    clip = check_positive(clip, func, "clip")
    sigma = check_nonnegative(sigma, func, "sigma")
    rng = check_rng(rng, func)
    pairs = [(as_float_array(dW, func, "dW"), as_float_array(db, func, "db")) for dW, db in grads]
    norm = np.sqrt(sum(float(np.sum(dW**2) + np.sum(db**2)) for dW, db in pairs))
    scale = min(1.0, clip / norm) if norm > 0 else 1.0
    return [
        (scale * dW + sigma * clip * rng.normal(size=dW.shape), scale * db + sigma * clip * rng.normal(size=db.shape))
        for dW, db in pairs
    ]


def dp_sgd_training(X, y, layer_sizes, rng, *, clip=1.0, sigma=1.0, epochs=30, lr=0.1, batch_size=64):
    """Defence: train a ReLU MLP by DP-SGD: clip every sample's gradient to norm `clip`, sum, add noise.

    Per minibatch of B samples: g = (sum_i clip(g_i) + N(0, (sigma clip)^2 I)) / B, then W <- W - lr g.
    A sample's gradient of a dense layer is an outer product a_i dz_i^T, so its squared norm is
    |a_i|^2 |dz_i|^2 + |dz_i|^2 and the clipped sum is A^T (s * dZ): no per-sample arrays are needed.
    X: `(n, d)`; y: `(n,)`; layer_sizes: e.g. [64, 64, 10]; rng: Generator; clip > 0; sigma >= 0.
    Returns: list of (W, b).
    Raises: TypeError/ValueError for bad inputs.
    """
    func = "dp_sgd_training"
    X, y, sizes, rng = check_training_inputs(X, y, layer_sizes, rng, func)
    clip = check_positive(clip, func, "clip")
    sigma = check_nonnegative(sigma, func, "sigma")

    def private_gradient(net, dlogits):
        B = dlogits.shape[0]
        # Every Dense layer's input X_l and output gradient dZ_l, for the per-sample losses (not their mean).
        deltas = [(A, dZ * B) for A, dZ in _mlp.dense_deltas(net, dlogits)]
        sq_norm = sum((np.sum(A**2, axis=1) + 1.0) * np.sum(dZ**2, axis=1) for A, dZ in deltas)
        s = np.minimum(1.0, clip / np.maximum(np.sqrt(sq_norm), 1e-12))
        grads = []
        for A, dZ in deltas:
            sdZ = dZ * s[:, None]
            dW = A.T @ sdZ + sigma * clip * rng.normal(size=(A.shape[1], dZ.shape[1]))
            db = sdZ.sum(axis=0) + sigma * clip * rng.normal(size=dZ.shape[1])
            grads.append((dW / B, db / B))
        return grads

    return _mlp.train_custom(
        X,
        y,
        sizes,
        rng,
        epochs=check_int(epochs, func, "epochs", minimum=1),
        lr=check_positive(lr, func, "lr"),
        batch_size=check_int(batch_size, func, "batch_size", minimum=1),
        grad_hook=private_gradient,
    )


#: The Renyi orders the accountant tries (integers, as in the closed form below); the best one is kept.
RDP_ORDERS = tuple(range(2, 257))


def rdp_sampled_gaussian(sigma, sample_rate, orders=RDP_ORDERS):
    """Renyi differential privacy of one step of the sampled Gaussian mechanism, at integer orders.

    One DP-SGD step includes each sample with probability q = sample_rate, sums the clipped gradients
    (sensitivity C) and adds N(0, (sigma C)^2). For an integer order a >= 2, Mironov, Talwar & Zhang (2019,
    "Renyi differential privacy of the sampled Gaussian mechanism", section 3.3) give its RDP as
        eps_RDP(a) = log(A_a) / (a - 1),   A_a = sum_{k=0..a} C(a, k) (1 - q)^(a - k) q^k exp((k^2 - k) / (2 sigma^2)),
    computed here in log space. Without sampling (q = 1) this is the Gaussian mechanism's a / (2 sigma^2).
    sigma: noise multiplier >= 0 (0 gives inf); sample_rate: q in [0, 1]; orders: integers >= 2.
    Returns: float64 `(len(orders),)`, one step's RDP at each order (steps compose by adding them).
    Raises: TypeError/ValueError for sigma < 0, q outside [0, 1] or an order that is not an integer >= 2.
    """
    from math import lgamma

    func = "rdp_sampled_gaussian"
    sigma = check_nonnegative(sigma, func, "sigma")
    q = check_nonnegative(sample_rate, func, "sample_rate")
    if q > 1.0:
        raise ValueError(f"{func}: sample_rate must be in [0, 1], got {q}")
    orders = [check_int(a, func, "each order", minimum=2) for a in orders]
    out = np.empty(len(orders))
    for i, a in enumerate(orders):
        if q == 0.0:
            out[i] = 0.0
        elif sigma == 0.0:
            out[i] = np.inf
        elif q == 1.0:
            out[i] = a / (2.0 * sigma**2)
        else:
            k = np.arange(a + 1)
            log_binom = np.array([lgamma(a + 1) - lgamma(j + 1) - lgamma(a - j + 1) for j in range(a + 1)])
            terms = log_binom + (a - k) * np.log1p(-q) + k * np.log(q) + (k * k - k) / (2.0 * sigma**2)
            top = terms.max()
            out[i] = (top + np.log(np.sum(np.exp(terms - top)))) / (a - 1)
    return out


def dp_sgd_epsilon(sigma, sample_rate, steps, delta, orders=RDP_ORDERS):
    """The privacy budget epsilon of DP-SGD at a given delta, from the RDP accountant.

    `steps` steps of the sampled Gaussian mechanism compose by adding their RDP: steps * eps_RDP(a). An
    RDP guarantee at order a converts to (epsilon, delta)-DP with (Canonne, Kamath & Steinke 2020, prop. 12;
    the same bound Google's dp_accounting library uses)
        epsilon = steps * eps_RDP(a) + log(1 - 1/a) - log(delta * a) / (a - 1),
    and the smallest value over the orders is returned. (The older, slightly looser conversion of Mironov
    2017 is steps * eps_RDP(a) + log(1/delta) / (a - 1).)
    The analysis assumes Poisson sampling: every step includes each sample independently with probability
    q. A loop that shuffles and cuts fixed batches, as dp_sgd_training does, is accounted the same way in
    practice (q = batch_size / n), but the bound is then not proven for that exact loop.
    sigma: noise multiplier >= 0; sample_rate: q in [0, 1]; steps: int >= 0; delta: in (0, 1);
    orders: integers >= 2.
    Returns: epsilon, a Python float (0.0 for no steps or q = 0; inf for sigma = 0).
    Raises: TypeError/ValueError for bad arguments, e.g. "dp_sgd_epsilon: delta must be in (0, 1), got 0.0".
    """
    func = "dp_sgd_epsilon"
    steps = check_int(steps, func, "steps", minimum=0)
    delta = check_positive(delta, func, "delta")
    if delta >= 1.0:
        raise ValueError(f"{func}: delta must be in (0, 1), got {delta}")
    rdp = rdp_sampled_gaussian(sigma, sample_rate, orders)
    if steps == 0 or not np.any(rdp > 0):
        return 0.0
    a = np.asarray(orders, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        eps = steps * rdp + np.log1p(-1.0 / a) - np.log(delta * a) / (a - 1.0)
    return float(max(0.0, np.min(eps)))


def softmax_regression_gradients(W, b, X, y):
    """(dW, db) of the mean cross-entropy of softmax(X W + b) on (X `(n, d)`, y `(n,)`)."""
    func = "softmax_regression_gradients"
    W = as_float_array(W, func, "W", ndim=2)
    b = as_float_array(b, func, "b", ndim=1)
    grads = parameter_gradients([(W, b)], X, y)
    return grads[0]


def _matching_loss(Xflat, W, b, Y, dW_obs, db_obs, scale):
    """Gradient-matching loss of DLG for softmax regression and its gradient w.r.t. the dummy inputs."""
    B, d = Y.shape[0], W.shape[0]
    X = Xflat.reshape(B, d)
    P = softmax(X @ W + b, axis=1)
    R = P - Y
    E = X.T @ R / B - dW_obs  # error in dW   (d, k)
    e = R.sum(axis=0) / B - db_obs  # error in db   (k,)
    loss = 0.5 * (np.sum(E**2) + np.sum(e**2)) * scale
    M = (X @ E + e) / B  # d loss / d R
    GS = P * (M - np.sum(P * M, axis=1, keepdims=True))  # back through softmax: d loss / d S
    grad = (R @ E.T / B + GS @ W.T) * scale
    return loss, grad.ravel()


def dlg_reconstruct(W, b, dW, db, y, rng, *, max_iter=3000):
    """Deep leakage from gradients for a softmax-regression model: find inputs whose gradient matches.

    Minimises |dW(X') - dW|^2 + |db(X') - db|^2 over dummy inputs X' in [0, 1] (L-BFGS-B, exact gradient),
    starting from uniform noise. The labels y are assumed known (for one sample they can be read off the sign
    of db, as in iDLG; for a batch the attacker tries them).
    W `(d, k)`, b `(k,)`: the shared model; dW, db: the observed gradients of the batch's mean loss;
    y: `(B,)` the batch's labels; rng: Generator for the starting point; max_iter: int >= 1.
    Returns: X' float64 `(B, d)`, row i the reconstruction of the sample labelled y[i].
    Raises: TypeError/ValueError for bad shapes or labels.
    """
    from scipy.optimize import minimize  # local: only this function needs scipy

    func = "dlg_reconstruct"
    W = as_float_array(W, func, "W", ndim=2)
    b = as_float_array(b, func, "b", ndim=1)
    dW = as_float_array(dW, func, "dW", ndim=2)
    db = as_float_array(db, func, "db", ndim=1)
    d, k = W.shape
    if b.shape != (k,) or dW.shape != (d, k) or db.shape != (k,):
        raise ValueError(
            f"{func}: expected b ({k},), dW {(d, k)}, db ({k},) for W {(d, k)}; got {b.shape}, {dW.shape}, {db.shape}"
        )
    y = check_labels(y, func, k, name="y")
    rng = check_rng(rng, func)
    max_iter = check_int(max_iter, func, "max_iter", minimum=1)
    Y = np.zeros((y.shape[0], k))
    Y[np.arange(y.shape[0]), y] = 1.0
    scale = 1.0 / max(float(np.sum(dW**2) + np.sum(db**2)), 1e-300)
    x0 = rng.uniform(0.0, 1.0, size=y.shape[0] * d)
    result = minimize(
        _matching_loss,
        x0,
        args=(W, b, Y, dW, db, scale),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * x0.size,
        options={"maxiter": max_iter, "ftol": 1e-16, "gtol": 1e-12},
    )
    return result.x.reshape(y.shape[0], d)
