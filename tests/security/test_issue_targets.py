"""The measured targets of issue 6, reached on the digits with a 64-64-10 ReLU network and 60 epochs of SGD.

Each threshold is the issue's; the lesson's notebook prints the same measurements (see its summary cell).
"""

from __future__ import annotations

import numpy as np

from nnlib.activations import softmax
from nnlib.security import (
    QueryCounter,
    accuracy,
    attack_success_rate,
    extract_linear_model,
    fgsm_attack,
    knn_sanitize,
    linear_model_query,
    parameter_gradients,
    poison_with_trigger,
    recover_input_from_gradients,
    train_mlp,
)

from .conftest import LAYERS


def test_extraction_is_exact_to_1e6_with_65_queries(digits):
    X_train, X_test, y_train, _ = digits
    ((W, b),) = train_mlp(X_train, y_train, [64, 10], np.random.default_rng(1), epochs=60)
    api = QueryCounter(linear_model_query(W, b))
    W_hat, b_hat = extract_linear_model(api, 64, 10)
    assert api.count == 65
    assert np.abs(softmax(X_test @ W_hat + b_hat) - softmax(X_test @ W + b)).max() < 1e-6


def test_single_sample_leakage_is_exact_to_1e8(digits, victim):
    X_train, _, y_train, _ = digits
    for i in range(20):
        dW1, db1 = parameter_gradients(victim, X_train[i], y_train[i])[0]
        assert np.abs(recover_input_from_gradients(dW1, db1) - X_train[i]).max() < 1e-8


def test_fgsm_at_eps_02_takes_accuracy_from_above_95_to_below_20_percent(digits, victim):
    _, X_test, _, y_test = digits
    assert accuracy(victim, X_test, y_test) > 0.95
    assert accuracy(victim, fgsm_attack(victim, X_test, y_test, 0.2), y_test) < 0.20


def test_fgsm_target_holds_for_other_seeds(digits):
    X_train, X_test, y_train, y_test = digits
    for seed in (11, 12):
        model = train_mlp(X_train, y_train, LAYERS, np.random.default_rng(seed), epochs=60)
        assert accuracy(model, X_test, y_test) > 0.95
        assert accuracy(model, fgsm_attack(model, X_test, y_test, 0.2), y_test) < 0.20


def test_backdoor_on_5_percent_keeps_clean_accuracy_above_93_with_success_above_90(digits):
    X_train, X_test, y_train, y_test = digits
    for seed in (21, 22, 23):
        rng = np.random.default_rng(seed)
        X_p, y_p = poison_with_trigger(X_train, y_train, 0.05, 0, rng)
        model = train_mlp(X_p, y_p, LAYERS, rng, epochs=60)
        assert accuracy(model, X_test, y_test) > 0.93
        assert attack_success_rate(model, X_test, y_test, 0) > 0.90


def test_knn_sanitisation_defuses_the_5_percent_backdoor(digits):
    X_train, X_test, y_train, y_test = digits
    rng = np.random.default_rng(31)
    X_p, y_p = poison_with_trigger(X_train, y_train, 0.05, 0, rng)
    keep = knn_sanitize(X_p, y_p, 50)
    model = train_mlp(X_p[keep], y_p[keep], LAYERS, rng, epochs=60)
    assert accuracy(model, X_test, y_test) > 0.93
    assert attack_success_rate(model, X_test, y_test, 0) < 0.5
