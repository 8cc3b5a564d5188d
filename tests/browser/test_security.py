"""Security of the served course: a token is required, and nothing in the repo serves JupyterLab openly.

By default Jupyter listens on localhost with a random token; what would make it unsafe is an explicit
non-loopback address or an emptied token/password, so those are what the repo must never contain.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.lab import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Folders that hold no command of the course (environments, version control, generated output, tests).
SKIPPED_DIRS = {
    ".venv",
    ".git",
    "artifacts",
    "grading",
    "exchange",
    "work",
    "tests",
    "__pycache__",
    ".pytest_cache",
    ".ipynb_checkpoints",
    "nnlib.egg-info",
    "datasets",
}
SCANNED_SUFFIXES = {
    "",
    ".md",
    ".rst",
    ".txt",
    ".sh",
    ".bash",
    ".py",
    ".toml",
    ".cfg",
    ".ini",
    ".json",
    ".yml",
    ".yaml",
    ".ipynb",
    ".mk",
}
#: An explicit address: --ip=X, --ServerApp.ip=X, c.ServerApp.ip = "X".
IP_SETTING = re.compile(r"""(?:--|\.)ip\s*=\s*["']?([^\s"'\\]*)""")
#: An emptied token or password, or remote access switched on.
OPENING = re.compile(
    r"""(?:\.|--)(?:token|password)\s*=\s*(?:''|""|(?=\s|$|\\))"""
    r"""|allow_remote_access\s*=\s*True|--ServerApp\.allow_remote_access\b"""
    r"""|disable_check_xsrf\s*=\s*True|--ServerApp\.disable_check_xsrf\b""",
    re.M,
)
JUPYTER_SERVE = re.compile(r"\bjupyter[ -](?:lab|notebook|server)\b(?![-\w])")


def scanned_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS for part in rel.parts[:-1]) or not path.is_file():
            continue
        if path.suffix in SCANNED_SUFFIXES and path.stat().st_size < 2_000_000:
            files.append(path)
    return files


def test_api_request_without_token_is_refused(lab):
    status, _ = lab.request("/api/contents", token=None)
    assert status == 403, f"GET /api/contents without a token answered {status}, expected 403"


def test_api_request_with_wrong_token_is_refused(lab):
    status, _ = lab.request("/api/contents", token="not-the-token")
    assert status == 403, f"GET /api/contents with a wrong token answered {status}, expected 403"


def test_kernel_cannot_be_started_without_token(lab):
    status, _ = lab.request("/api/kernels", method="POST", token=None, body=b"{}")
    assert status == 403, f"POST /api/kernels without a token answered {status}, expected 403"


def test_make_lab_serves_on_loopback_with_a_token():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n((?:\t.*\n?)+)", makefile, re.M)
    assert recipe, "the Makefile has no `lab` target (the README's command to open the lessons)"
    commands = [line for line in recipe.group(1).splitlines() if JUPYTER_SERVE.search(line)]
    assert commands, f"`make lab` does not start JupyterLab:\n{recipe.group(1)}"
    for line in commands:
        assert "--ip=127.0.0.1" in line, f"`make lab` must bind to 127.0.0.1: {line.strip()}"
        assert not OPENING.search(line), f"`make lab` empties the token or opens access: {line.strip()}"


def test_readme_opens_the_lessons_with_make_lab_or_a_safe_command():
    readme = next((p for p in sorted(ROOT.glob("README*")) if p.is_file()), None)
    if readme is None:
        pytest.skip("no README yet")
    text = readme.read_text()
    starts = [line for line in text.splitlines() if JUPYTER_SERVE.search(line) or re.search(r"\bmake lab\b", line)]
    assert starts, f"{readme.name} does not say how to open the lessons (`make lab`)"
    unsafe = [
        line.strip()
        for line in starts
        if OPENING.search(line) or any(ip not in LOOPBACK for ip in IP_SETTING.findall(line))
    ]
    assert not unsafe, f"{readme.name} starts JupyterLab without a token or off loopback:\n  " + "\n  ".join(unsafe)


def test_nothing_in_the_repo_serves_jupyter_off_loopback_or_without_token():
    problems = []
    for path in scanned_files():
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        rel = path.relative_to(ROOT)
        for number, line in enumerate(text.splitlines(), start=1):
            if not (
                JUPYTER_SERVE.search(line) or "ServerApp" in line or "NotebookApp" in line or "IdentityProvider" in line
            ):
                continue
            if OPENING.search(line):
                problems.append(f"{rel}:{number}: empties the token/password or opens access: {line.strip()}")
            for ip in IP_SETTING.findall(line):
                if ip not in LOOPBACK:
                    problems.append(f"{rel}:{number}: serves on {ip or 'every address'}: {line.strip()}")
    assert not problems, "\n".join(problems)
