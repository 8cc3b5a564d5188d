"""Place a notebook received by hand (e-mail, an LMS, a USB stick) as a learner's submission.

    python -m autograder.commands.handin LESSON LEARNER FILE.ipynb [--time 2027-01-15T22:10]   # one submission
    python -m autograder.commands.handin --repair LESSON                                        # fix earlier hand-ins

It writes ``grading/submitted/LEARNER/LESSON/LESSON.ipynb`` (the name nbgrader expects, whatever the file was
called) with the two files ``nbgrader collect`` writes next to a submission: ``timestamp.txt`` (now, or the
time it was handed in: the due date is checked against it) and ``submission_secret.txt``. Without them
``nbgrader release_feedback`` fails (``FileNotFoundError … feedback/LEARNER/LESSON/timestamp.txt``).
A lesson the gradebook does not know yet (a fresh course folder) is then generated (``autograder/commands/release.py``),
so that grading it works.
A new hand-in of the same learner and lesson replaces the previous one (as ``nbgrader collect --update``).

Refused, with a message: a notebook larger than 20 MiB (the limit of a submission, as at collect), a learner id that does not match ``^[A-Za-z0-9._-]+$`` (or is ``.``/``..``), an unknown
lesson, a file that is a symbolic link or not a regular file, a file that is not a readable notebook, and a
destination folder that is a symbolic link.

``--repair LESSON`` adds the two files, where they are missing, to every submission of LESSON already in
``grading/submitted/`` (and to its autograded and feedback copies), taking the notebook's modification time as
the time it was handed in.

Learners who handed in by hand have no nbgrader submission of their own to fetch feedback for: send them
``grading/feedback/LEARNER/LESSON/LESSON.html`` (``nbgrader release_feedback`` works, but nobody fetches it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import stat
import sys
from pathlib import Path

from autograder.commands.roster import RosterError, check_learner_id, load_course, parse_due
from autograder.integration.hygiene import MAX_SUBMISSION_BYTES, TIMESTAMP_FORMAT, nbgrader_timestamp  # noqa: F401


class HandinError(ValueError):
    pass


def read_notebook_bytes(path: Path) -> bytes:
    """The bytes of ``path``, refusing symbolic links and anything that is not a regular file."""
    if path.is_symlink():
        raise HandinError(f"{path} is a symbolic link: hand in the notebook file itself")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        raise HandinError(f"cannot open {path}: {err.strerror}") from err
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise HandinError(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_SUBMISSION_BYTES + 1)  # never more than the limit (a file may grow while read)
        if len(data) > MAX_SUBMISSION_BYTES:
            raise HandinError(
                f"{path} is larger than {MAX_SUBMISSION_BYTES // (1 << 20)} MiB, the limit of a "
                f"submission (autograder/integration/hygiene.py MAX_SUBMISSION_BYTES): clear its outputs"
            )
    finally:
        os.close(fd)
    import nbformat

    try:
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as err:  # noqa: BLE001 - any parse failure means: not a notebook
        raise HandinError(f"{path} is not a readable Jupyter notebook ({type(err).__name__}: {err})") from err
    return data


def _no_symlinks_below(base: Path, target: Path) -> None:
    """Refuse if ``target`` or any folder between ``base`` and it is a symbolic link."""
    current = base
    for part in target.relative_to(base).parts:
        current = current / part
        if current.is_symlink():
            raise HandinError(f"{current} is a symbolic link; refusing to write through it")


def write_marks(folder: Path, timestamp: str, secret: str | None = None, overwrite: bool = True) -> None:
    """timestamp.txt and submission_secret.txt in ``folder`` (only the missing ones if not ``overwrite``)."""
    for name, value in (("timestamp.txt", timestamp), ("submission_secret.txt", secret or secrets.token_hex(64))):
        path = folder / name
        if overwrite or not path.exists():
            path.write_text(value)


def handin(
    root: str | os.PathLike, lesson: str, learner: str, notebook: str | os.PathLike, when: dt.datetime | None = None
) -> Path:
    """Place ``notebook`` as ``learner``'s submission of ``lesson``; returns the submission folder."""
    from autograder.catalogue import LESSONS

    check_learner_id(learner)
    if lesson not in LESSONS:
        raise HandinError(f"unknown lesson {lesson!r}; the lessons are {', '.join(LESSONS)}")
    data = read_notebook_bytes(Path(notebook))
    course = load_course(root)
    cd = course.coursedir
    submitted_root = Path(os.path.normpath(cd.format_path(cd.submitted_directory, ".", ".")))
    folder = Path(os.path.normpath(cd.format_path(cd.submitted_directory, learner, lesson)))
    submitted_root.mkdir(parents=True, exist_ok=True)
    _no_symlinks_below(submitted_root, folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / f"{lesson}.ipynb").write_bytes(data)
    write_marks(folder, nbgrader_timestamp(when))
    return folder


def repair(root: str | os.PathLike, lesson: str) -> list[str]:
    """Add missing timestamp.txt/submission_secret.txt to LESSON's submissions and their later copies."""
    course = load_course(root)
    cd = course.coursedir
    fixed = []
    submitted = Path(os.path.normpath(cd.format_path(cd.submitted_directory, ".", ".")))
    for folder in sorted(submitted.glob(f"*/{lesson}")):
        if folder.is_symlink() or folder.parent.is_symlink() or not folder.is_dir():
            continue
        learner = folder.parent.name
        ts_path, secret_path = folder / "timestamp.txt", folder / "submission_secret.txt"
        if ts_path.exists() and secret_path.exists():
            continue
        notebooks = sorted(folder.glob("*.ipynb"))
        mtime = max((p.stat().st_mtime for p in notebooks), default=None)
        when = dt.datetime.fromtimestamp(mtime, dt.timezone.utc) if mtime else None
        timestamp = ts_path.read_text() if ts_path.exists() else nbgrader_timestamp(when)
        secret = secret_path.read_text() if secret_path.exists() else secrets.token_hex(64)
        for step in (cd.submitted_directory, cd.autograded_directory, cd.feedback_directory):
            copy = Path(cd.format_path(step, learner, lesson))
            if copy.is_dir() and not copy.is_symlink():
                write_marks(copy, timestamp, secret, overwrite=False)
        fixed.append(learner)
    return fixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.commands.handin", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    parser.add_argument("--repair", metavar="LESSON", help="add the missing files to LESSON's earlier hand-ins")
    parser.add_argument("--time", help="when it was handed in (ISO, course time zone; default: now)")
    parser.add_argument("lesson", nargs="?")
    parser.add_argument("learner", nargs="?")
    parser.add_argument("file", nargs="?")
    args = parser.parse_args(argv)
    try:
        if args.repair:
            fixed = repair(args.root, args.repair)
            print(
                f"handin: repaired {len(fixed)} submission(s) of {args.repair}"
                + (f": {', '.join(fixed)}" if fixed else "")
            )
            return 0
        if not (args.lesson and args.learner and args.file):
            parser.error("give LESSON LEARNER FILE.ipynb (or --repair LESSON)")
        when = parse_due(args.time, load_course(args.root).timezone) if args.time else None
        folder = handin(args.root, args.lesson, args.learner, args.file, when)
    except (HandinError, RosterError) as err:
        print(f"handin: {err}", file=sys.stderr)
        return 1
    print(f"handin: {args.learner}'s {args.lesson} placed in {folder}")
    from autograder.commands.release import ReleaseError, ensure_generated

    try:  # grading needs the lesson in the gradebook (a fresh course folder has none)
        ensure_generated(Path(args.root), [args.lesson], say=lambda m: print(f"handin: {m}"))
    except (ReleaseError, FileNotFoundError) as err:
        print(f"handin: the hand-in is in place, but {err}", file=sys.stderr)
        return 1
    print(f"handin: grade it with: python -m autograder grade {args.lesson}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
