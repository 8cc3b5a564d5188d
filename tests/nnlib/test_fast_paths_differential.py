"""The fast paths against the full checks, on thousands of random, awkward inputs.

dense_forward, relu, cross_entropy_grad, relu_backward and dense_backward take a fast path for float64
ndarrays and run the full checks for anything else. An ndarray subclass always takes the full checks, so
calling each function once with plain arrays and once with the same arrays viewed as a subclass must give the
same outcome: the same values, or the same exception with the same message. (Nested lists would lose the
shape of an empty axis.) The inputs are drawn to find the edges of the fast paths: empty
axes, one sample, NaN anywhere (alone or facing zeros and dead units), infinities, huge values whose squares
overflow, transposed and strided views, and shapes that do not fit. Both ways of finding a NaN in the dense
layers and relu_backward run (in their product, or in each input). Last, the core's references must give the
same values whatever the memory layout of their inputs.
"""
from __future__ import annotations

import numpy as np

from nnlib.activations import relu
from nnlib.layers import dense_backward, dense_forward, relu_backward
from nnlib.losses import cross_entropy_grad

CASES = 400


def _awkward(rng, shape):
    """A float64 array of `shape`: normal values, then some zeros, NaN, infinities or huge values, and
    sometimes a transposed or strided view of a bigger array instead of a fresh one."""
    layout = rng.integers(3)
    if layout == 1 and len(shape) == 2:
        a = rng.normal(size=shape[::-1]).T
    elif layout == 2:
        a = rng.normal(size=shape[:-1] + (2 * shape[-1],))[..., ::2] if shape else rng.normal(size=shape)
    else:
        a = rng.normal(size=shape)
    if a.size:
        flat = a.reshape(-1) if a.flags.c_contiguous else None
        for _ in range(rng.integers(4)):
            kind = rng.integers(6)
            where = tuple(int(rng.integers(s)) for s in shape)
            if kind == 0:
                a[where] = np.nan
            elif kind == 1:
                a[where] = rng.choice([np.inf, -np.inf])
            elif kind == 2:
                a[where] = rng.choice([1e200, -1e200])
            elif kind == 3 and len(shape) == 2:
                a[where[0], :] = 0.0                  # a dead unit / a sample without gradient
            elif kind == 4 and len(shape) == 2:
                a[:, where[1]] = 0.0
            elif flat is not None:
                flat[:] = 0.0
    return a


def _outcome(func, *args):
    """('ok', the returned arrays) or (exception type, message) of func(*args)."""
    try:
        with np.errstate(all="ignore"):
            out = func(*args)
    except (TypeError, ValueError) as err:
        return type(err), str(err)
    return "ok", [np.asarray(o) for o in (out if isinstance(out, tuple) else (out,))]


class _Checked(np.ndarray):
    """An ndarray subclass: the fast paths take only plain ndarrays, so these go through the full checks."""


def _checked(*arrays):
    return [a.view(_Checked) for a in arrays]


def _same(fast, checked, exact=True):
    assert fast[0] == checked[0], f"fast path {fast!r:.300} but full checks {checked!r:.300}"
    if fast[0] != "ok":
        assert fast[1] == checked[1]
        return
    for got, want in zip(fast[1], checked[1]):
        assert got.dtype == np.float64 and got.shape == want.shape
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def _dims(rng):
    return [int(rng.choice([0, 1, 2, 3, 7])) for _ in range(3)]


def test_dense_forward_fast_path_agrees_with_the_full_checks(check_path):
    rng = np.random.default_rng(1)
    for _ in range(CASES):
        n, d_in, d_out = _dims(rng)
        x_shape = (d_in,) if rng.random() < 0.2 else (n, d_in)
        X, W, b = _awkward(rng, x_shape), _awkward(rng, (d_in, d_out)), _awkward(rng, (d_out,))
        if rng.random() < 0.15:                     # a shape that does not fit
            W = _awkward(rng, (d_in + 1, d_out)) if rng.random() < 0.5 else W
            b = _awkward(rng, (d_out + 1,)) if rng.random() < 0.5 else b
        _same(_outcome(dense_forward, X, W, b), _outcome(dense_forward, *_checked(X, W, b)))


def test_dense_backward_fast_path_agrees_with_the_full_checks(check_path):
    rng = np.random.default_rng(2)
    for _ in range(CASES):
        n, d_in, d_out = _dims(rng)
        dZ, X, W = _awkward(rng, (n, d_out)), _awkward(rng, (n, d_in)), _awkward(rng, (d_in, d_out))
        if rng.random() < 0.15:
            X = _awkward(rng, (n + 1, d_in)) if rng.random() < 0.5 else _awkward(rng, (n, d_in + 1))
        _same(_outcome(dense_backward, dZ, X, W), _outcome(dense_backward, *_checked(dZ, X, W)))


def test_relu_and_relu_backward_fast_paths_agree_with_the_full_checks(check_path):
    rng = np.random.default_rng(3)
    for _ in range(CASES):
        shape = tuple(_dims(rng)[:int(rng.integers(1, 3))])
        dA, Z = _awkward(rng, shape), _awkward(rng, shape)
        if rng.random() < 0.1:
            dA = _awkward(rng, shape[:-1] + (shape[-1] + 1,))
        _same(_outcome(relu, Z), _outcome(relu, *_checked(Z)))
        _same(_outcome(relu_backward, dA, Z), _outcome(relu_backward, *_checked(dA, Z)))


def test_cross_entropy_grad_fast_path_agrees_with_the_full_checks():
    rng = np.random.default_rng(4)
    for _ in range(CASES):
        n, k = int(rng.choice([0, 1, 2, 5])), int(rng.choice([0, 1, 2, 10]))
        logits = _awkward(rng, (n, k)) * rng.choice([1.0, 100.0, 1000.0])
        y = rng.integers(0, max(k, 1) + int(rng.random() < 0.1), size=n + int(rng.random() < 0.1))
        if rng.random() < 0.1 and n:
            y[0] = -1
        fast, checked = _outcome(cross_entropy_grad, logits, y), _outcome(cross_entropy_grad, *_checked(logits, y))
        _same(fast, checked, exact=False)      # the fast path normalises in place: equal up to rounding


def _layouts(a):
    """The same values as `a` in other memory layouts: Fortran order, a strided view, a transposed copy's view."""
    return {"fortran": np.asfortranarray(a), "strided": np.repeat(a, 2, axis=-1)[..., ::2],
            "transposed": np.ascontiguousarray(a.T).T}


def test_core_functions_give_the_same_values_for_any_memory_layout():
    # The references the grader compares learners with must not depend on how their inputs lie in memory
    # (the one-hot of cross_entropy_grad once went into a copy for transposed logits).
    from nnlib import activations as act, attention as att, layers as lay, losses as los

    rng = np.random.default_rng(5)
    X, W, V = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    b, y = rng.normal(size=3), rng.integers(0, 4, 5)
    calls = {
        "relu": lambda t: act.relu(t(X)), "relu_grad": lambda t: act.relu_grad(t(X)),
        "sigmoid": lambda t: act.sigmoid(t(X)), "sigmoid_grad": lambda t: act.sigmoid_grad(t(X)),
        "softmax rows": lambda t: act.softmax(t(X), axis=1), "softmax columns": lambda t: act.softmax(t(X), axis=0),
        "gelu": lambda t: act.gelu(t(X)), "gelu_tanh": lambda t: act.gelu_tanh(t(X)),
        "log_softmax": lambda t: los.log_softmax(t(X)), "cross_entropy": lambda t: los.cross_entropy(t(X), y),
        "cross_entropy_grad": lambda t: los.cross_entropy_grad(t(X), y),
        "mse": lambda t: los.mse(t(X), t(X[::-1].copy())), "mse_grad": lambda t: los.mse_grad(t(X), t(X[::-1].copy())),
        "dense_forward": lambda t: lay.dense_forward(t(X), t(W), b),
        "dense_backward": lambda t: lay.dense_backward(t(X[:, :3]), t(X), t(W)),
        "relu_backward": lambda t: lay.relu_backward(t(X), t(X[::-1].copy())),
        "mlp_forward": lambda t: lay.mlp_forward(t(X), [(t(W), b), (t(V), np.zeros(2))], act.relu),
        "layer_activations": lambda t: lay.layer_activations(t(X), [(t(W), b), (t(V), np.zeros(2))]),
        "predict_class": lambda t: lay.predict_class(t(X)),
        "collapse_linear": lambda t: lay.collapse_linear(t(W), b, t(V), np.ones(2)),
        "attention": lambda t: att.attention(t(X), t(X), t(X)),
    }
    for name, call in calls.items():
        want = call(lambda a: a)
        want = want if isinstance(want, (tuple, list)) else [want]
        for layout in _layouts(X):
            got = call(lambda a: _layouts(a)[layout])
            got = got if isinstance(got, (tuple, list)) else [got]
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15, err_msg=f"{name}, {layout} inputs")
