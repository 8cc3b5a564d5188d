"""The instructor's workflow, end to end, with a real gradebook and a real exchange directory:
release → two learners fetch → work → submit → collect → autograde → feedback → CSV export."""

from __future__ import annotations

import html
import re

import nbformat
import pytest

from tests.support.notebooks import is_test_cell

from .course import Course, digest, points, with_answers

pytestmark = pytest.mark.slow
LESSONS = ["00-start-here", "01-neuron"]
PARTIAL = {"weighted_sum", "AND_PARAMS"}  # what bob gets right in lesson 01


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    c = Course(tmp_path_factory.mktemp("workflow"), LESSONS)
    for lesson in LESSONS:
        c.run("release_assignment", lesson)
    homes = {}
    for learner in ("alice", "bob"):
        home = c.root.parent / f"home-{learner}"
        home.mkdir()
        homes[learner] = home
        for lesson in LESSONS:
            c.run("fetch_assignment", lesson, user=learner, cwd=home)
    # alice solves everything; bob leaves lesson 00 blank and solves part of lesson 01
    for lesson in LESSONS:
        src, rel = c.source(lesson), c.release(lesson)
        alice_nb = with_answers(rel, src, {n for n in points(src)} | {g for g in _solution_ids(src)})
        nbformat.write(alice_nb, homes["alice"] / lesson / f"{lesson}.ipynb")
    src01 = c.source("01-neuron")
    nbformat.write(with_answers(c.release("01-neuron"), src01, PARTIAL), homes["bob"] / "01-neuron" / "01-neuron.ipynb")
    for learner, home in homes.items():
        for lesson in LESSONS:
            c.run("submit", lesson, user=learner, cwd=home)
    for lesson in LESSONS:
        c.run("collect", lesson)
    c.submitted_before = digest(c.root / "grading" / "submitted")
    for lesson in LESSONS:
        c.autograde(lesson)
    c.first_grades = c.grades()
    for lesson in LESSONS:
        c.run("generate_feedback", lesson, "--force")
    return c


def _solution_ids(nb):
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def test_solutions_score_full_marks(course):
    for lesson in LESSONS:
        total = sum(points(course.source(lesson)).values())
        assert course.first_grades[("alice", lesson)] == total, f"alice's solutions of {lesson} lost points"


def test_untouched_release_scores_zero(course):
    assert course.first_grades[("bob", "00-start-here")] == 0


def test_partly_correct_submission_scores_exactly_what_it_got_right(course):
    pts = points(course.source("01-neuron"))
    expected = sum(pts[f"test_{name}"] for name in PARTIAL)
    assert course.first_grades[("bob", "01-neuron")] == expected


def test_csv_has_one_row_per_learner_per_assignment(course):
    rows = course.grade_rows()
    keys = [(r["student_id"], r["assignment"]) for r in rows]
    assert sorted(keys) == sorted((s, l) for s in ("alice", "bob") for l in LESSONS)


def test_autograding_again_gives_the_same_grades(course):
    for lesson in LESSONS:
        course.autograde(lesson)
    assert course.grades() == course.first_grades


def test_submitted_files_are_never_modified(course):
    assert digest(course.root / "grading" / "submitted") == course.submitted_before


def test_each_learner_gets_feedback(course):
    for learner in ("alice", "bob"):
        for lesson in LESSONS:
            page = course.root / "grading" / "feedback" / learner / lesson / f"{lesson}.html"
            assert page.exists(), f"no feedback for {learner} on {lesson}"


def _hidden_lines(nb) -> list[str]:
    lines = []
    for cell in nb.cells:
        if is_test_cell(cell) and "### BEGIN HIDDEN TESTS" in cell.source:
            hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
            lines += [ln.strip() for ln in hidden.splitlines() if len(ln.strip()) > 25]
    return lines


def test_feedback_shows_no_hidden_test_source(course):
    for lesson in LESSONS:
        hidden = _hidden_lines(course.source(lesson))
        assert hidden, f"{lesson} has no hidden tests to look for"
        for learner in ("alice", "bob"):
            page = (course.root / "grading" / "feedback" / learner / lesson / f"{lesson}.html").read_text()
            text = html.unescape(re.sub(r"<[^>]+>", "", page))
            assert "BEGIN HIDDEN TESTS" not in text
            leaked = [ln for ln in hidden if ln in text]
            assert not leaked, f"{learner}'s feedback on {lesson} shows hidden test code: {leaked[:2]}"


def test_feedback_tracebacks_do_not_quote_test_cells(course):
    src = course.source("01-neuron")
    test_lines = [
        ln.strip() for c in src.cells if is_test_cell(c) for ln in c.source.splitlines() if len(ln.strip()) > 20
    ]
    page = (course.root / "grading" / "feedback" / "bob" / "01-neuron" / "01-neuron.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "NotImplementedError" in text, "bob's blank exercises should be reported"
    quoted = [ln for ln in test_lines if re.search(r"-+>\s*\d+\s+" + re.escape(ln), text)]
    assert not quoted, f"a traceback in the feedback quotes test code: {quoted[:2]}"


def test_feedback_says_each_failed_check_once(course):
    """A failed check's message appears once in the feedback (as the test cell's error, not again in a traceback
    or in the cell's printed output), and names the call that failed."""
    nb = course.autograded("bob", "01-neuron")
    page = (course.root / "grading" / "feedback" / "bob" / "01-neuron" / "01-neuron.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    failed = [
        out["evalue"]
        for cell in nb.cells
        if is_test_cell(cell)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert failed, "bob's blank exercises should fail their checks"
    for message in failed:
        first = message.splitlines()[0]
        assert text.count(first) == 1, f"the feedback says {first!r} {text.count(first)} times"
        assert "hint:" in message, f"a failed check without a hint: {message}"


def test_figures_are_not_drawn_while_grading_and_the_feedback_says_why(course):
    """Drawing is half a lesson's time and never decides a grade; the figures are in demonstrations, which grading
    does not run: autograded notebooks carry a note in their place instead."""
    from autograder.integration.preprocessors import NOT_RUN_NOTE

    nb = course.autograded("alice", "01-neuron")
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    assert not [out for out in outputs if "image/png" in out.get("data", {})], "a figure was drawn while grading"
    figure_cells = [
        c for c in nb.cells if c.cell_type == "code" and "fig" in c.source and not c.metadata.get("nbgrader")
    ]
    noted = [c for c in figure_cells if any(out.get("text") == NOT_RUN_NOTE for out in c.get("outputs", []))]
    assert len(noted) >= 3, "lesson 01's figure cells should each leave a note"
    page = (course.root / "grading" / "feedback" / "alice" / "01-neuron" / "01-neuron.html").read_text()
    assert html.escape(NOT_RUN_NOTE.strip()) in page or NOT_RUN_NOTE.strip() in page
