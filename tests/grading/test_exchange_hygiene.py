"""The exchange's inbound folder is world-writable by design: collect must treat what it finds there as hostile.

With real unix accounts (made by the test, removed after it): mallory plants a submission under alice's name
(newer than alice's own, so stock nbgrader would take it and only warn "cheating attempt?"), submits a link to
the instructor's solutions as her own, and an entry with a newline in its learner id. The course's collect
(``autograder.integration.hygiene.SafeExchangeCollect``) takes alice's real submission, refuses the rest with a reason, and
alice's grade is hers. Stock nbgrader's collect, run on the same inbound folder, is shown to fall for the plant.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess

import nbformat
import pytest

from .course import Course, with_answers

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
ALICE, MALLORY = "ag-alice", "ag-mallory"


def _need_root():
    if os.geteuid() != 0:
        message = "needs root to create the real unix accounts this test uses"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def accounts():
    _need_root()
    for name in (ALICE, MALLORY):
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    yield {name: pwd.getpwnam(name) for name in (ALICE, MALLORY)}
    for name in (ALICE, MALLORY):
        subprocess.run(["userdel", name], capture_output=True)


def _entry(inbound, learner, stamp, tag, nb, owner):
    folder = inbound / f"{learner}+{LESSON}+2026-12-01 {stamp}.000000 UTC+{tag}"
    folder.mkdir()
    nbformat.write(nb, folder / f"{LESSON}.ipynb")
    (folder / "timestamp.txt").write_text(f"2026-12-01 {stamp}.000000 UTC")
    for path in (folder, folder / f"{LESSON}.ipynb", folder / "timestamp.txt"):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return folder


def _course(tmp, accounts, stock: bool):
    course = Course(tmp, [LESSON])
    with open(course.root / "nbgrader_config.py", "a") as f:
        f.write("c.ExchangeCollect.check_owner = True\n")
        if stock:
            f.write("c.ExchangeFactory.collect = 'nbgrader.exchange.default.collect.ExchangeCollect'\n")
    course.run("release_assignment", LESSON)
    inbound = course.exchange / "nn-from-one-neuron" / "inbound"
    src, rel = course.source(LESSON), course.release(LESSON)
    honest = with_answers(rel, src, {"add"})
    course.alice = _entry(inbound, ALICE, "10:00:00", "honest", honest, accounts[ALICE])
    course.plant = _entry(inbound, ALICE, "11:00:00", "planted", rel, accounts[MALLORY])
    link = inbound / f"{MALLORY}+{LESSON}+2026-12-01 12:00:00.000000 UTC+link"
    link.symlink_to(course.root / "solutions" / LESSON)
    os.lchown(link, accounts[MALLORY].pw_uid, accounts[MALLORY].pw_gid)
    _entry(inbound, "ag-bob\nx", "12:30:00", "newline", honest, accounts[MALLORY])
    done = course.run("collect", LESSON, check=False)
    course.log = done.stdout + done.stderr
    return course


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def collected(tmp_path_factory, accounts):
    return _course(tmp_path_factory.mktemp("hygiene"), accounts, stock=False)


def test_the_learners_own_submission_is_collected(collected):
    got = collected.root / "grading" / "submitted" / ALICE / LESSON / f"{LESSON}.ipynb"
    assert _sha(got) == _sha(collected.alice / f"{LESSON}.ipynb"), collected.log[-3000:]


def test_a_plant_under_another_learners_name_is_refused(collected):
    assert f"names {ALICE} but is owned by {MALLORY}" in collected.log, collected.log[-3000:]


def test_links_and_bad_ids_are_refused_and_never_followed(collected):
    submitted = collected.root / "grading" / "submitted"
    assert not (submitted / MALLORY).exists()
    assert "it is a link or not a folder" in collected.log
    assert "'ag-bob\\nx' is not allowed" in collected.log
    assert sorted(os.listdir(submitted)) == [ALICE]


def test_the_collected_submission_is_graded_as_hers(collected):
    collected.autograde(LESSON)
    assert collected.grades()[(ALICE, LESSON)] == 1


def test_stock_nbgrader_falls_for_the_plant(tmp_path_factory, accounts):
    """Why the defence matters: nbgrader's own collect takes mallory's plant for alice's work."""
    stock = _course(tmp_path_factory.mktemp("stock"), accounts, stock=True)
    got = stock.root / "grading" / "submitted" / ALICE / LESSON / f"{LESSON}.ipynb"
    assert _sha(got) == _sha(stock.plant / f"{LESSON}.ipynb"), stock.log[-3000:]
    shutil.rmtree(stock.root, ignore_errors=True)
