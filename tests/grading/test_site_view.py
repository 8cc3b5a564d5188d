"""The installed packages of the grading sandbox (``autograder.isolation.site_view``), an allow-list: a real
sandbox per lesson, and a Python in it that looks at every folder it could import from.

scikit-learn and torch (when installed) never exist in the sandbox, scipy only in the lessons whose texts (01,
02) or allowed nnlib objects (03) need it; what exists is the kernel's packages, numpy and the setup cells'
packages. Nothing of a forbidden package is in ``sys.modules`` once the kernel's packages are imported, no file
of it is on any path the sandbox has, and importing it says which package and what the lesson allows.
Through the real pipeline: tests/grading/test_third_party_routes.py.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from autograder.catalogue import LESSONS
from autograder.isolation.sandbox import Sandbox
from autograder.isolation.site_view import view

pytestmark = pytest.mark.slow
FORBIDDEN = ("sklearn", "torch", "scipy")
HOLDS_SCIPY = {"01-neuron", "02-activations", "03-architecture"}
PROBE = r"""
import importlib, json, os, sys
import ipykernel.kernelapp, IPython, matplotlib.pyplot, tqdm.auto, zmq, numpy   # what a kernel and setup load
out = {"loaded": sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN), "files": [], "errors": {}}
roots = {p for p in sys.path if p and os.path.isdir(p)}
for root in (sys.prefix, sys.base_prefix, "/usr/lib/python3", "/usr/local/lib", *roots):
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            if name.split(".")[0].split("-")[0] in FORBIDDEN or name.startswith("scikit_learn"):
                out["files"].append(os.path.join(folder, name))
                dirs[:] = []
for name in FORBIDDEN:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        out["errors"][name] = str(exc)
print(json.dumps(out))
"""


def test_the_forbidden_packages_are_installed_for_the_test():
    """The test looks for scipy and scikit-learn (requirements-test.txt), which must be installed to prove it."""
    assert importlib.util.find_spec("scipy") and importlib.util.find_spec("sklearn")


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_view_holds_only_the_allowed_distributions(lesson):
    made = view(lesson)
    shutil.rmtree(made.generated)
    assert "ipykernel" in made.distributions and "numpy" in made.distributions
    assert "scikit-learn" not in made.distributions and "torch" not in made.distributions
    assert ("scipy" in made.distributions) == (lesson in HOLDS_SCIPY), made.distributions


@pytest.mark.parametrize("lesson", ["00-start-here", "02-activations", "05-training"])
def test_in_the_sandbox_nothing_forbidden_is_loaded_on_disk_or_importable(lesson):
    with Sandbox(lesson) as box:
        code = f"FORBIDDEN = {FORBIDDEN!r}\n" + PROBE
        done = subprocess.run(
            box.wrap([sys.executable, "-c", code]),
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
            cwd=str(box.root),
            timeout=300,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    allowed = {"scipy"} if lesson in HOLDS_SCIPY else set()
    assert not [m for m in out["loaded"] if m.split(".")[0] not in allowed], out["loaded"]
    assert not [f for f in out["files"] if not any(a in f for a in allowed)], out["files"][:20]
    for name in set(FORBIDDEN) - allowed:
        assert f"{name} is not available while {lesson} is graded" in out["errors"].get(name, ""), out["errors"]
    assert ("scipy" in out["errors"]) == ("scipy" not in allowed)
