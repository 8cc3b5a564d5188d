"""Where the exchange is (environment, global config, or the course's own folder outside grading/), that the
one-machine exchange stays private, and that a learner's bare nbgrader commands in work/ use this course."""

from __future__ import annotations

import os
import re
import stat

import pytest

from autograder.commands import lab

from .helpers import ROOT, make_course, module, nbgrader

LESSON = "00-start-here"


@pytest.fixture
def global_config(tmp_path, monkeypatch):
    """A user-level Jupyter config folder of our own (the isolated home's), to play a machine's global config."""
    folder = tmp_path / "jupyter-config"
    folder.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(folder))
    monkeypatch.delenv(lab.ENV_EXCHANGE, raising=False)
    return folder


def test_default_is_the_course_folder_outside_grading(tmp_path, global_config):
    root, source = lab.exchange_location(tmp_path)
    assert (root, source) == (str(tmp_path / "exchange"), "course")
    assert "grading" not in root.split(os.sep)


def test_the_environment_variable_wins(tmp_path, global_config, monkeypatch):
    (global_config / "nbgrader_config.py").write_text("c.Exchange.root = '/srv/other'\n")
    monkeypatch.setenv(lab.ENV_EXCHANGE, str(tmp_path / "class-exchange"))
    assert lab.exchange_location(tmp_path) == (str(tmp_path / "class-exchange"), f"environment ({lab.ENV_EXCHANGE})")
    monkeypatch.setenv(lab.ENV_EXCHANGE, "course")
    assert lab.exchange_location(tmp_path)[0] == str(tmp_path / "exchange")


@pytest.mark.parametrize("kind", ["py", "json"])
def test_a_global_config_that_sets_the_exchange_is_used(tmp_path, global_config, kind):
    if kind == "py":
        (global_config / "nbgrader_config.py").write_text(
            "c = get_config()\nc.Exchange.root = '/srv/nbgrader/exchange'\n"
        )
    else:
        (global_config / "nbgrader_config.json").write_text('{"Exchange": {"root": "/srv/nbgrader/exchange"}}')
    root, source = lab.exchange_location(tmp_path)
    assert root == "/srv/nbgrader/exchange" and source.startswith("global config ")


def test_a_global_config_without_exchange_is_ignored(tmp_path, global_config):
    (global_config / "nbgrader_config.py").write_text("c.CourseDirectory.course_id = 'another-course'\n")
    assert lab.exchange_location(tmp_path)[1] == "course"


def test_course_id_is_the_configs():
    assert re.search(rf'c\.CourseDirectory\.course_id = "{lab.COURSE_ID}"', (ROOT / "nbgrader_config.py").read_text())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("exchange") / "course", [LESSON])


@pytest.mark.slow
def test_release_keeps_the_one_machine_exchange_private_and_out_of_grading(course):
    nbgrader(course, "release_assignment", LESSON, "--force")
    exchange = course / "exchange"
    assert (exchange / "nn-from-one-neuron" / "outbound" / LESSON / f"{LESSON}.ipynb").is_file()
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o700, oct(exchange.stat().st_mode)
    assert not (course / "grading" / "exchange").exists()


@pytest.mark.slow
def test_learner_bare_commands_in_work_use_this_course(course, tmp_path):
    """Another course's global configuration on the machine changes nothing for this course's learner."""
    other = tmp_path / "other-config"
    other.mkdir()
    (other / "nbgrader_config.py").write_text("c.CourseDirectory.course_id = 'another-course'\n")
    done = module(course, "lab", "learner-setup", "work", JUPYTER_CONFIG_DIR=str(other))
    assert "exchange" in done.stdout and "Assignment List" in done.stdout
    work = course / "work"
    listed = nbgrader(course, "list", cwd=work, JUPYTER_CONFIG_DIR=str(other))
    assert f"nn-from-one-neuron {LESSON}" in listed.stdout + listed.stderr
    nbgrader(course, "fetch_assignment", LESSON, cwd=work, JUPYTER_CONFIG_DIR=str(other))
    assert (work / LESSON / f"{LESSON}.ipynb").is_file()
    nbgrader(course, "submit", LESSON, cwd=work, JUPYTER_CONFIG_DIR=str(other))
    inbound = list((course / "exchange" / "nn-from-one-neuron" / "inbound").iterdir())
    assert len(inbound) == 1 and f"+{LESSON}+" in inbound[0].name


@pytest.mark.parametrize("folder", ["notebooks", "solutions", "grading", "."])
def test_learner_setup_refuses_the_course_folders(course, folder):
    done = module(course, "lab", "learner-setup", folder, "--no-publish", check=False)
    assert done.returncode != 0 and "cannot be the work folder" in done.stderr


def test_learner_setup_does_not_overwrite_a_foreign_config(course):
    (course / "mine").mkdir(exist_ok=True)
    (course / "mine" / "nbgrader_config.py").write_text("# my own\n")
    done = module(course, "lab", "learner-setup", "mine", "--no-publish", check=False)
    assert done.returncode != 0 and "was not written by `make lab`" in done.stderr
    assert (course / "mine" / "nbgrader_config.py").read_text() == "# my own\n"
