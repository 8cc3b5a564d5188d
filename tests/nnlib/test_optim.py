"""Optimisers: sgd_step on every parameter structure, SGD with momentum, Adam, purity, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.optim import SGD, Adam, sgd_step


def test_sgd_step_on_one_array():
    out = sgd_step(np.array([1.0, 2.0]), np.array([10.0, -10.0]), 0.1)
    np.testing.assert_allclose(out, [0.0, 3.0])
    assert out.dtype == np.float64


def test_sgd_step_on_a_list_of_arrays_keeps_the_list():
    out = sgd_step([np.ones(2), np.zeros((2, 2))], [np.ones(2), np.ones((2, 2))], 0.5)
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_allclose(out[0], [0.5, 0.5])
    np.testing.assert_allclose(out[1], -0.5)


def test_sgd_step_on_w_b_pairs_keeps_the_pairs(rng):
    params = [(rng.normal(size=(3, 2)), rng.normal(size=2)), (rng.normal(size=(2, 1)), rng.normal(size=1))]
    grads = [(rng.normal(size=(3, 2)), rng.normal(size=2)), (rng.normal(size=(2, 1)), rng.normal(size=1))]
    out = sgd_step(params, grads, 0.01)
    assert isinstance(out, list) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in out)
    for (W, b), (dW, db), (W1, b1) in zip(params, grads, out):
        np.testing.assert_allclose(W1, W - 0.01 * dW)
        np.testing.assert_allclose(b1, b - 0.01 * db)


def test_sgd_step_leaves_params_and_grads_unchanged(rng):
    params, grads = [(rng.normal(size=(3, 2)), rng.normal(size=2))], [(rng.normal(size=(3, 2)), rng.normal(size=2))]
    copies = [a.copy() for pair in params + grads for a in pair]
    sgd_step(params, grads, 0.1)
    for a, c in zip([a for pair in params + grads for a in pair], copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("lr", [0, -0.1])
def test_sgd_step_rejects_a_learning_rate_that_is_not_positive(lr):
    with pytest.raises(ValueError, match=rf"^sgd_step: lr must be > 0, got {lr}$"):
        sgd_step(np.ones(2), np.ones(2), lr)


def test_sgd_step_rejects_grads_of_another_structure():
    with pytest.raises(ValueError, match="sgd_step: params and grads must have the same structure and shapes"):
        sgd_step([(np.ones((2, 2)), np.ones(2))], [np.ones((2, 2)), np.ones(2)], 0.1)


def test_sgd_step_rejects_grads_of_another_shape():
    with pytest.raises(ValueError, match=r"sgd_step: params and grads must have the same structure.*\(2,\).*\(3,\)"):
        sgd_step(np.ones(2), np.ones(3), 0.1)


def test_sgd_step_rejects_nan_gradients():
    with pytest.raises(ValueError, match=r"sgd_step: grads\[1\] contains NaN"):
        sgd_step([np.ones(2), np.ones(2)], [np.ones(2), np.array([np.nan, 0.0])], 0.1)


def test_sgd_step_rejects_a_string_learning_rate():
    with pytest.raises(TypeError, match="sgd_step: lr must be a number, got str"):
        sgd_step(np.ones(2), np.ones(2), "0.1")


def test_sgd_without_momentum_equals_sgd_step(rng):
    p, g = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(SGD(0.1).step(p, g), sgd_step(p, g, 0.1))


def test_sgd_momentum_accumulates_velocity():
    opt = SGD(0.1, momentum=0.9)
    p = np.zeros(1)
    g = np.ones(1)
    p1 = opt.step(p, g)  # v = 1            p = -0.1
    p2 = opt.step(p1, g)  # v = 0.9 + 1      p = -0.1 - 0.19
    np.testing.assert_allclose([p1[0], p2[0]], [-0.1, -0.29])


def test_adam_first_step_moves_each_parameter_by_lr():
    opt = Adam(lr=0.01)
    out = opt.step([np.zeros(3)], [np.array([5.0, -0.001, 2.0])])
    np.testing.assert_allclose(out[0], [-0.01, 0.01, -0.01], rtol=1e-5)


def test_adam_minimises_a_quadratic():
    opt = Adam(lr=0.1)
    p = np.array([3.0, -2.0])
    for _ in range(500):
        p = opt.step(p, 2 * p)
    np.testing.assert_allclose(p, 0.0, atol=1e-3)


def test_optimisers_leave_inputs_unchanged(rng):
    for opt in (SGD(0.1, momentum=0.5), Adam()):
        p, g = rng.normal(size=3), rng.normal(size=3)
        p0, g0 = p.copy(), g.copy()
        opt.step(p, g)
        opt.step(p, g)
        np.testing.assert_array_equal(p, p0)
        np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("cls, name", [(SGD, "SGD"), (Adam, "Adam")])
def test_optimisers_reject_a_non_positive_learning_rate_at_construction(cls, name):
    with pytest.raises(ValueError, match=rf"^{name}: lr must be > 0, got 0$"):
        cls(lr=0)


def test_adam_rejects_beta_of_one():
    with pytest.raises(ValueError, match=r"Adam: beta2 must be in \[0, 1\), got 1.0"):
        Adam(beta2=1.0)


# ---- adam_step: the functional Adam of lesson 05's exercise --------------------------------------------
from nnlib.optim import adam_step  # noqa: E402


def _pairs(rng, sizes=(3, 2, 1)):
    return [(rng.normal(size=(a, c)), rng.normal(size=c)) for a, c in zip(sizes, sizes[1:])]


def test_adam_step_first_step_moves_each_parameter_by_lr_against_the_gradient_sign():
    new, state = adam_step([np.zeros(3)], [np.array([5.0, -0.001, 2.0])], None, 0.01)
    np.testing.assert_allclose(new[0], [-0.01, 0.01, -0.01], rtol=1e-5)
    assert state["t"] == 1 and type(state["t"]) is int


def test_adam_step_matches_the_textbook_formulas_over_three_steps(rng):
    p, b1, b2, eps, lr = rng.normal(size=4), 0.8, 0.99, 1e-6, 0.05
    m = v = np.zeros(4)
    state, mine = None, p
    for t in range(1, 4):
        g = rng.normal(size=4)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        mine, state = adam_step(mine, g, state, lr, beta1=b1, beta2=b2, eps=eps)
        np.testing.assert_allclose(mine, p, rtol=1e-12)
        np.testing.assert_allclose(state["m"], m, rtol=1e-12)
        np.testing.assert_allclose(state["v"], v, rtol=1e-12)
        assert state["t"] == t


def test_adam_step_equals_the_adam_class(rng):
    params, opt, state = _pairs(rng), Adam(lr=0.01), None
    mine = params
    for _ in range(5):
        grads = _pairs(rng)
        params = opt.step(params, grads)
        mine, state = adam_step(mine, grads, state, 0.01)
    for (W, b), (W2, b2) in zip(params, mine):
        np.testing.assert_allclose(W2, W, rtol=1e-12)
        np.testing.assert_allclose(b2, b, rtol=1e-12)


def test_adam_step_keeps_the_structure_of_params_in_params_and_moments(rng):
    params, grads = _pairs(rng), _pairs(rng)
    new, state = adam_step(params, grads, None, 0.1)
    for tree in (new, state["m"], state["v"]):
        assert isinstance(tree, list) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in tree)
        assert [(W.shape, b.shape) for W, b in tree] == [(W.shape, b.shape) for W, b in params]
    flat, flat_state = adam_step([a for pair in params for a in pair], [a for pair in grads for a in pair], None, 0.1)
    assert isinstance(flat, list) and len(flat) == 4
    np.testing.assert_allclose(flat[2], new[1][0])


def test_adam_step_leaves_params_grads_and_the_old_state_unchanged(rng):
    params, grads = _pairs(rng), _pairs(rng)
    _, state = adam_step(params, grads, None, 0.1)
    snapshot = [a.copy() for tree in (params, grads, state["m"], state["v"]) for pair in tree for a in pair]
    adam_step(params, grads, state, 0.1)
    after = [a for tree in (params, grads, state["m"], state["v"]) for pair in tree for a in pair]
    for a, c in zip(after, snapshot):
        np.testing.assert_array_equal(a, c)
    assert state["t"] == 1


def test_adam_step_minimises_a_quadratic():
    p, state = np.array([3.0, -2.0]), None
    for _ in range(500):
        p, state = adam_step(p, 2 * p, state, 0.1)
    np.testing.assert_allclose(p, 0.0, atol=1e-3)


def test_adam_step_is_finite_for_zero_and_huge_gradients():
    new, state = adam_step([np.ones(2)], [np.array([0.0, 1e150])], None, 0.1)
    assert np.all(np.isfinite(new[0])) and new[0][0] == 1.0
    np.testing.assert_allclose(new[0][1], 0.9, rtol=1e-9)


def test_adam_step_rejects_a_state_that_is_not_a_dict():
    with pytest.raises(TypeError, match="adam_step: state must be None .* got list"):
        adam_step(np.ones(2), np.ones(2), [0, np.zeros(2), np.zeros(2)], 0.1)


def test_adam_step_rejects_a_state_without_its_keys():
    with pytest.raises(ValueError, match=r"adam_step: state must have the keys 't', 'm' and 'v'; missing \['v'\]"):
        adam_step(np.ones(2), np.ones(2), {"t": 1, "m": np.zeros(2)}, 0.1)


def test_adam_step_rejects_moments_of_another_shape():
    with pytest.raises(ValueError, match=r"adam_step: state\['m'\] must have the structure and shapes of params"):
        adam_step(np.ones(2), np.ones(2), {"t": 1, "m": np.zeros(3), "v": np.zeros(2)}, 0.1)


def test_adam_step_rejects_a_float_step_count():
    with pytest.raises(TypeError, match=r"adam_step: state\['t'\] must be an integer step count, got float"):
        adam_step(np.ones(2), np.ones(2), {"t": 1.0, "m": np.zeros(2), "v": np.zeros(2)}, 0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"lr": 0}, "lr must be > 0"), ({"beta1": 1.0}, r"beta1 must be in \[0, 1\)"), ({"eps": 0.0}, "eps must be > 0")],
)
def test_adam_step_rejects_bad_hyperparameters(kwargs, message):
    args = {"lr": 0.1, **kwargs}
    with pytest.raises(ValueError, match=f"adam_step: {message}"):
        adam_step(np.ones(2), np.ones(2), None, **args)
