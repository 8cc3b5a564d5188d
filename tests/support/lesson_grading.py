"""Grade one exercise's answer the way the course's grader does, without a whole nbgrader run.

``exercise_passes(lesson, name, source)`` executes the lesson's solution notebook once per test session,
collects its answers exactly as the autograder does (``autograder.capture``), replaces the answer
``name`` with what ``source`` defines, and runs every test cell of that exercise through the isolated
verifier (``autograder.verifier``) that decides real grades. The lesson tests use it to show that
plausible wrong answers lose their points and differently-written correct answers keep them.
"""
from __future__ import annotations

import atexit
import copy
import functools

import nbformat
import numpy as np

from autograder.capture import pack
from autograder.catalogue import REFERENCES
from autograder.verifier import Verifier, free_names

from .notebooks import (capture_cell, captured_answers, execute, solution_path, test_cells, test_names,
                        unpack)

_verifiers: dict[str, Verifier] = {}


@functools.lru_cache(maxsize=None)
def solution_answers(lesson: str) -> tuple:
    """Execute the solution notebook once; return (notebook, packed answers of every test cell's names)."""
    path = solution_path(lesson)
    nb = nbformat.read(path, as_version=4)
    names = test_names(nb)
    nb, (probe,) = execute(copy.deepcopy(nb), path.parent, extra_cells=[capture_cell(names)])
    return nb, captured_answers(probe)


def _verifier(lesson: str) -> Verifier:
    if lesson not in _verifiers:
        _verifiers[lesson] = Verifier(sorted(REFERENCES[lesson]))
    return _verifiers[lesson]


@atexit.register
def _close_verifiers() -> None:
    for v in _verifiers.values():
        v.close()


def verdicts(lesson: str, name: str, source: str | None = None) -> list:
    """The isolated verdicts of exercise ``name``'s test cells, with ``source`` replacing the answer."""
    nb, answers = solution_answers(lesson)
    ns = {"__name__": "__main__", "np": np}
    ns.update(unpack(answers))
    if source is not None:
        ns.pop(name, None)
        exec(compile(source, f"<learner's answer for {name}>", "exec"), ns)
    cells = test_cells(nb, name)
    assert cells, f"{lesson}: no test cell grades exercise {name!r}"
    return [_verifier(lesson).verify(c.source, pack(ns, free_names(c.source))) for c in cells]


def exercise_passes(lesson: str, name: str, source: str | None = None) -> bool:
    """True when every test cell of exercise ``name`` passes with ``source`` as the learner's answer."""
    return all(v.passed for v in verdicts(lesson, name, source))


# ----------------------------------------------------------------------------------------------------
# The four tests every lesson's variants file runs. A file `tests/lessons/test_<lesson>_variants.py`
# defines LESSON, WRONG and RIGHT and imports these; tests/lessons/conftest.py parametrizes
# `wrong_variant` and `right_variant` from that module's WRONG and RIGHT.
# ----------------------------------------------------------------------------------------------------
def test_every_exercise_has_wrong_and_right_variants(request):
    lesson, wrong, right = request.module.LESSON, request.module.WRONG, request.module.RIGHT
    exercises = set(REFERENCES[lesson])
    assert set(wrong) == exercises, f"WRONG covers {sorted(wrong)}, the catalogue lists {sorted(exercises)}"
    assert set(right) == exercises, f"RIGHT covers {sorted(right)}, the catalogue lists {sorted(exercises)}"
    for name in exercises:
        assert len(wrong[name]) >= 2, f"{name}: needs at least two wrong answers"
        assert len(right[name]) >= 1, f"{name}: needs at least one other correct answer"


def test_the_solution_keeps_every_point(request):
    lesson = request.module.LESSON
    for name in REFERENCES[lesson]:
        failed = [v.message for v in verdicts(lesson, name) if not v.passed]
        assert not failed, f"{name}: the solution notebook's own answer loses points: {failed[0]}"


def test_wrong_answer_loses_the_points(request, wrong_variant):
    name, source = wrong_variant
    assert not exercise_passes(request.module.LESSON, name, source), f"{name}: this wrong answer still scores"


def test_other_correct_answer_keeps_the_points(request, right_variant):
    name, source = right_variant
    failed = [v.message for v in verdicts(request.module.LESSON, name, source) if not v.passed]
    assert not failed, f"{name}: this correct answer loses points: {failed[0]}"
