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


def softmax(z, axis=-1):  # a learner's own softmax
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

    class Proxy:  # the judge's stand-in for a learner's function has no code
        def __call__(self, *args):
            return None

    expect_no_reference(Proxy(), REFS, call="attention(Q, K, V)")


# ---- what a failed check says (issue 11, item 3) ---------------------------------------------------------------
from nnlib.checks import compare_with_reference, describe_call, describe_value, expect_close  # noqa: E402


def test_describe_value_names_small_arrays_by_value_large_ones_by_shape_and_layers_by_depth():
    assert describe_value(np.array([-2.0, 3.0])) == "np.array([-2., 3.])"
    assert describe_value(np.zeros((40, 3))) == "np.zeros((40, 3))"
    assert describe_value(np.arange(12.0).reshape(3, 4) - 5) == "an array (3, 4) of values in [-5, 6]"
    net = [(np.ones((64, 16)), np.ones(16)), (np.ones((16, 8)), np.ones(8)), (np.ones((8, 10)), np.ones(10))]
    assert describe_value(net) == ("[3 layers (W, b): W (64, 16), b (16,); W (16, 8), b (8,); W (8, 10), b (10,)]")
    deep = [(np.ones((5, 5)), np.ones(5))] * 30
    text = describe_value(deep, limit=120)
    assert text.startswith("[30 layers (W, b): ") and text.endswith("W (5, 5), b (5,)]") and len(text) <= 120
    assert describe_call("neuron", (np.array([1.0]), np.tanh)) == "neuron(np.array([1.]), tanh)"


def test_a_failed_comparison_names_the_call_with_shapes_and_never_cuts_a_value_short():
    x = np.random.default_rng(0).normal(size=(60, 64)) * 1e3
    with pytest.raises(CheckFailed) as err:
        compare_with_reference(np.abs, lambda v: np.maximum(v, 0.0), [(x,)], name="relu", hint="negatives become 0")
    text = str(err.value)
    assert text.startswith("relu(an array (60, 64) of values in [")
    assert "returned: array(" in text and "expected: array(" in text and "  hint: negatives become 0" in text
    assert not any(line.rstrip().endswith("...") for line in text.splitlines())


def test_an_exception_of_the_answer_names_its_call_what_was_expected_and_the_hint():
    def broken(x):
        raise ValueError("operands could not be broadcast")

    with pytest.raises(
        CheckFailed,
        match=r"(?s)^relu\(np\.array\(\[1\., 2\.\]\)\) raised ValueError: operands.*"
        r"expected: array\(\[1\., 2\.\]\).*hint: keep the shape",
    ):
        compare_with_reference(
            broken, lambda v: v.copy(), [(np.array([1.0, 2.0]),)], name="relu", hint="keep the shape"
        )


def test_a_change_in_place_names_the_layer_that_changed():
    params = [(np.zeros((2, 3)), np.zeros(3)), (np.zeros((3, 1)), np.zeros(1))]

    def reference(params, grads, lr):
        return [(W.copy(), b.copy()) for W, b in params]

    def sgd_step(params, grads, lr):
        result = reference(params, grads, lr)
        params[1][0][0, 0] = 1.0
        return result

    with pytest.raises(CheckFailed, match=r"changed its input params in place \(first at params\[1\]\[0\]\)"):
        compare_with_reference(sgd_step, reference, [(params, params, 0.1)], name="sgd_step")


def test_a_wrong_number_says_both_values():
    with pytest.raises(
        CheckFailed,
        match=r"(?s)returned the wrong value\..*returned: 1\.5.*expected: 2\.0.*"
        r"difference: 0\.5",
    ):
        expect_close(1.5, 2.0, call="mse(a, b)")
