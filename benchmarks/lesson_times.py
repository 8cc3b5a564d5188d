"""Measure every lesson: execution time of its solution notebook, its exercises and points, and what the
lesson-05 solution's own `train` reaches on digits.

    python benchmarks/lesson_times.py            (or: make lesson-times)
    python benchmarks/lesson_times.py 05-training 06-security    (some lessons only)

Each solution notebook runs top to bottom in a fresh kernel, as a learner's "Restart and Run All" would.
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.catalogue import LESSONS  # noqa: E402

TRAIN_PROBE = """
import time as _t
from nnlib.data import load_digits as _ld, train_test_split as _tts
from nnlib.layers import mlp_forward as _mf, predict_class as _pc
from nnlib.activations import relu as _relu
import numpy as _np
_X, _y = _ld()
_Xtr, _Xte, _ytr, _yte = _tts(_X, _y, 0.3, _np.random.default_rng(2026))
_t0 = _t.perf_counter()
_params = train(_Xtr, _ytr, [128], _np.random.default_rng(0))
_secs = _t.perf_counter() - _t0
print(f"TRAIN {float((_pc(_mf(_Xte, _params, _relu)) == _yte).mean()):.4f} {_secs:.3f}")
"""


def run(lesson: str) -> tuple[float, list[tuple[str, float]], str]:
    path = ROOT / "solutions" / lesson / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    exercises = [
        (c.metadata["nbgrader"]["grade_id"], float(c.metadata["nbgrader"]["points"]))
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
    ]
    work = copy.deepcopy(nb)
    extra = ""
    if lesson == "05-training":
        work.cells.append(nbformat.v4.new_code_cell(TRAIN_PROBE))
    client = NotebookClient(
        work, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if lesson == "05-training":
        text = "".join(o.get("text", "") for o in work.cells[-1].outputs)
        acc, secs = text.split("TRAIN", 1)[1].split()
        extra = f"lesson-05 solution train(X, y, [128], rng): test accuracy {float(acc):.2%} in {float(secs):.2f} s"
    return seconds, exercises, extra


def main(argv: list[str]) -> int:
    lessons = argv or list(LESSONS)
    unknown = [name for name in lessons if name not in LESSONS]
    if unknown:
        print(f"unknown lesson(s): {', '.join(unknown)}; the lessons are {', '.join(LESSONS)}", file=sys.stderr)
        return 2
    total_time, total_points, notes = 0.0, 0.0, []
    print(f"{'lesson':18} {'seconds':>8} {'points':>6}  exercises (points)")
    for lesson in lessons:
        seconds, exercises, extra = run(lesson)
        points = sum(p for _, p in exercises)
        total_time += seconds
        total_points += points
        listing = ", ".join(f"{gid[len('test_') :]} ({p:g})" for gid, p in exercises)
        print(f"{lesson:18} {seconds:8.1f} {points:6g}  {listing}")
        if extra:
            notes.append(extra)
    print(f"{'whole course' if lessons == list(LESSONS) else 'these lessons':18} {total_time:8.1f} {total_points:6g}")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
