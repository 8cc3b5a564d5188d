"""Unix accounts of the class: a roster CSV of learners becomes accounts with private homes and first passwords.

    python -m classhub accounts ROSTER.csv

The roster is the course's (``autograder/commands/roster.py``: a header with an ``id`` column, optional ``name`` and
``email``), with its learner-id rule, plus the rule of unix account names (``^[a-z_][a-z0-9_-]{0,31}$``): a bad
line is refused with its line number, and then nothing is changed. Each new learner gets an account in the
learners' group, a home of mode 0700 (Debian's default 0755 would let every learner read every other's
notebooks) and a random first password; the passwords of the accounts made by this run are appended to
``<state>/initial-passwords.csv`` (root only, 0600) for the instructor to hand out. Running it again adds the
newcomers and changes nothing else: existing learners keep their homes and passwords. An existing account that is
not a learner of this class (``root``, a service account, the instructor) is refused, never taken over.
"""

from __future__ import annotations

import csv
import grp
import os
import pwd
import re
import secrets
import subprocess
from pathlib import Path

from autograder.commands.roster import RosterError, read_roster

from .settings import ClassHubError, Settings

UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def _sh(cmd: list[str], what: str, stdin: str | None = None) -> None:
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise ClassHubError(f"{what} failed: {' '.join(cmd)}: {done.stderr.strip() or done.stdout.strip()}")


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        _sh(["groupadd", "--system", name], f"creating the group {name}")


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def in_group(name: str, group: str) -> bool:
    try:
        g = grp.getgrnam(group)
        user = pwd.getpwnam(name)
    except KeyError:
        return False
    return name in g.gr_mem or user.pw_gid == g.gr_gid


def new_password() -> str:
    """A first password: 12 letters and digits (about 71 bits), easy to read out and type."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY3469"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def create_account(name: str, group: str, full_name: str = "") -> str:
    """A new account in ``group`` with a private home (0700); returns its first password."""
    _sh(
        ["useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, "--comment", full_name, name],
        f"creating the account {name}",
    )
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    password = new_password()
    _sh(["chpasswd"], f"setting the password of {name}", stdin=f"{name}:{password}\n")
    return password


def record_passwords(settings: Settings, rows: list[tuple[str, str, str]]) -> Path:
    """Append (account, role, password) rows to the root-only passwords file (0600)."""
    path = settings.passwords_file
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["account", "role", "first_password"])
        writer.writerows(rows)
    return path


def roster_lines(path: str | os.PathLike) -> dict[str, int]:
    """Learner id -> its line in the roster file (the header is line 1)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    id_field = next((f for f in reader.fieldnames or [] if (f or "").strip().lower() in ("id", "student_id")), None)
    return {(row.get(id_field) or "").strip(): line for line, row in enumerate(reader, start=2)}


def check_roster(settings: Settings, path: str | os.PathLike) -> list:
    """The roster's learners, or ClassHubError listing every line that cannot become a learner's account."""
    try:
        learners = read_roster(path)
    except RosterError as err:
        raise ClassHubError(str(err)) from err
    lines = roster_lines(path)
    problems = []
    for learner in learners:
        where = f"line {lines.get(learner.id, '?')}"
        if not UNIX_NAME.fullmatch(learner.id):
            problems.append(
                f"{where}: {learner.id!r} cannot be a unix account name: use lower-case letters, "
                f"digits, '_' and '-', starting with a letter or '_', at most 32 characters"
            )
        elif learner.id in (settings.instructor,):
            problems.append(f"{where}: {learner.id!r} is the instructor's account")
        elif exists(learner.id) and not in_group(learner.id, settings.learner_group):
            problems.append(
                f"{where}: the account {learner.id!r} already exists and is not a learner of this "
                f"class (not in the group {settings.learner_group}); it is never taken over"
            )
    if problems:
        raise ClassHubError(f"{path}: no account made, fix these lines first:\n  " + "\n  ".join(problems))
    return learners


def add_learners(settings: Settings, path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Make the accounts of the roster's newcomers; returns (added, already there)."""
    learners = check_roster(settings, path)
    ensure_group(settings.learner_group)
    added, kept, rows = [], [], []
    for learner in learners:
        if exists(learner.id):
            kept.append(learner.id)
            continue
        full = " ".join(n for n in (learner.first_name, learner.last_name) if n)
        rows.append((learner.id, "learner", create_account(learner.id, settings.learner_group, full)))
        added.append(learner.id)
    if rows:
        record_passwords(settings, rows)
    from .boxes import ensure_box

    for learner in learners:  # each learner's bounded exchange box (again: kept as it is, mounted if it was not)
        ensure_box(settings, learner.id)
    return added, kept


COURSE_ROSTER = "class.csv"


def copy_roster_to_course(settings: Settings, path: str | os.PathLike) -> Path | None:
    """The roster, as ``class.csv`` in the instructor's course folder (the instructor's, 0600), where
    ``python -m autograder.commands.roster import class.csv`` reads it: the home is 0700, root's copy cannot be reached."""
    course = Path(settings.course) if settings.course else None
    if course is None or not course.is_dir() or not exists(settings.instructor):
        return None
    user = pwd.getpwnam(settings.instructor)
    target = course / COURSE_ROSTER
    if target.is_symlink():
        target.unlink()
    data = Path(path).read_bytes()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chown(target, user.pw_uid, user.pw_gid)
    os.chmod(target, 0o600)
    return target


def remove_accounts(names: list[str]) -> None:
    """Remove accounts and their homes (the test suite's clean-up; a class keeps its accounts)."""
    for name in names:
        if exists(name):
            for pid in processes_of(pwd.getpwnam(name).pw_uid):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
        subprocess.run(["userdel", "--remove", name], capture_output=True)


def processes_of(uid: int) -> list[int]:
    """The ids of the processes running as ``uid`` (from /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids
