"""nnlib.probing: the cross-validated linear probe and the word-end labels of lesson 04."""

import numpy as np
import pytest

from nnlib.probing import probe_accuracy, word_ends
from nnlib.text_data import ALPHABET, next_char_dataset


def test_a_linearly_separable_property_is_read_perfectly():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(400, 5))
    labels = (F @ np.array([1.0, -2.0, 0.5, 0.0, 0.0]) > 0.3).astype(int)
    assert probe_accuracy(F, labels, np.random.default_rng(1)) > 0.97


def test_xor_is_not_linearly_readable_until_a_feature_holds_it():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, size=(600, 2))
    xor = bits[:, 0] ^ bits[:, 1]
    raw = bits + rng.normal(scale=0.05, size=bits.shape)
    assert abs(probe_accuracy(raw, xor, np.random.default_rng(1)) - 0.5) < 0.1
    with_product = np.column_stack([raw, raw[:, 0] * raw[:, 1]])
    assert probe_accuracy(with_product, xor, np.random.default_rng(1)) > 0.97


def test_random_labels_score_chance_and_imbalance_does_not_inflate_the_score():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(1000, 8))
    rare = (rng.uniform(size=1000) < 0.1).astype(int)  # 10 % positives: "always 0" would be 90 % accurate
    assert abs(probe_accuracy(F, rare, np.random.default_rng(4)) - 0.5) < 0.08


def test_the_score_depends_only_on_the_rng_given():
    rng = np.random.default_rng(5)
    F, labels = rng.normal(size=(200, 3)), rng.integers(0, 2, size=200)
    a = probe_accuracy(F, labels, np.random.default_rng(9))
    assert a == probe_accuracy(F, labels, np.random.default_rng(9))
    assert F.shape == (200, 3)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.zeros(10, dtype=int), "need at least folds = 5 samples of each class"),
        (np.arange(10) % 3, "labels must be 0/1"),
        (np.zeros(9, dtype=int), r"labels must have shape \(10,\)"),
    ],
)
def test_bad_labels_are_refused_with_a_clear_message(labels, message):
    with pytest.raises(ValueError, match=f"probe_accuracy: {message}"):
        probe_accuracy(np.ones((10, 2)), labels, np.random.default_rng(0))


def test_probe_accuracy_wants_a_generator_and_two_folds():
    F, labels = np.eye(12, 3), np.arange(12) % 2
    with pytest.raises(TypeError, match="probe_accuracy: rng must be a numpy.random.Generator"):
        probe_accuracy(F, labels, 0)
    with pytest.raises(ValueError, match="probe_accuracy: folds must be >= 2"):
        probe_accuracy(F, labels, np.random.default_rng(0), folds=1)


def test_word_ends_is_aligned_with_the_next_character_data_set():
    text = "the cat sat"
    X, y = next_char_dataset(text, context=3)
    ends = word_ends(text, 3)
    assert ends.shape == y.shape and ends.dtype == np.int64
    assert ends.tolist() == [int(ALPHABET[c] == " ") for c in y]
    assert ends.tolist() == [1, 0, 0, 0, 1, 0, 0, 0]


def test_word_ends_refuses_a_short_text_or_a_non_string():
    with pytest.raises(ValueError, match="word_ends: text has 2 characters"):
        word_ends("ab", 2)
    with pytest.raises(TypeError, match="word_ends: text must be a str"):
        word_ends(["a", "b"], 1)
