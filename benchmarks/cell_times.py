"""Where a lesson's execution time goes: the slowest cells of its solution notebook.

    .venv/bin/python benchmarks/cell_times.py [LESSON ...] [--top N]

Each solution notebook runs top to bottom in a fresh kernel (nbclient); every code cell's wall time is taken
from the kernel's own start/finish timestamps. Prints the N slowest cells of each lesson with the first line of
their source, and the kernel start-up time. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.catalogue import LESSONS  # noqa: E402


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cell_seconds(lesson: str) -> tuple[float, float, list[tuple[float, int, str]]]:
    """Returns (total seconds, seconds before the first cell ran, [(seconds, cell index, first line)])."""
    path = ROOT / "solutions" / lesson / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", record_timing=True, resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    total = time.perf_counter() - start
    rows, busy = [], 0.0
    for i, cell in enumerate(nb.cells):
        timing = cell.metadata.get("execution", {})
        if cell.cell_type != "code" or "shell.execute_reply" not in timing:
            continue
        secs = (_stamp(timing["shell.execute_reply"]) - _stamp(timing["iopub.execute_input"])).total_seconds()
        busy += secs
        first = next((line for line in cell.source.splitlines() if line.strip()), "")[:70]
        rows.append((secs, i, first))
    return total, total - busy, sorted(rows, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=list(LESSONS))
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    for lesson in args.lessons:
        total, overhead, rows = cell_seconds(lesson)
        print(f"\n{lesson}: {total:.1f} s in all, {overhead:.1f} s outside cells (kernel start-up, messaging)")
        for secs, i, first in rows[: args.top]:
            print(f"  {secs:6.2f} s  cell {i:3d}  {first}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
