"""Helpers shared by the notebook and grading tests: where lessons live and how to run them."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.catalogue import LESSONS, exercise_of
from autograder.isolation.judge import free_names

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


def solution_path(lesson: str) -> Path:
    return ROOT / "solutions" / lesson / f"{lesson}.ipynb"


def release_path(lesson: str) -> Path:
    return ROOT / "notebooks" / lesson / f"{lesson}.ipynb"


def written_lessons() -> list[str]:
    """The catalogue's lessons whose solution notebook exists (lessons land one by one)."""
    return [lesson for lesson in LESSONS if solution_path(lesson).exists()]


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_solution_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("solution"))


def test_cells(nb, exercise: str | None = None) -> list:
    return [
        c
        for c in nb.cells
        if is_test_cell(c) and (exercise is None or exercise_of(nbgrader_meta(c).get("grade_id", "")) == exercise)
    ]


def execute(nb, cwd: Path, timeout: int = 120, extra_cells: list[str] = ()) -> tuple:
    """Execute ``nb`` in a fresh kernel (errors allowed), then each of ``extra_cells``; return (nb, extras)."""
    extras = [nbformat.v4.new_code_cell(src) for src in extra_cells]
    n_cells = len(nb.cells)
    nb.cells.extend(extras)  # nbclient addresses cells by their index in the notebook
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(cwd)}}
    )
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    finally:
        extras = nb.cells[n_cells:]
        del nb.cells[n_cells:]
    return nb, extras


def test_names(nb) -> list[str]:
    return sorted({n for c in test_cells(nb) for n in free_names(c.source)})
