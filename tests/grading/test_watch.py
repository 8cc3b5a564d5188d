"""Grading on submission: a learner submits, the watcher grades it within a round and releases the feedback,
and the learner's fetch_feedback shows the score. A broken submission never stops it; an unchanged one is
never graded again; SIGTERM stops it cleanly."""

from __future__ import annotations

import html
import re
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from .course import Course, with_answers

pytestmark = pytest.mark.slow
LESSON = "00-start-here"


def _wait(predicate, seconds: float, proc=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.5)
    return predicate()


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("watch"), [LESSON])
    course.run("release_assignment", LESSON)
    homes = {}
    for learner in ("alice", "bob"):
        homes[learner] = course.root.parent / f"home-{learner}"
        homes[learner].mkdir()
        course.run("fetch_assignment", LESSON, user=learner, cwd=homes[learner])
    src, rel = course.source(LESSON), course.release(LESSON)
    nbformat.write(with_answers(rel, src, {"add"}), homes["alice"] / LESSON / f"{LESSON}.ipynb")
    (homes["bob"] / LESSON / f"{LESSON}.ipynb").write_text('{"cells": [ not json')
    log = open(course.root.parent / "watch.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "watch", LESSON, "--interval", "2", "--workers", "1"],
        cwd=course.root,
        env=course.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    course.watch_log = course.root.parent / "watch.log"
    try:
        course.run("submit", LESSON, user="alice", cwd=homes["alice"])
        course.submitted_at = time.monotonic()
        course.run("submit", LESSON, user="bob", cwd=homes["bob"], check=False)
        ledger = course.root / "grading" / ".graded" / LESSON / "alice.json"
        course.graded_in_time = _wait(ledger.exists, 600, proc)
        course.seconds_to_grade = time.monotonic() - course.submitted_at
        feedback = lambda: "feedback released" in course.watch_log.read_text()  # noqa: E731
        course.released = _wait(feedback, 120, proc)
        course.ledger_mtime = ledger.stat().st_mtime_ns if ledger.exists() else None
        time.sleep(6)  # a few more rounds of the watcher, with nothing new submitted
        course.ledger_mtime_later = ledger.stat().st_mtime_ns if ledger.exists() else None
        course.run("fetch_feedback", LESSON, user="alice", cwd=homes["alice"])
        course.alice_home = homes["alice"]
        course.alive_after_bad = proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            course.exit_code = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            course.exit_code = None
        log.close()
    course.log_text = course.watch_log.read_text()
    return course


def test_the_submission_is_graded_within_a_round(watched):
    assert watched.graded_in_time, watched.log_text[-3000:]
    assert "graded alice: 1 / 1" in watched.log_text, watched.log_text[-3000:]


def test_the_learner_fetches_feedback_showing_the_score(watched):
    assert watched.released, watched.log_text[-3000:]
    pages = list((watched.alice_home / LESSON / "feedback").rglob(f"{LESSON}.html"))
    assert pages, "fetch_feedback brought no feedback page"
    text = html.unescape(re.sub(r"<[^>]+>", " ", pages[0].read_text()))
    assert re.search(r"Score:\s*1\.0\s*/\s*1\.0", text), text[:1500]


def test_a_bad_submission_is_logged_and_the_watcher_goes_on(watched):
    assert watched.alive_after_bad
    assert "'bob' could not be graded" in watched.log_text, watched.log_text[-3000:]


def test_an_unchanged_submission_is_never_graded_again(watched):
    assert watched.ledger_mtime == watched.ledger_mtime_later
    assert watched.log_text.count("graded alice:") == 1, watched.log_text[-3000:]


def test_sigterm_stops_the_watcher_cleanly(watched):
    assert watched.exit_code == 0, watched.log_text[-2000:]
    assert watched.log_text.rstrip().endswith("stopped")
