"""Every exercise says, where the learner writes it, which nnlib functions it may use and that nnlib's own
version of it (the reference, which the grader withholds) scores zero (issue 11, item 4)."""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.catalogue import REFERENCES
from tests.support.notebooks import is_solution_cell, nbgrader_meta, solution_path, written_lessons


def _exercise_texts(lesson: str) -> dict[str, str]:
    """{exercise: its solution cell's text before the solution, joined with the markdown cell introducing it}."""
    nb = nbformat.read(solution_path(lesson), as_version=4)
    texts = {}
    for i, cell in enumerate(nb.cells):
        if is_solution_cell(cell):
            intro = next((c.source for c in reversed(nb.cells[:i]) if c.cell_type == "markdown"), "")
            texts[nbgrader_meta(cell)["grade_id"]] = " ".join(
                (intro + "\n" + cell.source.partition("### BEGIN SOLUTION")[0]).replace("#", " ").split()
            )
    return texts


@pytest.mark.parametrize("lesson", written_lessons())
def test_every_exercise_says_which_nnlib_functions_it_may_use(lesson):
    texts = _exercise_texts(lesson)
    assert set(texts) == set(REFERENCES[lesson]), f"{lesson}: solution cells {sorted(texts)}"
    for name, text in texts.items():
        assert "May use:" in text, f"{lesson} {name}: the exercise does not say what it may use"
        said = re.search(rf"(Calling|Copying) nnlib's {re.escape(name)} \(([^)]*)\)[^.]*scores zero", text)
        assert said, f"{lesson} {name}: the exercise does not say that calling nnlib's {name} scores zero"
        module, attr = REFERENCES[lesson][name].split(":")
        assert attr in said.group(2) or f"{module}.{attr}" in said.group(2), (
            f"{lesson} {name}: the exercise names nnlib's version as {said.group(2)!r}"
        )
