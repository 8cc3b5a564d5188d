"""lesson 06's gradients against PyTorch autograd: the unit gradient of perturb_to_activate and the loss's.

Skipped when torch is missing, unless NNLIB_REQUIRE_TORCH=1 (then a missing torch fails), as in tests/nnlib.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnlib.network import Network
from nnlib.security import _mlp
from nnlib.security.adversarial import input_gradient, perturb_to_activate

from .conftest import small_mlp


@pytest.fixture
def torch():
    try:
        import torch as _torch
    except ImportError as err:
        if os.environ.get("NNLIB_REQUIRE_TORCH") == "1":
            pytest.fail(f"NNLIB_REQUIRE_TORCH=1 but PyTorch cannot be imported ({err})", pytrace=False)
        pytest.skip(f"PyTorch not importable ({err}): cross-checks skipped")
    return _torch


def _torch_mlp(torch, params, upto):
    """The pre-activations of layer `upto` as a torch function of the input (ReLU between layers)."""
    Ws = [torch.tensor(W, dtype=torch.float64) for W, _ in params[: upto + 1]]
    bs = [torch.tensor(b, dtype=torch.float64) for _, b in params[: upto + 1]]

    def f(x):
        a = x
        for i, (W, b) in enumerate(zip(Ws, bs)):
            a = a @ W + b
            if i < upto:
                a = torch.relu(a)
        return a

    return f


@pytest.mark.parametrize("layer,unit", [(0, 2), (1, 3), (2, 1)])
def test_the_unit_gradient_agrees_with_autograd(torch, rng, layer, unit):
    params = small_mlp(rng, (12, 9, 7, 4))
    x = rng.uniform(0, 1, size=12)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    _torch_mlp(torch, params, layer)(t)[unit].backward()
    ours = _mlp.unit_gradient(Network.from_params(params[: layer + 1]), unit, x)
    np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_perturb_to_activate_agrees_with_a_torch_pgd_loop(torch, rng):
    params = small_mlp(rng, (12, 9, 7, 4))
    x = rng.uniform(0, 1, size=12)
    eps, steps, lr = 0.15, 12, 0.03
    f = _torch_mlp(torch, params, 1)
    x0 = torch.tensor(x, dtype=torch.float64)
    lo, hi = torch.clamp(x0 - eps, 0, 1), torch.clamp(x0 + eps, 0, 1)
    xt = x0.clone()
    for _ in range(steps):
        xt.requires_grad_(True)
        f(xt)[4].backward()
        xt = torch.minimum(torch.maximum(xt.detach() + lr * torch.sign(xt.grad), lo), hi)
    np.testing.assert_allclose(perturb_to_activate(params, 1, 4, x, eps, steps, lr), xt.numpy(), atol=1e-12)


def test_input_gradient_agrees_with_autograd(torch, rng):
    params = small_mlp(rng, (12, 9, 7, 4))
    X, y = rng.uniform(0, 1, size=(5, 12)), np.array([0, 3, 1, 2, 3])
    t = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    logits = _torch_mlp(torch, params, 2)(t)
    torch.nn.functional.cross_entropy(logits, torch.tensor(y), reduction="sum").backward()
    np.testing.assert_allclose(input_gradient(params, X, y), t.grad.numpy(), rtol=1e-10, atol=1e-12)
