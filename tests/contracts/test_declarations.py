"""Every exercise contract agrees with its exercise: the notebook's signature, the catalogue and the test cells
(test_references.py: the nnlib reference keeps every clause of its own contract)."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from autograder.catalogue import REFERENCES
from nnlib.contracts import CONTRACTS
from tests.support.notebooks import is_solution_cell, is_test_cell, nbgrader_meta, solution_path

NAMES = sorted(CONTRACTS)


def _solution_def(lesson: str, name: str) -> ast.FunctionDef:
    nb = nbformat.read(solution_path(lesson), as_version=4)
    for cell in nb.cells:
        if is_solution_cell(cell) and nbgrader_meta(cell).get("grade_id") == name:
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef) and node.name == name:
                    return node
    raise AssertionError(f"no def {name}(...) in the solution cell {name!r} of {lesson}")


def _signature(node: ast.FunctionDef) -> str:
    """The parameters as ast writes them back (``eps=1e-06``, ``*, epochs=40``), so spellings compare equal."""
    args = node.args.args
    defaults = [None] * (len(args) - len(node.args.defaults)) + list(node.args.defaults)
    parts = [a.arg + ("" if d is None else "=" + ast.unparse(d)) for a, d in zip(args, defaults)]
    if node.args.kwonlyargs:
        parts.append("*")
        parts += [
            a.arg + ("" if d is None else "=" + ast.unparse(d))
            for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults)
        ]
    return ", ".join(parts)


def _declared(signature: str) -> str:
    return _signature(ast.parse(f"def f({signature}):\n    pass\n").body[0])


@pytest.mark.parametrize("name", NAMES)
def test_contract_names_an_exercise_of_its_lesson(name):
    spec = CONTRACTS[name]
    assert name in REFERENCES.get(spec.lesson, {}), f"{name}: not an exercise of {spec.lesson} in the catalogue"
    assert REFERENCES[spec.lesson][name] == spec.reference, (
        f"{name}: the contract's reference {spec.reference} is not the catalogue's {REFERENCES[spec.lesson][name]}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_signature_matches_the_contract(name):
    spec = CONTRACTS[name]
    found = _signature(_solution_def(spec.lesson, name))
    assert found == _declared(spec.signature), (
        f"{name}: the notebook defines {name}({found}) but its contract declares "
        f"{name}({spec.signature}); fix whichever is wrong"
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_test_cell_of_the_exercise_checks_and_grades_its_contract(name):
    spec = CONTRACTS[name]
    nb = nbformat.read(solution_path(spec.lesson), as_version=4)
    cells = [
        c
        for c in nb.cells
        if is_test_cell(c)
        and nbgrader_meta(c)["grade_id"] in (f"test_{name}",)
        or is_test_cell(c)
        and nbgrader_meta(c)["grade_id"].startswith(f"test_{name}_")
    ]
    cells = [
        c
        for c in cells
        if not any(
            nbgrader_meta(c)["grade_id"].startswith(f"test_{other}")
            for other in REFERENCES[spec.lesson]
            if other != name and other.startswith(name) and len(other) > len(name)
        )
    ]
    assert cells, f"{name}: no test cell"
    for cell in cells:
        visible, _, hidden = cell.source.partition("### BEGIN HIDDEN TESTS")
        assert re.search(rf"check_examples\(['\"]{name}['\"], {name}\b", visible), (
            f"{nbgrader_meta(cell)['grade_id']}: the instant check does not run the contract's visible calls"
        )
        assert re.search(rf"grade\(['\"]{name}['\"], {name}\b", hidden), (
            f"{nbgrader_meta(cell)['grade_id']}: the hidden block does not grade the contract"
        )


@pytest.mark.parametrize("name", NAMES)
def test_every_clause_states_a_sentence(name):
    for clause in CONTRACTS[name].clauses():
        assert clause.key and clause.sentence and len(clause.sentence) > 10, f"{name}: clause {clause} says nothing"


def test_the_committed_table_of_clauses_is_current():
    from pathlib import Path

    from nnlib.contracts.__main__ import table

    committed = (Path(__file__).resolve().parents[2] / "CONTRACTS.md").read_text()
    assert committed.strip() == table().strip(), "CONTRACTS.md is stale: python -m nnlib.contracts > CONTRACTS.md"
