"""benchmarks/newcomer_trial.py: its packets hold what the protocol says, and `grade` scores answered notebooks
through the course's real pipeline (nbgrader autograde, sandbox, judge), exercise by exercise."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys

import nbformat

from tests.support.notebooks import (
    ROOT,
    is_solution_cell,
    is_test_cell,
    nbgrader_meta,
    release_path,
    solution_path,
    written_lessons,
)

from .course import replace_answer

_spec = importlib.util.spec_from_file_location("newcomer_trial", ROOT / "benchmarks" / "newcomer_trial.py")
trial = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("newcomer_trial", trial)  # dataclasses look their module up by name
_spec.loader.exec_module(trial)

LESSON = "01-neuron"


def test_cells_only_keeps_title_setup_and_each_exercise_with_its_text_and_checks():
    for lesson in written_lessons():
        nb = nbformat.read(release_path(lesson), as_version=4)
        small = trial.cells_only(nb)
        assert small.cells[0].source == nb.cells[0].source, f"{lesson}: the title cell comes first"
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert any(c.source == first_code.source for c in small.cells), f"{lesson}: the setup cell is kept"
        graded = [nbgrader_meta(c)["grade_id"] for c in nb.cells if is_solution_cell(c) or is_test_cell(c)]
        kept = [nbgrader_meta(c)["grade_id"] for c in small.cells if is_solution_cell(c) or is_test_cell(c)]
        assert kept == graded, f"{lesson}: every stub and instant check, in order"
        for i, cell in enumerate(small.cells):
            if is_solution_cell(cell):
                assert small.cells[i - 1].cell_type == "markdown", f"{lesson}: the exercise's text before its stub"
        assert len(small.cells) < len(nb.cells), f"{lesson}: the lesson's explanations are left out"


def test_grade_scores_each_exercise_through_the_pipeline(tmp_path):
    """Solved: full points; the release's stubs: zero; one wrong answer: that exercise alone loses its points."""
    source = nbformat.read(solution_path(LESSON), as_version=4)
    release = nbformat.read(release_path(LESSON), as_version=4)
    wrong = replace_answer(source, "weighted_sum", "def weighted_sum(x, w, b):\n    return np.sum(x * w) + b\n")
    answers = tmp_path / "answers"
    for trial_name, attempt, nb in (
        ("full", "final", source),
        ("full", "first", wrong),
        ("cells-only", "first", release),
        ("cells-only", "final", trial.cells_only(copy.deepcopy(source))),
    ):
        (answers / trial_name / attempt).mkdir(parents=True)
        nbformat.write(nb, answers / trial_name / attempt / f"{LESSON}.ipynb")
    out = tmp_path / "table.csv"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "newcomer_trial.py"), "grade", str(answers), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {}
    for line in out.read_text().splitlines()[1:]:
        lesson, trial_name, attempt, exercise, score, max_score, full, note = line.split(",")
        rows[(trial_name, attempt, exercise)] = (float(score), float(max_score))
    exercises = [nbgrader_meta(c)["grade_id"] for c in source.cells if is_solution_cell(c)]
    for name in exercises:
        assert rows[("full", "final", name)][0] == rows[("full", "final", name)][1] > 0, name
        assert rows[("cells-only", "final", name)][0] == rows[("cells-only", "final", name)][1], name
        assert rows[("cells-only", "first", name)][0] == 0, name
        lost = rows[("full", "first", name)][0] < rows[("full", "first", name)][1]
        assert lost == (name == "weighted_sum"), name
    n = len(exercises)
    assert f"| full | first | {n - 1} / {n} =" in done.stdout
    assert f"| cells-only | first | 0 / {n} = 0 %" in done.stdout
    assert "weighted_sum (0/1)" in done.stdout


def test_grade_names_what_it_cannot_read(tmp_path):
    """A notebook that is not ANSWERS/<trial>/<attempt>/<lesson>.ipynb is named, never graded as something else."""
    (tmp_path / "full" / "first").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "full" / "first" / "not-a-lesson.ipynb")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "newcomer_trial.py"), "grade", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "not-a-lesson" in done.stderr and "not a lesson" in done.stderr
