"""The course on one machine: where the exchange is, the learner's work folder, and publishing the lessons.

    python -m autograder.commands.lab where                   # the exchange in use and where its location comes from
    python -m autograder.commands.lab learner-setup [DIR]     # what `make lab` does before it starts JupyterLab
    python -m autograder.commands.lab publish [LESSON ...]    # release lessons not yet in the exchange (one machine)

**The exchange** (the folder learners fetch from and submit to) is, in this order:

1. the folder named by the environment variable ``NN_COURSE_EXCHANGE`` (a class server sets it for everyone);
   the value ``course`` means the course's own exchange (3.), whatever a global configuration says;
2. ``Exchange.root`` of the machine's or the user's global nbgrader configuration, when one sets it
   (``/etc/jupyter/nbgrader_config.py``, ``~/.jupyter/nbgrader_config.py``: JupyterHub deployments);
3. otherwise ``exchange/`` in the course folder: one machine, one person. It is kept out of ``grading/`` (no
   learner-facing folder next to the gradebook) and private to its owner (0700): nbgrader's own release makes an
   exchange world-writable for other accounts, which a one-person exchange does not need.

**The learner's side** (``make lab``): JupyterLab serves a work folder (``work/``, git-ignored) whose generated
``nbgrader_config.py`` names the course and its exchange, so nbgrader's Assignment List (and a bare
``nbgrader fetch_assignment LESSON`` run in that folder) fetches, submits and fetches feedback with this course,
whatever other nbgrader configuration the machine has. On one machine (the course's own exchange) ``make lab``
first publishes every released lesson that the exchange does not have yet, so a self-learner finds all of them in
the Assignment List; lessons already published are left alone (an instructor re-releases them with
``nbgrader release_assignment LESSON --force``).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

COURSE_ID = "nn-from-one-neuron"
ENV_EXCHANGE = "NN_COURSE_EXCHANGE"
COURSE_ROOT = Path(__file__).resolve().parents[2]
LEARNER_CONFIG_MARK = "# Written by `make lab` (python -m autograder.commands.lab learner-setup)"


# ----------------------------------------------------------------------------------------------- exchange
def global_exchange_root(exclude: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(Exchange.root, file) from the global nbgrader configuration (Jupyter's config path), or None.

    The folders in ``exclude`` (the course's own folders) are skipped; among the others the first in Jupyter's
    order (user before environment before system) that sets ``Exchange.root`` wins, as it would in nbgrader.
    A file that itself loads the course's configuration (``load_subconfig``, as the instructor's
    ``~/.jupyter/nbgrader_config.py`` on a class server does) is skipped: it says nothing of its own."""
    global _SEARCHING
    if _SEARCHING:  # a global file that loads the course's config (an instructor's ~/.jupyter on a class server)
        raise _Reentered("this configuration file loads the course's own nbgrader_config.py")
    _SEARCHING = True
    try:
        return _global_exchange_root(exclude)
    finally:
        _SEARCHING = False


class _Reentered(RuntimeError):
    """Raised inside a global file that loads the course's configuration: that file is skipped, not followed."""


_SEARCHING = False


def _global_exchange_root(exclude: tuple[str, ...]) -> tuple[str, str] | None:
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    skip = {os.path.realpath(p) for p in exclude}
    for folder in jupyter_config_path():
        if os.path.realpath(folder) in skip:
            continue
        for name, loader in (
            ("nbgrader_config.py", PyFileConfigLoader),
            ("nbgrader_config.json", JSONFileConfigLoader),
        ):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            try:
                config = loader(name, path=folder).load_config()
            except Exception:  # noqa: BLE001 - a broken global file is nbgrader's to report, not ours
                continue
            if "Exchange" in config and "root" in config.Exchange:
                return str(config.Exchange.root), path
    return None


def exchange_location(course_root: str | os.PathLike = COURSE_ROOT) -> tuple[str, str]:
    """(exchange folder, where that choice comes from): "environment", "global config FILE" or "course"."""
    course_root = os.path.abspath(course_root)
    if _SEARCHING:  # the course's config, loaded by a global file being searched (the instructor's ~/.jupyter)
        raise _Reentered("this configuration file loads the course's own nbgrader_config.py")
    from_env = os.environ.get(ENV_EXCHANGE, "").strip()
    if from_env == "course":  # this course's own exchange, whatever a global configuration says
        return os.path.join(course_root, "exchange"), f"course ({ENV_EXCHANGE}=course)"
    if from_env:
        return os.path.abspath(os.path.expanduser(from_env)), f"environment ({ENV_EXCHANGE})"
    found = global_exchange_root(exclude=(course_root,))
    if found:
        return found[0], f"global config {found[1]}"
    return os.path.join(course_root, "exchange"), "course"


def configure_exchange(c, course_root: str | os.PathLike) -> str:
    """Set the exchange of nbgrader config ``c`` (see the module docstring); returns where it came from."""
    root, source = exchange_location(course_root)
    c.Exchange.root = root
    if source.startswith("course"):
        ensure_private_dir(root)
        c.ExchangeFactory.release_assignment = "autograder.commands.lab.PrivateReleaseAssignment"
    return source


def ensure_private_dir(path: str) -> None:
    """Create ``path`` (0700) if missing; make an existing one of ours private again (0700)."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.stat(path)
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)


def _private_release_class():
    from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

    class PrivateReleaseAssignment(ExchangeReleaseAssignment):
        """nbgrader's release into a one-person exchange: the exchange folder stays 0700 (not 0777)."""

        def ensure_root(self):
            try:
                ensure_private_dir(self.root)
            except PermissionError:
                self.fail(f"Could not create {self.root}, permission denied.")

    return PrivateReleaseAssignment


def __getattr__(name):  # PrivateReleaseAssignment is built on first use, so importing this module stays cheap
    if name == "PrivateReleaseAssignment":
        cls = _private_release_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


# ----------------------------------------------------------------------------------------------- learner
def configure_learner(c, course_root: str | os.PathLike, work_dir: str | os.PathLike) -> None:
    """nbgrader config of the learner's work folder: this course, its exchange, fetched lessons in that folder.

    ``assignment_dir`` is the folder's absolute path: nbgrader's Assignment List resolves a relative one against
    the server's current folder, not against the folder it serves."""
    from autograder.integration import quiet

    c.CourseDirectory.course_id = COURSE_ID
    root, _source = exchange_location(course_root)
    c.Exchange.root = root
    c.Exchange.assignment_dir = os.path.abspath(work_dir)
    quiet.install(str(course_root))


def write_learner_config(folder: Path, course_root: Path = COURSE_ROOT) -> Path:
    """Create the work folder and (re)write its nbgrader_config.py."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nbgrader_config.py"
    if path.exists() and LEARNER_CONFIG_MARK not in path.read_text(errors="replace"):
        raise SystemExit(
            f"make lab: {path} exists and was not written by `make lab`; move it away or pick "
            f"another folder (make lab LAB_DIR=...)"
        )
    path.write_text(
        f"{LEARNER_CONFIG_MARK}; rewritten on every `make lab`.\n"
        "# nbgrader settings of the learner's side of the course: its id and its exchange (autograder/commands/lab.py).\n"
        "import os\n\nfrom autograder.commands.lab import configure_learner\n\n"
        f"configure_learner(get_config(), course_root={str(course_root)!r},  # noqa: F821\n"
        "                  work_dir=os.path.dirname(os.path.abspath(__file__)))\n"
    )
    return path


def released_lessons(course_root: Path = COURSE_ROOT) -> list[str]:
    from autograder.catalogue import LESSONS

    return [lesson for lesson in LESSONS if (course_root / "notebooks" / lesson / f"{lesson}.ipynb").is_file()]


def published_lessons(exchange: str) -> set[str]:
    outbound = Path(exchange) / COURSE_ID / "outbound"
    return {p.name for p in outbound.iterdir() if p.is_dir()} if outbound.is_dir() else set()


def publish(course_root: Path = COURSE_ROOT, lessons: list[str] | None = None) -> list[str]:
    """Release (``nbgrader release_assignment``) the lessons the course's own exchange does not have yet."""
    import subprocess

    root, source = exchange_location(course_root)
    if not source.startswith("course"):
        raise SystemExit(
            f"publish: the exchange {root} comes from the {source}; releasing there is the "
            f"instructor's job (nbgrader release_assignment LESSON)"
        )
    todo = [lesson for lesson in (lessons or released_lessons(course_root)) if lesson not in published_lessons(root)]
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    for lesson in todo:
        done = subprocess.run(
            [nbgrader, "release_assignment", lesson, "--log-level=WARN"],
            cwd=course_root,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"publish: nbgrader release_assignment {lesson} failed:\n{done.stdout}{done.stderr}")
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.commands.lab", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("where", help="print the exchange in use and where its location comes from")
    setup = sub.add_parser("learner-setup", help="prepare the learner's work folder (what `make lab` runs)")
    setup.add_argument("folder", nargs="?", default="work", help="the work folder (default: work/)")
    setup.add_argument("--no-publish", action="store_true", help="do not publish missing lessons")
    pub = sub.add_parser("publish", help="release lessons missing from the course's own exchange")
    pub.add_argument("lessons", nargs="*")
    args = parser.parse_args(argv)
    course_root = Path(args.root).resolve()
    if not (course_root / "nbgrader_config.py").is_file():
        raise SystemExit(f"{parser.prog}: no nbgrader_config.py in {course_root}; run it from the course root")

    if args.command == "where":
        root, source = exchange_location(course_root)
        print(f"exchange: {root}  (from the {source})")
        return 0
    if args.command == "publish":
        done = publish(course_root, args.lessons or None)
        print("published:", ", ".join(done) if done else "nothing new")
        return 0
    folder = Path(args.folder)
    folder = folder if folder.is_absolute() else course_root / folder
    if folder.resolve() in {(course_root / name).resolve() for name in ("notebooks", "solutions", "grading", ".")}:
        raise SystemExit(f"make lab: {folder} cannot be the work folder (it holds the course itself)")
    write_learner_config(folder, course_root)
    root, source = exchange_location(course_root)
    published = []
    if source.startswith("course") and not args.no_publish:
        published = publish(course_root)
    print(
        f"make lab: work folder {folder}; exchange {root} (from the {source})"
        + (f"; published {', '.join(published)}" if published else "")
    )
    print("make lab: fetch, submit and fetch feedback in the Nbgrader menu → Assignment List")
    return 0


if __name__ == "__main__":
    sys.exit(main())
