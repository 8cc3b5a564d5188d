"""A small English text shipped with the course, and the one-hot encoding lesson 04's character model uses.

`load_tiny_corpus()` returns a short story (about 4 KB) written for this course and released with it
(nnlib/datasets/tiny_corpus.txt). It is plain English prose, so the usual letter statistics show up:
frequent pairs such as "th", "he", "e " and " t". Nothing is downloaded.

`next_char_dataset(text, context)` turns a text into a classification problem: the input is the previous
`context` characters, each one-hot encoded and laid side by side; the label is the index of the next
character. A network trained on it must learn which character pairs are common, which is what its
first-layer units end up detecting.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._validate import check_int

__all__ = ["ALPHABET", "CORPUS_PATH", "load_tiny_corpus", "normalise_text", "next_char_dataset"]

#: The characters the character model sees: space, the 26 lower-case letters, full stop and comma.
ALPHABET = " abcdefghijklmnopqrstuvwxyz.,"

#: Where the shipped text lives (inside the nnlib package folder).
CORPUS_PATH = Path(__file__).resolve().parent / "datasets" / "tiny_corpus.txt"


def load_tiny_corpus():
    """The course's small English text (a short story written for the course), as one str.

    Returns: the file's text exactly as stored (UTF-8), about 4400 characters.
    Raises: FileNotFoundError when the package was installed without its datasets folder.
    """
    return CORPUS_PATH.read_text(encoding="utf-8")


def normalise_text(text, alphabet=ALPHABET):
    """Lower-case `text` and keep only characters of `alphabet`; any other run of characters becomes one space.

    text: a str; alphabet: a str of distinct characters that contains a space.
    Returns: a str using only characters of `alphabet`, with no double spaces and no leading/trailing space.
    Raises: TypeError for a non-str text or alphabet; ValueError for an alphabet without a space or with repeats.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise_text: text must be a str, got {type(text).__name__}")
    _check_alphabet(alphabet, "normalise_text")
    allowed = set(alphabet)
    chars = [c if c in allowed else " " for c in text.lower()]
    return " ".join("".join(chars).split())


def next_char_dataset(text, context=2, alphabet=ALPHABET):
    """Inputs and labels for predicting the next character from the previous `context` characters.

    Sample i looks at text[i : i + context] and its label is text[i + context]. Each of the `context`
    characters becomes a one-hot vector of length V = len(alphabet); the vectors are concatenated, oldest
    first, so column j * V + a is 1 when the j-th character of the window is alphabet[a].
    text: a str already normalised (only characters of `alphabet`); context: int >= 1; alphabet: str.
    Returns: (X, y) with X float64 `(n, context * V)` of 0s and 1s and y int64 `(n,)`, n = len(text) - context.
    Raises: TypeError for a non-str text; ValueError for characters outside `alphabet` or a text shorter
            than context + 1.
    """
    func = "next_char_dataset"
    if not isinstance(text, str):
        raise TypeError(f"{func}: text must be a str, got {type(text).__name__}")
    _check_alphabet(alphabet, func)
    context = check_int(context, func, "context", minimum=1)
    index = {c: i for i, c in enumerate(alphabet)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(
            f"{func}: text contains characters outside the alphabet: {unknown[:10]}; call normalise_text first"
        )
    if len(text) < context + 1:
        raise ValueError(f"{func}: text has {len(text)} characters; need at least context + 1 = {context + 1}")
    codes = np.array([index[c] for c in text], dtype=np.int64)
    V, n = len(alphabet), len(text) - context
    X = np.zeros((n, context * V))
    rows = np.arange(n)
    for j in range(context):
        X[rows, j * V + codes[j : j + n]] = 1.0
    return X, codes[context:].copy()


def _check_alphabet(alphabet, func):
    if not isinstance(alphabet, str):
        raise TypeError(f"{func}: alphabet must be a str, got {type(alphabet).__name__}")
    if " " not in alphabet or len(set(alphabet)) != len(alphabet):
        raise ValueError(f"{func}: alphabet must contain a space and no repeated characters, got {alphabet!r}")
