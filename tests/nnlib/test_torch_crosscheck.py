"""Cross-checks against PyTorch autograd, an oracle nobody in this project wrote.

Skipped when torch is missing, unless NNLIB_REQUIRE_TORCH=1 (then a missing torch fails: see conftest).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import (
    gelu,
    gelu_grad,
    gelu_tanh,
    gelu_tanh_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    tanh,
    tanh_grad,
)
from nnlib.layers import dense_backward, relu_backward
from nnlib.losses import (
    binary_cross_entropy,
    binary_cross_entropy_grad,
    cross_entropy,
    cross_entropy_grad,
    mse,
    mse_grad,
)
from nnlib.network import Network

from .conftest import away_from_zero


def _torch_value_and_grad(torch, f, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = f(t)
    out.sum().backward()
    return out.detach().numpy(), t.grad.numpy()


ACTIVATION_CASES = {
    "relu": (relu, relu_grad, lambda torch: torch.relu),
    "sigmoid": (sigmoid, sigmoid_grad, lambda torch: torch.sigmoid),
    "tanh": (tanh, tanh_grad, lambda torch: torch.tanh),
    "gelu": (gelu, gelu_grad, lambda torch: torch.nn.functional.gelu),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad, lambda torch: lambda t: torch.nn.functional.gelu(t, approximate="tanh")),
}


@pytest.mark.parametrize("name", ACTIVATION_CASES)
def test_activation_and_derivative_agree_with_torch(name, torch, rng):
    f, f_grad, torch_f = ACTIVATION_CASES[name]
    x = away_from_zero(rng, (6, 5)) * 4
    value, grad = _torch_value_and_grad(torch, torch_f(torch), x)
    np.testing.assert_allclose(f(x), value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(f_grad(x), grad, rtol=1e-10, atol=1e-14)


def test_softmax_agrees_with_torch_along_both_axes(torch, rng):
    z = rng.normal(size=(4, 5)) * 10
    for axis in (0, 1):
        expected = torch.softmax(torch.tensor(z), dim=axis).numpy()
        np.testing.assert_allclose(softmax(z, axis=axis), expected, rtol=1e-12)


def test_cross_entropy_and_gradient_agree_with_torch(torch, rng):
    logits, y = rng.normal(size=(7, 4)) * 5, rng.integers(0, 4, size=7)
    t = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    loss.backward()
    assert cross_entropy(logits, y) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(cross_entropy_grad(logits, y), t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_binary_cross_entropy_and_gradient_agree_with_torch(torch, rng):
    z, y = rng.normal(size=9) * 5, rng.integers(0, 2, size=9)
    t = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y, dtype=torch.float64))
    loss.backward()
    assert binary_cross_entropy(z, y) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(binary_cross_entropy_grad(z, y), t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_mse_and_gradient_agree_with_torch(torch, rng):
    pred, target = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    t = torch.tensor(pred, requires_grad=True)
    loss = torch.nn.functional.mse_loss(t, torch.tensor(target))
    loss.backward()
    assert mse(pred, target) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(mse_grad(pred, target), t.grad.numpy(), rtol=1e-12)


def test_dense_and_relu_backward_agree_with_torch(torch, rng):
    X, W, b, dA = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 4))
    tX, tW, tb = (torch.tensor(a, requires_grad=True) for a in (X, W, b))
    torch.sum(torch.relu(tX @ tW + tb) * torch.tensor(dA)).backward()
    Z = X @ W + b
    dX, dW, db = dense_backward(relu_backward(dA, Z), X, W)
    np.testing.assert_allclose(dX, tX.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dW, tW.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_network_gradients_agree_with_torch(activation, torch, rng):
    net = Network.mlp([6, 8, 5, 3], rng, activation=activation)
    X, y = rng.normal(size=(10, 6)), rng.integers(0, 3, size=10)
    net.backward(cross_entropy_grad(net.forward(X), y))
    tparams = [torch.tensor(p, requires_grad=True) for p in net.params()]
    act = torch.relu if activation == "relu" else torch.nn.functional.gelu
    h = torch.tensor(X)
    for i in range(0, len(tparams), 2):
        h = h @ tparams[i] + tparams[i + 1]
        if i < len(tparams) - 2:
            h = act(h)
    torch.nn.functional.cross_entropy(h, torch.tensor(y)).backward()
    for name, ours, theirs in zip(net.param_names(), net.grads(), tparams):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("shape", [((3, 4), (5, 4), (5, 2)), ((2, 3, 4), (2, 6, 4), (2, 6, 3))])
def test_attention_agrees_with_torch_scaled_dot_product_attention(shape, torch, rng):
    from nnlib.attention import attention

    Q, K, V = (rng.normal(size=s) * 3 for s in shape)
    F = torch.nn.functional
    expected = F.scaled_dot_product_attention(*(torch.tensor(a) for a in (Q, K, V))).numpy()
    np.testing.assert_allclose(attention(Q, K, V), expected, rtol=1e-12, atol=1e-14)


def test_attention_mask_agrees_with_torch_bool_mask(torch, rng):
    # torch's bool attn_mask has the same meaning as ours: True = this query may attend to this key.
    from nnlib.attention import attention, causal_mask

    Q, K, V = rng.normal(size=(2, 5, 3)) * 4, rng.normal(size=(2, 5, 3)) * 4, rng.normal(size=(2, 5, 2))
    F = torch.nn.functional
    for mask in (causal_mask(5), rng.random((5, 5)) < 0.5):
        mask[:, 0] = True  # every query keeps at least one key (torch would give NaN, we raise)
        expected = F.scaled_dot_product_attention(
            torch.tensor(Q), torch.tensor(K), torch.tensor(V), attn_mask=torch.tensor(mask)
        ).numpy()
        np.testing.assert_allclose(attention(Q, K, V, mask), expected, rtol=1e-12, atol=1e-14)
    causal = F.scaled_dot_product_attention(torch.tensor(Q), torch.tensor(K), torch.tensor(V), is_causal=True)
    np.testing.assert_allclose(attention(Q, K, V, causal_mask(5)), causal.numpy(), rtol=1e-12, atol=1e-14)


def test_transformer_mlp_agrees_with_torch_linear_gelu_linear(torch, rng):
    from nnlib.layers import transformer_mlp

    X = rng.normal(size=(6, 4))
    params = [(rng.normal(size=(4, 16)), rng.normal(size=16)), (rng.normal(size=(16, 4)), rng.normal(size=4))]
    F = torch.nn.functional
    (W1, b1), (W2, b2) = [(torch.tensor(W), torch.tensor(b)) for W, b in params]
    # torch's linear computes x @ weight.T + bias, with weight (d_out, d_in): our W transposed.
    expected = F.linear(F.gelu(F.linear(torch.tensor(X), W1.T, b1)), W2.T, b2).numpy()
    np.testing.assert_allclose(transformer_mlp(X, params), expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("beta1, beta2, eps", [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3)])
def test_adam_step_agrees_with_torch_adam_over_several_steps(beta1, beta2, eps, torch, rng):
    from nnlib.optim import adam_step

    params = [(rng.normal(size=(4, 3)), rng.normal(size=3)), (rng.normal(size=(3, 2)), rng.normal(size=2))]
    tparams = [torch.tensor(a.copy(), requires_grad=True) for pair in params for a in pair]
    opt = torch.optim.Adam(tparams, lr=0.01, betas=(beta1, beta2), eps=eps)
    state = None
    for _ in range(6):
        grads = [
            (rng.normal(size=(4, 3)) * 10, rng.normal(size=3)),
            (rng.normal(size=(3, 2)), rng.normal(size=2) * 1e-3),
        ]
        for t, g in zip(tparams, [a for pair in grads for a in pair]):
            t.grad = torch.tensor(g)
        opt.step()
        params, state = adam_step(params, grads, state, 0.01, beta1=beta1, beta2=beta2, eps=eps)
    for ours, theirs in zip([a for pair in params for a in pair], tparams):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
