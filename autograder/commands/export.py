"""The grades from the gradebook: a table for the terminal and a CSV under grading/.

    python -m autograder.commands.export [LESSON ...]            # table of learners and scores (all lessons by default)
    python -m autograder.commands.export LESSON --csv            # also write grading/grades.csv
    python -m autograder.commands.export --csv grading/week1.csv # the CSV elsewhere under grading/

One row per learner (everyone in the roster, and everyone who submitted) and lesson: the learner, their name,
the lesson, the score, the maximum, whether they submitted, and whether it was late. A lesson not submitted shows
"-" as its score and "not submitted" (in the CSV: ``submitted`` = no and an empty ``score``), never a 0; a
submission that scored 0 shows 0. "late" needs a due date (``python -m autograder.commands.roster due LESSON DATE``).

The CSV is written with Python's csv module (names with commas stay one field), and cells a spreadsheet would
run as a formula (starting with = + - @) are prefixed with a quote. It is written under ``grading/``, which git
ignores: a CSV path outside it is refused.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.commands.roster import CourseInfo, RosterError, load_course


@dataclass
class Row:
    learner: str
    name: str
    email: str
    lesson: str
    submitted: bool
    timestamp: str
    score: float | None
    max_score: float
    seconds_late: float
    penalty: float

    @property
    def late(self) -> bool:
        return self.submitted and self.seconds_late > 0


def rows(course: CourseInfo, lessons: list[str] | None = None) -> list[Row]:
    """Every (learner, lesson) of the gradebook, for ``lessons`` (default: all lessons in the gradebook)."""
    from nbgrader.api import MissingEntry

    out = []
    with course.gradebook() as gb:
        known = {a.name: a for a in gb.assignments}
        unknown = [lesson for lesson in (lessons or []) if lesson not in known]
        if unknown:
            raise RosterError(
                f"no lesson {', '.join(unknown)} in the gradebook {course.db_url} "
                f"(it has: {', '.join(sorted(known)) or 'none'})"
            )
        for name in sorted(lessons or known):
            assignment = known[name]
            max_score = float(assignment.max_score or 0)
            for student in sorted(gb.students, key=lambda s: s.id):
                full = " ".join(x for x in (student.first_name, student.last_name) if x)
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    out.append(Row(student.id, full, student.email or "", name, False, "", None, max_score, 0, 0))
                    continue
                out.append(
                    Row(
                        student.id,
                        full,
                        student.email or "",
                        name,
                        True,
                        sub.timestamp.isoformat(sep=" ", timespec="seconds") if sub.timestamp else "",
                        float(sub.score or 0),
                        max_score,
                        float(sub.total_seconds_late or 0),
                        float(sub.late_submission_penalty or 0),
                    )
                )
    return out


def _late_text(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return "late " + (f"{days}d {hours}h" if days else f"{hours}h {mins:02d}m" if hours else f"{max(mins, 1)}m")


def _num(x: float) -> str:
    return f"{x:g}"


def table(found: list[Row]) -> str:
    """A plain-text table of ``found``, with a summary line."""
    header = ["learner", "name", "lesson", "score", "max", "submitted", "late"]
    body = [
        [
            r.learner,
            r.name,
            r.lesson,
            _num(r.score) if r.submitted else "-",
            _num(r.max_score),
            "yes" if r.submitted else "not submitted",
            _late_text(r.seconds_late) if r.late else "",
        ]
        for r in found
    ]
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(header), line(["-" * w for w in widths])] + [line(row) for row in body]
    submitted = sum(r.submitted for r in found)
    late = sum(r.late for r in found)
    out.append(f"{len(found)} row(s): {submitted} submitted, {len(found) - submitted} not submitted, {late} late")
    return "\n".join(out)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(course: CourseInfo, found: list[Row], dest: str | os.PathLike | None = None) -> Path:
    grading = (course.root / "grading").resolve()
    dest = Path(dest) if dest else grading / "grades.csv"
    dest = (dest if dest.is_absolute() else Path.cwd() / dest).resolve()
    if grading not in dest.parents:
        raise RosterError(f"grades go under {grading} (git-ignored), not {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "learner",
                "name",
                "email",
                "lesson",
                "submitted",
                "timestamp",
                "score",
                "max_score",
                "late",
                "seconds_late",
                "late_penalty",
            ]
        )
        for r in found:
            writer.writerow(
                [
                    _cell(r.learner),
                    _cell(r.name),
                    _cell(r.email),
                    r.lesson,
                    "yes" if r.submitted else "no",
                    r.timestamp,
                    _num(r.score) if r.submitted else "",
                    _num(r.max_score),
                    "yes" if r.late else "no",
                    f"{r.seconds_late:.0f}",
                    _num(r.penalty),
                ]
            )
    return dest


def report(root: str | os.PathLike = ".", lessons: list[str] | None = None) -> str:
    """The table for the end of a grading command: ``print(report(course_root, [lesson]))``."""
    return table(rows(load_course(root), lessons))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.commands.export", description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson in the gradebook)")
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    parser.add_argument(
        "--csv",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="also write a CSV (default grading/grades.csv; must be under grading/)",
    )
    args = parser.parse_args(argv)
    try:
        course = load_course(args.root)
        found = rows(course, args.lessons or None)
        print(table(found))
        if args.csv is not None:
            print(f"grades written to {write_csv(course, found, args.csv or None)}")
    except RosterError as err:
        print(f"export: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
