"""`python -m classhub install`: the shared environment, the exchange, the global configuration, the instructor.

What it sets up (each step idempotent; an existing course folder, account or password is never changed):

1. the shared environment (classhub/environment.py) in ``<prefix>`` (/opt/nn-course);
2. the class's unix groups (learners, instructors) and the instructor's account (private home, 0700; a first
   password in ``<state>/initial-passwords.csv`` if the account is new);
3. the instructor's course folder ``~instructor/course`` (a copy of this course: solutions/, notebooks/,
   nbgrader_config.py), and ``~instructor/.jupyter/nbgrader_config.py``, which loads it: the instructor's
   single-user server starts in the home folder, where the formgrader looks for its configuration;
4. the shared exchange (``/srv/nbgrader/exchange``, the instructor's, 0755: learners read released lessons and
   feedback and write nothing) and the learners' exchange boxes (``/srv/nbgrader/learners/<learner>``, each a
   filesystem of ``box_limit`` MiB, made by ``accounts``: classhub/boxes.py), into which they submit;
5. the global nbgrader configuration (``/etc/jupyter/nbgrader_config.py``: the exchange and the course id), which
   every account's nbgrader reads; the course's own nbgrader_config.py leaves a global Exchange.root in place
   (autograder/commands/lab.py) and the hub's servers also get ``NN_COURSE_EXCHANGE``;
6. the learners' lab-side switches (classhub/roles.py) and ``<state>/classhub.json`` (the state folder 0700);
7. the full nnlib's graded-reference modules in the shared environment readable by the instructors' group only
   (learners import the learner build, ``<prefix>/learner-python``).
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from . import accounts, roles
from .environment import install_environment, restrict_references
from .settings import COURSE_ID, COURSE_SOURCE, ClassHubError, Settings

GLOBAL_MARK = "# Written by `python -m classhub install`"


def global_config_text(s: Settings) -> str:
    return (
        f"{GLOBAL_MARK}: the class server's nbgrader settings, read by every account's nbgrader.\n"
        "c = get_config()  # noqa: F821\n"
        "import os as _os, pwd as _pwd\n"
        "# a learner's exchange is their own box (classhub/boxes.py: bounded, theirs alone); everyone else's,\n"
        "# the instructor's included, is the shared exchange, which learners can read but not write\n"
        f"_box = _os.path.join({s.boxes!r}, _pwd.getpwuid(_os.getuid()).pw_name)\n"
        f"_own = _os.path.isdir(_os.path.join(_box, {COURSE_ID!r})) and _os.stat(_box).st_uid == _os.getuid()\n"
        f"c.Exchange.root = _box if _own else {s.exchange!r}\n"
        f"c.SafeExchangeCollect.boxes = {s.boxes!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        "# submissions: at most 20 MiB, and the inbound entry 0755 (not nbgrader's 0777); collect checks again\n"
        "c.ExchangeFactory.submit = 'autograder.integration.hygiene.SafeExchangeSubmit'\n"
        "# the shared exchange stays the instructor's 0755 (nbgrader's release would make it 0777)\n"
        "c.ExchangeFactory.release_assignment = 'autograder.integration.hygiene.SharedReleaseAssignment'\n"
    )


def instructor_config_text(course: str) -> str:
    return (
        f"{GLOBAL_MARK}: the instructor's JupyterLab starts in the home folder; the formgrader\n"
        "# and nbgrader's other server extensions find the course's configuration through this file.\n"
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({os.path.join(course, 'nbgrader_config.py')!r})  # noqa: F821\n"
    )


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for p in [path, *path.rglob("*")]:
        os.lchown(p, user.pw_uid, user.pw_gid)


def write_global_config(s: Settings) -> Path:
    path = s.global_config
    if path.exists() and GLOBAL_MARK not in path.read_text(errors="replace"):
        raise ClassHubError(
            f"{path} exists and was not written by classhub; merge it by hand with:\n{global_config_text(s)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(global_config_text(s))
    os.chmod(path, 0o644)
    return path


def setup_instructor(s: Settings, source: Path = COURSE_SOURCE) -> str | None:
    """The instructor's account, course folder and ~/.jupyter/nbgrader_config.py; returns a new password."""
    accounts.ensure_group(s.instructor_group)
    password = None
    if not accounts.exists(s.instructor):
        if not accounts.UNIX_NAME.fullmatch(s.instructor):
            raise ClassHubError(f"--instructor {s.instructor!r} cannot be a unix account name")
        password = accounts.create_account(s.instructor, s.instructor_group, "instructor")
        accounts.record_passwords(s, [(s.instructor, "instructor", password)])
    elif not accounts.in_group(s.instructor, s.instructor_group):
        accounts._sh(
            ["usermod", "--append", "--groups", s.instructor_group, s.instructor],
            f"adding {s.instructor} to {s.instructor_group}",
        )
    user = pwd.getpwnam(s.instructor)
    home = Path(user.pw_dir)
    os.chmod(home, 0o700)  # the solutions and the gradebook live here
    course = Path(s.course)
    if not (course / "nbgrader_config.py").is_file():
        course.mkdir(parents=True, exist_ok=True)
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        for folder in ("solutions", "notebooks"):
            shutil.copytree(source / folder, course / folder, ignore=ignore, dirs_exist_ok=True)
        shutil.copy2(source / "nbgrader_config.py", course / "nbgrader_config.py")
        _chown_tree(course, user)
    jupyter = home / ".jupyter"
    jupyter.mkdir(exist_ok=True)
    (jupyter / "nbgrader_config.py").write_text(instructor_config_text(str(course)))
    _chown_tree(jupyter, user)
    return password


def setup_exchange(s: Settings) -> None:
    """The shared exchange, the instructor's: learners read ``outbound/`` and ``feedback/``, and write nothing
    (they submit into their own box, classhub/boxes.py). ``inbound/`` exists, the instructor's alone, so that
    nbgrader's release (which would make it 0733, writable by everyone) leaves it as it is."""
    root = Path(s.exchange)
    root.mkdir(parents=True, exist_ok=True)
    user = pwd.getpwnam(s.instructor)
    course = root / COURSE_ID
    course.mkdir(exist_ok=True)
    for folder, mode in ((root, 0o755), (course, 0o755), (course / "outbound", 0o755), (course / "feedback", 0o755)):
        folder.mkdir(exist_ok=True)
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(folder, mode)
    inbound = course / "inbound"
    inbound.mkdir(exist_ok=True)
    os.chown(inbound, user.pw_uid, user.pw_gid)
    os.chmod(inbound, 0o700)


def install(s: Settings, environment: bool = True) -> list[str]:
    """Everything `python -m classhub install` does; returns lines to print."""
    if os.geteuid() != 0:
        raise ClassHubError(
            "python -m classhub install must run as root (it makes accounts and /opt, /srv, /etc files)"
        )
    if not (COURSE_SOURCE / "solutions").is_dir():
        raise ClassHubError(
            f"{COURSE_SOURCE} is not the course's checkout: run install from the checkout "
            f"(cd CHECKOUT && sudo python3 -m classhub install --instructor NAME)"
        )
    if not s.instructor:
        raise ClassHubError("name the instructor's unix account: python -m classhub install --instructor NAME")
    s.course = s.course or os.path.join(
        os.path.expanduser(f"~{s.instructor}") if accounts.exists(s.instructor) else f"/home/{s.instructor}", "course"
    )
    Path(s.state).mkdir(parents=True, exist_ok=True)
    os.chmod(s.state, 0o700)  # the hub's database, cookie secret, log and first passwords: root's alone
    out = []
    if environment:
        changed = install_environment(s)
        out.append(f"environment: {s.prefix} ({'updated' if changed else 'up to date'})")
    accounts.ensure_group(s.learner_group)
    password = setup_instructor(s)
    out.append(
        f"instructor: {s.instructor}, course folder {s.course}"
        + (f"; first password in {s.passwords_file}" if password else "")
    )
    hidden = restrict_references(s, s.instructor_group)
    out.append(
        f"reference answers: {len(hidden)} file(s) of the full nnlib readable by {s.instructor_group} only; "
        f"learners import {s.learner_python}"
    )
    setup_exchange(s)
    out.append(f"exchange: {s.exchange}; global nbgrader config: {write_global_config(s)}")
    from .boxes import why_unbounded

    why = why_unbounded(s)
    out.append(
        f"learners' exchange boxes: {s.boxes}/<learner>, "
        + (f"{s.box_limit} MiB each (a filesystem of their own)" if not why else f"NOT bounded: {why}")
    )
    roles.write_learner_lab_config(s)
    out.append(f"settings: {s.save()}")
    return out
