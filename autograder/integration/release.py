"""Regenerate the student release (notebooks/) from the instructor's source (solutions/) with nbgrader.

    python -m autograder.integration.release [LESSON ...] [--root DIR]

Runs ``nbgrader generate_assignment LESSON --force`` in the course root (where nbgrader_config.py is) for
every lesson that has a source notebook, or only those named. The release is never edited by hand.
Exits non-zero, naming the lesson, if nbgrader fails.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from autograder.catalogue import LESSONS


def lessons_with_source(root: Path) -> list[str]:
    """The catalogue's lessons that have ``solutions/<lesson>/<lesson>.ipynb`` under ``root``."""
    return [lesson for lesson in LESSONS if (root / "solutions" / lesson / f"{lesson}.ipynb").exists()]


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin folder first on PATH (nbgrader runs `alembic`)."""
    bin_dir = os.path.dirname(sys.executable)
    return dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))


def generate(root: Path, lessons: list[str] | None = None) -> list[str]:
    """Generate the release of ``lessons`` (default: every lesson with a source) under ``root``."""
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise FileNotFoundError(f"release: no nbgrader_config.py in {root}; run from the course root")
    todo = lessons or lessons_with_source(root)
    for lesson in todo:
        src = root / "solutions" / lesson / f"{lesson}.ipynb"
        if not src.exists():
            raise FileNotFoundError(f"release: {lesson} has no source notebook at {src}")
        cmd = [os.path.join(os.path.dirname(sys.executable), "nbgrader"), "generate_assignment", lesson,
               "--force", "--log-level=WARN"]
        done = subprocess.run(cmd, cwd=root, env=nbgrader_env(), capture_output=True, text=True)
        if done.returncode != 0 or not (root / "notebooks" / lesson / f"{lesson}.ipynb").exists():
            raise RuntimeError(f"release: nbgrader generate_assignment {lesson} failed:\n{done.stdout}\n{done.stderr}")
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: all with a source notebook)")
    parser.add_argument("--root", default=".", help="course root (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        done = generate(Path(args.root), args.lessons or None)
    except (FileNotFoundError, RuntimeError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print("released:", ", ".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
