"""extract_linear_model and the extraction helpers: exact theft from d + 1 probability queries, and its defences."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.activations import softmax
from nnlib.security.extraction import (
    QueryCounter,
    agreement,
    extract_linear_model,
    labels_only,
    linear_model_query,
    mlp_query,
    rounded,
    train_surrogate,
)

from .conftest import small_mlp


def _victim(rng, d, k, scale=1.0):
    W, b = scale * rng.normal(size=(d, k)), rng.normal(size=k)
    return W, b, QueryCounter(linear_model_query(W, b))


@pytest.mark.parametrize("d,k", [(64, 10), (1, 2), (3, 7), (20, 2)])
def test_stolen_model_answers_exactly_like_the_victim(rng, d, k):
    W, b, api = _victim(rng, d, k)
    W_hat, b_hat = extract_linear_model(api, d, k)
    X = np.vstack([rng.uniform(0, 1, size=(50, d)), 5 * rng.normal(size=(10, d))])
    assert np.abs(softmax(X @ W_hat + b_hat) - softmax(X @ W + b)).max() < 1e-10


@pytest.mark.parametrize("d,k", [(64, 10), (5, 3)])
def test_uses_at_most_d_plus_one_queries(rng, d, k):
    _, _, api = _victim(rng, d, k)
    extract_linear_model(api, d, k)
    assert api.count <= d + 1, f"asked {api.count} rows, allowed {d + 1}"


def test_returns_float64_arrays_of_the_right_shapes(rng):
    _, _, api = _victim(rng, 4, 3)
    W_hat, b_hat = extract_linear_model(api, 4, 3)
    assert W_hat.shape == (4, 3) and b_hat.shape == (3,)
    assert W_hat.dtype == np.float64 and b_hat.dtype == np.float64


def test_recovers_weight_differences_between_classes(rng):
    W, b, api = _victim(rng, 6, 4)
    W_hat, b_hat = extract_linear_model(api, 6, 4)
    # Only differences between classes are identifiable: compare W[:, j] - W[:, 0].
    np.testing.assert_allclose(W_hat - W_hat[:, :1], W - W[:, :1], atol=1e-10)
    np.testing.assert_allclose(b_hat - b_hat[0], b - b[0], atol=1e-10)


def test_digits_softmax_regression_is_extracted_to_1e6_with_65_queries(digits, rng):
    from nnlib.security import train_mlp

    X_train, X_test, y_train, _ = digits
    ((W, b),) = train_mlp(X_train, y_train, [64, 10], rng, epochs=30)
    api = QueryCounter(linear_model_query(W, b))
    W_hat, b_hat = extract_linear_model(api, 64, 10)
    assert api.count == 65
    assert np.abs(softmax(X_test @ W_hat + b_hat) - softmax(X_test @ W + b)).max() < 1e-6


@pytest.mark.parametrize(
    "query,d,k,error,match",
    [
        ("not a function", 2, 3, TypeError, "extract_linear_model: query must be a function"),
        (None, 0, 3, ValueError, "extract_linear_model: d must be >= 1"),
        (None, 2, 1, ValueError, "extract_linear_model: k must be >= 2"),
        (None, 2.0, 3, TypeError, "extract_linear_model: d must be an integer"),
    ],
)
def test_bad_arguments_raise_clear_errors(rng, query, d, k, error, match):
    if query is None:
        query = linear_model_query(rng.normal(size=(2, 3)), np.zeros(3))
    with pytest.raises(error, match=match):
        extract_linear_model(query, d, k)


def test_a_query_answer_of_the_wrong_shape_is_refused(rng):
    api = linear_model_query(rng.normal(size=(2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"extract_linear_model: query returned shape \(3, 3\)"):
        extract_linear_model(api, 2, 4)


def test_rounded_answers_with_zeros_are_refused():
    W = np.array([[50.0, -50.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="probabilities <= 0"):
        extract_linear_model(rounded(linear_model_query(W, np.zeros(2)), 2), 2, 2)


def test_rounding_breaks_exactness(rng):
    W, b, _ = _victim(rng, 8, 4, scale=0.3)
    X = rng.uniform(0, 1, size=(100, 8))
    errors = []
    for decimals in (8, 3):
        W_hat, b_hat = extract_linear_model(rounded(linear_model_query(W, b), decimals), 8, 4)
        errors.append(np.abs(softmax(X @ W_hat + b_hat) - softmax(X @ W + b)).max())
    assert errors[0] < 1e-6 < errors[1]


def test_labels_only_returns_one_hot_rows_of_the_predicted_class(rng):
    W, b, _ = _victim(rng, 5, 4)
    X = rng.normal(size=(30, 5))
    out = labels_only(linear_model_query(W, b))(X)
    assert set(np.unique(out)) <= {0.0, 1.0} and np.all(out.sum(axis=1) == 1)
    np.testing.assert_array_equal(out.argmax(axis=1), (X @ W + b).argmax(axis=1))


def test_query_counter_counts_rows_not_calls(rng):
    api = QueryCounter(linear_model_query(rng.normal(size=(3, 2)), np.zeros(2)))
    api(np.zeros((4, 3)))
    api(np.zeros(3))
    assert api.count == 5


def test_surrogate_trained_on_answers_agrees_with_an_mlp_victim(rng):
    victim = small_mlp(rng, (6, 8, 3))
    api = mlp_query(victim)
    X = rng.uniform(0, 1, size=(600, 6))
    copy = train_surrogate(X, api(X), [6, 16, 3], rng, epochs=40)
    X_new = rng.uniform(0, 1, size=(300, 6))
    assert agreement(api, mlp_query(copy), X_new) > 0.85


def test_agreement_of_a_model_with_itself_is_one(rng):
    api = mlp_query(small_mlp(rng))
    assert agreement(api, api, rng.normal(size=(20, 6))) == 1.0


def test_query_counter_refuses_a_batch_of_batches(rng):
    """A (1, m, d) query would count one row for m answers: the budget the exercise teaches must hold."""
    api = QueryCounter(linear_model_query(rng.normal(size=(3, 2)), np.zeros(2)))
    with pytest.raises(ValueError, match=r"\(d,\) or a batch \(n, d\).*\(1, 5, 3\)"):
        api(np.zeros((1, 5, 3)))
    assert api.count == 0
