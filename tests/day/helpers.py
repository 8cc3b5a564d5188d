"""A temporary copy of the course with real nbgrader commands, for the tests of the day on one machine.

Self-contained on purpose (no tests/support, no tests/grading): these tests follow the course's commands, not the
grader's internals, which are being replaced.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COURSE_FILES = ("Makefile", "nbgrader_config.py", "pyproject.toml", "requirements.txt", "requirements-test.txt")


def env(**extra: str) -> dict:
    out = dict(os.environ, PATH=str(VENV_BIN) + os.pathsep + os.environ.get("PATH", ""))
    out.update(extra)
    return out


def make_course(dest: Path, lessons: list[str], generate: bool = True) -> Path:
    """Copy the course files and the given lessons (source and release) to ``dest``; generate them (gradebook)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for lesson in lessons:
        for folder in ("solutions", "notebooks"):
            shutil.copytree(ROOT / folder / lesson, dest / folder / lesson, ignore=ignore)
    if generate:
        for lesson in lessons:
            nbgrader(dest, "generate_assignment", lesson, "--force")
    return dest


def run(cmd: list[str], cwd: Path, check: bool = True, timeout: float = 900, **extra_env: str):
    done = subprocess.run(cmd, cwd=cwd, env=env(**extra_env), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def nbgrader(course: Path, *args: str, check: bool = True, cwd: Path | None = None, **extra_env: str):
    return run([str(VENV_BIN / "nbgrader"), *args], cwd or course, check=check, **extra_env)


def module(course: Path, name: str, *args: str, check: bool = True, cwd: Path | None = None, **extra_env: str):
    """``python -m autograder.commands.NAME ARGS`` in the course folder, as the README runs it."""
    return run([sys.executable, "-m", f"autograder.commands.{name}", *args], cwd or course, check=check, **extra_env)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def points(nb) -> float:
    return sum(
        float(meta(c).get("points", 0)) for c in nb.cells if meta(c).get("grade") and not meta(c).get("solution")
    )


def solved(release_nb, source_nb):
    """The release notebook with every answer cell as in the source (solution markers removed)."""
    nb = copy.deepcopy(release_nb)
    answers = {meta(c)["grade_id"]: c.source for c in source_nb.cells if meta(c).get("solution")}
    for cell in nb.cells:
        gid = meta(cell).get("grade_id")
        if meta(cell).get("solution") and gid in answers:
            cell.source = "\n".join(
                line
                for line in answers[gid].splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            )
    return nb


def read(path: Path):
    return nbformat.read(path, as_version=4)
