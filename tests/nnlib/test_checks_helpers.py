"""nnlib.checks' helpers for input-unchanged, new-array and own-code checks."""
import numpy as np
import pytest

from nnlib.activations import softmax as nn_softmax
from nnlib.checks import CheckFailed, call_checking_inputs, expect_new_array, expect_no_reference

REFS = ["nnlib.activations:softmax"]


def test_call_checking_inputs_returns_the_result_and_names_the_changed_input():
    x = np.array([1.0, -2.0])
    assert call_checking_inputs(lambda v: v * 2, x, call="f(x)", names=["x"]).tolist() == [2.0, -4.0]

    def bad(v, params):
        params[0][0][0, 0] = 9.0
        return v

    with pytest.raises(CheckFailed, match=r"f\(x, params\) changed its input params in place"):
        call_checking_inputs(bad, x, [(np.zeros((1, 1)), np.zeros(1))], call="f(x, params)", names=["x", "params"])


def test_call_checking_inputs_lets_an_rng_advance_and_ignores_functions():
    rng = np.random.default_rng(0)
    call_checking_inputs(lambda r, f: r.normal(), rng, np.tanh, call="g(rng, f)")


def test_expect_new_array_rejects_the_input_and_its_views():
    x = np.arange(4.0)
    expect_new_array(x.copy(), x, call="h(x)")
    expect_new_array(3.0, x, call="h(x)")
    for got in (x, x[:], x.reshape(2, 2), np.asarray(x)):
        with pytest.raises(CheckFailed, match="not a new array"):
            expect_new_array(got, x, call="h(x)")
    with pytest.raises(CheckFailed):
        expect_new_array(x[1:], [(x, None)], call="h(params)")


def softmax(z, axis=-1):          # a learner's own softmax
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def own(q):
    return softmax(q)


def imports_inside(q):
    from nnlib.activations import softmax as s
    return s(q)


def bound_at_import(q):
    return nn_softmax(q)


def helper(q):
    return nn_softmax(q)


def through_a_helper(q):
    return helper(q)


@pytest.mark.parametrize("func", [imports_inside, bound_at_import, through_a_helper])
def test_expect_no_reference_finds_a_reference(func):
    with pytest.raises(CheckFailed, match="nnlib.activations.softmax"):
        expect_no_reference(func, REFS, call="attention(Q, K, V)")


def test_expect_no_reference_accepts_own_code_and_proxies():
    expect_no_reference(own, REFS, call="attention(Q, K, V)")

    class Proxy:                 # the judge's stand-in for a learner's function has no code
        def __call__(self, *args):
            return None

    expect_no_reference(Proxy(), REFS, call="attention(Q, K, V)")
