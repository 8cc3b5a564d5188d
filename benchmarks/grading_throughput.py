"""Grading throughput: what the sandboxed judge costs, and what parallel workers gain.

    .venv/bin/python benchmarks/grading_throughput.py [LESSON ...] [--learners N] [--repeats R]

For each lesson (default 01-neuron and 05-training) it builds a synthetic class of N learners (default 20):
copies of the solved release, a third of them wrong in one exercise. It then measures, alternating the kinds
of run so that a noisy machine slows each alike (seconds per learner):
- plain: the solved notebook executed top to bottom in a fresh kernel with nbclient (no sandbox, no judge);
- stock: `nbgrader autograde` of the class with nbgrader's own Execute (no sandbox, no judge);
- judge: `nbgrader autograde` of the class with the course's grader (bubblewrap + judge), one learner at a time,
  as configured (figures not drawn: `SandboxedExecute.draw_figures`), and judge+fig with figures drawn;
- 1 worker / all cores: `python -m autograder grade --force` with 1 worker and with one worker per core.
First it measures the machine's own ceiling: the same CPU-bound work (Python and small numpy matrix products, like
a lesson's) in one process alone and in one process per core at once; with two cores that share a physical core
or a memory bus, two processes do less than twice the work, and no grader can beat that. It prints the medians, judge / plain (bounded at 1.5 by the issue "Grading a learner cannot talk past"),
the speed-up of all cores over 1 worker, and the time 100 and 1000 learners x 7 lessons would take here and
per added worker machine: from the mean seconds per learner-lesson of the measured lessons, and for every
lesson, scaling each lesson's plain execution time (measured once) by the measured lessons' grading/plain ratio. A benchmark,
not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from autograder.catalogue import LESSONS  # noqa: E402
from tests.grading.course import Course, replace_answer, with_answers  # noqa: E402
from tests.support.notebooks import execute, is_solution_cell, nbgrader_meta  # noqa: E402

WRONG = {
    "01-neuron": ("weighted_sum", "def weighted_sum(x, w, b):\n    return x @ w - b\n"),
    "05-training": ("mse", "def mse(y_pred, y):\n    return float(((y_pred - y) ** 2).sum())\n"),
    "02-activations": ("relu", "def relu(x):\n    return abs(x)\n"),
}


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


def workers_seconds(course: Course, lesson: str, learners: int, workers: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", lesson, "--force", "--workers", str(workers)],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
    )
    if f"{learners} graded" not in done.stdout:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    return (time.perf_counter() - start) / learners


def course_plain_seconds(lessons: list[str]) -> dict[str, float]:
    """Every lesson's solved release executed once, plain: the weights of the whole-course extrapolation."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        course = Course(Path(tmp) / "all", lessons)
        for lesson in lessons:
            src, rel = course.source(lesson), course.release(lesson)
            course.solved = with_answers(
                rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)}
            )
            out[lesson] = plain_seconds(course, lesson)
    return out


CEILING_WORK = """
import time, numpy as np
a = np.random.default_rng(0).normal(size=(64, 128))
b = np.random.default_rng(1).normal(size=(128, 64))
start = time.perf_counter()
total = 0
for i in range(LOOPS):
    total += i * i % 7                       # interpreter work
    if i % 50 == 0:
        c = np.maximum(a @ b, 0.0).sum()     # small matrix products, as in a lesson
print(time.perf_counter() - start)
"""


def parallel_ceiling(cores: int, repeats: int, loops: int = 3_000_000) -> tuple[float, float, float]:
    """(seconds alone, seconds each when `cores` run at once, the speed-up that implies), medians of repeats.

    Each process runs CEILING_WORK with its BLAS on one thread; the speed-up is cores * alone / together.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = CEILING_WORK.replace("LOOPS", str(loops))

    def batch(k: int) -> float:
        procs = [
            subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env) for _ in range(k)
        ]
        return statistics.mean(float(p.communicate()[0]) for p in procs)

    alone, together = [], []
    for _ in range(repeats):
        alone.append(batch(1))
        together.append(batch(cores))
    a, t = statistics.median(alone), statistics.median(together)
    return a, t, cores * a / t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", default=["01-neuron", "05-training"])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--skip",
        default="",
        help="kinds of run to leave out, comma-separated: stock,judge+fig "
        "(plain, judge, 1 worker and all cores always run)",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    many = f"{cores} workers"
    skipped = {k.strip() for k in args.skip.split(",") if k.strip()}
    if skipped - {"stock", "judge+fig"}:
        parser.error(f"--skip takes stock and judge+fig, not {', '.join(sorted(skipped - {'stock', 'judge+fig'}))}")
    kinds = [k for k in ["plain", "stock", "judge+fig", "judge", "1 worker", many] if k not in skipped]
    alone, together, ceiling = parallel_ceiling(cores, max(3, args.repeats))
    print(
        f"machine: the same CPU-bound work takes {alone:.2f} s in one process alone and {together:.2f} s in each "
        f"of {cores} at once: {cores} processes do {ceiling:.2f}x the work of one (the ceiling for any "
        f"{cores}-worker speed-up)",
        flush=True,
    )
    rows = []
    for lesson in args.lessons:
        with tempfile.TemporaryDirectory() as tmp:
            sandboxed = Course(Path(tmp) / "sandboxed", [lesson])
            drawn = Course(Path(tmp) / "drawn", [lesson], extra_config="c.SandboxedExecute.draw_figures = True")
            stock = Course(Path(tmp) / "stock", [lesson])
            with open(stock.root / "nbgrader_config.py", "a") as f:
                f.write(
                    "from nbgrader.preprocessors import Execute as _Stock\n"
                    "c.Autograde.autograde_preprocessors = [_Stock if p is SandboxedExecute else p "
                    "for p in c.Autograde.autograde_preprocessors]\n"
                )
            for course in (sandboxed, drawn, stock):
                build_class(course, lesson, args.learners)
            times = {k: [] for k in kinds}
            for r in range(args.repeats):
                times["plain"].append(plain_seconds(sandboxed, lesson))
                times["judge"].append(autograde_seconds(sandboxed, lesson, args.learners))
                if "stock" in times:
                    times["stock"].append(autograde_seconds(stock, lesson, args.learners))
                if "judge+fig" in times:
                    times["judge+fig"].append(autograde_seconds(drawn, lesson, args.learners))
                times["1 worker"].append(workers_seconds(sandboxed, lesson, args.learners, 1))
                times[many].append(workers_seconds(sandboxed, lesson, args.learners, cores))
                print(f"{lesson} run {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
            rows.append((lesson, {k: statistics.median(v) for k, v in times.items()}))
    print(f"\n{args.learners} learners per lesson, medians of {args.repeats} run(s), seconds per learner")
    print(
        "plain: the solved notebook in a fresh kernel, figures drawn; stock: nbgrader's own Execute; "
        "judge+fig: the sandboxed judge drawing figures; judge: the sandboxed judge as configured (figures not "
        "drawn); the last two: python -m autograder grade"
    )
    print(
        f"{'lesson':<16}"
        + "".join(f"{k:>11}" for k in kinds)
        + f"{'judge/plain':>13}{'+fig/plain':>12}{'speed-up':>10}"
    )
    for lesson, med in rows:
        drawn_ratio = f"{med['judge+fig'] / med['plain']:>11.2f}x" if "judge+fig" in med else f"{'-':>12}"
        print(
            f"{lesson:<16}"
            + "".join(f"{med[k]:>11.2f}" for k in kinds)
            + f"{med['judge'] / med['plain']:>12.2f}x{drawn_ratio}"
            + f"{med['1 worker'] / med[many]:>9.2f}x"
        )
    print(f"(the machine's ceiling for {cores} processes, measured above: {ceiling:.2f}x)")
    per = statistics.mean(med[many] for _, med in rows)
    ratio = statistics.mean(med[many] / med["plain"] for _, med in rows)
    print(
        f"\nmean seconds per learner-lesson of the measured lessons ({many}): {per:.2f}; "
        f"{ratio:.2f} of their plain execution time"
    )
    whole = course_plain_seconds(list(LESSONS))
    course_per = ratio * statistics.mean(whole.values())
    print(
        "plain execution of every lesson (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in whole.items())
        + f"; the whole course at that ratio: {course_per:.2f} s per learner-lesson"
    )
    print(f"{'class':<28}{'from':<22}{'this machine':>14}{'+1 machine':>12}{'+3 machines':>13}")
    for n in (100, 1000):
        for label, secs in (("measured lessons", per), ("every lesson (scaled)", course_per)):
            minutes = n * 7 * secs / 60
            print(
                f"{f'{n} learners x 7 lessons':<28}{label:<22}{minutes:>11.0f} min{minutes / 2:>9.0f} min"
                f"{minutes / 4:>10.0f} min"
            )
    print("(added machines like this one, on a Dask cluster, assuming grading scales with workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
