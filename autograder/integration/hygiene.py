"""Submissions and the exchange treated as hostile input: no links followed, ids validated, owners checked.

nbgrader copies learners' folders with ``shutil.copy``, which follows symbolic links, matches learner ids with
a pattern a newline breaks, and only *warns* when an inbound submission is not owned by the learner it names.
This module fixes each where nbgrader reads learner files, installed from ``nbgrader_config.py``:

- ``install()`` wraps nbgrader's converters (autograde, feedback): a learner folder or notebook that is a link
  or not a regular file, and a learner id that is not ``^[A-Za-z0-9._-]+$``, is reported and skipped (the
  others are still graded); other files are copied only when they are regular files, never through a link.
- ``SafeExchangeCollect`` (``c.ExchangeFactory.collect``) refuses inbound entries that are links, have a bad id,
  hold more than ``max_bytes`` (20 MiB), or (with ``check_owner``) are not owned by the account they name, and
  copies regular files only, never more than ``max_bytes``. A submission's time is the time the exchange saw it
  (the entry's ctime, which its owner cannot set back), written as the collected ``timestamp.txt``; the learner's
  own ``timestamp.txt`` and the time in the entry's name are only compared with it, and reported as forged when
  they are in the future or more than two minutes away from it.
"""

from __future__ import annotations

import datetime as dt
import errno
import glob
import os
import re
import shutil
import stat
from itertools import groupby
from pathlib import Path

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's Exchange.timestamp_format (parse_utc reads it back)


def nbgrader_timestamp(when: dt.datetime | None = None) -> str:
    """``when`` (naive = UTC; default now) in nbgrader's timestamp format, e.g. '2027-01-15 22:10:00.000000 UTC'."""
    when = when or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime(TIMESTAMP_FORMAT)


ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def valid_id(learner: str) -> bool:
    """True for a learner id nbgrader can handle safely: letters, digits, '.', '_' and '-' only."""
    return bool(ID_RE.match(learner or "")) and learner not in (".", "..")


MAX_SUBMISSION_BYTES = 20 << 20  # one submission (a lesson's folder): collect and hand-in refuse anything larger
TIME_SLACK_SECONDS = 120  # an honest submit writes its time stamp seconds before the exchange sees it


def tree_size(path: str | Path, stop_above: int | None = None) -> int:
    """Bytes of the regular files below ``path`` (links not followed); stops counting once past ``stop_above``."""
    total = 0
    for root, _dirs, files in os.walk(path, followlinks=False):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
                if stop_above is not None and total > stop_above:
                    return total
    return total


def _copy_at_most(f_in, f_out, budget: int) -> int:
    """Copy from ``f_in`` to ``f_out`` at most ``budget`` bytes; returns the bytes copied (budget + 1: cut off)."""
    copied = 0
    while True:
        chunk = f_in.read(min(1 << 20, budget + 1 - copied))
        if not chunk:
            return copied
        if copied + len(chunk) > budget:
            f_out.write(chunk[: budget - copied])
            return budget + 1
        f_out.write(chunk)
        copied += len(chunk)


def copy_regular_files(
    src: str | Path, dest: str | Path, *, skip_notebooks: bool = False, max_bytes: int = 500 << 20
) -> list[str]:
    """Copy the regular files below ``src`` to ``dest`` (folders recreated); never follow or copy a link.

    Returns what was skipped and why (links, devices, fifos, sockets, notebooks when ``skip_notebooks``,
    files past ``max_bytes`` in total).
    """
    src, dest = Path(src), Path(dest)
    skipped, total = [], 0
    if os.path.islink(src) or not src.is_dir():
        return [f"{src} (not a folder)"]
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        for d in list(dirs):
            if os.path.islink(os.path.join(root, d)):
                skipped.append(f"{rel / d} (a link)")
                dirs.remove(d)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                skipped.append(f"{rel / name} ({'a link' if stat.S_ISLNK(st.st_mode) else 'not a regular file'})")
                continue
            if skip_notebooks and name.endswith(".ipynb"):
                continue
            if total + st.st_size > max_bytes:
                skipped.append(f"{rel / name} (over the size limit of {max_bytes} bytes)")
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f_in, open(dest / rel / name, "wb") as f_out:
                copied = _copy_at_most(f_in, f_out, max_bytes - total)  # a file that grows is cut at the limit
            os.chmod(dest / rel / name, 0o644)
            if copied > max_bytes - total:
                skipped.append(f"{rel / name} (grew past the size limit of {max_bytes} bytes while copied: cut)")
                total = max_bytes
            else:
                total += copied
    return skipped


def link_on_path(path: str, root: str) -> str | None:
    """The first component of ``path`` below ``root`` that is a symbolic link (or ``path`` itself), else None."""
    path, root = os.path.abspath(path), os.path.abspath(root)
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        return path
    current = root
    for part in Path(rel).parts:
        current = os.path.join(current, part)
        if os.path.islink(current):
            return current
    return None


# ----------------------------------------------------------------------------------------------------
# nbgrader's converters (autograde, generate_feedback)
# ----------------------------------------------------------------------------------------------------
def _check_assignments(self) -> None:
    """Drop learner folders and notebooks that are links, not regular files, or under a bad learner id."""
    root = os.path.join(self.coursedir.root, self._input_directory)
    regexp = re.compile(
        self._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True) + r"\Z", re.DOTALL
    )
    for assignment in sorted(self.assignments):
        m = regexp.match(assignment)
        learner = m.group("student_id") if m else None
        problem = None
        if learner is not None and learner != "." and not valid_id(learner):
            problem = f"learner id {learner!r} is not allowed (only letters, digits, '.', '_' and '-')"
        elif link_on_path(assignment, root):
            problem = f"{link_on_path(assignment, root)} is a symbolic link"
        else:
            bad = [
                nb
                for nb in self.assignments[assignment]
                if os.path.islink(nb) or not stat.S_ISREG(os.lstat(nb).st_mode)
            ]
            if bad:
                problem = f"{bad[0]} is a link or not a regular file"
        if problem:
            self.log.error("refused submission %r: %s; the other learners are still graded", assignment, problem)
            del self.assignments[assignment]


def _safe_init_assignment(self, assignment_id: str, student_id: str) -> None:
    """nbgrader's BaseConverter.init_assignment, copying regular files only (never through a link)."""
    source = self._format_source(assignment_id, student_id)
    dest = self._format_dest(assignment_id, student_id)
    for skipped in copy_regular_files(source, dest, skip_notebooks=True):
        self.log.warning("not copied from %s: %s", source, skipped)


def install() -> None:
    """Wrap nbgrader's converters with the checks above (idempotent)."""
    from nbgrader.converters import base

    if getattr(base.BaseConverter, "_autograder_hygiene", False):
        return
    original_init_notebooks = base.BaseConverter.init_notebooks

    def init_notebooks(self) -> None:
        original_init_notebooks(self)
        _check_assignments(self)
        if not self.assignments:
            from nbgrader.converters.base import NbGraderException

            raise NbGraderException("no submission left to process after refusing unsafe ones (see the log)")

    base.BaseConverter.init_notebooks = init_notebooks
    base.BaseConverter.init_assignment = _safe_init_assignment
    base.BaseConverter._autograder_hygiene = True


# ----------------------------------------------------------------------------------------------------
# the exchange: collect
# ----------------------------------------------------------------------------------------------------
def _collect_class():
    from nbgrader.exchange.default.collect import ExchangeCollect
    from traitlets import Integer, Unicode

    class SafeExchangeCollect(ExchangeCollect):
        """nbgrader's collect, refusing links, bad ids, entries larger than ``max_bytes`` and (with check_owner)
        entries not owned by their learner; the time of a submission is the one the exchange saw (the inbound
        entry's ctime, which its owner cannot set back), never the learner's ``timestamp.txt`` or folder name."""

        max_bytes = Integer(MAX_SUBMISSION_BYTES, help="largest submission collected (bytes)").tag(config=True)
        boxes = Unicode(
            "",
            help="folder of the learners' exchange boxes (a class server, classhub/boxes.py): each box "
            "<boxes>/<learner>/<course>/inbound is collected too, its entries only if they name the box's owner",
        ).tag(config=True)

        def _inbound_entries(self, student_id: str) -> list[tuple[str, str | None]]:
            """[(path, the box's learner or None for the shared inbound)] of the entries to look at."""
            name = f"{student_id}+{self.coursedir.assignment_id}+*"
            entries = [(p, None) for p in glob.glob(os.path.join(self.inbound_path, name))]
            if self.boxes and os.path.isdir(self.boxes):
                for box in sorted(os.scandir(self.boxes), key=lambda e: e.name):
                    inbound = os.path.join(box.path, self.coursedir.course_id, "inbound")
                    if box.is_dir(follow_symlinks=False) and os.path.isdir(inbound):
                        entries += [(p, box.name) for p in glob.glob(os.path.join(inbound, name))]
            return entries

        def _trusted_time(self, rec):
            """The inbound entry's change time (naive UTC, as nbgrader's); a claimed time that is in the future or
            more than TIME_SLACK_SECONDS away from it is reported as forged and not believed."""
            from nbgrader.utils import parse_utc

            path = os.path.join(self.inbound_path, rec["filename"])
            seen = dt.datetime.fromtimestamp(os.lstat(path).st_ctime, dt.timezone.utc).replace(tzinfo=None)
            claims = [("its name", rec["timestamp"])]
            stamp = os.path.join(path, "timestamp.txt")
            if os.path.isfile(stamp) and not os.path.islink(stamp):
                try:
                    with open(stamp, encoding="utf-8", errors="replace") as f:
                        claims.append(("its timestamp.txt", parse_utc(f.read(200).strip()).replace(tzinfo=None)))
                except Exception:  # noqa: BLE001 - an unreadable stamp is as good as a forged one
                    self.log.warning("%s: unreadable timestamp.txt; the time the exchange saw is used", rec["filename"])
            for what, claimed in claims:
                claimed = claimed.replace(tzinfo=None) if claimed is not None else None
                if claimed is None or abs((claimed - seen).total_seconds()) > TIME_SLACK_SECONDS:
                    self.log.error(
                        "forged time stamp in inbound entry %r: %s says %s, the exchange saw it at %s UTC; %s is used",
                        rec["filename"],
                        what,
                        claimed,
                        seen,
                        seen,
                    )
            return seen

        def _refusal(self, rec) -> str | None:
            path = os.path.join(self.inbound_path, rec["filename"])
            if not valid_id(rec["username"]):
                return f"learner id {rec['username']!r} is not allowed"
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
                return "it is a link or not a folder"
            if self.check_owner:
                import pwd

                try:
                    owner = pwd.getpwuid(st.st_uid).pw_name
                except KeyError:
                    owner = f"uid {st.st_uid}"
                if owner != rec["username"]:
                    return f"it names {rec['username']} but is owned by {owner}"
            size = tree_size(path, stop_above=self.max_bytes)
            if size > self.max_bytes:
                return f"it holds more than the limit of {self.max_bytes} bytes (SafeExchangeCollect.max_bytes)"
            return None

        def init_src(self):
            super().init_src()  # checks the course and the due date, and picks one entry per learner
            student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
            records = []
            for path, owner in self._inbound_entries(student_id):
                try:
                    rec = self._path_to_record(path)
                except Exception as exc:  # a name nbgrader cannot parse
                    self.log.error("refused inbound entry %r: %s", os.path.basename(path), exc)
                    continue
                rec["filename"] = path  # absolute: os.path.join(inbound_path, filename) is the entry itself
                why = self._refusal(rec)
                if owner is not None and rec["username"] != owner:
                    why = f"it is in {owner}'s exchange box but names {rec['username']}"
                if why:
                    self.log.error("refused inbound entry %r: %s", rec["filename"], why)
                    continue
                rec["timestamp"] = self._trusted_time(rec)
                records.append(rec)
            records.sort(key=lambda r: r["username"])
            chosen = []
            for _, group in groupby(records, key=lambda r: r["username"]):
                group = self._sort_by_timestamp(list(group))
                if self.duedate is not None and self.before_duedate:
                    early = [r for r in group if r["timestamp"] <= self.duedate]
                    group = early or group
                chosen.append(group[0])
            self.src_records = chosen

        def do_copy(self, src, dest, log=None):
            for skipped in copy_regular_files(src, dest, max_bytes=self.max_bytes):
                self.log.warning("not collected from %s: %s", src, skipped)
            rec = next((r for r in self.src_records if os.path.join(self.inbound_path, r["filename"]) == src), None)
            if rec is not None:  # the time the exchange saw, not the learner's: the due date is checked against it
                with open(os.path.join(dest, "timestamp.txt"), "w") as f:
                    f.write(nbgrader_timestamp(rec["timestamp"].replace(tzinfo=dt.timezone.utc)))
            secret = os.path.join(dest, "submission_secret.txt")
            if not os.path.isfile(secret):  # made by hand, not by nbgrader submit: release_feedback needs one
                import secrets

                self.log.warning(
                    "%s has no submission_secret.txt (not made by nbgrader submit): a new one is "
                    "written, so feedback can be released (its learner cannot fetch it)",
                    src,
                )
                with open(secret, "w") as f:
                    f.write(secrets.token_hex(64))

    return SafeExchangeCollect


# ----------------------------------------------------------------------------------------------------
# the exchange: submit (the learner's side, named by a class server's global nbgrader config)
# ----------------------------------------------------------------------------------------------------
def _out_of_space(exc: OSError) -> bool:
    """Whether ``exc`` says a file system is full: errno ENOSPC/EDQUOT, or shutil.copytree's Error that collects
    them (its errno is None; each of its rows ends with the OSError's text)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    rows = exc.args[0] if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) else []
    codes = (f"[Errno {errno.ENOSPC}]", f"[Errno {errno.EDQUOT}]")
    return any(isinstance(row, tuple) and any(code in str(row[-1]) for code in codes) for row in rows)


def _submit_class():
    from nbgrader.exchange.default.submit import ExchangeSubmit
    from traitlets import Integer

    class SafeExchangeSubmit(ExchangeSubmit):
        """nbgrader's submit, refusing a lesson folder larger than ``max_bytes`` (collect refuses it anyway) and
        leaving the inbound entry 0755 (nbgrader makes it 0777, writable by every account), its files 0644."""

        max_bytes = Integer(MAX_SUBMISSION_BYTES, help="largest submission (bytes)").tag(config=True)

        def do_copy(self, src, dest, log=None):
            size = tree_size(src, stop_above=self.max_bytes)
            if size > self.max_bytes:
                self.fail(
                    f"{src} holds more than {self.max_bytes // (1 << 20)} MiB, the limit of a submission: "
                    f"remove large files (data, outputs) from the lesson's folder and submit again"
                )
            super().do_copy(src, dest, log=log)

        def copy_files(self):
            try:
                super().copy_files()
            except OSError as exc:
                if _out_of_space(exc):  # the learner's box (classhub/boxes.py) is full
                    shutil.rmtree(os.path.join(self.inbound_path, self.assignment_filename), ignore_errors=True)
                    self.fail(
                        f"your exchange box is full ({exc.strerror}), so this submission was not made: it holds "
                        f"every submission you made, in {self.inbound_path}; delete older ones there (the last "
                        "one is graded) or ask your instructor, then submit again"
                    )
                raise
            entry = os.path.join(self.inbound_path, self.assignment_filename)
            if os.path.isdir(entry) and not os.path.islink(entry):
                os.chmod(entry, 0o755)  # readable by the instructor's collect, writable by its owner only

    return SafeExchangeSubmit


# ----------------------------------------------------------------------------------------------------
# the exchange: release (the instructor's side on a class server, named by its global nbgrader config)
# ----------------------------------------------------------------------------------------------------
def _release_class():
    from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

    class SharedReleaseAssignment(ExchangeReleaseAssignment):
        """nbgrader's release into a class server's shared exchange, which stays as ``classhub install`` made it
        (the instructor's, 0755: learners read it and submit into their own boxes, classhub/boxes.py); nbgrader's
        own release would make it 0777, writable by every account."""

        def ensure_root(self):
            if not os.path.isdir(self.root):
                self.fail(f"the exchange {self.root} does not exist: run python -m classhub install (as root)")
            if not os.access(self.root, os.W_OK | os.X_OK):
                self.fail(f"the exchange {self.root} is not writable by this account: release as the instructor")

    return SharedReleaseAssignment


def __getattr__(name):
    if name == "SharedReleaseAssignment":
        return _release_class()
    if name == "SafeExchangeCollect":
        return _collect_class()
    if name == "SafeExchangeSubmit":
        return _submit_class()
    raise AttributeError(name)
