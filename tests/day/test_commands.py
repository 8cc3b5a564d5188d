"""The README's commands: `make lab` starts as root and takes JupyterLab options, learners install only what the
course needs, and the README documents the whole loop with grades under grading/."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from .helpers import ROOT, env

TEST_ONLY = ("pytest", "pytest-xdist", "nbval", "playwright")


def dry_run(*args: str) -> list[str]:
    """The commands `make -n ARGS` would run (the environment counts as installed)."""
    venv = ROOT / ".venv"
    done = subprocess.run(
        [
            "make",
            "-n",
            "--no-print-directory",
            "-o",
            str(venv / ".installed"),
            "-o",
            str(venv / ".installed-test"),
            *args,
        ],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def jupyter_line(lines: list[str]) -> str:
    found = [line for line in lines if re.search(r"\bjupyter lab\b", line)]
    assert len(found) == 1, lines
    return found[0]


@pytest.mark.parametrize("target", ["lab", "grade-ui"])
def test_jupyterlab_options_pass_through_lab_args(target):
    line = jupyter_line(dry_run(target, "LAB_ARGS=--port=8899 --no-browser"))
    assert line.endswith("--port=8899 --no-browser"), line
    assert "--ip=127.0.0.1" in line


@pytest.mark.parametrize("target", ["lab", "grade-ui"])
def test_allow_root_exactly_when_root(target):
    lines = dry_run(target)
    line = jupyter_line(lines)
    if os.geteuid() == 0:
        assert "--allow-root" in line.split(), line
        assert any("--allow-root" in other and "echo" in other for other in lines), "no one-line notice"
    else:
        assert "--allow-root" not in line


def test_make_lab_serves_the_work_folder_without_formgrader_and_grade_ui_the_course():
    lab = dry_run("lab")
    assert any("autograder.commands.lab learner-setup work" in line for line in lab), lab
    assert "--ServerApp.root_dir=work" in jupyter_line(lab)
    assert "nbgrader.server_extensions.formgrader=False" in jupyter_line(lab)
    grade = jupyter_line(dry_run("grade-ui"))
    assert "--ServerApp.root_dir=." in grade and "/formgrader" in grade


def requirement_names(path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0].lower())
    return names


def test_learners_do_not_install_the_test_stack():
    course = requirement_names(ROOT / "requirements.txt")
    assert not course & set(TEST_ONLY), f"requirements.txt installs test tools: {course & set(TEST_ONLY)}"
    test = ROOT / "requirements-test.txt"
    assert "-r requirements.txt" in test.read_text()
    assert set(TEST_ONLY) <= requirement_names(test)


def test_make_test_and_ci_install_the_test_requirements():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: install-test$", makefile, re.M)
    assert re.search(
        r"^\$\(VENV\)/\.installed-test: requirements-test\.txt.*\n\t.*pip install -r requirements-test\.txt",
        makefile,
        re.M,
    )
    assert re.search(r"^\s*make install-test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_readme_documents_the_day():
    text = (ROOT / "README.md").read_text()
    for needle in (
        "LAB_ARGS",
        "--allow-root",
        "make grade-ui",
        "Assignment List",
        "Fetch Feedback",
        "nbgrader release_feedback",
        "nbgrader fetch_feedback",
        "python -m autograder.commands.handin",
        "python -m autograder.commands.roster import",
        "python -m autograder.commands.roster due",
        "python -m autograder.commands.export",
        "grading/grades.csv",
        "not submitted",
        "NN_COURSE_EXCHANGE",
        "requirements-test.txt",
    ):
        assert needle in text, f"the README does not mention {needle}"
    assert "--to grades.csv" not in text, "the README exports grades into the repository root"


def test_gradebook_commands_work_without_the_environment_on_path(tmp_path):
    """`python -m autograder.commands.roster` finds nbgrader's `alembic` itself (nbgrader runs it from PATH)."""
    from .helpers import make_course, module

    course = make_course(tmp_path / "course", [], generate=False)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if ".venv" not in p)
    done = module(course, "roster", "show", PATH=path)
    assert "0 learner(s)" in done.stdout
