"""Measure how often the learner's instant check agrees with the grade.

    python benchmarks/instant_check_agreement.py [--solutions DIR] [lesson ...]
                                                   (all lessons with variants; DIR defaults to solutions/)

For every lesson with a variants file ``tests/lessons/test_<lesson>_variants.py`` and every WRONG and RIGHT
variant of every exercise in it, the lesson's solution notebook runs once in a plain Jupyter kernel (no
sandbox: the instant check is the learner's side), in the solution folder, without its test cells. Then, per
variant, the variant runs in place of the exercise's answer (as tests/support/lesson_grading.py does), the
exercise's *visible* instant-check cell(s) run (the test cells with their hidden part stripped, i.e. what the
release shows the learner), and the solution's answer is put back. An exception in a check cell means the
check caught the variant; no exception means "all visible checks passed".

A WRONG variant is known to lose its points at grading (tests/lessons checks that), so a wrong variant the
instant check lets through is a learner told "passed" who then loses the points. The script prints, per
lesson and exercise, wrong caught / total and right accepted / total (the solution's own answer counts as a
right one), the overall figures, and the wrong variants that slip through. It is a benchmark (it prints figures); tests/lessons/test_instant_checks.py
asserts on the same measurement.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbformat.notebooknode import NotebookNode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.catalogue import LESSONS, exercise_of  # noqa: E402

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)
SOLUTIONS = ROOT / "solutions"  # --solutions DIR measures other notebooks (e.g. an older commit's) against
# today's catalogue of variants
VARIANT_TIMEOUT = 120  # seconds per variant or check cell: one that runs for ever counts as caught
NOTEBOOK_CELL_TIMEOUT = 600  # seconds per cell of the solution notebook itself (a loaded machine is slow)


class _Client(NotebookClient):
    """nbclient without display updates: the cells it runs here are throw-away copies, so an update to a
    display (a progress bar) has no output to land in."""

    def _update_display_id(self, display_id, msg):
        return None


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell) -> bool:
    m = _meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def visible_source(cell) -> str:
    """What the release shows of a test cell: its source without the hidden tests."""
    return HIDDEN.sub("", cell.source)


def variants_module(lesson: str):
    name = "test_" + lesson.replace("-", "_") + "_variants"
    path = ROOT / "tests" / "lessons" / f"{name}.py"
    if not path.exists():
        return None
    return importlib.import_module(f"tests.lessons.{name}")


def comments(lesson: str) -> dict:
    """{(table, exercise, index): the comment lines written just above that variant in the variants file}."""
    module = variants_module(lesson)
    if module is None:
        return {}
    text = Path(module.__file__).read_text()
    lines = text.splitlines()
    found = {}

    def note(elt) -> str:
        lines_above, j = [], elt.lineno - 2
        while j >= 0 and lines[j].strip().startswith("#"):
            lines_above.insert(0, lines[j].strip().lstrip("#").strip())
            j -= 1
        return " ".join(lines_above)

    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in ("WRONG", "RIGHT") and isinstance(node.value, ast.Dict):
            table, items = target.id, list(zip(node.value.keys, node.value.values))
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id in ("WRONG", "RIGHT")
            and isinstance(target.slice, ast.Constant)
        ):
            table, items = target.value.id, [(target.slice, node.value)]
        else:
            continue
        for key, value in items:
            if isinstance(key, ast.Constant) and isinstance(value, (ast.List, ast.Tuple)):
                for i, elt in enumerate(value.elts):
                    found[(table, key.value, i)] = note(elt)
    return found


def describe(source: str, note: str = "") -> str:
    """A variant's one-line description: its comment in the variants file, else its first comment line."""
    if note:
        return note
    for line in source.splitlines():
        if line.strip().startswith("#"):
            return line.strip().lstrip("#").strip()
    return source.splitlines()[0] if source else "(empty)"


@dataclass
class Result:
    lesson: str
    exercise: str
    kind: str  # "wrong" or "right"
    index: int  # position in the WRONG/RIGHT list
    source: str
    caught: bool  # a visible check cell raised
    message: str = ""  # the first line of the failure, if any
    note: str = ""  # the variant's comment in the variants file

    @property
    def label(self) -> str:
        return f"{self.lesson} {self.exercise} {self.kind.upper()}[{self.index}]: {describe(self.source, self.note)}"


@dataclass
class Session:
    """A plain kernel that ran the lesson's solution notebook without its test cells."""

    lesson: str
    client: _Client = field(init=False)
    answers: dict = field(default_factory=dict)  # exercise -> (cell index, solution source)
    checks: dict = field(default_factory=dict)  # exercise -> [visible check sources]

    def __post_init__(self):
        path = SOLUTIONS / self.lesson / f"{self.lesson}.ipynb"
        nb = nbformat.read(path, as_version=4)
        self.client = _Client(
            nb,
            timeout=VARIANT_TIMEOUT,
            kernel_name="python3",
            allow_errors=False,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        self._kernel = self.client.setup_kernel()
        self._kernel.__enter__()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            m = _meta(cell)
            if _is_test(cell):
                self.checks.setdefault(exercise_of(m.get("grade_id", "")), []).append(visible_source(cell))
                continue
            if m.get("solution"):
                self.answers[m["grade_id"]] = (index, cell.source)
            ok, msg = self.run(cell.source, index, timeout=NOTEBOOK_CELL_TIMEOUT)
            if not ok:
                raise RuntimeError(f"{self.lesson}: solution cell {index} fails: {msg}")

    def run(self, source: str, index: int = 0, timeout: int = VARIANT_TIMEOUT) -> tuple[bool, str]:
        cell = NotebookNode(cell_type="code", metadata={}, outputs=[], execution_count=None, source=source)
        self.client.timeout = timeout
        try:
            self.client.execute_cell(cell, index)
        except CellTimeoutError:
            return False, f"timed out after {timeout} s"
        except CellExecutionError as exc:
            return False, _first_line(exc)
        finally:
            self.client.timeout = VARIANT_TIMEOUT
        return True, ""

    def try_variant(self, name: str, source: str) -> tuple[bool, str]:
        """Run ``source`` in place of answer ``name``, then its visible checks; True, msg when caught."""
        index, original = self.answers[name]
        try:
            self.run(f"try:\n    del {name}\nexcept NameError:\n    pass\n", index)
            ok, msg = self.run(source, index)
            if not ok:
                return True, "the answer cell itself raises: " + msg
            for check in self.checks[name]:
                ok, msg = self.run(check, index)
                if not ok:
                    return True, msg
            return False, ""
        finally:
            self.run(f"try:\n    del {name}\nexcept NameError:\n    pass\n", index)
            ok, msg = self.run(original, index)
            if not ok:
                raise RuntimeError(f"{self.lesson}: restoring {name} failed: {msg}")

    def close(self):
        self._kernel.__exit__(None, None, None)


def _first_line(exc: CellExecutionError) -> str:
    ename = getattr(exc, "ename", "") or ""
    evalue = (getattr(exc, "evalue", "") or "").strip().splitlines()
    return f"{ename}: {evalue[0] if evalue else ''}".strip()


def measure(lesson: str) -> list[Result]:
    module = variants_module(lesson)
    if module is None:
        return []
    notes = comments(lesson)
    session = Session(lesson)
    results = []
    try:
        for name, (_index, original) in session.answers.items():  # the solution's own answer first
            if name in module.RIGHT:
                caught, msg = session.try_variant(name, original)
                results.append(
                    Result(lesson, name, "right", -1, original, caught, msg, "the solution notebook's own answer")
                )
        for kind, table in (("wrong", module.WRONG), ("right", module.RIGHT)):
            for name, sources in table.items():
                for i, source in enumerate(sources):
                    caught, msg = session.try_variant(name, source)
                    results.append(
                        Result(lesson, name, kind, i, source, caught, msg, notes.get((kind.upper(), name, i), ""))
                    )
    finally:
        session.close()
    return results


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f} %" if b else "   -   "


def report(results: list[Result]) -> None:
    lessons = sorted({r.lesson for r in results})
    print(f"{'lesson':<16} {'exercise':<28} {'wrong caught':>14} {'right accepted':>15}")
    for lesson in lessons:
        rows = [r for r in results if r.lesson == lesson]
        for name in dict.fromkeys(r.exercise for r in rows):
            w = [r for r in rows if r.exercise == name and r.kind == "wrong"]
            g = [r for r in rows if r.exercise == name and r.kind == "right"]
            wc, ga = sum(r.caught for r in w), sum(not r.caught for r in g)
            print(
                f"{lesson:<16} {name:<28} {wc:>6}/{len(w):<3} {'' if wc == len(w) else '<':1}   "
                f"{ga:>6}/{len(g):<3} {'' if ga == len(g) else '<':1}"
            )
        w = [r for r in rows if r.kind == "wrong"]
        g = [r for r in rows if r.kind == "right"]
        wc, ga = sum(r.caught for r in w), sum(not r.caught for r in g)
        print(
            f"{lesson:<16} {'(lesson)':<28} {wc:>6}/{len(w):<3} {_pct(wc, len(w))}  {ga:>4}/{len(g):<3} "
            f"{_pct(ga, len(g))}"
        )
    w = [r for r in results if r.kind == "wrong"]
    g = [r for r in results if r.kind == "right"]
    wc, ga = sum(r.caught for r in w), sum(not r.caught for r in g)
    print(
        f"\nOVERALL: wrong caught by the instant check {wc}/{len(w)} = {_pct(wc, len(w))}; "
        f"right accepted {ga}/{len(g)} = {_pct(ga, len(g))}"
    )
    slips = [r for r in w if not r.caught]
    if slips:
        print("\nWrong variants that pass the instant check (and lose their points at grading):")
        for r in slips:
            print(f"  {r.label}")
    rejected = [r for r in g if r.caught]
    if rejected:
        print("\nCorrect variants the instant check rejects:")
        for r in rejected:
            print(f"  {r.label}\n      {r.message}")


def main(argv: list[str]) -> int:
    global SOLUTIONS
    if argv[:1] == ["--solutions"]:
        SOLUTIONS, argv = Path(argv[1]).resolve(), argv[2:]
    lessons = argv or [lesson for lesson in LESSONS if variants_module(lesson) is not None]
    results = []
    for lesson in lessons:
        t0 = time.perf_counter()
        rs = measure(lesson)
        results += rs
        print(f"[{lesson}: {len(rs)} variants in {time.perf_counter() - t0:.1f} s]", file=sys.stderr)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
