"""Regenerate the student release (notebooks/) from the instructor's source (solutions/) with nbgrader.

    python -m autograder.commands.release [LESSON ...] [--root DIR] [--regrade]

Runs ``nbgrader generate_assignment LESSON --force`` in the course root (where nbgrader_config.py is) for
every lesson that has a source notebook, or only those named; this also records the lesson's cells in the
gradebook, which grading needs. It works the same in a checkout and in a class server's course folder
(``~instructor/course``). The release is never edited by hand. Exits non-zero, naming the lesson, if nbgrader fails.

**Nothing is ever lost.** nbgrader removes the release folder before it regenerates it, and removes it again
when the generation fails (its "Removing failed assignment"); here the previous release is kept aside and put
back when nbgrader fails. A lesson whose graded cells changed (added or removed) while the gradebook holds
graded submissions of it is refused by nbgrader; the message names the command that works:
``python -m autograder.commands.release LESSON --regrade`` copies the gradebook to ``grading/backups/``, removes the
lesson's grades from the gradebook (``nbgrader db assignment remove LESSON --force``: the submitted, autograded
and feedback files stay where they are), regenerates the lesson, and asks for a regrade of everyone against the
new version (``python -m autograder grade LESSON --force``).

``ensure_generated`` is what hand-ins and grading call first: a lesson the gradebook does not know yet (a fresh
course folder, a fresh gradebook) is generated before it is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.catalogue import LESSONS

CELLS_CHANGED = "submissions associated with it"  # nbgrader's SaveCells / GenerateAssignment refusal


class ReleaseError(RuntimeError):
    """A lesson that could not be (re)generated; the message says what to run instead."""


def lessons_with_source(root: Path) -> list[str]:
    """The catalogue's lessons that have ``solutions/<lesson>/<lesson>.ipynb`` under ``root``."""
    return [lesson for lesson in LESSONS if (root / "solutions" / lesson / f"{lesson}.ipynb").exists()]


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin folder first on PATH (nbgrader runs `alembic`)."""
    bin_dir = os.path.dirname(sys.executable)
    return dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))


def _nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args, "--log-level=WARN"]
    return subprocess.run(cmd, cwd=root, env=nbgrader_env(), capture_output=True, text=True)


def gradebook_state(root: Path, lesson: str) -> tuple[bool, int]:
    """(the gradebook knows ``lesson``'s notebooks, how many graded submissions of it the gradebook holds)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .roster import load_course

    bin_dir = os.path.dirname(sys.executable)  # a new gradebook runs `alembic` from PATH
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    course = load_course(root)
    with Gradebook(course.db_url, course.course_id) as gb:
        try:
            assignment = gb.find_assignment(lesson)
        except MissingEntry:
            return False, 0
        return bool(assignment.notebooks), len(assignment.submissions)


def is_generated(root: Path, lesson: str) -> bool:
    """True if ``notebooks/<lesson>/<lesson>.ipynb`` exists and the gradebook knows the lesson's notebooks."""
    root = Path(root).resolve()
    return (root / "notebooks" / lesson / f"{lesson}.ipynb").is_file() and gradebook_state(root, lesson)[0]


def ensure_generated(root: Path, lessons: list[str], say=print) -> list[str]:
    """Generate the lessons that are not generated yet (release folder or gradebook entry missing)."""
    root = Path(root).resolve()
    todo = [lesson for lesson in lessons if not is_generated(root, lesson)]
    for lesson in todo:
        say(
            f"{lesson} is not generated in {root} yet (its release or gradebook entry is missing): "
            f"running python -m autograder.commands.release {lesson}"
        )
        generate(root, [lesson])
    return todo


def _backup_gradebook(root: Path) -> Path:
    from .roster import load_course

    db_url = load_course(root).db_url
    if not db_url.startswith("sqlite:///"):
        raise ReleaseError(
            f"release --regrade backs up only a SQLite gradebook; back up {db_url} yourself, then "
            f"run nbgrader db assignment remove LESSON --force and python -m autograder.commands.release LESSON"
        )
    db = Path(db_url[len("sqlite:///") :])
    backups = root / "grading" / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    target = backups / f"gradebook-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%fZ}.db"
    shutil.copy2(db, target)
    return target


def _generate_one(root: Path, lesson: str) -> None:
    release = root / "notebooks" / lesson
    with tempfile.TemporaryDirectory(prefix=f"release-{lesson}-", dir=root / "grading") as keep:
        kept = Path(keep) / lesson
        if release.is_dir():
            shutil.copytree(release, kept, symlinks=True)
        done = _nbgrader(root, "generate_assignment", lesson, "--force")
        if done.returncode == 0 and (release / f"{lesson}.ipynb").is_file():
            return
        if kept.is_dir():  # nbgrader removed the release ("Removing failed assignment"): put it back
            if release.exists():
                shutil.rmtree(release)
            shutil.copytree(kept, release, symlinks=True)
    output = f"{done.stdout}\n{done.stderr}"
    if CELLS_CHANGED in output:
        graded = gradebook_state(root, lesson)[1]
        raise ReleaseError(
            f"release: {lesson}: its graded cells changed (added or removed) and the gradebook holds {graded} "
            f"graded submission(s) of it, so nbgrader refuses to regenerate it. Nothing was changed: "
            f"notebooks/{lesson} and every submission are as before. To release the new version and grade "
            f"everyone against it (the gradebook is copied to grading/backups/ first; no submission is touched):\n"
            f"    python -m autograder.commands.release {lesson} --regrade"
        )
    raise ReleaseError(
        f"release: nbgrader generate_assignment {lesson} failed (notebooks/{lesson} is as before):\n{output.strip()}"
    )


def generate(root: Path, lessons: list[str] | None = None, regrade: bool = False, say=print) -> list[str]:
    """Generate the release of ``lessons`` (default: every lesson with a source) under ``root``."""
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise FileNotFoundError(f"release: no nbgrader_config.py in {root}; run from the course root")
    (root / "grading").mkdir(exist_ok=True)
    todo = lessons or lessons_with_source(root)
    for lesson in todo:
        src = root / "solutions" / lesson / f"{lesson}.ipynb"
        if not src.exists():
            raise FileNotFoundError(f"release: {lesson} has no source notebook at {src}")
    for lesson in todo:
        if regrade and gradebook_state(root, lesson)[1]:
            backup = _backup_gradebook(root)
            done = _nbgrader(root, "db", "assignment", "remove", lesson, "--force")
            if done.returncode != 0:
                raise ReleaseError(
                    f"release: nbgrader db assignment remove {lesson} failed (the gradebook was "
                    f"copied to {backup}):\n{done.stdout}\n{done.stderr}"
                )
            say(
                f"release: {lesson}: gradebook copied to {backup}; its grades removed from the gradebook "
                f"(the submissions stay in grading/); regrade: python -m autograder grade {lesson} --force"
            )
        _generate_one(root, lesson)
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.commands.release", description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: all with a source notebook)")
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    parser.add_argument(
        "--regrade",
        action="store_true",
        help="a lesson whose cells changed after grading: back up the gradebook, remove the "
        "lesson's grades (not the submissions), regenerate; then regrade everyone",
    )
    args = parser.parse_args(argv)
    unknown = [lesson for lesson in args.lessons if lesson not in LESSONS]
    if unknown:
        parser.error(f"unknown lesson(s): {', '.join(unknown)}; the lessons are {', '.join(LESSONS)}")
    try:
        done = generate(Path(args.root), args.lessons or None, regrade=args.regrade)
    except (FileNotFoundError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print("released:", ", ".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
