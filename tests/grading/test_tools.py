"""The instructor's command-line tools: validation with a trustworthy exit code, and the learner build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.commands.learner_build import KEEP_SOURCE, build
from tests.support.notebooks import ROOT, release_path, solution_path


def _env():
    return dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


@pytest.mark.slow
def test_validate_fails_a_blank_release_with_a_nonzero_exit():
    done = subprocess.run(
        [sys.executable, "-m", "autograder.integration.validate", str(release_path("00-start-here"))],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    assert done.returncode == 1 and "FAILED" in done.stdout and "NotImplementedError" in done.stdout


@pytest.mark.slow
def test_validate_passes_a_solution():
    done = subprocess.run(
        [sys.executable, "-m", "autograder.integration.validate", str(solution_path("00-start-here"))],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_learner_build_leaves_only_the_allowed_sources_readable(tmp_path):
    hidden = build(tmp_path)
    assert hidden
    readable = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "nnlib").rglob("*.py"))
    assert readable == [str(Path(*m.split(".")).with_suffix(".py")) for m in KEEP_SOURCE], readable
    for name in ("network", "activations", "layers", "train", "optim", "security/_mlp"):
        assert (tmp_path / "nnlib" / f"{name}.pyc").exists(), name


def test_learner_build_keeps_no_docstring_in_its_bytecode(tmp_path):
    """Issue 22, item 8: the formulas in nnlib's docstrings ("Returns: (W, b) = (W1 @ W2, ...)") are gone."""
    import inspect
    import marshal
    import types

    import nnlib.layers

    build(tmp_path)
    docs = {inspect.getdoc(nnlib.layers.collapse_linear), inspect.getdoc(nnlib.layers.dense_backward)}
    assert all(docs)
    strings: set[str] = set()

    def walk(code):
        for const in code.co_consts:
            if isinstance(const, str):
                strings.add(inspect.cleandoc(const))
            elif isinstance(const, types.CodeType):
                walk(const)

    for pyc in (tmp_path / "nnlib").rglob("*.pyc"):
        walk(marshal.loads(pyc.read_bytes()[16:]))
    assert not docs & strings
    assert not any("W1 @ W2" in s for s in strings)


def test_learner_build_still_runs_but_shows_no_reference_source(tmp_path):
    build(tmp_path)
    code = (
        "import inspect, numpy as np, nnlib.activations as a, nnlib.layers as l\n"
        "assert a.__file__.endswith('.pyc'), a.__file__\n"
        "assert a.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]\n"
        "for f in (a.relu, l.dense_forward):\n"
        "    try:\n        inspect.getsource(f)\n    except (OSError, TypeError):\n        continue\n"
        "    raise SystemExit('source of %s is readable' % f.__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(tmp_path)),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_autograder_help_lists_its_commands_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: python -m autograder" in done.stdout and "grade" in done.stdout and "watch" in done.stdout
    for command in ("grade", "watch"):
        sub = subprocess.run(
            [sys.executable, "-m", "autograder", command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert sub.returncode == 0 and f"usage: python -m autograder {command}" in sub.stdout, sub.stderr
    bare = subprocess.run([sys.executable, "-m", "autograder"], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2 and "COMMAND" in bare.stderr
