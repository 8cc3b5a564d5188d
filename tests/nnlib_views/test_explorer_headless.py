"""The explorers in a notebook run headless (nbclient: the test suite, nbgrader's Validate button) without stalling.

nbclient mimics a front end's Output widget: when a cell's display is captured by one (`with output:`), it
answers on the kernel's shell socket while it waits on that same socket for the cell's reply, and that wait
can then hang until the cell's timeout (nbclient issue 312; measured here: 1 cell in 30 stalled for its
whole timeout, lesson 05 took 310 s instead of 10 s once in six runs). The explorers therefore set their
picture of an Image widget (ipywidgets.Image) directly. This test runs many explorers headless and requires every cell to end
promptly, and the picture to reach the widget's state, where a front end shows it.
"""

from __future__ import annotations

import time

import nbformat
from nbclient import NotebookClient

CELLS = 45  # with capture, about one cell in 30 stalled: the chance that 45 all pass was about 0.2
TIMEOUT = 20  # seconds a stalled cell would wait
PROMPT = 5  # seconds: a cell that took longer stalled (they take about 0.3 s)


def test_explorers_never_stall_a_headless_run_and_still_show_their_picture():
    nb = nbformat.v4.new_notebook()
    makers = [
        "learning_rate_explorer(lr={:.3f}, steps=5)",
        "neuron_explorer('AND')",
        "nonlinearity_explorer(n_units={})",
    ]
    nb.cells = [
        nbformat.v4.new_code_cell(  # the lessons' first code cell turns on inline figures too
            "%matplotlib inline\nfrom nnlib.views.widgets import learning_rate_explorer, neuron_explorer, nonlinearity_explorer"
        )
    ]
    nb.cells += [
        nbformat.v4.new_code_cell(makers[i % 3].format(0.01 + i / 1000 if i % 3 == 0 else 1 + i % 20))
        for i in range(CELLS)
    ]
    took = {}

    def started(cell, cell_index):
        took[cell_index] = time.perf_counter()

    def executed(cell, cell_index, execute_reply=None):
        took[cell_index] = time.perf_counter() - took[cell_index]

    NotebookClient(
        nb, timeout=TIMEOUT, kernel_name="python3", on_cell_start=started, on_cell_executed=executed
    ).execute()
    stalled = {i: round(t, 1) for i, t in took.items() if t > PROMPT}
    assert not stalled, f"cells that waited (index: seconds): {stalled}"
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    pictures = [
        m
        for m in state.values()
        if m["model_name"] == "ImageModel"
        and any(b["path"] == ["value"] and len(b["data"]) > 1000 for b in m.get("buffers", []))
    ]
    assert len(pictures) == CELLS, f"{len(pictures)} of {CELLS} explorers' Image widgets hold their picture"
    stills = [o for cell in nb.cells[1:] for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(stills) == CELLS, f"{len(stills)} of {CELLS} explorer outputs carry a still picture"
