"""Gradient-descent updates (lesson 05): plain SGD and Adam as functions, SGD with momentum and Adam as classes.

Parameters can be given in any of the shapes the course uses, and come back in the same shape:
  * one array                         W
  * a list or tuple of arrays         [W1, b1, W2, b2]
  * a list of (W, b) pairs            [(W1, b1), (W2, b2)]     (what mlp_forward takes)
The gradients must have exactly the same structure and shapes. Nothing is updated in place: every step
returns new arrays and leaves the old parameters and the gradients untouched.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_nonnegative, check_positive

__all__ = ["sgd_step", "adam_step", "SGD", "Adam"]


def _flatten(tree, func, path):
    """Return (leaves, rebuild): the float64 arrays of a nested list/tuple, and a function that puts
    a list of arrays back into the same nesting."""
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(item, func, f"{path}[{i}]") for i, item in enumerate(tree)]
        leaves = [leaf for part_leaves, _ in parts for leaf in part_leaves]
        sizes = [len(part_leaves) for part_leaves, _ in parts]
        kind = type(tree) if type(tree) in (list, tuple) else list

        def rebuild(flat):
            out, start = [], 0
            for (_, part_rebuild), size in zip(parts, sizes):
                out.append(part_rebuild(flat[start : start + size]))
                start += size
            return kind(out)

        return leaves, rebuild
    leaf = as_float_array(tree, func, path, copy=False)
    return [leaf], lambda flat: flat[0]


def _structure(tree):
    """The nesting of a tree with every array replaced by its shape (lists and tuples count as the same)."""
    if isinstance(tree, (list, tuple)):
        return [_structure(item) for item in tree]
    return np.shape(tree)


def _flatten_pair(params, grads, func):
    """Flatten params and grads after checking that they have the same structure and shapes."""
    p_leaves, rebuild = _flatten(params, func, "params")
    g_leaves, _ = _flatten(grads, func, "grads")
    if _structure(params) != _structure(grads):
        raise ValueError(
            f"{func}: params and grads must have the same structure and shapes, got "
            f"{_structure(params)} and {_structure(grads)}"
        )
    return p_leaves, g_leaves, rebuild


def sgd_step(params, grads, lr):
    """One step of gradient descent: every parameter p becomes p - lr * g.

    params: an array, a list/tuple of arrays, or a list of (W, b) pairs; grads: the same structure;
    lr: learning rate > 0.
    Returns: new parameters with the structure of params (float64 arrays); the inputs are unchanged.
    Raises: TypeError for non-numeric arrays or lr; ValueError for lr <= 0, NaN, or grads whose structure
            or shapes differ from params.
    """
    lr = check_positive(lr, "sgd_step", "lr")
    p_leaves, g_leaves, rebuild = _flatten_pair(params, grads, "sgd_step")
    return rebuild([p - lr * g for p, g in zip(p_leaves, g_leaves)])


def _check_beta(beta, func, name):
    beta = check_nonnegative(beta, func, name)
    if beta >= 1.0:
        raise ValueError(f"{func}: {name} must be in [0, 1), got {beta}")
    return beta


def adam_step(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam (Kingma & Ba 2015) as a pure function: returns (new_params, new_state).

    With the step count t counted from 1, for every parameter p and its gradient g:
        m = beta1 m + (1 - beta1) g,        v = beta2 v + (1 - beta2) g**2,
        p_new = p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t).
    params: an array, a list/tuple of arrays, or a list of (W, b) pairs; grads: the same structure and shapes;
    state: None before the first step, then the new_state of the previous call: a dict
      {"t": int, the number of steps taken so far, "m": first moments, "v": second moments}, m and v with the
      structure and shapes of params (a None state means t = 0 and m = v = zeros);
    lr: learning rate > 0; beta1, beta2: in [0, 1); eps: > 0.
    Returns: (new_params with the structure of params, new_state = {"t": t + 1, "m": ..., "v": ...}), all new
    float64 arrays. Nothing is updated in place: params, grads and the old state (its arrays included) are
    left unchanged, so the caller may keep them.
    Raises: TypeError for non-numeric arrays, a state that is not None or a dict, or a non-integer t;
            ValueError for a bad lr/beta/eps, NaN, grads or moments whose structure or shapes differ from params,
            a state without the keys "t", "m", "v", or t < 0.
    """
    func = "adam_step"
    lr = check_positive(lr, func, "lr")
    eps = check_positive(eps, func, "eps")
    b1, b2 = _check_beta(beta1, func, "beta1"), _check_beta(beta2, func, "beta2")
    p_leaves, g_leaves, rebuild = _flatten_pair(params, grads, func)
    if state is None:
        t = 0
        m_leaves = [np.zeros_like(p) for p in p_leaves]
        v_leaves = [np.zeros_like(p) for p in p_leaves]
    else:
        if not isinstance(state, dict):
            raise TypeError(
                f"{func}: state must be None (first step) or the dict returned by the previous "
                f"step, got {type(state).__name__}"
            )
        missing = [key for key in ("t", "m", "v") if key not in state]
        if missing:
            raise ValueError(f"{func}: state must have the keys 't', 'm' and 'v'; missing {missing}")
        t = state["t"]
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
            raise TypeError(f"{func}: state['t'] must be an integer step count, got {type(t).__name__} {t!r}")
        t = int(t)
        if t < 0:
            raise ValueError(f"{func}: state['t'] must be >= 0, got {t}")
        for key in ("m", "v"):
            if _structure(state[key]) != _structure(params):
                raise ValueError(
                    f"{func}: state[{key!r}] must have the structure and shapes of params, got "
                    f"{_structure(state[key])} and {_structure(params)}"
                )
        m_leaves, _ = _flatten(state["m"], func, "state['m']")
        v_leaves, _ = _flatten(state["v"], func, "state['v']")
    t += 1
    m_new = [b1 * m + (1.0 - b1) * g for m, g in zip(m_leaves, g_leaves)]
    v_new = [b2 * v + (1.0 - b2) * g * g for v, g in zip(v_leaves, g_leaves)]
    c1, c2 = 1.0 - b1**t, 1.0 - b2**t
    new_params = [p - lr * (m / c1) / (np.sqrt(v / c2) + eps) for p, m, v in zip(p_leaves, m_new, v_new)]
    return rebuild(new_params), {"t": t, "m": rebuild(m_new), "v": rebuild(v_new)}


class SGD:
    """Stochastic gradient descent, optionally with momentum.

    With momentum m, a velocity v (one array per parameter, starting at zero) remembers past gradients:
        v <- m * v + g,    p <- p - lr * v
    (PyTorch's convention). With m = 0 this is exactly sgd_step.

    SGD(lr, momentum=0.0); step(params, grads) -> new params (same structure, inputs unchanged).
    Raises: ValueError at construction for lr <= 0 or momentum < 0; step raises as sgd_step, and when
            the parameters' shapes change between steps while momentum is on.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = check_positive(lr, "SGD", "lr")
        self.momentum = check_nonnegative(momentum, "SGD", "momentum")
        self.velocity = None  # list of arrays, created at the first step

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum})"

    def step(self, params, grads):
        """Return the updated parameters (see the class docstring)."""
        p_leaves, g_leaves, rebuild = _flatten_pair(params, grads, "SGD.step")
        return rebuild(self._step_flat(p_leaves, g_leaves))

    def _step_flat(self, p_leaves, g_leaves):
        """The update on flat lists of float64 arrays, without checks (used by nnlib.train.fit)."""
        lr = self.lr
        if self.momentum == 0.0:
            return [p - lr * g for p, g in zip(p_leaves, g_leaves)]
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in p_leaves]
        elif [v.shape for v in self.velocity] != [p.shape for p in p_leaves]:
            raise ValueError(
                "SGD.step: the parameters' shapes changed since the previous step; "
                "create a new optimiser for a new network"
            )
        m = self.momentum
        self.velocity = [m * v + g for v, g in zip(self.velocity, g_leaves)]
        return [p - lr * v for p, v in zip(p_leaves, self.velocity)]


class Adam:
    """Adam (Kingma & Ba 2015): per-parameter step sizes from running averages of g and g**2.

        m <- beta1 m + (1 - beta1) g          (average gradient: the direction)
        v <- beta2 v + (1 - beta2) g**2       (average squared gradient: the scale)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)
    The hats undo the bias towards 0 of averages that start at 0. `adam_step` is the same update as a pure
    function whose state is passed in and returned.

    Adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8); step(params, grads) -> new params.
    Raises: ValueError at construction for lr <= 0, eps <= 0 or betas outside [0, 1); step raises as
            sgd_step, and when the parameters' shapes change between steps.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = check_positive(lr, "Adam", "lr")
        self.eps = check_positive(eps, "Adam", "eps")
        self.beta1, self.beta2 = _check_beta(beta1, "Adam", "beta1"), _check_beta(beta2, "Adam", "beta2")
        self.t = 0  # number of steps taken
        self.m = None
        self.v = None

    def __repr__(self):
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"

    def step(self, params, grads):
        """Return the updated parameters (see the class docstring)."""
        p_leaves, g_leaves, rebuild = _flatten_pair(params, grads, "Adam.step")
        return rebuild(self._step_flat(p_leaves, g_leaves))

    def _step_flat(self, p_leaves, g_leaves):
        """The update on flat lists of float64 arrays, without checks (used by nnlib.train.fit)."""
        if self.m is None:
            self.m = [np.zeros_like(p) for p in p_leaves]
            self.v = [np.zeros_like(p) for p in p_leaves]
        elif [m.shape for m in self.m] != [p.shape for p in p_leaves]:
            raise ValueError(
                "Adam.step: the parameters' shapes changed since the previous step; "
                "create a new optimiser for a new network"
            )
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        self.m = [b1 * m + (1.0 - b1) * g for m, g in zip(self.m, g_leaves)]
        self.v = [b2 * v + (1.0 - b2) * g * g for v, g in zip(self.v, g_leaves)]
        step_size = self.lr / (1.0 - b1**self.t)
        correction2 = 1.0 - b2**self.t
        return [p - step_size * m / (np.sqrt(v / correction2) + self.eps) for p, m, v in zip(p_leaves, self.m, self.v)]
