"""Grading a class with `python -m autograder grade`: in parallel, resumable, on a Dask cluster, learner for
learner the same grades as serial `nbgrader autograde`, and one broken submission never stops the others."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.notebooks import is_solution_cell, nbgrader_meta

from .course import Course, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "01-neuron"
LEARNERS = [f"learner{i}" for i in range(6)]
WRONG = {
    "weighted_sum": "def weighted_sum(x, w, b):\n    return x @ w - b\n",
    "AND_PARAMS": "AND_PARAMS = (np.array([1.0, 1.0]), 0.5)\n",
}


def make_class(tmp: Path, name: str) -> Course:
    course = Course(tmp / name, [LESSON])
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})
    for i, learner in enumerate(LEARNERS):
        nb = solved
        if i % 3 == 1:
            nb = replace_answer(solved, "weighted_sum", WRONG["weighted_sum"])
        elif i % 3 == 2:
            nb = replace_answer(solved, "AND_PARAMS", WRONG["AND_PARAMS"])
        course.submit_directly(learner, LESSON, nb)
    course.submit_directly("broken", LESSON, raw='{"cells": [ not json')
    return course


def grade(course: Course, *args: str, check_table: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", LESSON, *args],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check_table:
        assert "learner" in done.stdout and "not graded" in done.stdout, done.stdout + done.stderr[-3000:]
    return done


def ledger(course: Course) -> dict[str, float]:
    folder = course.root / "grading" / ".graded" / LESSON
    return {p.stem: p.stat().st_mtime_ns for p in folder.glob("*.json")} if folder.exists() else {}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    course = make_class(tmp_path_factory.mktemp("serial"), "course")
    course.autograde(LESSON)
    return course.grades()


@pytest.fixture(scope="module")
def parallel(tmp_path_factory):
    course = make_class(tmp_path_factory.mktemp("parallel"), "course")
    course.first = grade(course, "--workers", "2")
    course.first_grades = course.grades()
    return course


def test_parallel_grades_equal_serial_grades(serial, parallel):
    for learner in LEARNERS:
        assert parallel.first_grades[(learner, LESSON)] == serial[(learner, LESSON)], learner


def test_a_broken_submission_is_reported_and_never_stops_the_others(parallel):
    out = parallel.first.stdout
    assert parallel.first.returncode == 1
    line = next(l for l in out.splitlines() if l.startswith("broken"))
    assert "-" in line and len(line.split()) > 4, line
    assert f"{len(LEARNERS)} graded, 1 not graded" in out, out


def test_the_table_lists_every_learner_with_a_score(parallel):
    for learner in LEARNERS:
        row = next(l for l in parallel.first.stdout.splitlines() if l.startswith(learner))
        assert "/ 6" in row, row


def test_running_again_grades_nobody_new_and_force_regrades_everyone(parallel):
    before = ledger(parallel)
    assert sorted(before) == LEARNERS
    again = grade(parallel, "--workers", "2")
    assert ledger(parallel) == before, "a learner already graded was graded again"
    assert "0 graded, 1 not graded" in again.stdout, again.stdout
    grade(parallel, "--workers", "2", "--force")
    after = ledger(parallel)
    assert all(after[k] != before[k] for k in before)
    assert parallel.grades() == parallel.first_grades


def test_a_changed_submission_is_graded_again(parallel):
    before = ledger(parallel)
    src = parallel.root / "grading" / "submitted" / "learner0" / LESSON / f"{LESSON}.ipynb"
    src.write_text(src.read_text().replace("return x @ w + b", "return x @ w - b"))
    grade(parallel, "--workers", "1")
    after = ledger(parallel)
    assert after["learner0"] != before["learner0"]
    assert all(after[k] == before[k] for k in before if k != "learner0")


def test_a_killed_run_resumed_loses_nothing(tmp_path_factory, serial):
    course = make_class(tmp_path_factory.mktemp("killed"), "course")
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", LESSON, "--workers", "1"],
        cwd=course.root,
        env=course.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 900
    while len(ledger(course)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = ledger(course)
    assert 2 <= len(done_before) < len(LEARNERS), done_before
    grade(course, "--workers", "2")
    after = ledger(course)
    assert sorted(after) == LEARNERS
    assert all(after[k] == v for k, v in done_before.items()), "a learner graded before the kill was graded again"
    grades = course.grades()
    for learner in LEARNERS:
        assert grades[(learner, LESSON)] == serial[(learner, LESSON)], learner
    for entry in (course.root / "grading" / ".graded" / LESSON).glob("*.json"):
        assert json.loads(entry.read_text())["ok"] is True


def test_grading_on_a_dask_local_cluster(tmp_path_factory, serial):
    from distributed import LocalCluster

    course = make_class(tmp_path_factory.mktemp("dask"), "course")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        done = grade(course, "--scheduler", cluster.scheduler_address)
    grades = course.grades()
    for learner in LEARNERS:
        assert grades[(learner, LESSON)] == serial[(learner, LESSON)], (learner, done.stdout)


def test_sqlite_under_four_concurrent_workers_loses_nothing(tmp_path_factory):
    """Four workers write one SQLite gradebook at once: every learner's grade is there, and right."""
    course = Course(tmp_path_factory.mktemp("sqlite-load"), ["00-start-here"])
    src, rel = course.source("00-start-here"), course.release("00-start-here")
    solved = with_answers(rel, src, {"add"})
    learners = [f"s{i:02d}" for i in range(12)]
    for i, learner in enumerate(learners):
        course.submit_directly(learner, "00-start-here", solved if i % 2 == 0 else rel)
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "00-start-here", "--workers", "4"],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    grades = course.grades()
    assert {k[0] for k in grades} == set(learners)
    for i, learner in enumerate(learners):
        assert grades[(learner, "00-start-here")] == (1 if i % 2 == 0 else 0), learner
