"""The instructor's command-line tools: validation with a trustworthy exit code, and the learner build."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder.commands.learner_build import build, reference_modules
from tests.support.notebooks import ROOT, release_path, solution_path


def _env():
    return dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


@pytest.mark.slow
def test_validate_fails_a_blank_release_with_a_nonzero_exit():
    done = subprocess.run([sys.executable, "-m", "autograder.integration.validate", str(release_path("00-start-here"))],
                          capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 1 and "FAILED" in done.stdout and "NotImplementedError" in done.stdout


@pytest.mark.slow
def test_validate_passes_a_solution():
    done = subprocess.run([sys.executable, "-m", "autograder.integration.validate", str(solution_path("00-start-here"))],
                          capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_learner_build_hides_every_reference_module_source(tmp_path):
    hidden = build(tmp_path)
    assert len(hidden) == len(reference_modules())
    assert not list((tmp_path / "nnlib").rglob("activations.py"))
    assert (tmp_path / "nnlib" / "checks.py").exists(), "non-reference modules keep their source"


def test_learner_build_still_runs_but_shows_no_reference_source(tmp_path):
    build(tmp_path)
    code = ("import inspect, numpy as np, nnlib.activations as a, nnlib.layers as l\n"
            "assert a.__file__.endswith('.pyc'), a.__file__\n"
            "assert a.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]\n"
            "for f in (a.relu, l.dense_forward):\n"
            "    try:\n        inspect.getsource(f)\n    except (OSError, TypeError):\n        continue\n"
            "    raise SystemExit('source of %s is readable' % f.__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert done.returncode == 0, done.stdout + done.stderr


def test_autograder_help_lists_its_commands_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: python -m autograder" in done.stdout and "grade" in done.stdout and "watch" in done.stdout
    for command in ("grade", "watch"):
        sub = subprocess.run([sys.executable, "-m", "autograder", command, "--help"], capture_output=True, text=True,
                             timeout=60)
        assert sub.returncode == 0 and f"usage: python -m autograder {command}" in sub.stdout, sub.stderr
    bare = subprocess.run([sys.executable, "-m", "autograder"], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 2 and "COMMAND" in bare.stderr
