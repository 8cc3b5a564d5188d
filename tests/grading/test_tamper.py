"""Tamper resistance: a wrong answer still scores zero when the learner's code also tries to cheat.

Every case is a real cheating submission of lesson 00 (its exercise `add`), graded by a real
`nbgrader autograde` run. Each cheat below makes the *in-kernel* checks pass — nbgrader alone would give
the point — so each test first shows that, then that the course's grader gives zero.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from tests.support.notebooks import is_test_cell

from .course import Course, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
WRONG = "def add(a, b):\n    return a - b\n"

CHEATS = {
    # rebinding numpy's comparison functions and numpy.testing
    "rebinds-numpy": WRONG
    + """
import numpy.testing
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), bool)
numpy.testing.assert_allclose = lambda *a, **k: None
np.abs = lambda x: np.zeros(np.shape(x))  # every difference now looks like zero
""",
    # rebinding the course's own check helpers in the kernel
    "rebinds-checks": WRONG
    + """
import nnlib.checks
for _name in ("expect_close", "expect_equal", "compare_with_reference", "expect_true", "check_examples"):
    setattr(nnlib.checks, _name, lambda *a, **k: None)
import autograder.contract_grading
autograder.contract_grading.grade = lambda *a, **k: None
""",
    # silencing IPython's error display: no traceback, and a handler that swallows every exception
    "silences-errors": WRONG
    + """
_ip = get_ipython()
_ip.showtraceback = lambda *a, **k: None
_ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
""",
    # rewriting every later cell that checks anything into a bare number (nbgrader's partial credit)
    "rewrites-later-cells": WRONG
    + """
get_ipython().input_transformers_cleanup.append(
    lambda lines: ["1\\n"] if any("expect_close" in l or "compare_with" in l for l in lines) else lines)
""",
    # returning objects whose comparisons always succeed
    "always-equal-objects": """
class Anything(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __ne__(self, other): return np.zeros(np.shape(other), bool)
    def __sub__(self, other): return np.zeros(np.shape(other))
    __rsub__ = __sub__
    def __abs__(self): return np.zeros(self.shape)
    def __float__(self): return 0.0
def add(a, b):
    return np.asarray(a - b, dtype=float).view(Anything)
""",
    # calling the nnlib reference instead of writing the answer (right values, but not the learner's work)
    "calls-reference": """
from nnlib.practice import add as _reference
def add(a, b):
    return _reference(a, b)
""",
    # wrapping the reference so no learner frame calls it directly
    "wraps-reference": """
import functools, nnlib.practice
add = functools.partial(nnlib.practice.add)
""",
    # right on the visible examples only, with the reference the hidden tests compare against rebound to it
    "rebinds-reference": """
def add(a, b):
    return a + b if np.size(a) <= 2 else a - b
import nnlib.practice
nnlib.practice.add = add
""",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("tamper"), [LESSON], execute_timeout=30)
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {"add"})
    course.submit_directly("honest", LESSON, solved)
    for student, source in CHEATS.items():
        course.submit_directly(student, LESSON, replace_answer(solved, "add", source))
    course.autograde(LESSON)
    course.scores = course.grades()
    return course


def _kernel_test_outcome(course, student) -> list:
    """The outputs the test cell produced in the learner's kernel (what nbgrader alone would grade)."""
    nb = course.autograded(student, LESSON)
    cell = next(c for c in nb.cells if is_test_cell(c))
    return cell.outputs


def test_an_honest_correct_answer_scores(graded):
    assert graded.scores[("honest", LESSON)] == 1


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheating_scores_zero(graded, cheat):
    assert graded.scores[(cheat, LESSON)] == 0, f"the cheat {cheat!r} earned points"


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_the_grader_explains_why(graded, cheat):
    outputs = _kernel_test_outcome(graded, cheat)
    verdicts = [o for o in outputs if o.get("output_type") == "error" and o.get("ename") == "GradingFailure"]
    assert verdicts, f"{cheat}: no GradingFailure verdict in {outputs}"


@pytest.mark.parametrize("cheat", sorted(set(CHEATS) - {"always-equal-objects"}))
def test_the_cheat_fools_an_in_kernel_check(cheat):
    """Each cheat really defeats a check that runs in the learner's kernel (so the defence matters).

    Not "always-equal-objects": the check helpers already reject non-numbers in the kernel.
    """
    from tests.support.notebooks import execute, solution_path

    nb = nbformat.read(solution_path(LESSON), as_version=4)
    nb = replace_answer(nb, "add", CHEATS[cheat])
    nb, _ = execute(copy.deepcopy(nb), solution_path(LESSON).parent)
    cell = next(c for c in nb.cells if is_test_cell(c))
    errors = [
        o
        for o in cell.outputs
        if o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]
    assert not errors, f"{cheat}: the in-kernel check already fails, so this case proves nothing"
