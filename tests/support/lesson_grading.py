"""Grade one exercise's answer the way the course's grader does, without a whole nbgrader run.

``exercise_passes(lesson, name, source)`` uses the real grading engine (``autograder.preprocessors.
SandboxedExecute``): once per test session and lesson, the solution notebook's cells (all but the graded test
cells) run in a sandboxed kernel with the lesson's references withheld; then ``source`` is executed in that
kernel in place of the answer ``name``, every test cell of that exercise is judged by the real judge over the
data-only channel, and the solution's own answer is put back. The lesson tests use it to show that plausible
wrong answers lose their points and differently-written correct answers keep them.
"""
from __future__ import annotations

import atexit
import copy
from dataclasses import dataclass

import nbformat
from nbformat.notebooknode import NotebookNode
from nbclient import NotebookClient

from autograder.catalogue import REFERENCES
from autograder.preprocessors import SandboxedExecute

from .notebooks import is_solution_cell, nbgrader_meta, solution_path, test_cells


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


class LessonSession:
    """A sandboxed kernel that ran the lesson's solution notebook, and the judge beside it."""

    def __init__(self, lesson: str):
        path = solution_path(lesson)
        self.nb = nbformat.read(path, as_version=4)
        self.engine = SandboxedExecute(timeout=120)
        NotebookClient.__init__(self.engine, copy.deepcopy(self.nb), None)
        self.engine.reset_execution_trackers()
        self.engine.resources = {"metadata": {"path": str(path.parent)}}
        self.engine.open(lesson, str(path.parent))
        self.answer_cells = {}
        for index, cell in enumerate(self.engine.nb.cells):
            if cell.cell_type != "code" or nbgrader_meta(cell).get("grade") and not nbgrader_meta(cell).get("solution"):
                continue
            if is_solution_cell(cell):
                self.answer_cells[nbgrader_meta(cell)["grade_id"]] = (index, cell.source)
            self.engine.preprocess_cell(cell, self.engine.resources, index)

    def run(self, source: str, index: int) -> None:
        cell = NotebookNode(cell_type="code", metadata={}, outputs=[], execution_count=None, source=source)
        self.engine._run_in_kernel(cell, index)

    def verdicts(self, name: str, source: str | None, judged: str | None = None) -> list[Verdict]:
        """Verdicts on exercise ``judged`` (default ``name``) with ``source`` in place of ``name``'s answer."""
        index, original = self.answer_cells[name]
        cells = test_cells(self.nb, judged or name)
        assert cells, f"no test cell grades exercise {judged or name!r}"
        if source is not None:
            self.run(f"del {name}\n" if name else "", index)
            self.run(source, index)
        try:
            return [Verdict(*self.engine.judge_cell(c.source, index, nbgrader_meta(c)["grade_id"])[:2]) for c in cells]
        finally:
            if source is not None:
                self.run(original, index)

    def close(self) -> None:
        self.engine.close()


_sessions: dict[str, LessonSession] = {}


def session(lesson: str) -> LessonSession:
    if lesson not in _sessions:
        _sessions[lesson] = LessonSession(lesson)
    return _sessions[lesson]


@atexit.register
def _close_sessions() -> None:
    for s in _sessions.values():
        s.close()


def verdicts(lesson: str, name: str, source: str | None = None, judged: str | None = None) -> list[Verdict]:
    """The judge's verdicts on exercise ``judged``'s (default ``name``'s) test cells, with ``source`` replacing
    ``name``'s answer."""
    return session(lesson).verdicts(name, source, judged)


def dependents(lesson: str) -> dict[str, list[str]]:
    """{exercise: the lesson's exercises whose solution calls it} (from the solution notebook's answer cells)."""
    from autograder.judge import free_names

    nb = nbformat.read(solution_path(lesson), as_version=4)
    out: dict[str, list[str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or not is_solution_cell(cell):
            continue
        source = "\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!")))
        for used in free_names(source):
            if used in REFERENCES[lesson] and used != nbgrader_meta(cell)["grade_id"]:
                out.setdefault(used, []).append(nbgrader_meta(cell)["grade_id"])
    return out


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


def test_one_mistake_costs_one_exercise(request):
    """A wrong answer to an exercise that others build on costs its own points only: each exercise built on
    it is graded with the grader's reference in its place (SandboxedExecute.grade_alone), and the catalogue's
    BUILDS_ON names exactly the earlier exercises the solution's answers call."""
    from autograder.catalogue import BUILDS_ON, BUILT_WITH_OWN

    lesson, wrong = request.module.LESSON, request.module.WRONG
    found = {(base, user) for base, users in dependents(lesson).items() for user in users}
    alone = {(base, user) for user, bases in BUILDS_ON.items() if user in REFERENCES[lesson] for base in bases}
    own = {(base, user) for user, bases in BUILT_WITH_OWN.items() if user in REFERENCES[lesson] for base in bases}
    assert found == alone | own, ("autograder.catalogue.BUILDS_ON and BUILT_WITH_OWN disagree with the "
                                  f"solutions: {found ^ (alone | own)}")
    for base, user in sorted(alone):
        for source in wrong[base]:
            failed = [v.message for v in verdicts(lesson, base, source, judged=user) if not v.passed]
            assert not failed, f"a wrong {base} also costs {user}: {failed[0]}"
    for base, user in sorted(own):  # graded with the learner's own building blocks: the feedback says so
        for v in verdicts(lesson, base, wrong[base][0], judged=user):
            assert v.passed or base in v.message, f"{user} failed with a wrong {base} without naming it: {v.message}"


def test_wrong_answer_loses_the_points(request, wrong_variant):
    name, source = wrong_variant
    assert not exercise_passes(request.module.LESSON, name, source), f"{name}: this wrong answer still scores"


def test_other_correct_answer_keeps_the_points(request, right_variant):
    name, source = right_variant
    failed = [v.message for v in verdicts(request.module.LESSON, name, source) if not v.passed]
    assert not failed, f"{name}: this correct answer loses points: {failed[0]}"
