"""What the sandboxed judge costs: autograding per learner against executing the notebook plainly.

    .venv/bin/python benchmarks/grading_overhead.py [LESSON ...] [--learners N] [--repeats R]

For each lesson (default 01-neuron and 05-training) it builds a synthetic class of N learners (default 20):
copies of the solved release, a third of them wrong in one exercise. It then measures, alternating the kinds
of run so that a noisy machine slows each alike:
- plain: the solved notebook executed top to bottom in a fresh kernel with nbclient (no sandbox, no judge);
- stock: `nbgrader autograde` of the class with nbgrader's own Execute (no sandbox, no judge), per learner;
- sandboxed: `nbgrader autograde` of the class with the course's grader (bubblewrap + judge), per learner.
It prints the medians and the ratio sandboxed / plain, the figure the issue "Grading a learner cannot talk
past" bounds at 1.5. A benchmark, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from tests.grading.course import Course, replace_answer, with_answers  # noqa: E402
from tests.support.notebooks import execute, is_solution_cell, nbgrader_meta  # noqa: E402

WRONG = {"01-neuron": ("weighted_sum", "def weighted_sum(x, w, b):\n    return x @ w - b\n"),
         "05-training": ("mse", "def mse(y_pred, y):\n    return float(((y_pred - y) ** 2).sum())\n"),
         "02-activations": ("relu", "def relu(x):\n    return abs(x)\n")}


def build_class(course: Course, lesson: str, learners: int) -> None:
    src, rel = course.source(lesson), course.release(lesson)
    solved = with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})
    name, wrong = WRONG.get(lesson, (None, None))
    for i in range(learners):
        nb = replace_answer(solved, name, wrong) if name and i % 3 == 0 else solved
        course.submit_directly(f"learner{i:03d}", lesson, nb)
    course.solved = solved


def plain_seconds(course: Course, lesson: str) -> float:
    nb = copy.deepcopy(course.solved)
    start = time.perf_counter()
    execute(nb, course.root / "notebooks" / lesson, timeout=300)
    return time.perf_counter() - start


def autograde_seconds(course: Course, lesson: str, learners: int) -> float:
    start = time.perf_counter()
    done = course.autograde(lesson)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return (time.perf_counter() - start) / learners


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=["01-neuron", "05-training"])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for lesson in args.lessons:
        with tempfile.TemporaryDirectory() as tmp:
            sandboxed = Course(Path(tmp) / "sandboxed", [lesson])
            stock = Course(Path(tmp) / "stock", [lesson])
            with open(stock.root / "nbgrader_config.py", "a") as f:
                f.write("from nbgrader.preprocessors import Execute as _Stock\n"
                        "c.Autograde.autograde_preprocessors = [_Stock if p is SandboxedExecute else p "
                        "for p in c.Autograde.autograde_preprocessors]\n")
            for course in (sandboxed, stock):
                build_class(course, lesson, args.learners)
            times = {"plain": [], "stock": [], "sandboxed": []}
            for r in range(args.repeats):
                times["plain"].append(plain_seconds(sandboxed, lesson))
                times["sandboxed"].append(autograde_seconds(sandboxed, lesson, args.learners))
                times["stock"].append(autograde_seconds(stock, lesson, args.learners))
                print(f"{lesson} run {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
                      flush=True)
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append((lesson, med["plain"], med["stock"], med["sandboxed"], med["sandboxed"] / med["plain"]))
    print(f"\n{args.learners} learners per lesson, medians of {args.repeats} runs (seconds per learner)")
    print(f"{'lesson':<16}{'plain run':>11}{'stock nbgrader':>16}{'sandboxed judge':>17}{'judge / plain':>15}")
    for lesson, plain, stock_s, sand, ratio in rows:
        print(f"{lesson:<16}{plain:>11.2f}{stock_s:>16.2f}{sand:>17.2f}{ratio:>14.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
