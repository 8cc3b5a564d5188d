"""Helpers of the browser suite: the lessons to test, a JupyterLab server, and a notebook driven in Chromium.

Nothing here downloads anything: Playwright drives Debian's Chromium (/usr/bin/chromium, which `.ci/run`
installs with apt-get), and JupyterLab serves a temporary copy of the course on 127.0.0.1 with a random token.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests.support import reaper

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = Path(os.environ.get("NNLIB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "install it with `sudo apt-get install -y --no-install-recommends chromium` (Debian's package; "
    "never `playwright install`) and `pip install playwright` (in requirements-test.txt)"
)
KINDS = {"solution": "solutions", "release": "notebooks"}


# ----------------------------------------------------------------------------------------------- lessons
@dataclass(frozen=True, order=True)
class Notebook:
    """One lesson notebook: its lesson id and kind ("solution": nbgrader source, "release": what learners get)."""

    lesson: str
    kind: str

    @property
    def relpath(self) -> str:
        """Its path relative to the course root (and to the served copy)."""
        return f"{KINDS[self.kind]}/{self.lesson}/{self.lesson}.ipynb"

    @property
    def path(self) -> Path:
        return ROOT / self.relpath

    def __str__(self) -> str:
        return f"{self.lesson}-{self.kind}"


def discover_notebooks() -> list[Notebook]:
    """Every `solutions/<lesson>/<lesson>.ipynb` and `notebooks/<lesson>/<lesson>.ipynb` present now."""
    found = []
    for kind, folder in KINDS.items():
        for path in sorted((ROOT / folder).glob("*/*.ipynb")):
            if path.stem == path.parent.name:
                found.append(Notebook(path.parent.name, kind))
    return sorted(found)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_graded_test_cell(cell) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def defined_names(source: str) -> set[str]:
    """Names a cell's code binds at its top level (assignments, defs, classes, imports, for/with targets)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


#: A call of an explorer or of ipywidgets' interact: the cell promises a live widget.
WIDGET_CALL = re.compile(r"\b(\w*_explorer|interact(?:ive)?)\s*\(")
#: What an ipywidget looks like when it is shown as text instead of as a control (no widget manager).
WIDGET_PLACEHOLDER = re.compile(
    r"\b(VBox|HBox|Box|GridBox|FloatSlider|IntSlider|FloatLogSlider|Dropdown|Checkbox|"
    r"Output|HTML|\w*Explorer)\("
)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def promises_widget(cell) -> bool:
    """A code cell whose last statement calls an explorer (or interact): it should show a live widget."""
    if cell.cell_type != "code":
        return False
    code = [line for line in cell.source.strip().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(code) and bool(WIDGET_CALL.search(cell.source))


# ----------------------------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_course(dest: Path) -> Path:
    """A served copy of the course: solutions/, notebooks/ and nbgrader_config.py (so runs never touch the repo)."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in KINDS.values():
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    return dest


def write_lab_settings(settings: Path) -> None:
    """User settings of the test server: every cell attached to the DOM, no news pop-up, and the notebook's own
    kernel started without asking (on a loaded machine JupyterLab otherwise may ask "Select Kernel")."""
    notebook = settings / "@jupyterlab" / "notebook-extension"
    notebook.mkdir(parents=True, exist_ok=True)
    (notebook / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True})
    )
    apputils = settings / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True, exist_ok=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


@dataclass
class LabServer:
    """A running `jupyter lab` on 127.0.0.1 serving a copy of the course."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        params = "&".join([f"token={self.token}"] + [f"{k}={v}" if v else k for k, v in query.items()])
        return f"{self.base}/{path.lstrip('/')}?{params}"

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def request(self, path: str, method: str = "GET", token: str | None = "", body: bytes | None = None):
        """(status, body) of a request; token None sends none, "" sends the server's."""
        headers = {}
        if token is not None:
            headers["Authorization"] = f"token {token or self.token}"
        req = urllib.request.Request(self.base + path, method=method, headers=headers, data=body)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (called between notebooks, to keep two cores free)."""
        status, body = self.request("/api/sessions")
        if status == 200:
            for session in json.loads(body):
                self.request(f"/api/sessions/{session['id']}", method="DELETE")
        status, body = self.request("/api/kernels")
        if status == 200:
            for kernel in json.loads(body):
                self.request(f"/api/kernels/{kernel['id']}", method="DELETE")


def lab_command(port: int, token: str, root: Path) -> list[str]:
    cmd = [
        str(VENV_BIN / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def start_lab(workdir: Path, timeout: float = 90.0) -> LabServer:
    """Start JupyterLab with cwd = a copy of the course under `workdir` (nbgrader reads nbgrader_config.py there)."""
    root = copy_course(workdir / "course")
    settings = workdir / "lab-settings"
    write_lab_settings(settings)
    for name in ("workspaces", "runtime", "ipython"):
        (workdir / name).mkdir(exist_ok=True)
    env = dict(
        os.environ,
        PATH=str(VENV_BIN) + os.pathsep + os.environ.get("PATH", ""),  # nbgrader runs `alembic` from PATH
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        IPYTHONDIR=str(workdir / "ipython"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    port, token = free_port(), secrets.token_hex(24)
    log_path = workdir / "jupyterlab.log"
    log = open(log_path, "wb")
    # under the watchdog of tests/support/reaper.py: the server and its kernels die with this test run
    process = reaper.popen(
        lab_command(port, token, root), cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    log.close()
    return wait_until_serving(LabServer(root, port, token, process, log_path), "jupyter lab", timeout)


def wait_until_serving(server: LabServer, what: str, timeout: float) -> LabServer:
    """Return `server` once its /api/status answers; stop it and raise, with its log, if `what` exits or
    does not answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"{what} exited with {server.process.returncode}:\n{server.log()}")
            try:
                if server.request("/api/status")[0] == 200:
                    return server
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not serve JupyterLab within {timeout:.0f} s:\n{server.log()}")
            time.sleep(0.3)
    except BaseException:
        stop_lab(server)
        raise


def stop_lab(server: LabServer) -> None:
    """Stop the server (it shuts its kernels down); kill its process group if it does not stop in time."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:  # the server's own group (start_new_session): its kernels, if any survived
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------- browser
def open_notebook(page, server: LabServer, relpath: str, timeout: float = 90_000) -> None:
    """Open a notebook in a fresh workspace and wait until its kernel is idle."""
    page.goto(server.url(f"lab/tree/{relpath}", reset=""))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout)
    name = relpath.rsplit("/", 1)[-1]
    page.wait_for_selector(f".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel:text-is('{name}')", timeout=timeout)
    page.wait_for_timeout(500)
    accept_kernel_dialog(page)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


def accept_kernel_dialog(page) -> bool:
    """If JupyterLab asks which kernel to use, accept its proposal (the notebook's kernel), as a learner would."""
    dialog = page.locator(".jp-Dialog:has-text('Select Kernel')")
    if dialog.count() and dialog.first.is_visible():
        dialog.first.locator("button.jp-mod-accept").click()
        page.wait_for_selector(".jp-Dialog", state="detached", timeout=10_000)
        return True
    return False


def menu(page, top: str, item: str) -> None:
    """Click a main-menu entry once it is enabled, e.g. menu(page, "Run", "Run All Cells")."""
    accept_kernel_dialog(page)
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-content .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel:text-is('{item}')")


def prompts(page) -> list[str]:
    """The input prompt of every cell, in notebook order ("" for non-code cells): "[3]:", "[]:", "[*]:"."""
    return page.eval_on_selector_all(
        ".jp-NotebookPanel .jp-Notebook .jp-Cell",
        "cells => cells.map(c => c.classList.contains('jp-CodeCell') ? "
        "(c.querySelector('.jp-InputPrompt')?.textContent || '').replace(/\\s+/g, '') : '')",
    )


def run_command(page, item: str, attempts: int = 3, patience: float = 15.0) -> None:
    """Run → `item`, and wait until it visibly started (JupyterLab marks the cells it queues at once), so that
    an idle kernel is never taken for a finished run; a click the app did not act on is repeated."""
    before = prompts(page)
    for _ in range(attempts):
        menu(page, "Run", item)
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if prompts(page) != before:
                return
            time.sleep(0.1)
        page.keyboard.press("Escape")
    raise AssertionError(f"Run → {item} did not start any cell ({attempts} clicks, {patience:.0f} s each)")


def wait_idle(page, timeout: float) -> None:
    """Wait until no cell is queued or running and the kernel reports idle (twice in a row)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 2:
        accept_kernel_dialog(page)
        status = page.eval_on_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator", "e => e.dataset.status")
        busy = [i for i, p in enumerate(prompts(page)) if "*" in p]
        calm = calm + 1 if status == "idle" and not busy else 0
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the notebook did not finish within {timeout:.0f} s: kernel {status!r}, "
                f"cells still queued or running: {busy[:10]}"
            )
        time.sleep(0.3)


def executed(prompt: str) -> bool:
    return bool(re.fullmatch(r"\[\d+\]:", prompt))


def select_cell(page, index: int, attempts: int = 5) -> None:
    """Make cell `index` the active cell (in command mode), checking it really is (outputs may move the layout)."""
    cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)
    for _ in range(attempts):
        accept_kernel_dialog(page)
        cell.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Escape")  # command mode, whatever the click did
        active = page.eval_on_selector_all(
            ".jp-NotebookPanel .jp-Notebook .jp-Cell",
            "cells => cells.findIndex(c => c.classList.contains('jp-mod-active'))",
        )
        if active == index:
            return
    raise AssertionError(f"could not select cell {index} (cell {active} stays active)")


def run_all(page, timeout: float) -> int:
    """Run → Run All Cells; while code cells are left unrun (JupyterLab and the kernel abort what is queued after
    an error), select the first of them and Run Selected Cell and All Below, as a learner skipping an unfinished
    exercise would. Returns how many times that was needed.

    After an error the kernel aborts the requests already queued, and with ipykernel 7 requests that reach it a
    moment later may still run, so unrun cells are not always at the end: always continue from the first one.
    """
    deadline = time.monotonic() + timeout
    run_command(page, "Run All Cells")
    wait_idle(page, timeout)
    stops = 0
    while True:
        pending = [i for i, p in enumerate(prompts(page)) if p and not executed(p)]
        if not pending:
            return stops
        stops += 1
        select_cell(page, pending[0])
        run_command(page, "Run Selected Cell and All Below")
        wait_idle(page, max(5.0, deadline - time.monotonic()))
        if not executed(prompts(page)[pending[0]]):
            raise AssertionError(f"cell {pending[0]} did not run after Run Selected Cell and All Below")


def save(page, path: Path, timeout: float = 30.0) -> None:
    """File → Save Notebook, and wait until the file on disk has been rewritten."""
    before = path.stat().st_mtime_ns
    menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + timeout
    while True:
        if path.stat().st_mtime_ns != before:
            try:
                nbformat.read(path, as_version=4)
                dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count()
                if not dirty:
                    return
            except Exception:  # noqa: BLE001 - half-written file: try again
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"saving {path.name} did not finish within {timeout:.0f} s")
        time.sleep(0.2)


@dataclass
class NotebookRun:
    """A notebook after Run All in the browser: the live page, its saved outputs and how long it took."""

    notebook: Notebook
    page: object
    context: object
    saved: nbformat.NotebookNode
    seconds: float
    stops: int
    errors: list = field(default_factory=list)  # (cell index, ename, evalue)

    def cell(self, index: int):
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)


def error_outputs(nb) -> list[tuple[int, str, str]]:
    return [
        (i, out.get("ename", ""), out.get("evalue", ""))
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def run_notebook(browser, server: LabServer, notebook: Notebook, timeout: float = 240.0) -> NotebookRun:
    """Open `notebook` in a new browser context, run all its cells, save it; the page stays open."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_notebook(page, server, notebook.relpath)
        start = time.monotonic()
        stops = run_all(page, timeout)
        seconds = time.monotonic() - start
        path = server.root / notebook.relpath
        save(page, path)
        saved = nbformat.read(path, as_version=4)
    except BaseException:
        try:  # what the page showed, for the CI artefacts
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed-{notebook}.png"))
        except Exception:  # noqa: BLE001 - the original error matters more
            pass
        context.close()
        raise
    return NotebookRun(notebook, page, context, saved, seconds, stops, error_outputs(saved))


# ------------------------------------------------------------------------------------------- images
def blank_reason(png: bytes) -> str | None:
    """Why an image counts as blank (a single flat colour), or None when it shows something."""
    from io import BytesIO

    from PIL import Image, ImageStat

    image = Image.open(BytesIO(png)).convert("L")
    if image.width < 8 or image.height < 8:
        return f"only {image.width}x{image.height} pixels"
    small = image.resize((min(image.width, 400), min(image.height, 300)))
    stddev = ImageStat.Stat(small).stddev[0]
    levels = len(small.getcolors(256) or [])
    if stddev < 3.0 or levels < 8:
        return f"flat: grey-level standard deviation {stddev:.1f}, {levels} distinct grey levels"
    return None


# ------------------------------------------------------------------------------- the README's own commands
#: What a copy of the course needs for `make lab` / `make grade-ui` to run in it.
MAKE_FILES = ("Makefile", "nbgrader_config.py", "pyproject.toml", "requirements.txt", "requirements-test.txt")


def copy_course_for_make(dest: Path, lessons: list[str]) -> Path:
    """A copy of the course (the given lessons only) in which the Makefile's commands can run."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    dest.mkdir(parents=True, exist_ok=True)
    for name in MAKE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    for lesson in lessons:
        for folder in KINDS.values():
            shutil.copytree(ROOT / folder / lesson, dest / folder / lesson, ignore=ignore)
    return dest


def private_home(base: Path) -> dict[str, str]:
    """The variables that send every per-user folder below ``base`` (created), as the suite's conftest does."""
    from tests.conftest import isolated_environment

    env = isolated_environment(str(base))
    for _name, value in env.items():
        os.makedirs(value, mode=0o700, exist_ok=True)
    return env


def start_make(target: str, course: Path, workdir: Path, served: Path, timeout: float = 180.0) -> LabServer:
    """Run `make TARGET` (lab or grade-ui) in ``course`` with this test's environment (.venv, never reinstalled)
    and JupyterLab on a free port with a random token passed through LAB_ARGS, as the README says."""
    settings = workdir / "lab-settings"
    write_lab_settings(settings)
    (workdir / "workspaces").mkdir(parents=True, exist_ok=True)
    venv = VENV_BIN.parent
    port, token = free_port(), secrets.token_hex(24)
    lab_args = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    cmd = [
        "make",
        "--no-print-directory",
        "-o",
        str(venv / ".installed"),
        "-o",
        str(venv / ".installed-test"),
        target,
        f"VENV={venv}",
        f"LAB_ARGS={lab_args}",
    ]
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    # A home of this server's own: nbgrader's submission cache (which the Assignment List lists submissions
    # from) lives under the Jupyter data folder, and the suite's shared home holds other tests' submissions
    # of the same course, lesson and login name.
    env.update(private_home(workdir / "home"))
    log_path = workdir / f"make-{target}.log"
    with open(log_path, "wb") as log:
        process = reaper.popen(
            cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )  # make, its JupyterLab and kernels die with the run
    return wait_until_serving(LabServer(served, port, token, process, log_path), f"make {target}", timeout)
