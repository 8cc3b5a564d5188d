"""Robust grading: awkward submissions are graded fairly, each through a real `nbgrader autograde` run.

Lesson 01 has several exercises, so a problem in one answer can be seen to cost only that answer's points.
All submissions are graded in one autograde run (as an instructor would), then each test checks one learner.
"""

from __future__ import annotations

import copy

import pytest

from tests.support.notebooks import is_test_cell, nbgrader_meta

from .course import Course, digest, points, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "01-neuron"
LOOPING = "is_linearly_separable"
LOOP_ANSWER = "def is_linearly_separable(X, y):\n    while True:\n        pass\n"
WRONG_AND = "AND_PARAMS = (np.array([1.0, 1.0]), 0.5)  # wrong: (1, 0) and (0, 1) also fire\n"


def _insert_after_first_code(nb, source):
    """``source`` at the end of the lesson's setup cell, the first code cell: grading runs it (a cell of its own
    would be a demonstration, which grading does not run)."""
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source += "\n" + source
    return nb


def _test_cell(nb, name):
    return next(c for c in nb.cells if is_test_cell(c) and nbgrader_meta(c)["grade_id"] == f"test_{name}")


def _submissions(src, rel):
    solved = with_answers(
        rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if nbgrader_meta(c).get("solution")}
    )
    subs = {"solved": solved}
    subs["infinite-loop"] = replace_answer(solved, LOOPING, LOOP_ANSWER)
    edited = replace_answer(solved, "AND_PARAMS", WRONG_AND)
    _test_cell(edited, "AND_PARAMS").source = "print('all good')"
    subs["edits-test-cell"] = edited
    deleted = replace_answer(solved, "AND_PARAMS", WRONG_AND)
    deleted.cells.remove(_test_cell(deleted, "AND_PARAMS"))
    subs["deletes-test-cell"] = deleted
    subs["huge-output"] = _insert_after_first_code(solved, "for i in range(200_000):\n    print('line', i)")
    subs["error-in-other-cell"] = _insert_after_first_code(solved, "1 / 0")
    warns = copy.deepcopy(solved)
    cell = next(c for c in warns.cells if nbgrader_meta(c).get("grade_id") == "weighted_sum")
    cell.source = "import warnings\n" + cell.source.replace(
        "def weighted_sum(x, w, b):",
        "def weighted_sum(x, w, b):\n    warnings.warn('np.foo is deprecated', DeprecationWarning, stacklevel=1)",
        1,
    )
    subs["warns-on-stderr"] = warns
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("robust"), [LESSON], execute_timeout=20)
    src, rel = course.source(LESSON), course.release(LESSON)
    for student, nb in _submissions(src, rel).items():
        course.submit_directly(student, LESSON, nb)
    course.submit_directly("not-json", LESSON, raw='{"cells": [ this is not json')
    before = digest(course.root / "grading" / "submitted")
    done = course.autograde(LESSON)
    course.log = done.stdout + done.stderr
    course.submitted_unchanged = digest(course.root / "grading" / "submitted") == before
    course.scores = course.grades()
    course.pts = points(src)
    course.total = sum(course.pts.values())
    return course


def score(graded, student):
    return graded.scores[(student, LESSON)]


def test_a_correct_submission_scores_full_marks(graded):
    assert score(graded, "solved") == graded.total


def test_an_infinite_loop_is_stopped_and_costs_only_its_exercise(graded):
    assert score(graded, "infinite-loop") == graded.total - graded.pts[f"test_{LOOPING}"]


def test_an_edited_test_cell_is_graded_with_the_original_test(graded):
    assert score(graded, "edits-test-cell") == graded.total - graded.pts["test_AND_PARAMS"]
    cell = _test_cell(graded.autograded("edits-test-cell", LESSON), "AND_PARAMS")
    assert "print('all good')" not in cell.source


def test_a_deleted_test_cell_is_restored_and_graded(graded):
    assert score(graded, "deletes-test-cell") == graded.total - graded.pts["test_AND_PARAMS"]


def test_huge_output_does_not_stop_grading(graded):
    assert score(graded, "huge-output") == graded.total


def test_an_error_in_an_ungraded_cell_does_not_stop_grading(graded):
    assert score(graded, "error-in-other-cell") == graded.total
    setup = next(c for c in graded.autograded("error-in-other-cell", LESSON).cells if c.cell_type == "code")
    assert any(o.get("ename") == "ZeroDivisionError" for o in setup.outputs), "the error did not run"


def test_a_warning_on_stderr_does_not_cost_points(graded):
    assert score(graded, "warns-on-stderr") == graded.total


def test_invalid_json_is_reported_with_learner_and_file(graded):
    assert "not-json" in graded.log and "01-neuron.ipynb" in graded.log, graded.log[-3000:]
    assert ("not-json", LESSON) not in graded.scores or score(graded, "not-json") == 0


def test_everyone_else_is_graded_despite_the_invalid_notebook(graded):
    assert {s for s, _ in graded.scores} >= {"solved", "infinite-loop", "huge-output", "warns-on-stderr"}


def test_grading_never_modifies_submissions(graded):
    assert graded.submitted_unchanged
