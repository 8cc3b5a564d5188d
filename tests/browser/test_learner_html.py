"""A learner's HTML never runs in the instructor's browser (issue 22, 3): real autograde, real formgrader, Chromium.

`cheat-html` submits lesson 00 with a correct answer plus every way a notebook carries active content into an
HTML page: `display(HTML("<script>..."))` with an `onerror` image, `display(Javascript(...))`, an SVG with a
script, a markdown output, a markdown cell with `<img onerror>` and a `javascript:` link, a raw cell marked
text/html, and an honest printed line and PNG image. Each script would set `window.__pwned` and request a
distinct path from a listener on 127.0.0.1. After `nbgrader autograde` and `generate_feedback`, the instructor
opens the formgrader's view of the submission (JupyterLab with nbgrader, in Chromium) and the feedback HTML:
no script ran (no request reached the listener, `window.__pwned` is unset), while the honest text and image show,
and the honest learner beside keeps full marks.
"""

from __future__ import annotations

import base64
import copy
import http.server
import os
import secrets
import subprocess
import threading

import nbformat
import pytest

from tests.browser.lab import (
    VENV_BIN,
    LabServer,
    free_port,
    lab_command,
    stop_lab,
    wait_until_serving,
    write_lab_settings,
)
from tests.grading.course import Course, with_answers

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
LESSON = "00-start-here"
# a 1x1 red PNG: the honest image that must still show
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003"
        "010100c9fe92ef0000000049454e44ae426082"
    )
).decode()


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


def _hostile_cells(port: int) -> list:
    def hit(tag: str) -> str:  # no quotes: it goes into Python strings, HTML attributes and markdown alike
        url = f"http://127.0.0.1:{port}/{tag}"
        return f"window.__pwned=String.fromCharCode(49);fetch(`{url}`);new Image().src=`{url}-img`"

    code = f'''from IPython.display import HTML, Javascript, Markdown, SVG, Image, display
print("honest text from the learner")
display(Image(data=__import__("base64").b64decode("{PNG}"), format="png"))
display(HTML("<b>bold</b><script>{hit("html-script")}</script><img src=x onerror=\\"{hit("html-onerror")}\\">"))
display(Javascript("{hit("javascript")}"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>{hit("svg")}</script></svg>'))
display(Markdown("<img src=x onerror=\\"{hit("md-output")}\\">"))
'''
    markdown = (
        f'Notes <img src=x onerror="{hit("md-cell")}"> and [a link](javascript:{hit("md-link")}) '
        f'<details><summary>more</summary><svg onload="{hit("md-svg")}"></svg></details>'
    )
    honest = nbformat.v4.new_markdown_cell(
        f"My own drawing: ![a red dot](data:image/png;base64,{PNG}) <details><summary>why</summary>because</details>"
    )
    raw = nbformat.v4.new_raw_cell(f"<script>{hit('raw-cell')}</script>")
    raw.metadata["format"] = "text/html"
    raw.metadata["raw_mimetype"] = "text/html"
    return [nbformat.v4.new_code_cell(code), nbformat.v4.new_markdown_cell(markdown), honest, raw]


@pytest.fixture(scope="module")
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    course = Course(tmp_path_factory.mktemp("learnerhtml"), [LESSON])
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {"add"})
    course.submit_directly("aa-honest", LESSON, solved)
    hostile = copy.deepcopy(solved)
    at = next(i for i, c in enumerate(hostile.cells) if c.cell_type == "code")
    code, *others = _hostile_cells(listener.server_address[1])
    # grading runs the setup cell (the first code cell), not the demonstrations: the hostile outputs come from
    # code appended to it, so they are really made while grading
    hostile.cells[at].source += "\n" + code.source
    hostile.cells[at + 1 : at + 1] = others
    course.submit_directly("cheat-html", LESSON, hostile)
    done = course.autograde(LESSON)
    course.log = done.stdout + done.stderr
    course.run("generate_feedback", LESSON, "--force")
    course.scores = course.grades()
    return course


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory):
    """JupyterLab with nbgrader's formgrader, as the instructor runs it, serving the graded course."""
    workdir = tmp_path_factory.mktemp("formgrader")
    settings = workdir / "lab-settings"
    write_lab_settings(settings)
    for name in ("workspaces", "runtime", "ipython"):
        (workdir / name).mkdir(exist_ok=True)
    env = dict(
        os.environ,
        PATH=str(VENV_BIN) + os.pathsep + os.environ.get("PATH", ""),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        IPYTHONDIR=str(workdir / "ipython"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    port, token = free_port(), secrets.token_hex(24)
    log_path = workdir / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            lab_command(port, token, graded.root),
            cwd=graded.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = wait_until_serving(LabServer(graded.root, port, token, process, log_path), "jupyter lab", 120)
    try:
        yield server
    finally:
        stop_lab(server)


def _submission_id(course, learner: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'grading' / 'gradebook.db'}", "nn-from-one-neuron") as gb:
        return gb.find_submission_notebook(LESSON, LESSON, learner).id


def _visit(browser, url: str, listener, expect_text: str):
    """Open ``url`` in a fresh page; return (console messages, window.__pwned, page text, shown PNGs)."""
    _Listener.hits.clear()
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    try:
        page.goto(url)
        page.get_by_text(expect_text).first.wait_for(state="visible", timeout=60_000)
        page.wait_for_timeout(3000)  # time for any script, image error or request to happen
        pwned = page.evaluate("() => window.__pwned === undefined ? null : String(window.__pwned)")
        text = page.inner_text("body")
        pngs = page.locator("img[src^='data:image/png']").count()
    finally:
        page.close()
    return console, pwned, text, pngs, list(_Listener.hits)


def test_the_honest_learner_keeps_full_marks(graded):
    assert graded.scores[("aa-honest", LESSON)] == 1, graded.log[-3000:]
    assert graded.scores[("cheat-html", LESSON)] == 1, graded.log[-3000:]  # the answer itself is right


def test_no_active_content_is_stored_in_the_autograded_notebook(graded):
    nb = graded.autograded("cheat-html", LESSON)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert set(out.get("data", {})) <= {"text/plain", "image/png", "image/jpeg"}, out
        if cell.cell_type in ("markdown", "raw"):
            for active in ("<script", "<img", "<svg", "javascript:"):
                assert active not in cell.source.lower(), (active, cell.source)
    assert "widgets" not in nb.metadata


def test_the_formgrader_view_runs_no_learner_script(browser, formgrader, graded, listener):
    url = formgrader.url(f"formgrader/submissions/{_submission_id(graded, 'cheat-html')}/")
    console, pwned, text, pngs, hits = _visit(browser, url, listener, "honest text from the learner")
    assert pwned is None and hits == [], (pwned, hits, console)
    assert "honest text from the learner" in text and pngs >= 1


def test_the_feedback_page_runs_no_learner_script(browser, graded, listener):
    html = graded.root / "grading" / "feedback" / "cheat-html" / LESSON / f"{LESSON}.html"
    console, pwned, text, pngs, hits = _visit(browser, html.as_uri(), listener, "honest text from the learner")
    assert pwned is None and hits == [], (pwned, hits, console)
    assert "honest text from the learner" in text and pngs >= 1
