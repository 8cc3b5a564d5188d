"""A temporary copy of the course for grading tests: real nbgrader commands, a real SQLite gradebook."""

from __future__ import annotations

import copy
import csv
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import nbformat

from tests.support.notebooks import ROOT, is_solution_cell, is_test_cell, nbgrader_meta

NBGRADER = str(Path(os.path.dirname(os.sys.executable)) / "nbgrader")
COURSE_ID = "nn-from-one-neuron"


class Course:
    """A course folder under ``tmp`` holding the config, the given lessons' sources and releases."""

    def __init__(self, tmp: Path, lessons: list[str], execute_timeout: int | None = None, extra_config: str = ""):
        self.root = tmp / "course"
        self.exchange = tmp / "exchange"
        self.root.mkdir(parents=True)
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o777)
        shutil.copy(ROOT / "nbgrader_config.py", self.root)
        with open(self.root / "nbgrader_config.py", "a") as f:
            f.write(f"\nc.Exchange.root = {str(self.exchange)!r}\n")
            # the test plays every learner from one account, so inbound owners cannot tell learners apart here
            # (tests/grading/test_exchange_hygiene.py checks owners with real accounts)
            f.write("c.ExchangeCollect.check_owner = False\n")
            f.write(extra_config + "\n")
            if execute_timeout:
                f.write(f"c.Execute.timeout = {execute_timeout}\nc.SandboxedExecute.timeout = {execute_timeout}\n")
        for lesson in lessons:
            shutil.copytree(ROOT / "solutions" / lesson, self.root / "solutions" / lesson)
        self.lessons = lessons
        for lesson in lessons:
            self.run("generate_assignment", lesson, "--force")

    def env(self, user: str | None = None) -> dict:
        env = dict(os.environ, PATH=os.path.dirname(os.sys.executable) + os.pathsep + os.environ["PATH"])
        if user:
            env["USER"] = env["LOGNAME"] = user
        return env

    def run(self, *args: str, user: str | None = None, cwd: Path | None = None, check: bool = True):
        """Run ``nbgrader ARGS`` as the instructor (in the course root) or as learner ``user`` in ``cwd``."""
        cmd = [NBGRADER, *args, "--log-level=INFO"]
        if user:
            cmd = [
                os.sys.executable,
                str(Path(__file__).with_name("as_learner.py")),
                user,
                *args,
                "--log-level=INFO",
                f"--Exchange.root={self.exchange}",
                f"--CourseDirectory.course_id={COURSE_ID}",
            ]
        done = subprocess.run(
            cmd,
            cwd=cwd or self.root,
            env=self.env(user),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=1800,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    # --- notebooks --------------------------------------------------------------------------------
    def source(self, lesson: str):
        return nbformat.read(self.root / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)

    def release(self, lesson: str):
        return nbformat.read(self.root / "notebooks" / lesson / f"{lesson}.ipynb", as_version=4)

    def submit_directly(self, student: str, lesson: str, nb=None, raw: str | None = None) -> Path:
        """Place a submission in grading/submitted (as `nbgrader collect` would) and return its path."""
        folder = self.root / "grading" / "submitted" / student / lesson
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{lesson}.ipynb"
        if raw is not None:
            path.write_text(raw)
        else:
            nbformat.write(nb, path)
        return path

    def autograde(self, lesson: str, *extra: str):
        return self.run("autograde", lesson, "--force", *extra, check=False)

    def grades(self) -> dict[tuple[str, str], float]:
        """{(student, lesson): score} from `nbgrader export` (the CSV instructors get)."""
        self.run("export", "--to", str(self.root / "grades.csv"))
        with open(self.root / "grades.csv") as f:
            return {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}

    def grade_rows(self) -> list[dict]:
        self.run("export", "--to", str(self.root / "grades.csv"))
        with open(self.root / "grades.csv") as f:
            return list(csv.DictReader(f))

    def autograded(self, student: str, lesson: str):
        return nbformat.read(self.root / "grading" / "autograded" / student / lesson / f"{lesson}.ipynb", as_version=4)


def points(nb) -> dict[str, float]:
    """{exercise grade_id of the test cell: points} of a notebook's autograded test cells."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in nb.cells if is_test_cell(c)}


def strip_markers(source: str) -> str:
    """A solution cell's source as a learner who solved it would have written it (markers removed)."""
    return "\n".join(
        line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
    )


def with_answers(release_nb, source_nb, solved: set[str]):
    """The release notebook with the exercises in ``solved`` answered as in the source, the rest blank."""
    nb = copy.deepcopy(release_nb)
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells if is_solution_cell(c)}
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if is_solution_cell(cell) and gid in solved:
            cell.source = strip_markers(answers[gid])
    return nb


def replace_answer(nb, name: str, source: str):
    """A copy of ``nb`` whose solution cell ``name`` holds ``source``."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if is_solution_cell(cell) and nbgrader_meta(cell).get("grade_id") == name:
            cell.source = source
            return nb
    raise KeyError(f"no solution cell {name!r}")


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (to prove submissions are never modified)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
