"""nnlib.attention (scaled dot-product attention, the transformer block) and layers.transformer_mlp."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlib.activations import gelu
from nnlib.attention import attention, attention_weights, causal_mask, transformer_block, transformer_block_parameters
from nnlib.layers import mlp_forward, transformer_mlp


def _loop_attention(Q, K, V, mask=None):
    """The formula written out query by query, with Python's math.exp on shifted scores: an independent oracle."""
    out = np.zeros((Q.shape[0], V.shape[1]))
    for i in range(Q.shape[0]):
        scores = [float(Q[i] @ K[j]) / math.sqrt(Q.shape[1]) for j in range(K.shape[0])]
        allowed = [j for j in range(K.shape[0]) if mask is None or mask[i, j]]
        top = max(scores[j] for j in allowed)
        e = {j: math.exp(scores[j] - top) for j in allowed}
        total = sum(e.values())
        for j in allowed:
            out[i] += e[j] / total * V[j]
    return out


def test_attention_matches_the_formula_written_out(rng):
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    np.testing.assert_allclose(attention(Q, K, V), _loop_attention(Q, K, V), rtol=1e-12, atol=1e-14)


def test_attention_output_shape_is_n_q_by_d_v(rng):
    out = attention(rng.normal(size=(2, 3)), rng.normal(size=(7, 3)), rng.normal(size=(7, 6)))
    assert out.shape == (2, 6) and out.dtype == np.float64


def test_weights_are_rows_that_sum_to_one(rng):
    w = attention_weights(rng.normal(size=(4, 3)) * 5, rng.normal(size=(6, 3)))
    assert w.shape == (4, 6) and (w >= 0).all()
    np.testing.assert_allclose(w.sum(axis=-1), np.ones(4), rtol=1e-14)


def test_scores_are_divided_by_sqrt_d_k_not_d_v(rng):
    Q, K, V = rng.normal(size=(3, 9)), rng.normal(size=(4, 9)), rng.normal(size=(4, 2))
    scores = Q @ K.T / 3.0
    w = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(attention(Q, K, V), (w / w.sum(axis=1, keepdims=True)) @ V, rtol=1e-12)


def test_forbidden_keys_get_weight_exactly_zero_even_with_the_largest_score(rng):
    Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    K[2] = Q.sum(axis=0) * 1e3  # key 2 has by far the largest score for every query
    mask = np.array([[True, True, False, True], [False, True, False, False], [True, False, False, True]])
    w = attention_weights(Q, K, mask)
    assert (w[~mask] == 0.0).all()
    np.testing.assert_allclose(w.sum(axis=-1), np.ones(3), rtol=1e-14)
    np.testing.assert_allclose(attention(Q, K, V, mask), _loop_attention(Q, K, V, mask), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(attention(Q, K, V, mask)[1], V[1])  # one allowed key: its value, exactly


def test_an_all_true_mask_changes_nothing(rng):
    Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(5, 2)), rng.normal(size=(5, 4))
    np.testing.assert_array_equal(attention(Q, K, V, np.ones((3, 5), dtype=bool)), attention(Q, K, V))


def test_stable_and_silent_for_scores_of_1e4(rng):
    Q, K, V = rng.normal(size=(4, 3)) * 100, rng.normal(size=(6, 3)) * 100, rng.normal(size=(6, 2))
    scores = Q @ K.T / math.sqrt(3)
    assert np.abs(scores).max() > 1e4
    with np.errstate(all="raise"):
        out = attention(Q, K, V)
        masked = attention(Q, K, V, causal_mask(6)[:4])
    assert np.isfinite(out).all() and np.isfinite(masked).all()
    np.testing.assert_allclose(out, _loop_attention(Q, K, V), rtol=1e-10, atol=1e-12)


def test_softmax_is_shift_invariant_so_a_common_score_offset_changes_nothing(rng):
    # Adding the same vector c to every key adds q.c to every score of row q: the weights do not move.
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    np.testing.assert_allclose(attention(Q, K + 50.0, V), attention(Q, K, V), rtol=1e-9, atol=1e-12)


def test_a_fully_masked_row_raises_naming_the_row(rng):
    Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    mask = np.ones((3, 4), dtype=bool)
    mask[2] = False
    with pytest.raises(ValueError, match=r"^attention: query row 2 has no allowed key"):
        attention(Q, K, V, mask)
    with pytest.raises(ValueError, match=r"^attention_weights: query row 2 has no allowed key"):
        attention_weights(Q, K, mask)


def test_a_batch_axis_is_attention_on_each_item(rng):
    Q, K, V = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    mask = causal_mask(5)[2:]  # (3, 5), shared by the batch
    out = attention(Q, K, V, mask)
    assert out.shape == (2, 3, 6)
    for b in range(2):
        np.testing.assert_allclose(out[b], _loop_attention(Q[b], K[b], V[b], mask), rtol=1e-12, atol=1e-14)


def test_a_fully_masked_row_in_a_batch_names_the_batch_index(rng):
    mask = np.ones((2, 3, 4), dtype=bool)
    mask[1, 0] = False
    with pytest.raises(ValueError, match=r"query row 0 of batch index \(1,\)"):
        attention(rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 2)), mask)


def test_inputs_are_left_unchanged(rng):
    Q, K, V = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    mask = causal_mask(4)[1:]
    copies = [a.copy() for a in (Q, K, V, mask)]
    attention(Q, K, V, mask)
    for before, after in zip(copies, (Q, K, V, mask)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    "args, error, message",
    [
        (
            (np.ones((2, 3)), np.ones((4, 2)), np.ones((4, 2))),
            ValueError,
            r"attention: queries have d_k = 3 but keys have 2",
        ),
        ((np.ones((2, 3)), np.ones((4, 3)), np.ones((5, 2))), ValueError, r"attention: 4 keys but 5 values"),
        ((np.ones(3), np.ones((4, 3)), np.ones((4, 2))), ValueError, r"attention: Q and K must be at least 2-D"),
        (
            (np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)), np.ones((2, 4))),
            TypeError,
            r"attention: mask must be a bool",
        ),
        (
            (np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 2)), np.ones((4, 2), bool)),
            ValueError,
            r"attention: mask of shape \(4, 2\) does not broadcast",
        ),
        ((np.full((2, 3), np.inf), np.ones((4, 3)), np.ones((4, 2))), ValueError, r"attention: Q and K must be finite"),
    ],
)
def test_bad_input_raises_naming_the_function(args, error, message):
    with pytest.raises(error, match=message):
        attention(*args)


def test_causal_mask_lets_each_token_see_itself_and_the_past():
    np.testing.assert_array_equal(causal_mask(3), [[True, False, False], [True, True, False], [True, True, True]])
    with pytest.raises(ValueError, match="causal_mask: n must be an int >= 1"):
        causal_mask(0)


def test_transformer_mlp_is_dense_gelu_dense(rng):
    X = rng.normal(size=(5, 4))
    params = [(rng.normal(size=(4, 16)), rng.normal(size=16)), (rng.normal(size=(16, 4)), rng.normal(size=4))]
    np.testing.assert_allclose(transformer_mlp(X, params), mlp_forward(X, params, gelu), rtol=1e-14)
    np.testing.assert_allclose(transformer_mlp(X[0], params), transformer_mlp(X, params)[0], rtol=1e-14)


def test_transformer_mlp_needs_exactly_two_layers(rng):
    three = [(rng.normal(size=(2, 2)), np.zeros(2))] * 3
    with pytest.raises(ValueError, match="transformer_mlp: params must hold exactly two"):
        transformer_mlp(np.ones((1, 2)), three)


def _block_params(rng, d, d_ff):
    shapes = {
        "W_Q": (d, d),
        "W_K": (d, d),
        "W_V": (d, d),
        "W_O": (d, d),
        "W1": (d, d_ff),
        "b1": (d_ff,),
        "W2": (d_ff, d),
        "b2": (d,),
    }
    return {k: rng.normal(size=s) / math.sqrt(s[0]) for k, s in shapes.items()}


def test_transformer_block_adds_both_sublayers_to_their_inputs(rng):
    X, p = rng.normal(size=(6, 4)), _block_params(rng, 4, 16)
    A = X + _loop_attention(X @ p["W_Q"], X @ p["W_K"], X @ p["W_V"]) @ p["W_O"]
    expected = A + gelu(A @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(transformer_block(X, p), expected, rtol=1e-12, atol=1e-12)


def test_a_causal_block_never_lets_a_token_see_the_future(rng):
    X, p = rng.normal(size=(5, 3)), _block_params(rng, 3, 12)
    later = X.copy()
    later[3:] += 10.0  # change tokens 3 and 4 only
    before, after = transformer_block(X, p, causal_mask(5)), transformer_block(later, p, causal_mask(5))
    np.testing.assert_array_equal(before[:3], after[:3])
    assert np.abs(before[3:] - after[3:]).max() > 1.0


@pytest.mark.parametrize("d, d_ff", [(4, 16), (8, 32), (5, 7)])
def test_block_parameter_count_equals_the_arrays_it_uses(d, d_ff, rng):
    p = _block_params(rng, d, d_ff)
    assert transformer_block_parameters(d, d_ff) == sum(a.size for a in p.values())
    if d_ff == 4 * d:
        assert transformer_block_parameters(d) == 12 * d * d + 5 * d


def test_gpt2_small_block_has_about_7_million_parameters():
    # GPT-2 small: d_model 768, d_ff 3072. Its real block also has Q/K/V/output biases (4 * 768) and two layer
    # norms (4 * 768): 7,087,872 parameters in all, i.e. ours plus 8 * 768.
    assert transformer_block_parameters(768) + 8 * 768 == 7_087_872
