"""The grading sandbox's nnlib (``autograder.isolation.withheld``), built for every lesson and imported in a fresh Python
that sees only it: every module and name is there, only ``MAY_USE`` is real, and the real ones reach nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograder.catalogue import MAY_USE, REFERENCES, allowed
from autograder.isolation.withheld import build

PROBE = r"""
import importlib, inspect, json, pkgutil, sys, types
import nnlib
from nnlib._absent import Absent, NotAvailableWhileGrading
out = {"modules": [], "real": {}, "absent_ok": [], "absent_bad": [], "globals": {}}
for info in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
    module = importlib.import_module(info.name)
    out["modules"].append(info.name)
    for name, value in vars(module).items():
        if name.startswith("__") or isinstance(value, types.ModuleType) or info.name.split(".")[-1].startswith("_allowed_"):
            continue
        if isinstance(value, Absent):
            try:
                value(1)
            except NotAvailableWhileGrading as exc:
                out["absent_ok"].append(f"{info.name}:{name}:{exc}")
            else:
                out["absent_bad"].append(f"{info.name}:{name}")
        elif not info.name.endswith("._absent") and info.name != "nnlib._absent":
            out["real"][f"{info.name}:{name}"] = getattr(value, "__module__", None) or type(value).__name__
for key in json.loads(sys.argv[1]):
    module, name = key.split(":")
    obj = getattr(importlib.import_module(module), name)
    g = getattr(obj, "__globals__", None)
    out["globals"][key] = sorted(k for k in (g or {}) if not k.startswith("__"))
    out["globals"][key + ":closure"] = bool(getattr(obj, "__closure__", None)) or hasattr(obj, "__wrapped__")
print(json.dumps(out))
"""


def _probe(tmp_path, lesson):
    folder, closures = build(lesson, tmp_path)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert all(f.endswith(".py") for f in files), files  # no bytecode, no data file of the real nnlib
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + PROBE,
            json.dumps(allowed(lesson)),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, closures, json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("lesson", list(MAY_USE))
def test_only_the_allowed_objects_are_real(tmp_path, lesson):
    folder, closures, seen = _probe(tmp_path, lesson)
    assert "nnlib.network" in seen["modules"] and "nnlib.security._mlp" in seen["modules"]
    assert not seen["absent_bad"]
    real_public = {k for k, where in seen["real"].items() if not k.split(":")[1].startswith("_")}
    allowed_names = {t.split(":")[1] for t in allowed(lesson)}
    assert {k.split(":")[1] for k in real_public} <= allowed_names, sorted(real_public)
    for target in REFERENCES[lesson].values():
        module, name = target.split(":")
        assert any(m.startswith(f"{module}:{name}:") and "withheld while" in m for m in seen["absent_ok"]), target
    for line in seen["absent_ok"]:
        assert "is graded" in line and "scores zero" in line, line


@pytest.mark.parametrize("lesson", list(MAY_USE))
def test_allowed_objects_reach_only_their_own_helpers(tmp_path, lesson):
    """An allowed function's __globals__ holds only what its tree-shaken copy needs (numpy, its helpers): never
    another nnlib object, and none of the lesson's references or other routes to them."""
    _, closures, seen = _probe(tmp_path, lesson)
    refs = {t.split(":")[1] for t in REFERENCES[lesson].values()}
    for target in allowed(lesson):
        names = set(seen["globals"][target])
        copied = {k.split(":")[1] for k in closures[target]}
        assert names - {"annotations"} <= copied | {"np", "math", "numbers"}, (target, names - copied)
        assert not names & refs, (target, names & refs)
        assert not seen["globals"][target + ":closure"], target
        for helper in closures[target]:
            assert helper.split(":")[0] in ("nnlib._validate", target.split(":")[0], "nnlib.security._checks"), (
                target,
                helper,
            )
