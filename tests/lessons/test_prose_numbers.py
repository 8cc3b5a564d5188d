"""Numbers that the prose quotes from a run must be numbers the run prints.

Convention (CONTRIBUTING.md, "numbers in prose"): a markdown cell that quotes a number from a cell's output wraps it
in `<span class="printed">…</span>`, e.g. `<span class="printed">96.7 %</span>`. It renders as plain text. This
test executes every solution notebook that has such marks, once, as a learner's kernel runs it (without the
hidden tests, which the release strips), and checks that each marked number appears
among the numbers printed by the notebook's code cells (the prose may describe a cell above or the cell just
below it), at the precision the prose gives
("0.4" is matched by a printed "0.4000", "96.7 %" by "96.7%"; a printed "96.74%" rounds to the quoted 96.7).

A number the prose types but no cell prints cannot be checked: wrap it only when a cell above prints it.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.support.notebooks import execute, solution_path, written_lessons

MARK = re.compile(r'<span class="printed">(.*?)</span>', re.S)
NUMBER = re.compile(r"[-+−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _value(token: str) -> tuple[float, int]:
    """A number token as (value, decimals shown): '96.7' -> (96.7, 1), '1,078' -> (1078.0, 0), '2.3e-6' -> exact."""
    token = token.replace("−", "-").replace(",", "")
    if "e" in token.lower():
        return float(token), -1
    decimals = len(token.split(".")[1]) if "." in token else 0
    return float(token), decimals


def marked_numbers(markdown: str) -> list[tuple[str, float, int]]:
    """Every number inside a printed-mark of `markdown`, as (the marked text, value, decimals)."""
    found = []
    for text in MARK.findall(markdown):
        tokens = NUMBER.findall(text)
        if len(tokens) != 1:
            raise ValueError(f"a printed-mark must hold exactly one number, got {text!r}")
        found.append((text, *_value(tokens[0])))
    return found


def printed_values(outputs_text: str) -> list[tuple[float, int]]:
    return [_value(token) for token in NUMBER.findall(outputs_text)]


def agrees(value: float, decimals: int, printed: list[tuple[float, int]]) -> bool:
    """Whether some printed number, rounded to the quoted precision, equals the quoted value."""
    for number, _ in printed:
        if decimals < 0:
            if abs(number - value) <= 1e-9 * max(abs(value), 1e-300) or f"{number:.1e}" == f"{value:.1e}":
                return True
        elif abs(round(number, decimals) - value) < 0.5 * 10.0 ** (-decimals - 3):
            return True
    return False


def _output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        elif "data" in output and "text/plain" in output["data"] and "image/png" not in output["data"]:
            parts.append(output["data"]["text/plain"])
    return "\n".join(parts)


def disagreements(nb) -> list[str]:
    """For an executed notebook: each marked number that no code cell of the notebook prints."""
    printed = [v for cell in nb.cells if cell.cell_type == "code" for v in printed_values(_output_text(cell))]
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for text, value, decimals in marked_numbers(cell.source):
                if not agrees(value, decimals, printed):
                    problems.append(f"cell {index} ({cell.get('id')}): the prose quotes {text!r}, which no cell prints")
    return problems


def lessons_with_marks() -> list[str]:
    return [
        lesson
        for lesson in written_lessons()
        if any(
            c.cell_type == "markdown" and MARK.search(c.source)
            for c in nbformat.read(solution_path(lesson), as_version=4).cells
        )
    ]


def test_the_checker_catches_a_number_the_run_does_not_print():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("print('accuracy 96.74%')"),
        nbformat.v4.new_markdown_cell(
            'It reaches <span class="printed">96.7 %</span>, not <span class="printed">97.5 %</span>.'
        ),
        nbformat.v4.new_markdown_cell(
            'The cell below prints <span class="printed">0.42</span>, and <span class="printed">3.1e-05</span>.'
        ),
        nbformat.v4.new_code_cell("print(0.42)"),
    ]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="accuracy 96.74%\n")]
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.42\n")]
    problems = disagreements(nb)
    assert len(problems) == 2
    assert "'97.5 %'" in problems[0]  # never printed
    assert "'3.1e-05'" in problems[1]  # never printed; 0.42 is, by the cell below


def test_precision_and_formats():
    assert agrees(0.4, 1, printed_values("after 3 tents: 0.4000"))
    assert agrees(1078, 0, printed_values("1,078 training digits"))
    assert agrees(2.3e-6, -1, printed_values("spread 2.3e-06"))
    assert not agrees(0.41, 2, printed_values("0.4000"))
    with pytest.raises(ValueError, match="exactly one number"):
        marked_numbers('<span class="printed">between 3 and 4</span>')


def test_some_lesson_marks_its_printed_numbers():
    assert lessons_with_marks(), 'no lesson uses <span class="printed">: the check below would check nothing'


HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.S)


def as_learners_run_it(nb):
    """The solution notebook as a learner's kernel runs it: the release (hidden tests stripped, which nbgrader's
    release does) with the answers in. Hidden tests draw from and assign names of the lesson (``rng``, ``X``…): run
    with them, the demonstrations after a test cell would print numbers no learner sees."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = HIDDEN.sub("", cell.source)
    return nb


def test_the_learners_run_has_no_hidden_test():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("check()\n### BEGIN HIDDEN TESTS\nrng = 1\n### END HIDDEN TESTS\nx = 2")]
    assert as_learners_run_it(nb).cells[0].source == "check()\nx = 2"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", lessons_with_marks())
def test_prose_numbers_agree_with_the_run(lesson, tmp_path):
    nb = as_learners_run_it(nbformat.read(solution_path(lesson), as_version=4))
    nb, _ = execute(nb, solution_path(lesson).parent, timeout=600)
    problems = disagreements(nb)
    assert not problems, f"{lesson}: prose and run disagree:\n  " + "\n  ".join(problems)
