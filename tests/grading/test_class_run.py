"""One learner never stops the class, and the grading ledger tells every submission apart (issue 22, 6 and 8),
and the query budget that lesson 06 teaches holds for queries of any shape (issue 22, 7).

All through the real `python -m autograder grade` (and one `watch` round), beside honest learners who keep full
marks:
- `odd-names` submits a correct notebook plus an extra file whose name is not UTF-8 (`notes-\\xff.txt`) and a folder
  with such a name: it is graded like anyone else, and so is everyone after it; `watch` runs its round cleanly;
- `collides` first submits one extra file `a` holding `X\\0b\\0Y`, then two, `a` holding `X` and `b` holding `Y`:
  under the old digest (names and bytes joined by `\\0`) both were the same, so the changed submission was never
  regraded; now it is;
- `cheat-batch-of-batches` answers `extract_linear_model` with one query of shape (1, 2d + 1, d), which counted as
  one row against the d + 1 budget: it now loses that exercise's points, and only those.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from tests.support.notebooks import is_solution_cell, nbgrader_meta

from .course import Course, points, replace_answer, with_answers

pytestmark = pytest.mark.slow
START, SECURITY = "00-start-here", "06-security"
ODD = os.fsdecode(b"notes-\xff.txt")
ODD_FOLDER = os.fsdecode(b"dir-\xfe\xfd")
BATCH_CHEAT = """def extract_linear_model(query, d, k):
    # 2d + 1 inputs in one query of shape (1, 2d + 1, d): the API counted X.shape[0] == 1 row
    queries = np.vstack([np.zeros((1, d)), np.eye(d), 0.5 * np.eye(d)])[None]
    log_p = np.log(np.asarray(query(queries), dtype=float))[0]
    b = log_p[0].copy()
    W = log_p[1:d + 1] - log_p[0]
    return W, b
"""


def _old_digest(folder) -> str:
    """The ledger's digest before issue 22: names and bytes joined by NUL bytes, no lengths."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _grade(course: Course, lesson: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", lesson, "--workers", "1"],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )


def _solved(course: Course, lesson: str):
    src, rel = course.source(lesson), course.release(lesson)
    return with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("classrun"), [START, SECURITY], execute_timeout=60)
    start = _solved(course, START)
    for learner in ("aa-honest", "odd-names", "collides", "zz-honest"):
        course.submit_directly(learner, START, start)
    odd = course.root / "grading" / "submitted" / "odd-names" / START
    (odd / ODD).write_text("my notes\n")
    (odd / ODD_FOLDER).mkdir()
    (odd / ODD_FOLDER / ODD).write_bytes(b"more notes\n")
    collides = course.root / "grading" / "submitted" / "collides" / START
    (collides / "a").write_bytes(b"X\0b\0Y")
    course.first_digests = (_old_digest(collides),)
    course.first = _grade(course, START)
    course.first_ledger = json.loads((course.root / "grading" / ".graded" / START / "collides.json").read_text())
    (collides / "a").write_bytes(b"X")
    (collides / "b").write_bytes(b"Y")
    course.first_digests += (_old_digest(collides),)
    course.second = _grade(course, START)
    course.second_ledger = json.loads((course.root / "grading" / ".graded" / START / "collides.json").read_text())
    course.watch = subprocess.run(
        [sys.executable, "-m", "autograder", "watch", START, "--rounds", "1", "--interval", "1", "--workers", "1"],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
        timeout=900,
    )

    security = _solved(course, SECURITY)
    course.submit_directly("aa-honest", SECURITY, security)
    course.submit_directly(
        "cheat-batch-of-batches", SECURITY, replace_answer(security, "extract_linear_model", BATCH_CHEAT)
    )
    course.security = _grade(course, SECURITY)
    course.scores = course.grades()
    course.pts = {lesson: points(course.source(lesson)) for lesson in (START, SECURITY)}
    return course


def test_a_file_name_that_is_not_utf8_never_stops_the_class(run):
    out = run.first.stdout + run.first.stderr
    assert run.first.returncode == 0, out[-4000:]
    assert "4 graded, 0 not graded" in run.first.stdout, out[-4000:]
    total = sum(run.pts[START].values())
    for learner in ("aa-honest", "odd-names", "collides", "zz-honest"):
        assert run.scores[(learner, START)] == total, (learner, run.scores)


def test_the_odd_files_reach_the_sandbox_copy_untouched(run):
    folder = run.root / "grading" / "autograded" / "odd-names" / START
    assert (folder / ODD).read_bytes() == b"my notes\n"
    assert (folder / ODD_FOLDER / ODD).read_bytes() == b"more notes\n"


def test_watch_runs_its_round_with_the_odd_names(run):
    out = run.watch.stdout + run.watch.stderr
    assert run.watch.returncode == 0, out[-3000:]
    assert "round failed" not in out and "could not be graded" not in out, out[-3000:]


def test_colliding_submissions_are_told_apart(run):
    assert run.first_digests[0] == run.first_digests[1], "the example must collide under the old digest"
    assert run.first_ledger["digest"] != run.second_ledger["digest"]
    assert "1 graded, 0 not graded" in run.second.stdout, run.second.stdout + run.second.stderr[-3000:]
    assert "collides" in run.second.stdout


def test_a_batch_of_batches_does_not_buy_more_queries(run):
    out = run.security.stdout + run.security.stderr
    assert "2 graded, 0 not graded" in run.security.stdout, out[-4000:]
    total = sum(run.pts[SECURITY].values())
    assert run.scores[("aa-honest", SECURITY)] == total, out[-4000:]
    assert run.scores[("cheat-batch-of-batches", SECURITY)] == total - run.pts[SECURITY]["test_extract_linear_model"]
    nb = run.autograded("cheat-batch-of-batches", SECURITY)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "test_extract_linear_model")
    text = " ".join(o.get("evalue", "") for o in cell.outputs if o.get("output_type") == "error")
    assert "(1, 5, 2)" in text or "batch (n, d)" in text, text
