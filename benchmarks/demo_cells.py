"""What not running the demonstrations at grading saves (issue 22, item 9).

    .venv/bin/python benchmarks/demo_cells.py [LESSON ...] [--repeats R]

For each lesson (default 04-depth and 05-training) it autogrades the solution notebook through `nbgrader
autograde` as configured (demonstrations not run) and with `SandboxedExecute.run_demonstrations = True`,
alternating the two so that a noisy machine slows each alike, and prints the median seconds of each and the
number of code cells each ran. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.grading.course import Course  # noqa: E402

NOTE = "[grader] Not run while grading"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("lessons", nargs="*", default=["04-depth", "05-training"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        courses = {
            run: Course(
                Path(tmp) / run, args.lessons, extra_config=f"c.SandboxedExecute.run_demonstrations = {run == 'all'}"
            )
            for run in ("needed", "all")
        }
        for lesson in args.lessons:
            times: dict[str, list[float]] = {"needed": [], "all": []}
            for _ in range(args.repeats):
                for run, course in courses.items():
                    course.submit_directly("solution", lesson, course.source(lesson))
                    start = time.perf_counter()
                    course.autograde(lesson)
                    times[run].append(time.perf_counter() - start)
            for run, course in courses.items():
                nb = course.autograded("solution", lesson)
                skipped = sum(
                    1
                    for c in nb.cells
                    if c.cell_type == "code" and any(NOTE in o.get("text", "") for o in c.get("outputs", []))
                )
                print(
                    f"{lesson} {run:>6}: median {statistics.median(times[run]):6.1f} s over {args.repeats} "
                    f"({', '.join(f'{t:.1f}' for t in times[run])}); demonstrations not run: {skipped}"
                )


if __name__ == "__main__":
    main()
