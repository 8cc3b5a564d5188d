"""Every lesson, validated: it follows the catalogue, its release is current and clean, and through
`nbgrader autograde` its solution scores full marks while its blank release scores zero."""

from __future__ import annotations

import os
import re

import nbformat
import pytest

from autograder.catalogue import REFERENCES, exercise_of, reference
from tests.support.notebooks import (
    ROOT,
    is_solution_cell,
    is_test_cell,
    nbgrader_meta,
    release_path,
    solution_path,
    written_lessons,
)

from .course import Course, points

LESSONS = written_lessons()


def _read(path):
    return nbformat.read(path, as_version=4)


def _solution_ids(nb):
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_solution_cell(c)]


def test_every_catalogue_lesson_has_a_solution_notebook():
    assert LESSONS == list(REFERENCES), f"missing lessons: {sorted(set(REFERENCES) - set(LESSONS))}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_match_the_catalogue(lesson):
    nb = _read(solution_path(lesson))
    assert sorted(_solution_ids(nb)) == sorted(REFERENCES[lesson])
    graded = {exercise_of(nbgrader_meta(c)["grade_id"]) for c in nb.cells if is_test_cell(c)}
    assert graded == set(REFERENCES[lesson]), "every exercise needs a test cell test_<name>"


@pytest.mark.parametrize("lesson", LESSONS)
def test_test_cells_are_locked_and_worth_one_to_three_points(lesson):
    for cell in _read(solution_path(lesson)).cells:
        if is_test_cell(cell):
            meta = nbgrader_meta(cell)
            assert meta.get("locked") is True, meta
            assert 1 <= meta["points"] <= 3, meta


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_states_its_total_points(lesson):
    nb = _read(solution_path(lesson))
    total = int(sum(points(nb).values()))
    intro = "\n".join(c.source for c in nb.cells[:3] if c.cell_type == "markdown")
    assert f"{total}" in intro and "oint" in intro, f"{lesson}: the first cells should state the {total} points"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fresh release of every lesson by nbgrader, then solution and blank submissions autograded."""
    c = Course(tmp_path_factory.mktemp("lessons"), LESSONS)
    for lesson in LESSONS:
        c.submit_directly("solution", lesson, c.source(lesson))
        c.submit_directly("blank", lesson, c.release(lesson))
        c.autograde(lesson)
    c.scores = c.grades()
    return c


def _comparable(nb):
    return [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells]


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_committed_release_is_what_nbgrader_generates_now(course, lesson):
    committed = release_path(lesson)
    assert committed.exists(), f"{lesson} has no release: run `make release`"
    assert _comparable(_read(committed)) == _comparable(course.release(lesson)), (
        f"notebooks/{lesson} is out of date with solutions/{lesson}: run `make release`"
    )


def _code_lines(text: str) -> set[str]:
    """Stripped, non-comment lines of some code (hints written as comments are allowed to echo answers)."""
    return {ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")}


def _region(source: str, begin: str) -> tuple[str, str]:
    """(text before the region, the region) for a ### BEGIN/END marker pair."""
    if begin not in source:
        return source, ""
    before, rest = source.split(begin, 1)
    return before, rest.split(begin.replace("BEGIN", "END"), 1)[0]


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_release_contains_no_solution_code(lesson):
    release = _read(release_path(lesson))
    assert not any("BEGIN SOLUTION" in c.source for c in release.cells)
    release_code = set().union(*(_code_lines(c.source) for c in release.cells if c.cell_type == "code"))
    for cell in _read(solution_path(lesson)).cells:
        if is_solution_cell(cell):
            secret = _code_lines(_region(cell.source, "### BEGIN SOLUTION")[1])
            leaked = [ln for ln in secret if len(ln) > 25 and ln in release_code]
            assert not leaked, f"{lesson} {nbgrader_meta(cell)['grade_id']}: the release shows {leaked[:2]}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_release_contains_no_hidden_tests(lesson):
    release = {nbgrader_meta(c).get("grade_id"): c for c in _read(release_path(lesson)).cells if is_test_cell(c)}
    for cell in _read(solution_path(lesson)).cells:
        if is_test_cell(cell):
            gid = nbgrader_meta(cell)["grade_id"]
            visible, hidden = _region(cell.source, "### BEGIN HIDDEN TESTS")
            assert hidden.strip(), f"{lesson} {gid} has no hidden tests"
            shown = _code_lines(release[gid].source)
            assert "HIDDEN TESTS" not in release[gid].source
            leaked = _code_lines(hidden) & shown - _code_lines(visible)
            assert not leaked, f"{lesson} {gid}: the release shows hidden test lines {sorted(leaked)[:2]}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_scores_full_marks_through_autograde(course, lesson):
    assert course.scores[("solution", lesson)] == sum(points(course.source(lesson)).values())


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_blank_release_scores_zero_through_autograde(course, lesson):
    assert course.scores[("blank", lesson)] == 0


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_in_the_release_each_exercise_first_fails_with_its_stub(course, lesson):
    """No cell errors before the first exercise; each exercise's first error (in its solution cell, for a
    constant such as AND_PARAMS, else in its test cell) is the stub's NotImplementedError."""
    nb = course.autograded("blank", lesson)

    def errors(cell):
        """Error names; for a test cell the judge's verdict names the learner's exception in its message."""
        names = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                judged = o["ename"] == "GradingFailure" and "raised NotImplementedError" in o.get("evalue", "")
                names.append("NotImplementedError" if judged else o["ename"])
        return names

    first_stub = next(i for i, c in enumerate(nb.cells) if is_solution_cell(c))
    for cell in nb.cells[:first_stub]:
        # a demo that calls one of the lesson's own references is told so in the graded run (they are
        # withheld in the sandbox: autograder/isolation/withheld.py); anything else is a real error
        real = [e for e in errors(cell) if e != "ReferenceWithheld"]
        assert not real, f"{lesson}: a cell fails before the first exercise: {real}"
    for name in REFERENCES[lesson]:
        cells = [
            c
            for c in nb.cells
            if (is_solution_cell(c) and nbgrader_meta(c).get("grade_id") == name)
            or (is_test_cell(c) and exercise_of(nbgrader_meta(c)["grade_id"]) == name)
        ]
        first = next((e for c in cells for e in errors(c)), None)
        assert first == "NotImplementedError", f"{lesson} {name}: first error is {first}, expected the stub's"


@pytest.fixture(scope="module")
def feedback(course):
    """{lesson: the solution learner's feedback page} from `nbgrader generate_feedback`."""
    pages = {}
    for lesson in LESSONS:
        course.run("generate_feedback", lesson, "--student", "solution", "--force")
        pages[lesson] = (course.root / "grading" / "feedback" / "solution" / lesson / f"{lesson}.html").read_text()
    return pages


ERROR_WORD = re.compile(r"\b\w*(?:Error|Exception|Traceback|Withheld|NotAvailable)\w*\b")


def _withheld_docstrings(lesson: str) -> list[str]:
    """The first line of every docstring of the lesson's references (what a traceback through them shows)."""
    import inspect

    lines = []
    for name in REFERENCES[lesson]:
        doc = inspect.getdoc(reference(name)) if callable(reference(name)) else None
        lines += [ln.strip() for ln in (doc or "").splitlines() if len(ln.strip()) > 20][:3]
    return lines


def feedback_problems(page: str, lesson: str, source_nb, autograded_nb, paths) -> list[str]:
    """What a full-marks feedback page must not show: an error output, stderr, a traceback, ANSI red, a path of
    the grading machine, a docstring of a withheld reference, an error word that is not the lesson's own text."""
    import html as html_lib

    problems = []
    for cell in autograded_nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" or out.get("name") == "stderr":
                problems.append(f"error output in {cell.source[:80]!r}: {str(out)[:300]}")
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", body, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", body))
    if "ansi-red" in body:
        problems.append("ANSI red in the page")
    problems += [f"path {p!r} in the page" for p in paths if p in text]
    own = set(ERROR_WORD.findall(" ".join(c.source for c in source_nb.cells)))
    stray = set(ERROR_WORD.findall(text)) - own
    if stray:
        problems.append(f"error words {sorted(stray)}")
    lesson_text = " ".join(" ".join(c.source.split()) for c in source_nb.cells)
    problems += [
        f"withheld docstring {line!r}"
        for line in _withheld_docstrings(lesson)
        if line in text and " ".join(line.split()) not in lesson_text
    ]  # the exercise's text may say it
    return problems


def grading_paths(course) -> set[str]:
    import sys

    return {
        str(course.root),
        str(ROOT),
        sys.prefix,
        os.path.realpath(sys.prefix),
        "/home/learner",
        "site-packages",
        "/tmp/",
    }


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_a_full_marks_feedback_shows_no_error_path_or_withheld_docstring(course, feedback, lesson):
    """Issue 22, item 9: the solution's feedback has no error at all, no path of the grading machine, no
    docstring of a withheld reference; error words are only the lesson's own text (a markdown cell that names
    ValueError, say)."""
    problems = feedback_problems(
        feedback[lesson], lesson, course.source(lesson), course.autograded("solution", lesson), grading_paths(course)
    )
    assert not problems, (lesson, problems)


def test_the_feedback_check_finds_what_an_honest_page_must_not_show():
    lesson = "02-activations"
    source = _read(solution_path(lesson))
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("nn_relu(x)")])
    bad.cells[0].outputs = [nbformat.v4.new_output("error", ename="ReferenceWithheld", evalue="x", traceback=[])]
    page = (
        '<body><style>.ansi-red-fg {}</style><pre><span class="ansi-red-fg">ReferenceWithheld</span>: '
        "File /home/learner/02-activations/x.py, Traceback</pre></body>"
    )
    problems = " ".join(feedback_problems(page, lesson, source, bad, {"/home/learner"}))
    for expected in ("error output", "ANSI red", "/home/learner", "ReferenceWithheld", "Traceback"):
        assert expected in problems, (expected, problems)
    clean = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert (
        feedback_problems(
            "<body><style>.ansi-red-fg {}</style><p>fine</p></body>", lesson, source, clean, {"/home/learner"}
        )
        == []
    )
