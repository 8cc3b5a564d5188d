"""Grade one exercise's answer the way the course's grader does, without a whole nbgrader run.

``exercise_passes(lesson, name, source)`` uses the real grading engine (``autograder.integration.preprocessors.
SandboxedExecute``): once per test session and lesson, the solution notebook's cells that grading runs (the
setup cell, the answers, definitions) run in a sandboxed kernel with nnlib as the lesson's allow-list; then
``source`` is executed in that kernel in place of the answer ``name``, every test cell of that exercise is
judged by the real judge over the data-only channel, and the solution's own answer is put back. The lesson tests use it to show that plausible
wrong answers lose their points and differently-written correct answers keep them.
"""

from __future__ import annotations

import ast
import atexit
import copy
import inspect
import re
import textwrap
from dataclasses import dataclass

import nbformat
import numpy as np
from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

from autograder.catalogue import REFERENCES, reference
from autograder.integration.preprocessors import SandboxedExecute

from .notebooks import is_solution_cell, nbgrader_meta, solution_path, test_cells


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    output: str = ""  # what the test cell printed (the feedback shows it above the message)


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

    def verdicts(self, name: str, source: str | None, judged: str | None = None, tests=None) -> list[Verdict]:
        """Verdicts on exercise ``judged`` (default ``name``) with ``source`` in place of ``name``'s answer.

        tests: a function of a test cell's source giving the source the judge runs (default: the cell's own).
        """
        index, original = self.answer_cells[name]
        cells = test_cells(self.nb, judged or name)
        assert cells, f"no test cell grades exercise {judged or name!r}"
        if source is not None:
            self.run(f"del {name}\n" if name else "", index)
            self.run(source, index)
        try:
            return [
                Verdict(
                    *self.engine.judge_cell(tests(c.source) if tests else c.source, index, nbgrader_meta(c)["grade_id"])
                )
                for c in cells
            ]
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


def verdicts(lesson: str, name: str, source: str | None = None, judged: str | None = None, tests=None) -> list[Verdict]:
    """The judge's verdicts on exercise ``judged``'s (default ``name``'s) test cells, with ``source`` replacing
    ``name``'s answer (``tests``: see LessonSession.verdicts)."""
    return session(lesson).verdicts(name, source, judged, tests)


def dependents(lesson: str) -> dict[str, list[str]]:
    """{exercise: the lesson's exercises whose solution calls it} (from the solution notebook's answer cells)."""
    from autograder.isolation.judge import free_names

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
    assert found == alone | own, (
        f"autograder.catalogue.BUILDS_ON and BUILT_WITH_OWN disagree with the solutions: {found ^ (alone | own)}"
    )
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


# ----------------------------------------------------------------------------------------------------
# Feedback that says why (issue 11, item 3). What the learner's feedback shows for a failed test cell is the
# judge's message, put in by autograder.integration.preprocessors.apply_verdict and kept (without any traceback) by
# RedactTestTracebacks, below whatever the test cell printed. For every wrong answer of a lesson's WRONG
# catalogue, each failing verdict is checked twice: the test cell as graded (the visible checks come first,
# so they usually speak), and its hidden block alone (the visible checks set aside), so that the hidden
# checks' messages, which a learner sees once their answer passes the visible ones, are held to the same
# standard.
# ----------------------------------------------------------------------------------------------------
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

#: The properties every failed check's feedback must have; the letters are those of the problems reported.
FEEDBACK_PROPERTIES = {
    "a": "names the call: the exercise's name (a constant's name), and for a function its inputs' shapes or values",
    "b": "shows what came back and what was expected, or states precisely which property was broken",
    "c": "carries a hint (a line 'hint: ...') that names the likely mistake",
    "d": "says it once: no line of what the feedback shows appears twice",
    "e": "is not a bare Python exception from inside the test (no call named, no traceback)",
    "f": "shows a network's parameters by their depth (the number of layers and their shapes), not cut short",
    "g": "quotes neither the hidden test's source nor the reference's working answer",
}
# Messages about the answer's code rather than about one call's result (a reference used, a time-out): they
# say what was broken without a call's inputs.
_ABOUT_THE_CODE = (
    "reference answer",
    "withheld",
    "not available while",
    "did not finish",
    "lost contact",
    "does not parse",
)
_PROPERTY_BROKEN = _ABOUT_THE_CODE + (
    "in place",
    "view of it",
    "not a new array",
    "overflowed",
    "changed its",
    "changed the",
    "not finite",
    "exactly on the boundary",
)
_BARE_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit)\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.]*\d)")


def hidden_block(source: str) -> str:
    return source.partition(HIDDEN_BEGIN)[2].partition(HIDDEN_END)[0]


def hidden_only(source: str) -> str:
    """Test cell ``source`` with its visible checks set aside: every top-level statement before the hidden block
    runs inside ``try/except Exception: pass`` (imports and definitions as they are, prints dropped), then the
    hidden block runs as written. The cell's ``# verifier-timeout`` line is kept."""
    from autograder.isolation.judge import _TIMEOUT_RE

    visible = source.partition(HIDDEN_BEGIN)[0]
    out = [ln for ln in visible.splitlines() if _TIMEOUT_RE.match(ln)]
    for node in ast.parse(visible).body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            out.append(ast.unparse(node))
        elif not (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "print"
        ):
            out.append("try:\n" + textwrap.indent(ast.unparse(node), "    ") + "\nexcept Exception:\n    pass")
    return "\n".join(out) + "\n" + hidden_block(source)


def feedback_shown(verdict: Verdict) -> str:
    """The text a learner's feedback shows for a test cell with this verdict: the cell's printed output, then
    the error, as apply_verdict writes them and RedactTestTracebacks leaves them."""
    from autograder.integration.preprocessors import RedactTestTracebacks, apply_verdict

    cell = nbformat.v4.new_code_cell(
        "", metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test", "points": 1}}
    )
    apply_verdict(cell, verdict.passed, verdict.message, verdict.output)
    RedactTestTracebacks().preprocess_cell(cell, {}, 0)
    shown = []
    for out in cell.outputs:
        if out.output_type == "stream":
            shown.append(out.text)
        elif out.output_type == "error":
            shown += list(out.traceback)
        else:
            shown.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(shown)


def _reference_value(name: str):
    """The reference's working answer when it is a value (AND_PARAMS), else None."""
    ref = reference(name)
    return None if callable(ref) else ref


def _numbers_of(value) -> set[float]:
    if isinstance(value, (list, tuple)):
        return set().union(*(_numbers_of(v) for v in value)) if value else set()
    try:
        return {abs(float(v)) for v in np.asarray(value, dtype=float).ravel()}
    except (TypeError, ValueError):
        return set()


def _reference_code_lines(name: str) -> list[str]:
    """The reference function's statements' lines (no docstring, no comments) that are long enough to be telling."""
    ref = reference(name)
    try:
        source = textwrap.dedent(inspect.getsource(ref))
    except (OSError, TypeError):
        return []
    tree = ast.parse(source)
    doc = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = source.splitlines()
    return [
        ln.strip()
        for i, ln in enumerate(lines, 1)
        if i not in doc and len(ln.strip()) >= 24 and not ln.strip().startswith(("#", "def ", "@"))
    ]


def _cut_short(line: str) -> bool:
    """A value's text cut off at its length limit: it ends in '...' with brackets left open."""
    body = line.rstrip()
    if not body.endswith("..."):
        return False
    opened = sum(body.count(c) for c in "([{")
    closed = sum(body.count(c) for c in ")]}")
    return opened > closed


def feedback_problems(lesson: str, name: str, verdict: Verdict, cell_source: str) -> list[str]:
    """The FEEDBACK_PROPERTIES that the feedback of the failed ``verdict`` on exercise ``name`` breaks, each as
    "(letter) what is wrong"; ``cell_source`` is the test cell the verdict is about."""
    message, shown = verdict.message.strip(), feedback_shown(verdict)
    low = message.lower()
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    problems = []
    is_function = callable(reference(name)) and bool(inspect.signature(reference(name)).parameters)
    about_code = any(p in low for p in _ABOUT_THE_CODE)
    # (a) the call
    if name not in message:
        problems.append(f"(a) does not name {name}")
    elif is_function and not about_code:
        named = [i for i, ln in enumerate(lines) if name in ln]
        described = any(
            re.search(r"\d|\(\*?\w*\(?[\"']", lines[i])  # numbers, shapes or a literal argument
            or (i + 1 < len(lines) and lines[i + 1].startswith("before"))
            for i in named
        )
        if not described:
            problems.append(f"(a) names {name} but not its inputs (no shapes or values where the call is named)")
    # (b) what came back and what was expected, or the property broken
    came_back = re.search(r"\b(returned|raised|gave|got|outputs?|is|are|has|lies)\b|; expected", low)
    expected = re.search(r"\b(expected|should|must|needed|allowed)\b", low)
    if not ((expected and came_back) or any(p in low for p in _PROPERTY_BROKEN)):
        problems.append("(b) shows no 'returned ... expected ...' and names no broken property")
    # (c) a hint
    if not re.search(r"(?im)^\s*hint: \S+(?:\s+\S+){3,}", message):
        problems.append("(c) no 'hint: ...' line naming the likely mistake")
    # (d) once
    seen: dict[str, int] = {}
    for ln in shown.splitlines():
        key = re.sub(r"^GradingFailure: ", "", ln).strip()
        if len(key.split()) >= 3 and not re.match(r"[\[\]\d.+-]", key):  # rows of an array may repeat
            seen[key] = seen.get(key, 0) + 1
    twice = [k for k, n in seen.items() if n > 1]
    if twice:
        problems.append(f"(d) says {twice[0]!r} {seen[twice[0]]} times")
    # (e) a bare exception
    if lines and (
        _BARE_EXCEPTION.match(lines[0]) or lines[0].lower().startswith(("your code raised", "the grader failed"))
    ):
        problems.append(f"(e) a bare exception: {lines[0][:120]!r}")
    if "Traceback (most recent call last)" in shown or "<instructor test cell>" in shown:
        problems.append("(e) shows a traceback")
    # (f) networks by their depth
    cut = [ln for ln in lines if _cut_short(ln)]
    if cut:
        problems.append(f"(f) a value cut short: {cut[0][-100:]!r}")
    if re.search(r"\[\(array\(|\[\[array\(", message) and not re.search(r"\b\d+ layers?\b", message):
        problems.append("(f) a list of layers shown without its depth (how many layers, which shapes)")
    # (g) no hidden source, no working answer
    leaked = [
        ln.strip()
        for ln in hidden_block(cell_source).splitlines()
        if len(ln.strip()) >= 25 and not ln.strip().startswith("#") and ln.strip() in shown
    ]
    leaked += [ln for ln in _reference_code_lines(name) if ln in shown]
    if leaked:
        problems.append(f"(g) quotes the hidden test or the reference: {leaked[0][:100]!r}")
    answer = _numbers_of(_reference_value(name)) - {0.0, 1.0}
    for ln in lines:
        if ln.lower().startswith("hint:") and any(abs(float(t)) in answer for t in _NUMBER.findall(ln)):
            problems.append(f"(g) the hint gives the reference's working answer away: {ln[:120]!r}")
            break
    return problems


def feedback_report(lesson: str, name: str, source: str) -> list[tuple[str, str, str, list[str]]]:
    """[(mode, grade_id, what the feedback shows, problems)] for every failing verdict of the wrong answer
    ``source`` to exercise ``name``: mode "graded" is the test cell as the grader runs it, "hidden" its hidden
    block alone (a NameError of a name that the set-aside visible checks did not bind is no message of the
    course, and is left out)."""
    cells = test_cells(session(lesson).nb, name)
    report = []
    for mode, tests in (("graded", None), ("hidden", hidden_only)):
        for cell, verdict in zip(cells, verdicts(lesson, name, source, tests=tests)):
            if verdict.passed:
                continue
            unbound = re.match(r"NameError: name '(\w+)' is not defined", verdict.message)
            if mode == "hidden" and unbound and unbound.group(1) != name:
                continue
            report.append(
                (
                    mode,
                    nbgrader_meta(cell)["grade_id"],
                    feedback_shown(verdict),
                    feedback_problems(lesson, name, verdict, cell.source),
                )
            )
    return report


def test_wrong_answer_feedback_says_why(request, wrong_variant):
    """Each failed check of a wrong answer says, once, which call failed, what it returned and what was
    expected, and the likely mistake (FEEDBACK_PROPERTIES), without the hidden test or the working answer."""
    name, source = wrong_variant
    report = feedback_report(request.module.LESSON, name, source)
    bad = [
        f"[{mode} {grade_id}] {'; '.join(problems)}\n{textwrap.indent(shown, '    | ')}"
        for mode, grade_id, shown, problems in report
        if problems
    ]
    assert not bad, f"{name}: the feedback on this wrong answer does not say why:\n" + "\n".join(bad)
