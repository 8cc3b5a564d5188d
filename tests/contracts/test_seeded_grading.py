"""The grade drawn from a contract: deterministic per submission, different between submissions, shrunk to
the smallest breaking call, and a lookup table of inputs learned from earlier feedback does not score."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import contract_grading
from autograder.contract_grading import grade, load_secret, submission_seed
from nnlib.activations import relu as reference_relu
from nnlib.checks import CheckFailed


@pytest.fixture
def seed():
    before = contract_grading.SEED
    yield lambda value: setattr(contract_grading, "SEED", value)
    contract_grading.SEED = before


def _failure(func, name="relu") -> str:
    with pytest.raises(CheckFailed) as caught:
        grade(name, func)
    return str(caught.value)


def test_same_submission_same_examples_and_same_message(seed):
    seed(b"submission one")
    wrong = lambda x: np.maximum(x, 0)  # noqa: E731 - keeps int64 for an integer x
    assert _failure(wrong) == _failure(wrong)


def test_failure_shows_the_smallest_call_and_the_clause(seed):
    seed(b"any")
    message = _failure(lambda x: np.maximum(x, 0))
    assert "[clause: dtype]" in message and "float64" in message
    assert "relu(an empty int64 array of shape (0,))" in message or "relu(np.array([0]))" in message, message
    assert "grade(" not in message and "hypothesis" not in message.lower()


def test_a_table_learned_under_one_seed_fails_under_another(seed):
    seen: dict[bytes, object] = {}

    def recorder(x):
        arr = np.asarray(x)
        seen[arr.dtype.str.encode() + repr(arr.shape).encode() + arr.tobytes()] = reference_relu(x)
        return reference_relu(x)

    seed(b"the submission whose feedback leaked")
    grade("relu", recorder)
    assert len(seen) > 10

    def table(x):  # right on every input it has seen, wrong (|x|) elsewhere
        arr = np.asarray(x)
        key = arr.dtype.str.encode() + repr(arr.shape).encode() + arr.tobytes()
        return seen[key].copy() if key in seen else np.abs(np.asarray(x, dtype=float))

    grade("relu", table)  # the leaked examples themselves: the table passes
    seed(b"the next submission")  # a new digest draws new examples: it does not
    assert "[clause: values]" in _failure(table)


def test_submission_seed_depends_on_every_answer_and_on_the_secret():
    answers = [("relu", "def relu(x):\n    return np.maximum(x, 0.0)\n"), ("softmax", "...")]
    base = submission_seed(b"secret", answers)
    assert base == submission_seed(b"secret", list(answers))
    assert base != submission_seed(b"other secret", answers)
    assert base != submission_seed(b"secret", [answers[0], ("softmax", "....")])
    # names and sources are length-prefixed: moving text between them gives another seed
    assert submission_seed(b"s", [("ab", "c")]) != submission_seed(b"s", [("a", "bc")])


def test_secret_is_made_once_private(tmp_path):
    path = tmp_path / "grading" / ".contract-secret"
    first = load_secret(path)
    assert len(first) == 32 and load_secret(path) == first
    assert (path.stat().st_mode & 0o777) == 0o600


def test_the_draws_do_not_depend_on_the_modules_loaded_before(seed):
    """One judge grades many notebooks in turn: what it imported for earlier ones must not change the calls."""
    import importlib

    seed(b"one submission")
    calls: list[bytes] = []

    def recorder(x):
        calls.append(np.asarray(x).tobytes())
        return reference_relu(x)

    grade("relu", recorder)
    first = list(calls)
    calls.clear()
    for name in ("nnlib.security.poisoning", "nnlib.views.plot", "nnlib.probing", "sklearn.datasets"):
        importlib.import_module(name)
    grade("relu", recorder)
    assert calls == first
