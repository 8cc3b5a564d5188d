"""The class list and the due dates, kept in nbgrader's gradebook (grading/gradebook.db).

    python -m autograder.commands.roster import FILE.csv          # learners: a CSV with a header id,name,email
    python -m autograder.commands.roster due LESSON 2027-01-15T23:59   # a lesson's due date (course time zone, or +01:00)
    python -m autograder.commands.roster due LESSON --clear        # no due date
    python -m autograder.commands.roster show                      # the roster and the due dates

The CSV needs a column ``id`` (or ``student_id``): the learner's nbgrader id, which is their login name on the
machine or server they submit from, and the folder name under ``grading/submitted/``. Ids must match
``^[A-Za-z0-9._-]+$`` (and not be ``.`` or ``..``); a file with a bad id, a missing id or a repeated id is refused
as a whole with the line numbers, and nothing is imported. ``name`` (split at its last space into first and last
name) or ``first_name``/``last_name``, and ``email``, are optional. Importing again updates the same learners
(idempotent); learners absent from the file are left in the gradebook (they may have submissions).

A due date marks later submissions as late in ``python -m autograder.commands.export``; nbgrader's AssignLatePenalties
takes points off only if ``nbgrader_config.py`` chooses a penalty (``c.LateSubmissionPlugin.penalty_method``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LEARNER_ID = re.compile(r"^[A-Za-z0-9._-]+$")


class RosterError(ValueError):
    """A roster or a command that cannot be applied; the message says what to fix."""


def check_learner_id(learner: str, where: str = "") -> str:
    """``learner`` if it is a usable learner id, else RosterError naming the rule (and ``where``)."""
    prefix = f"{where}: " if where else ""
    if not isinstance(learner, str) or not LEARNER_ID.fullmatch(learner) or learner in (".", ".."):
        raise RosterError(
            f"{prefix}learner id {learner!r} is not allowed: use letters, digits, '.', '_' and '-' "
            f"only (^[A-Za-z0-9._-]+$), not '.' or '..'"
        )
    return learner


# --------------------------------------------------------------------------------------------- the course
@dataclass
class CourseInfo:
    root: Path
    course_id: str
    db_url: str
    timezone: str
    coursedir: object

    def gradebook(self):
        from nbgrader.api import Gradebook

        bin_dir = os.path.dirname(sys.executable)  # nbgrader's gradebook runs `alembic` from PATH
        if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
        return Gradebook(self.db_url, self.course_id)


def load_course(root: str | os.PathLike = ".") -> CourseInfo:
    """The course's nbgrader settings, read from ``ROOT/nbgrader_config.py`` as nbgrader reads them."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise RosterError(f"no nbgrader_config.py in {root}: run this from the course root (or pass --root)")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    if "root" not in config.get("CourseDirectory", {}):
        config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    timezone = str(config.Exchange.timezone) if "timezone" in config.get("Exchange", {}) else "UTC"
    return CourseInfo(root, coursedir.course_id, coursedir.db_url, timezone, coursedir)


# ----------------------------------------------------------------------------------------------- roster
@dataclass(frozen=True)
class Learner:
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None


def read_roster(path: str | os.PathLike) -> list[Learner]:
    """The learners of a roster CSV, or RosterError listing every problem (with line numbers)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"cannot read the roster {path}: {err}") from err
    reader = csv.DictReader(text.splitlines())
    fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
    id_field = fields.get("id") or fields.get("student_id")
    if id_field is None:
        raise RosterError(
            f"{path}: the first line must be a header with an 'id' column (id,name,email); found {reader.fieldnames!r}"
        )

    def get(row, name):
        value = row.get(fields[name], "") if name in fields else ""
        return (value or "").strip() or None

    learners, problems, seen = [], [], {}
    for line, row in enumerate(reader, start=2):
        learner = (row.get(id_field) or "").strip()
        if not learner:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                problems.append(f"line {line}: no id")
            continue
        try:
            check_learner_id(learner, f"line {line}")
        except RosterError as err:
            problems.append(str(err))
            continue
        if learner in seen:
            problems.append(f"line {line}: learner id {learner!r} repeats line {seen[learner]}")
            continue
        seen[learner] = line
        first, last = get(row, "first_name"), get(row, "last_name")
        name = get(row, "name")
        if name and not (first or last):
            first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
            first, last = first.strip() or None, last.strip() or None
        learners.append(Learner(learner, first, last, get(row, "email")))
    if problems:
        raise RosterError(f"{path}: nothing imported, fix these lines first:\n  " + "\n  ".join(problems))
    return learners


def import_roster(course: CourseInfo, learners: list[Learner]) -> tuple[int, int]:
    """Add or update the learners in the gradebook; returns (added, updated)."""
    added = updated = 0
    with course.gradebook() as gb:
        existing = {s.id for s in gb.students}
        for learner in learners:
            gb.update_or_create_student(
                learner.id, first_name=learner.first_name, last_name=learner.last_name, email=learner.email
            )
            if learner.id in existing:
                updated += 1
            else:
                added += 1
    return added, updated


# -------------------------------------------------------------------------------------------- due dates
def parse_due(text: str, timezone: str = "UTC") -> dt.datetime:
    """A due date as naive UTC (nbgrader's storage); a time without offset is in the course's time zone."""
    from zoneinfo import ZoneInfo

    try:
        when = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError as err:
        raise RosterError(
            f"due date {text!r} is not an ISO date and time such as 2027-01-15T23:59 (or 2027-01-15T23:59+01:00)"
        ) from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def set_due(course: CourseInfo, lesson: str, when: dt.datetime | None) -> None:
    from autograder.catalogue import LESSONS

    if lesson not in LESSONS:
        raise RosterError(f"unknown lesson {lesson!r}; the lessons are {', '.join(LESSONS)}")
    with course.gradebook() as gb:
        gb.update_or_create_assignment(lesson, duedate=when)


def show(course: CourseInfo) -> str:
    lines = []
    with course.gradebook() as gb:
        lines.append(f"{len(gb.students)} learner(s):")
        for s in sorted(gb.students, key=lambda s: s.id):
            name = " ".join(x for x in (s.first_name, s.last_name) if x)
            lines.append(f"  {s.id:<20} {name:<30} {s.email or ''}")
        lines.append("due dates (UTC):")
        for a in sorted(gb.assignments, key=lambda a: a.name):
            lines.append(f"  {a.name:<20} {a.duedate.isoformat(timespec='minutes') if a.duedate else '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.commands.roster", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="add or update learners from a CSV (id,name,email)")
    imp.add_argument("file")
    due = sub.add_parser("due", help="set (or --clear) a lesson's due date")
    due.add_argument("lesson")
    due.add_argument("when", nargs="?", help="e.g. 2027-01-15T23:59 (course time zone) or 2027-01-15T23:59+01:00")
    due.add_argument("--clear", action="store_true")
    sub.add_parser("show", help="print the roster and the due dates")
    args = parser.parse_args(argv)
    try:
        course = load_course(args.root)
        if args.command == "import":
            added, updated = import_roster(course, read_roster(args.file))
            print(f"roster: {added} learner(s) added, {updated} updated")
        elif args.command == "due":
            if args.clear == bool(args.when):
                raise RosterError("give a due date (2027-01-15T23:59) or --clear, not both or neither")
            when = None if args.clear else parse_due(args.when, course.timezone)
            set_due(course, args.lesson, when)
            print(f"due date of {args.lesson}: " + (f"{when.isoformat(timespec='minutes')} UTC" if when else "none"))
        else:
            print(show(course))
    except RosterError as err:
        print(f"roster: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
