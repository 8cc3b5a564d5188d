"""The course's newcomer test: does an exercise need its lesson, and does the lesson's text suffice to solve it?

    .venv/bin/python benchmarks/newcomer_trial.py packets DEST [--generate]
    .venv/bin/python benchmarks/newcomer_trial.py grade ANSWERS_DIR [--out TABLE.md|TABLE.csv] [--workers N]

**Who.** Newcomers: people (or agents) who know Python and numpy but have not seen the course. Each gets one
packet and works alone, without the solutions, nnlib's source or the internet.

**What they get** (``packets DEST``; ``--generate`` builds the release from ``solutions/`` first, for a branch
whose ``notebooks/`` is not regenerated yet):
- ``DEST/full/lesson/<L>/<L>.ipynb``: the release notebook as learners get it (with the lesson folder's other
  files), the whole lesson: explanations, worked examples, exercises, instant checks;
- ``DEST/cells-only/lesson/<L>/<L>.ipynb``: only the title cell, the setup (first code) cell, and for each
  exercise its markdown text cell, its solution stub (docstring and hints) and its instant-check cell(s);
- ``DEST/lib``: the learners' build of nnlib (``python -m autograder learner_build``: bytecode, no source, no
  docstrings), to put first on ``PYTHONPATH``;
- ``DEST/run NOTEBOOK``: runs a notebook top to bottom with that nnlib, as Restart & Run All would, writes it
  back and prints each instant check's verdict (for the ``final`` attempt; not before ``first`` is saved).

**The rule.** For each lesson, write every answer once from the text, before running any check, and save that
notebook as ``answers/<trial>/first/<L>.ipynb``. Then run the instant checks, fix what they report, and save
``answers/<trial>/final/<L>.ipynb``. ``<trial>`` is ``full`` or ``cells-only`` (the packet the newcomer had).

**What is measured** (``grade ANSWERS_DIR``): every answered notebook is graded by the course's real pipeline
(nbgrader autograde with the bubblewrap sandbox and the trusted judge, through ``autograder.commands.grade``,
in a temporary course folder made from ``solutions/``), and the table gives, per lesson, trial and attempt, the
points scored of the points possible and the exercises that lost points; then, per trial and attempt, the
pass rate: exercises with full points / exercises.
- ``full/first``: the first-try pass rate from the lesson's text. It should stay high: the text (lesson and
  exercise together) is enough to write a right answer without trial and error.
- ``cells-only/first``: the pass rate from the exercise cells alone. It should be clearly lower: an exercise
  that a newcomer solves from its cell alone does not need the lesson (issue 24: hints that dictate the code).
- ``final``: what the instant checks add. A ``first``→``final`` gain shows the checks' feedback teaches; a
  ``final`` below 100 % in ``full`` names an exercise whose text or feedback is not enough.
Read the exercise lists, not only the rates: a few newcomers are anecdotes, and the useful output is which
exercises were solved without the lesson (their hints may dictate) and which failed with it (their text may be
unclear). tests/lessons/test_hints_guide.py checks statically that no hint contains the solution's code.

``ANSWERS_DIR/<trial>/<attempt>/<L>.ipynb``: trial and attempt are any names of letters, digits, ``.``, ``_``
and ``-``; ``<L>`` a lesson of the catalogue. Each notebook is graded as the learner ``<trial>-<attempt>``.
"""

from __future__ import annotations

import argparse
import copy
import csv
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from autograder.catalogue import LESSONS, exercise_of  # noqa: E402
from autograder.integration.hygiene import valid_id  # noqa: E402


# ----------------------------------------------------------------------------------------------------------------
# packets
# ----------------------------------------------------------------------------------------------------------------
def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and bool(_meta(cell).get("solution"))


def _is_test(cell) -> bool:
    return cell.cell_type == "code" and bool(_meta(cell).get("grade")) and not _meta(cell).get("solution")


def cells_only(nb):
    """The title cell, the setup (first code) cell, and per exercise: its text cell, its stub, its check cell(s)."""
    cells = nb.cells
    keep: set[int] = {0}
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), None)
    if first_code is not None:
        keep.add(first_code)
    for i, cell in enumerate(cells):
        if not _is_solution(cell):
            continue
        keep.add(i)
        if i > 0 and cells[i - 1].cell_type == "markdown":
            keep.add(i - 1)
        name = _meta(cell).get("grade_id")
        keep.update(
            j for j, other in enumerate(cells) if _is_test(other) and exercise_of(_meta(other)["grade_id"]) == name
        )
    out = copy.deepcopy(nb)
    out.cells = [copy.deepcopy(cells[i]) for i in sorted(keep)]
    return out


RUNNER = '''"""Run a lesson notebook as a learner would (Kernel > Restart & Run All) and print what each check said.

Usage: DEST/run NOTEBOOK.ipynb   (writes the executed notebook back in place)
"""
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

path = pathlib.Path(sys.argv[1])
nb = nbformat.read(path, 4)
client = NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3",
                        resources={"metadata": {"path": str(path.parent)}})
client.execute()
nbformat.write(nb, path)
for i, c in enumerate(nb.cells):
    if c.cell_type != "code":
        continue
    gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
    errs = [o for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errs:
        print(f"cell {i} {gid}: {errs[0]['ename']}: {errs[0]['evalue'][:600]}")
    elif gid.startswith("test_"):
        print(f"cell {i} {gid}: passed")
'''


def fresh_release(tmp: Path) -> Path:
    """The release generated now from solutions/ by the course's own command, in a course folder under ``tmp``."""
    from autograder.commands.release import generate

    root = make_course(tmp, [lesson for lesson in LESSONS if (ROOT / "solutions" / lesson).is_dir()])
    generate(root, say=lambda m: print(m, file=sys.stderr))
    return root / "notebooks"


def packets(dest: Path, release: Path = ROOT / "notebooks", generate: bool = False) -> None:
    """Write DEST/full, DEST/cells-only and DEST/lib (see the module's docstring).

    ``generate``: build the release from solutions/ first (in a temporary course), for a branch whose
    notebooks/ is not regenerated yet; otherwise ``release`` is taken as it is.
    """
    dest = dest.resolve()
    if generate:
        tmp = Path(tempfile.mkdtemp(prefix="newcomer-release-"))
        try:
            return packets(dest, fresh_release(tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    lessons = [lesson for lesson in LESSONS if (release / lesson / f"{lesson}.ipynb").is_file()]
    if not lessons:
        raise SystemExit(f"no release notebooks in {release}: run `make release` first")
    for lesson in lessons:
        full = dest / "full" / "lesson" / lesson
        if full.exists():
            shutil.rmtree(full)
        shutil.copytree(release / lesson, full, ignore=shutil.ignore_patterns(".*", "__pycache__"))  # no caches
        only = dest / "cells-only" / "lesson" / lesson
        only.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(release / lesson / f"{lesson}.ipynb", as_version=4)
        nbformat.write(cells_only(nb), only / f"{lesson}.ipynb")
    lib = dest / "lib"
    if lib.exists():
        shutil.rmtree(lib)
    subprocess.run([sys.executable, "-m", "autograder", "learner_build", str(lib)], cwd=ROOT, check=True)
    (dest / "run.py").write_text(RUNNER)
    (dest / "run").write_text(f'#!/bin/sh\nPYTHONPATH={lib} exec {sys.executable} {dest / "run.py"} "$@"\n')
    (dest / "run").chmod(0o755)
    print(f"packets: {len(lessons)} lessons in {dest}/full and {dest}/cells-only; nnlib for learners in {lib}")


# ----------------------------------------------------------------------------------------------------------------
# grading
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One answered notebook's grade: per exercise (the solution cell's name) points scored and possible."""

    lesson: str
    trial: str
    attempt: str
    ok: bool
    exercises: dict[str, tuple[float, float]] = field(default_factory=dict)
    reason: str = ""

    @property
    def score(self) -> float:
        return sum(s for s, _ in self.exercises.values())

    @property
    def possible(self) -> float:
        return sum(m for _, m in self.exercises.values())

    @property
    def lost(self) -> list[str]:
        return [name for name, (s, m) in self.exercises.items() if s < m]


def find_answers(answers: Path) -> list[tuple[str, str, str, Path]]:
    """[(trial, attempt, lesson, path)] of ANSWERS/<trial>/<attempt>/<L>.ipynb; other notebooks are named and left."""
    found, problems = [], []
    for path in sorted(answers.glob("*/*/*.ipynb")):
        if any(part.startswith(".") for part in path.relative_to(answers).parts):
            continue  # .ipynb_checkpoints and other hidden copies
        trial, attempt, lesson = path.parent.parent.name, path.parent.name, path.stem
        if lesson not in LESSONS:
            problems.append(f"{path}: {lesson!r} is not a lesson of the catalogue ({', '.join(LESSONS)})")
        elif not (valid_id(trial) and valid_id(attempt)):
            problems.append(f"{path}: trial and attempt may hold only letters, digits, '.', '_' and '-'")
        else:
            found.append((trial, attempt, lesson, path))
    for problem in problems:
        print(f"grade: skipped {problem}", file=sys.stderr)
    if not found:
        raise SystemExit(f"grade: no answered notebooks ANSWERS/<trial>/<attempt>/<lesson>.ipynb under {answers}")
    return found


def make_course(tmp: Path, lessons: list[str]) -> Path:
    """A course folder under ``tmp``: the course's nbgrader_config.py and the lessons' sources from solutions/."""
    root = tmp / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Exchange.root = {str(tmp / 'exchange')!r}\n")
    for lesson in lessons:
        shutil.copytree(ROOT / "solutions" / lesson, root / "solutions" / lesson)
    return root


def exercise_points(root: Path, lesson: str, learner: str) -> dict[str, tuple[float, float]]:
    """{exercise: (score, max)} from the gradebook, summing an exercise's test cells (test_NAME, test_NAME_...)."""
    from nbgrader.api import Gradebook

    from autograder.catalogue import REFERENCES
    from autograder.commands.roster import load_course

    course = load_course(root)
    points: dict[str, list[float]] = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        submission = gb.find_submission(lesson, learner)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                name = exercise_of(grade.name)
                got = points.setdefault(name, [0.0, 0.0])
                got[0] += float(grade.score or 0.0)
                got[1] += float(grade.max_score or 0.0)
    source = nbformat.read(root / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    order = [_meta(c)["grade_id"] for c in source.cells if _is_solution(c)] + list(REFERENCES.get(lesson, {}))
    return {n: (points[n][0], points[n][1]) for n in sorted(points, key=lambda n: (order + [n]).index(n))}


def grade(answers: Path, workers: int = 1, keep: Path | None = None) -> list[Row]:
    """Grade every ANSWERS/<trial>/<attempt>/<L>.ipynb through ``autograder.commands.grade``; one Row each."""
    from autograder.commands import grade as course_grade

    found = find_answers(answers)
    lessons = [lesson for lesson in LESSONS if any(f[2] == lesson for f in found)]
    tmp = Path(tempfile.mkdtemp(prefix="newcomer-trial-"))
    try:
        root = make_course(tmp, lessons)
        for trial, attempt, lesson, path in found:
            folder = root / "grading" / "submitted" / f"{trial}-{attempt}" / lesson
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / f"{lesson}.ipynb")
        results = course_grade.run(root, lessons, workers, force=True, progress=sys.stderr.isatty())
        by_key = {(r.learner, r.lesson): r for r in results}
        rows = []
        for trial, attempt, lesson, _path in found:
            r = by_key.get((f"{trial}-{attempt}", lesson))
            if r is None or not r.ok:
                rows.append(Row(lesson, trial, attempt, False, reason=r.reason if r else "not graded"))
                continue
            rows.append(Row(lesson, trial, attempt, True, exercise_points(root, lesson, f"{trial}-{attempt}")))
        return rows
    finally:
        if keep:
            shutil.copytree(tmp / "course" / "grading", keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)


def summary(rows: list[Row]) -> list[tuple[str, str, int, int]]:
    """[(trial, attempt, exercises with full points, exercises)] over the graded rows."""
    totals: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        t = totals.setdefault((row.trial, row.attempt), [0, 0])
        if row.ok:
            t[0] += sum(1 for s, m in row.exercises.values() if s >= m)
            t[1] += len(row.exercises)
    return [(trial, attempt, full, n) for (trial, attempt), (full, n) in sorted(totals.items())]


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| lesson | trial | attempt | points | exercises with full points | lost points |",
        "|---|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: (r.lesson, r.trial, r.attempt)):
        if row.ok:
            full = sum(1 for s, m in row.exercises.values() if s >= m)
            lost = ", ".join(f"{n} ({row.exercises[n][0]:g}/{row.exercises[n][1]:g})" for n in row.lost) or "-"
            lines.append(
                f"| {row.lesson} | {row.trial} | {row.attempt} | {row.score:g} / {row.possible:g} "
                f"| {full} / {len(row.exercises)} | {lost} |"
            )
        else:
            lines.append(f"| {row.lesson} | {row.trial} | {row.attempt} | not graded | - | {row.reason} |")
    lines += ["", "| trial | attempt | pass rate (exercises with full points / exercises) |", "|---|---|---|"]
    for trial, attempt, full, n in summary(rows):
        rate = f"{100 * full / n:.0f} %" if n else "-"
        lines.append(f"| {trial} | {attempt} | {full} / {n} = {rate} |")
    return "\n".join(lines)


def write_csv(rows: list[Row], path: Path) -> None:
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["lesson", "trial", "attempt", "exercise", "score", "max_score", "full", "note"])
        for row in sorted(rows, key=lambda r: (r.lesson, r.trial, r.attempt)):
            if not row.ok:
                out.writerow([row.lesson, row.trial, row.attempt, "", "", "", "", row.reason])
            for name, (s, m) in row.exercises.items():
                out.writerow([row.lesson, row.trial, row.attempt, name, f"{s:g}", f"{m:g}", int(s >= m), ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/newcomer_trial.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("packets", help="write the full and cells-only packets and nnlib for learners into DEST")
    p.add_argument("dest", type=Path)
    p.add_argument(
        "--generate",
        action="store_true",
        help="generate the release from solutions/ first (when notebooks/ is not regenerated yet)",
    )
    g = sub.add_parser("grade", help="grade ANSWERS/<trial>/<attempt>/<lesson>.ipynb and print the table")
    g.add_argument("answers", type=Path)
    g.add_argument("--out", type=Path, help="also write the table here (.csv: one row per exercise; else markdown)")
    g.add_argument("--workers", type=int, default=1, help="grading worker processes (default 1)")
    g.add_argument("--keep", type=Path, help="copy the temporary course's grading/ folder here (feedback, logs)")
    args = parser.parse_args(argv)
    if args.command == "packets":
        packets(args.dest, generate=args.generate)
        return 0
    if not args.answers.is_dir():
        parser.error(f"{args.answers} is not a folder")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    rows = grade(args.answers, args.workers, args.keep)
    table = markdown_table(rows)
    print(table)
    if args.out:
        if args.out.suffix == ".csv":
            write_csv(rows, args.out)
        else:
            args.out.write_text(table + "\n")
        print(f"written: {args.out}")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
