"""The gradebook on a real PostgreSQL server, started by the test: nbgrader's schema, parallel grading into it.

The server is Debian's `postgresql` package: a private cluster made with `initdb` (as the `postgres` account,
since initdb refuses root) in a temporary folder, started with `pg_ctl` on 127.0.0.1 and a free port, and
stopped at the end. The course points `c.CourseDirectory.db_url` at it, as an instructor would.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.notebooks import is_solution_cell, nbgrader_meta

from .course import Course, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "01-neuron"


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        _unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    if os.geteuid() != 0:
        _unavailable("starting a private PostgreSQL cluster here needs root (initdb runs as 'postgres')")
    bindir = Path(bins[-1]).parent
    owner = pwd.getpwnam("postgres")
    base = Path(tempfile.mkdtemp(prefix="ag-pg-", dir="/tmp"))
    os.chmod(base, 0o755)
    data, sock = base / "data", base / "sock"
    for d in (data, sock):
        d.mkdir()
        os.chown(d, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def as_postgres(*cmd):
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=120, cwd=base
        )

    done = as_postgres(str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "grader", "-E", "UTF8")
    assert done.returncode == 0, done.stderr
    done = as_postgres(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(sock / "server.log"),
        "-w",
        "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1",
        "start",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        done = as_postgres(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "gradebook")
        assert done.returncode == 0, done.stderr
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, postgres):
    course = Course(tmp_path_factory.mktemp("pg"), [LESSON], extra_config=f"c.CourseDirectory.db_url = {postgres!r}")
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})
    course.submit_directly("solved", LESSON, solved)
    course.submit_directly("blank", LESSON, rel)
    course.submit_directly(
        "wrong-and", LESSON, replace_answer(solved, "AND_PARAMS", "AND_PARAMS = (np.array([1.0, 1.0]), 0.5)\n")
    )
    course.submit_directly("solved-too", LESSON, solved)
    import sys

    course.done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", LESSON, "--workers", "2"],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return course


def test_the_gradebook_lives_in_postgres(graded, postgres):
    from sqlalchemy import create_engine, text

    with create_engine(postgres).connect() as db:
        learners = sorted(r[0] for r in db.execute(text("SELECT id FROM student")))
    assert learners == ["blank", "solved", "solved-too", "wrong-and"]
    assert not (graded.root / "grading" / "gradebook.db").exists()


def test_two_workers_grade_into_postgres_correctly(graded):
    assert graded.done.returncode == 0, graded.done.stdout + graded.done.stderr[-3000:]
    grades = graded.grades()
    assert grades[("solved", LESSON)] == 6 and grades[("solved-too", LESSON)] == 6
    assert grades[("blank", LESSON)] == 0
    assert grades[("wrong-and", LESSON)] == 5
