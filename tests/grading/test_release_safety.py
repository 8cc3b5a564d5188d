"""Regenerating a lesson never loses anything, and a fresh gradebook gets the lesson before grading needs it.

Real nbgrader and a real SQLite gradebook on a temporary copy of the course (tests/grading/course.py). nbgrader's
own generate_assignment --force removes the release and, when it then fails (cells changed after grading), removes
it again and leaves nothing ("Removing failed assignment"); autograder.commands.release keeps it and names the command that
works.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from autograder.commands import handin, release
from tests.grading.course import Course

pytestmark = pytest.mark.slow
LESSON = "01-neuron"


def _drop_last_test_cell(path) -> str:
    nb = nbformat.read(path, as_version=4)
    i = [
        k
        for k, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
    ][-1]
    name = nb.cells[i].metadata["nbgrader"]["grade_id"]
    del nb.cells[i]
    nbformat.write(nb, path)
    return name


def _release(root, *args):
    return subprocess.run(
        [sys.executable, "-m", "autograder.commands.release", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_lesson_changed_after_grading_is_refused_intact_then_regenerated_with_the_named_command(tmp_path):
    course = Course(tmp_path, [LESSON])
    root = course.root
    folder = handin.handin(root, LESSON, "ada", root / "notebooks" / LESSON / f"{LESSON}.ipynb")
    from nbgrader.api import Gradebook  # a graded submission, as autograde records it

    with Gradebook(f"sqlite:///{root / 'grading' / 'gradebook.db'}", "nn-from-one-neuron") as gb:
        gb.add_student("ada")
        gb.add_submission(LESSON, "ada")
    kept = {p: p.read_bytes() for p in folder.iterdir()}
    released = root / "notebooks" / LESSON / f"{LESSON}.ipynb"
    before = released.read_bytes()
    dropped = _drop_last_test_cell(root / "solutions" / LESSON / f"{LESSON}.ipynb")

    refused = _release(root, LESSON)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"python -m autograder.commands.release {LESSON} --regrade" in refused.stderr, refused.stderr
    assert released.read_bytes() == before, "the refused regeneration lost or changed the release"
    assert {p: p.read_bytes() for p in folder.iterdir()} == kept, "the refused regeneration touched a submission"

    done = _release(root, LESSON, "--regrade")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"python -m autograder grade {LESSON} --force" in done.stdout, done.stdout
    assert dropped not in released.read_text() and released.read_bytes() != before
    assert list((root / "grading" / "backups").glob("gradebook-*.db")), "no backup of the gradebook"
    assert {p: p.read_bytes() for p in folder.iterdir()} == kept, "--regrade touched a submission"


def test_a_hand_in_generates_a_lesson_a_fresh_gradebook_does_not_know(tmp_path):
    course = Course(tmp_path, [LESSON])
    root = course.root
    (root / "grading" / "gradebook.db").unlink()  # a fresh course folder: the release is there, the gradebook empty
    assert not release.is_generated(root, LESSON)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.commands.handin",
            LESSON,
            "ada",
            str(root / "notebooks" / LESSON / f"{LESSON}.ipynb"),
            "--root",
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"running python -m autograder.commands.release {LESSON}" in done.stdout, done.stdout
    assert release.is_generated(root, LESSON)
    assert f"python -m autograder grade {LESSON}" in done.stdout
