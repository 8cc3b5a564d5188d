"""Submissions and the exchange treated as hostile input: no links followed, ids validated, owners checked.

nbgrader copies learners' folders with ``shutil.copy``, which follows symbolic links, matches learner ids with
a pattern a newline breaks, and only *warns* when an inbound submission is not owned by the learner it names.
This module fixes each where nbgrader reads learner files, installed from ``nbgrader_config.py``:

- ``install()`` wraps nbgrader's converters (autograde, feedback): a learner folder or notebook that is a link
  or not a regular file, and a learner id that is not ``^[A-Za-z0-9._-]+$``, is reported and skipped (the
  others are still graded); other files are copied only when they are regular files, never through a link.
- ``SafeExchangeCollect`` (``c.ExchangeFactory.collect``) refuses inbound entries that are links, have a bad id,
  or (with ``check_owner``) are not owned by the account they name, and copies regular files only.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import stat
from itertools import groupby
from pathlib import Path

ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def valid_id(learner: str) -> bool:
    """True for a learner id nbgrader can handle safely: letters, digits, '.', '_' and '-' only."""
    return bool(ID_RE.match(learner or "")) and learner not in (".", "..")


def copy_regular_files(src: str | Path, dest: str | Path, *, skip_notebooks: bool = False,
                       max_bytes: int = 500 << 20) -> list[str]:
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
            total += st.st_size
            if total > max_bytes:
                skipped.append(f"{rel / name} (over the size limit)")
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f_in, open(dest / rel / name, "wb") as f_out:
                shutil.copyfileobj(f_in, f_out)
            os.chmod(dest / rel / name, 0o644)
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
    regexp = re.compile(self._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True) + r"\Z",
                        re.DOTALL)
    for assignment in sorted(self.assignments):
        m = regexp.match(assignment)
        learner = m.group("student_id") if m else None
        problem = None
        if learner is not None and learner != "." and not valid_id(learner):
            problem = f"learner id {learner!r} is not allowed (only letters, digits, '.', '_' and '-')"
        elif link_on_path(assignment, root):
            problem = f"{link_on_path(assignment, root)} is a symbolic link"
        else:
            bad = [nb for nb in self.assignments[assignment]
                   if os.path.islink(nb) or not stat.S_ISREG(os.lstat(nb).st_mode)]
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
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.exchange.default.collect import ExchangeCollect

    class SafeExchangeCollect(ExchangeCollect):
        """nbgrader's collect, refusing links, bad ids and (with check_owner) entries not owned by their learner."""

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
            return None

        def init_src(self):
            super().init_src()  # checks the course and the due date, and picks one entry per learner
            student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
            pattern = os.path.join(self.inbound_path, "{}+{}+*".format(student_id, self.coursedir.assignment_id))
            records = []
            for path in glob.glob(pattern):
                try:
                    rec = self._path_to_record(path)
                except Exception as exc:  # a name nbgrader cannot parse
                    self.log.error("refused inbound entry %r: %s", os.path.basename(path), exc)
                    continue
                why = self._refusal(rec)
                if why:
                    self.log.error("refused inbound entry %r: %s", rec["filename"], why)
                    continue
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
            for skipped in copy_regular_files(src, dest):
                self.log.warning("not collected from %s: %s", src, skipped)

    return SafeExchangeCollect


def __getattr__(name):
    if name == "SafeExchangeCollect":
        return _collect_class()
    raise AttributeError(name)
