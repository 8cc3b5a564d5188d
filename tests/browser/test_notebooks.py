"""Every lesson, release and solution, as a learner meets it: opened in JupyterLab in Chromium, Run All Cells.

Each notebook runs once (tests/browser/conftest.py keeps its tests together); the tests below then look at
the same live page. Lessons are found at collection time, so a lesson is covered as soon as it lands.
"""

from __future__ import annotations

import base64
import re
import time

import nbformat
import pytest

from tests.browser.lab import (
    WIDGET_MIME,
    WIDGET_PLACEHOLDER,
    Notebook,
    blank_reason,
    defined_names,
    discover_notebooks,
    executed,
    nbgrader_meta,
    promises_widget,
    prompts,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

NOTEBOOKS = discover_notebooks()
SOLUTIONS = [nb for nb in NOTEBOOKS if nb.kind == "solution"]
RELEASES = [nb for nb in NOTEBOOKS if nb.kind == "release"]
OUTPUTS = ".jp-OutputArea-output"


def widget_cells(run) -> list[int]:
    """Cells that show a widget: a widget view among their saved outputs, or an explorer call that ran cleanly."""
    errored = {index for index, _, _ in run.errors}
    found = []
    for index, cell in enumerate(run.saved.cells):
        if cell.cell_type != "code":
            continue
        has_view = any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", []))
        if has_view or (promises_widget(cell) and index not in errored):
            found.append(index)
    return found


def short(text: str, limit: int = 160) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    return text if len(text) <= limit else text[:limit] + "…"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_run_all_executes_every_code_cell(runner, notebook):
    run = runner.get(notebook)
    marks = prompts(run.page)
    code = [i for i, cell in enumerate(run.saved.cells) if cell.cell_type == "code"]
    not_run = [i for i in code if not executed(marks[i])]
    assert not not_run, f"{notebook}: cells {not_run} show no execution count after Run All ({run.seconds:.0f} s)"
    assert all(run.saved.cells[i].execution_count for i in code), f"{notebook}: the saved notebook lacks counts"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=str)
def test_solution_shows_no_error_output(runner, notebook):
    run = runner.get(notebook)
    shown = [f"cell {i}: {ename}: {short(evalue)}" for i, ename, evalue in run.errors]
    assert not shown, f"{notebook} shows error output after Run All:\n  " + "\n  ".join(shown)


@pytest.mark.parametrize("notebook", RELEASES, ids=str)
def test_release_fails_only_with_exercise_stubs(runner, notebook):
    """NotImplementedError from a stub, or a NameError for a name that only a failed cell (a stub, or a cell
    using a stubbed answer) would have defined."""
    run = runner.get(notebook)
    solution = Notebook(notebook.lesson, "solution").path
    by_grade_id = {}
    if solution.exists():
        for cell in nbformat.read(solution, as_version=4).cells:
            if nbgrader_meta(cell).get("grade_id") and cell.cell_type == "code":
                by_grade_id[nbgrader_meta(cell)["grade_id"]] = cell.source
    failed_names: set[str] = set()
    unexpected = []
    for index, ename, evalue in run.errors:
        if ename == "NameError":
            match = re.search(r"name '(\w+)' is not defined", evalue)
            if not match or match.group(1) not in failed_names:
                unexpected.append(f"cell {index}: NameError: {short(evalue)} (no failed cell before defines it)")
        elif ename != "NotImplementedError":
            unexpected.append(f"cell {index}: {ename}: {short(evalue)}")
        cell = run.saved.cells[index]
        failed_names |= defined_names(cell.source)
        failed_names |= defined_names(by_grade_id.get(nbgrader_meta(cell).get("grade_id"), ""))
    assert not unexpected, (
        f"{notebook}: errors other than the exercise stubs' NotImplementedError after Run All "
        f"(and Run Selected Cell and All Below after each stop):\n  " + "\n  ".join(unexpected)
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_figures_show_as_non_blank_images(runner, notebook):
    run = runner.get(notebook)
    problems = []
    for index, cell in enumerate(run.saved.cells):
        pngs = [out["data"]["image/png"] for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]
        if not pngs:
            continue
        shown = run.cell(index).locator(f"{OUTPUTS} img")
        loaded = shown.evaluate_all("imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length")
        if loaded < len(pngs):
            problems.append(f"cell {index}: {len(pngs)} figure(s) in the outputs, {loaded} image(s) shown")
        for png in pngs:
            reason = blank_reason(base64.b64decode(png))
            if reason:
                problems.append(f"cell {index}: blank figure ({reason})")
    assert not problems, f"{notebook}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_widgets_render_as_live_controls(runner, notebook):
    run = runner.get(notebook)
    problems = []
    for index in widget_cells(run):
        outputs = run.cell(index).locator(OUTPUTS)
        try:
            run.cell(index).locator(f"{OUTPUTS} .jupyter-widgets").first.wait_for(state="visible", timeout=20_000)
        except Exception:  # noqa: BLE001 - reported below with what the cell shows instead
            problems.append(
                f"cell {index}: no live widget; the output shows {short(outputs.all_inner_texts()[0] if outputs.count() else '(nothing)')!r}"
            )
            continue
        texts = run.cell(index).locator(f"{OUTPUTS}:not(:has(.jupyter-widgets))").all_inner_texts()
        placeholders = [t for t in texts if WIDGET_PLACEHOLDER.search(t)]
        if placeholders:
            problems.append(f"cell {index}: a widget shown as text: {short(placeholders[0])!r}")
    assert not problems, f"{notebook}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_widget_controls_have_visible_labels(runner, notebook):
    run = runner.get(notebook)
    unlabelled = []
    for index in widget_cells(run):
        controls = run.cell(index).locator(
            f"{OUTPUTS} :is(.widget-slider, .widget-dropdown, .widget-checkbox, .widget-text, .widget-toggle-buttons,"
            f" .widget-radio, .widget-select)"
        )
        labels = controls.evaluate_all(
            "els => els.map(e => [...e.querySelectorAll('.widget-label, .widget-label-basic')]"
            "  .map(l => l.textContent).join('').replace(/\\u200b/g, '').trim())"
        )
        unlabelled += [f"cell {index}: control {n} of {len(labels)}" for n, text in enumerate(labels) if not text]
    assert not unlabelled, f"{notebook}: widget controls without a visible description:\n  " + "\n  ".join(unlabelled)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_widget_descriptions_are_not_cut_off(runner, notebook):
    """ipywidgets gives a description a fixed width and cuts longer ones ("learning r…") with no tooltip."""
    run = runner.get(notebook)
    cut = []
    for index in widget_cells(run):
        labels = run.cell(index).locator(f"{OUTPUTS} .widget-label")
        cut += [
            f"cell {index}: {text!r}"
            for text in labels.evaluate_all(
                "els => els.filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
            )
        ]
    assert not cut, (
        f"{notebook}: widget descriptions shown cut off (give the control "
        f"style={{'description_width': 'initial'}}):\n  " + "\n  ".join(cut)
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_moving_a_slider_redraws_its_plot(runner, notebook):
    run = runner.get(notebook)
    problems = []
    for index in widget_cells(run):
        cell = run.cell(index)
        handles, images = (
            cell.locator(f"{OUTPUTS} .noUi-handle"),
            cell.locator(f"{OUTPUTS} :is(.widget-output img, img.widget-image)"),
        )
        if not handles.count():
            continue
        if not images.count():
            if cell.locator(f"{OUTPUTS} .widget-output").count():
                problems.append(f"cell {index}: a slider over an output area that shows no plot")
            continue
        before = images.first.get_attribute("src")
        handle = handles.first
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(3):
            handle.press("ArrowLeft" if at_max else "ArrowRight")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if images.count() and images.first.get_attribute("src") not in (None, before):
                break
            time.sleep(0.2)
        else:
            problems.append(
                f"cell {index}: the plot did not change within 20 s after moving the first slider with the arrow keys"
            )
    assert not problems, f"{notebook}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_screenshot_is_not_blank(runner, notebook, artifacts):
    """A screenshot of the lesson (at its first widget, else its first figure) kept as a CI artefact."""
    run = runner.get(notebook)
    page = run.page
    target = (
        page.locator(f".jp-Cell {OUTPUTS} .jupyter-widgets")
        if widget_cells(run)
        else page.locator(f".jp-Cell {OUTPUTS} img")
    )
    if target.count():
        target.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    path = artifacts / f"{notebook.lesson}-{notebook.kind}.png"
    page.screenshot(path=str(path))
    panel = page.locator(".jp-NotebookPanel .jp-Notebook").bounding_box()
    clip = {
        "x": panel["x"],
        "y": panel["y"],
        "width": panel["width"],
        "height": min(panel["height"], page.viewport_size["height"] - panel["y"]),
    }
    reason = blank_reason(page.screenshot(clip=clip))
    assert reason is None, f"{notebook}: the notebook area of {path.name} looks blank ({reason})"


#: A laptop's screen, where every figure must show unshrunk and, where it is read whole, fit the screen.
LAPTOP = {"width": 1366, "height": 768}
FIGURE_LAYOUT = """
nb => {
  const scroller = nb.closest('.jp-WindowedPanel-outer') || nb;
  const view = scroller.getBoundingClientRect();
  return [...nb.querySelectorAll('.jp-Cell')].flatMap((cell, index) =>
    [...cell.querySelectorAll('.jp-OutputArea-output img')].filter(img => img.naturalWidth > 0).map(img => {
      const area = img.closest('.jp-OutputArea-output').getBoundingClientRect();
      const shown = img.getBoundingClientRect();
      return {cell: index, natural: [img.naturalWidth, img.naturalHeight], shown: [shown.width, shown.height],
              area: area.width, view: view.height};
    }));
}
"""


@pytest.mark.parametrize("notebook", [n for n in SOLUTIONS if n.lesson != "00-start-here"], ids=str)
def test_figures_fit_a_laptop_screen_unshrunk(runner, notebook):
    # (lesson 00 draws no figure: it only shows how the course works)
    """At 1366x768, after Run All, JupyterLab's own layout: every figure (explorers' pictures included) shows at
    its natural size, at most as wide as the output area (a wider one is shrunk, and its text with it: at 100 dpi
    the course's 8-point text is 8.3 points on screen unshrunk and falls under 8 shrunk by more than 4 %), and at
    most as tall as the notebook's visible height (a grid compared top to bottom must be seen whole)."""
    run = runner.get(notebook)
    page = run.page
    page.set_viewport_size(LAPTOP)
    try:
        page.wait_for_timeout(800)  # JupyterLab lays the panels out again
        figures = page.eval_on_selector(".jp-NotebookPanel .jp-Notebook", FIGURE_LAYOUT)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})
    assert figures, f"{notebook}: no figure found in the page after Run All"
    area = max(f["area"] for f in figures)
    assert 700 < area < 1366, f"{notebook}: output area {area:.0f} px wide at 1366x768: the layout was not measured"
    problems = []
    for f in figures:
        (width, height), (shown_w, shown_h) = f["natural"], f["shown"]
        scale = shown_w / width
        if scale < 0.995:
            problems.append(
                f"cell {f['cell']}: {width}x{height} px shown at {scale:.0%} in an output area of {f['area']:.0f} px"
            )
        if shown_h > f["view"]:
            problems.append(f"cell {f['cell']}: {shown_h:.0f} px tall, the notebook shows {f['view']:.0f} px")
    assert not problems, f"{notebook} at 1366x768 (output area {area:.0f} px):\n  " + "\n  ".join(problems)
