"""nbgrader in the browser: the Validate button of its JupyterLab extension, and the instructor's formgrader."""

from __future__ import annotations

import nbformat
import pytest

from tests.browser.lab import Notebook, discover_notebooks, is_graded_test_cell, open_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def validate_lesson() -> str | None:
    """The first lesson, in course order, that has graded test cells and both a solution and a release."""
    found = discover_notebooks()
    for notebook in found:
        if notebook.kind == "solution" and Notebook(notebook.lesson, "release") in found:
            if any(is_graded_test_cell(c) for c in nbformat.read(notebook.path, as_version=4).cells):
                return notebook.lesson
    return None


LESSON = validate_lesson()
needs_lesson = pytest.mark.skipif(LESSON is None, reason="no lesson has graded cells and a release yet")


def validate(page, lab, notebook: Notebook):
    """Open the notebook, press Validate in its toolbar, and return the header and the dialog."""
    open_notebook(page, lab, notebook.relpath)
    button = page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-item:has-text('Validate') button")
    assert button.count() == 1, "no Validate button in the notebook toolbar: is @jupyter/nbgrader enabled?"
    button.click()
    dialog = page.locator(".jp-Dialog:has(.jp-Dialog-header:has-text('Validat'))")
    dialog.wait_for(state="visible", timeout=180_000)
    header = dialog.locator(".jp-Dialog-header").inner_text().strip()
    return header, dialog


@needs_lesson
def test_validate_button_passes_the_solution(page, lab):
    header, dialog = validate(page, lab, Notebook(LESSON, "solution"))
    text = dialog.locator(".jp-Dialog-body").inner_text()
    assert header == "Validation Results", f"{LESSON}: Validate answered {header!r}: {text[:800]}"
    assert dialog.locator(".validation-success").count() >= 1, f"{LESSON} solution does not validate:\n{text[:1500]}"
    assert "Success! Your notebook passes all the tests." in text


@needs_lesson
def test_validate_button_fails_the_blank_release(page, lab):
    header, dialog = validate(page, lab, Notebook(LESSON, "release"))
    text = dialog.locator(".jp-Dialog-body").inner_text()
    assert header == "Validation Results", f"{LESSON}: Validate answered {header!r}: {text[:800]}"
    assert dialog.locator(".validation-failed").count() >= 1, f"{LESSON} blank release validates:\n{text[:1500]}"
    assert "NotImplementedError" in text, f"the failure does not name the stub's NotImplementedError:\n{text[:1500]}"


def test_formgrader_page_lists_the_lessons(page, lab):
    page.goto(lab.url("formgrader"))
    page.wait_for_url("**/formgrader/manage_assignments**")
    lessons = sorted({nb.lesson for nb in discover_notebooks() if nb.kind == "solution"})
    page.locator("h1:text-is('Manage Assignments')").wait_for(state="visible")
    rows = page.locator("table tbody tr")
    for lesson in lessons:  # the table fills in from formgrader's API
        rows.filter(has_text=lesson).first.wait_for(state="visible", timeout=30_000)
