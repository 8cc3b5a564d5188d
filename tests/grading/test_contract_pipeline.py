"""The contract grade through the real pipeline (nbgrader autograde, sandbox, judge): the same submission
graded twice gets the same score and the same feedback; the feedback of a broken clause shows the shrunk
call and the clause, never the hidden test's source; the honest learner beside it keeps full marks."""

from __future__ import annotations

import pytest

from .course import Course, points, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "02-activations"
INT_RELU = "def relu(x):\n    return x * (x > 0)\n"  # keeps int64 for an integer x: breaks the dtype clause


def _relu_feedback(nb) -> str:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_relu":
            return "\n".join(
                str(o.get("evalue", "")) + "".join(o.get("traceback", [])) + str(o.get("text", ""))
                for o in cell.get("outputs", [])
            )
    raise AssertionError("no test_relu cell")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    c = Course(tmp_path_factory.mktemp("contracts"), [LESSON])
    src, rel = c.source(LESSON), c.release(LESSON)
    honest = with_answers(
        rel,
        src,
        {g for g in points(src)}
        | {
            cell.metadata["nbgrader"]["grade_id"]
            for cell in src.cells
            if cell.metadata.get("nbgrader", {}).get("solution")
        },
    )
    c.submit_directly("honest", LESSON, honest)
    c.submit_directly("hurried", LESSON, replace_answer(honest, "relu", INT_RELU))
    c.autograde(LESSON)
    c.first = (c.grades(), _relu_feedback(c.autograded("hurried", LESSON)))
    c.autograde(LESSON)
    c.second = (c.grades(), _relu_feedback(c.autograded("hurried", LESSON)))
    return c


def test_honest_learner_keeps_full_marks_and_the_hurried_one_loses_relu(course):
    grades, _ = course.first
    total = sum(points(course.source(LESSON)).values())
    assert grades[("honest", LESSON)] == total
    assert grades[("hurried", LESSON)] == total - points(course.source(LESSON))["test_relu"]


def test_grading_twice_gives_the_same_grade_and_feedback(course):
    assert course.first == course.second


def test_feedback_shows_the_shrunk_call_and_the_clause_not_the_test(course):
    _, feedback = course.first
    assert "[clause: dtype]" in feedback and "float64" in feedback, feedback
    assert "relu(" in feedback and "int64" in feedback
    for hidden in ("grade('relu'", "contract_grading", "BEGIN HIDDEN", "hypothesis"):
        assert hidden not in feedback, f"the feedback shows {hidden!r}:\n{feedback}"
