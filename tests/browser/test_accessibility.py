# ruff: noqa: UP031
# (code run by another process is built with %r, which writes paths as Python literals)
"""Accessibility of every figure and widget a lesson creates, checked inside the kernel (no browser needed).

Each solution notebook runs with nbclient; a first injected cell hooks `matplotlib.figure.Figure.__init__` (nnlib's
pictures are pyplot-free, so `plt.get_fignums()` would miss them) and `ipywidgets.Widget.__init__`, and a last
injected cell reports `nnlib.views.plot.accessibility_problems` of every figure (a title and labelled axes, colour
maps readable in greyscale) and every control without a description.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from tests.browser.lab import Notebook, discover_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSONS = [nb.lesson for nb in discover_notebooks() if nb.kind == "solution"]
REPORT_MIME = "application/x-nnlib-accessibility+json"

HOOKS = """
def __nnlib_hooks():
    import matplotlib.figure, ipywidgets
    figures, controls = [], []
    def cell():
        shell = get_ipython()
        return shell.execution_count - 1 if shell is not None else None  # the count is ahead while a cell runs
    def hook(cls, store):
        original = cls.__init__
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            store.append((cell(), self))
        cls.__init__ = __init__
    hook(matplotlib.figure.Figure, figures)
    hook(ipywidgets.Widget, controls)
    return figures, controls
__nnlib_figures, __nnlib_widgets = __nnlib_hooks()
"""

REPORT = (
    """
def __nnlib_report():
    import ipywidgets
    from ipywidgets.widgets.widget_description import DescriptionWidget
    from IPython.display import publish_display_data
    from nnlib.views.plot import accessibility_problems
    # shown, not operated: text, validity marks and progress bars (tqdm labels its bar with an HTML widget)
    shown = (ipywidgets.Label, ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Valid, ipywidgets.FloatProgress,
             ipywidgets.IntProgress)
    figures = [{"cell": c, "title": (f.axes[0].get_title() if f.axes else "") or (f._suptitle.get_text()
                if getattr(f, "_suptitle", None) else ""), "problems": accessibility_problems(f)}
               for c, f in __nnlib_figures]
    controls = [{"cell": c, "type": type(w).__name__, "description": getattr(w, "description", "")}
                for c, w in __nnlib_widgets
                if isinstance(w, DescriptionWidget) and not isinstance(w, shown)
                and isinstance(w, (ipywidgets.ValueWidget, ipywidgets.Button))]
    publish_display_data({"%s": {"figures": figures, "controls": controls}})
__nnlib_report()
"""
    % REPORT_MIME
)

_reports: dict[str, dict | str] = {}


def accessibility_report(lesson: str, tmp_path_factory) -> dict:
    """Run the lesson's solution once (in a temporary copy of its folder) and return the kernel's report."""
    if lesson not in _reports:
        _reports[lesson] = f"{lesson}: the notebook could not be run"  # a failure is not retried
        _reports[lesson] = _run_with_hooks(lesson, tmp_path_factory)
    if isinstance(_reports[lesson], str):
        pytest.fail(_reports[lesson], pytrace=False)
    return _reports[lesson]


def _run_with_hooks(lesson: str, tmp_path_factory) -> dict | str:
    source = Notebook(lesson, "solution").path
    workdir = tmp_path_factory.mktemp(f"a11y-{lesson}")
    shutil.copytree(source.parent, workdir / lesson, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(source, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOOKS))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir / lesson)}},
    )
    client.execute()
    outputs = nb.cells[-1].get("outputs", [])
    found = [out["data"][REPORT_MIME] for out in outputs if REPORT_MIME in out.get("data", {})]
    if not found:
        return f"{lesson}: the report cell published nothing: {json.dumps(outputs)[:1500]}"
    # name cells by their index in the lesson notebook (as the browser tests do), not by execution count
    index_of = {cell.get("execution_count"): i - 1 for i, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    report = found[0]
    for item in report["figures"] + report["controls"]:
        item["cell"] = index_of.get(item["cell"], "?")
    return report


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_figure_has_title_labels_and_greyscale_readable_colours(lesson, tmp_path_factory):
    report = accessibility_report(lesson, tmp_path_factory)
    problems = [
        f"cell {f['cell']} figure {f['title']!r}: {problem}" for f in report["figures"] for problem in f["problems"]
    ]
    assert not problems, f"{lesson}: figures with accessibility problems:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_widget_control_has_a_description(lesson, tmp_path_factory):
    report = accessibility_report(lesson, tmp_path_factory)
    missing = [f"cell {c['cell']}: {c['type']}" for c in report["controls"] if not str(c["description"]).strip()]
    assert not missing, f"{lesson}: widget controls without a description:\n  " + "\n  ".join(missing)
