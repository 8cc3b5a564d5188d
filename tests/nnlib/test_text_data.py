"""nnlib.text_data: the shipped corpus and the next-character data set of lesson 04."""

import numpy as np
import pytest

from nnlib.text_data import ALPHABET, load_tiny_corpus, next_char_dataset, normalise_text


def test_the_corpus_ships_with_the_package():
    text = load_tiny_corpus()
    assert len(text) > 1000 and " " in text


def test_normalise_text_keeps_only_alphabet_characters_and_single_spaces():
    assert normalise_text("Hello,  World!\n42") == "hello, world"
    assert set(normalise_text(load_tiny_corpus())) <= set(ALPHABET)


def test_next_char_dataset_one_hot_encodes_the_window_oldest_first():
    X, y = next_char_dataset("abca", context=2)
    V = len(ALPHABET)
    assert X.shape == (2, 2 * V) and X.dtype == np.float64 and y.dtype == np.int64
    assert X[0, ALPHABET.index("a")] == 1 and X[0, V + ALPHABET.index("b")] == 1 and X[0].sum() == 2
    assert y.tolist() == [ALPHABET.index("c"), ALPHABET.index("a")]


def test_next_char_dataset_rejects_characters_outside_the_alphabet():
    with pytest.raises(ValueError, match="next_char_dataset: text contains characters outside the alphabet"):
        next_char_dataset("Abc", context=1)


def test_next_char_dataset_rejects_a_text_shorter_than_its_window():
    with pytest.raises(ValueError, match="need at least context"):
        next_char_dataset("ab", context=2)
