"""The instructor's day, through the README's commands on a copy of the course: roster, due date, hand-ins
(including one placed by hand and repaired), autograde, feedback, release_feedback, and the grades table."""

from __future__ import annotations

import csv
import re

import nbformat
import pytest

from .helpers import make_course, meta, module, nbgrader, points, read, solved

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
ROSTER = (
    'id,name,email\nalice,Ada Lovelace,ada@example.org\nbob,"Bob, Jr",bob@example.org\ncarol,Carol,\n'
    'dave,Dave Absent,=HYPERLINK("x")\n'
)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("day")
    course = make_course(tmp / "course", [LESSON])
    (tmp / "roster.csv").write_text(ROSTER)
    module(course, "roster", "import", str(tmp / "roster.csv"))
    module(course, "roster", "due", LESSON, "2027-01-15T23:59")
    source, release = (
        read(course / "solutions" / LESSON / f"{LESSON}.ipynb"),
        read(course / "notebooks" / LESSON / f"{LESSON}.ipynb"),
    )
    nbformat.write(solved(release, source), tmp / "alice.ipynb")
    tampered = solved(release, source)
    test_cell = next(c for c in tampered.cells if meta(c).get("grade") and not meta(c).get("solution"))
    test_cell.source += "\n# the learner edited this locked cell"
    nbformat.write(tampered, tmp / "carol-upload.ipynb")
    module(course, "handin", LESSON, "alice", str(tmp / "alice.ipynb"), "--time", "2027-01-14T10:00")
    module(
        course,
        "handin",
        LESSON,
        "bob",
        str(course / "notebooks" / LESSON / f"{LESSON}.ipynb"),
        "--time",
        "2027-01-16T09:30",
    )
    module(course, "handin", LESSON, "carol", str(tmp / "carol-upload.ipynb"))
    # erin's notebook was copied into grading/submitted/ by hand, the way instructors did before handin existed
    by_hand = course / "grading" / "submitted" / "erin" / LESSON
    by_hand.mkdir(parents=True)
    nbformat.write(solved(release, source), by_hand / f"{LESSON}.ipynb")
    repaired = module(course, "handin", "--repair", LESSON)
    autograde = nbgrader(course, "autograde", LESSON)
    feedback = nbgrader(course, "generate_feedback", LESSON)
    released = nbgrader(course, "release_feedback", LESSON, check=False)
    export = module(course, "export", LESSON, "--csv")
    return dict(
        course=course,
        tmp=tmp,
        total=points(source),
        tampered_id=meta(test_cell)["grade_id"],
        repaired=repaired,
        autograde=autograde,
        feedback=feedback,
        released=released,
        export=export,
    )


def test_repair_fixes_the_submission_placed_by_hand(day):
    assert "erin" in day["repaired"].stdout
    folder = day["course"] / "grading" / "submitted" / "erin" / LESSON
    assert (folder / "timestamp.txt").read_text().endswith("UTC")
    assert len((folder / "submission_secret.txt").read_text()) == 128


def test_release_feedback_works_for_hand_ins(day):
    done = day["released"]
    assert done.returncode == 0, f"release_feedback failed:\n{done.stdout}\n{done.stderr}"
    released = list((day["course"] / "exchange" / "nn-from-one-neuron" / "feedback").glob("*.html"))
    assert len(released) == 4, f"expected feedback for alice, bob, carol and erin, found {len(released)}"


def test_handin_writes_the_files_collect_writes(day):
    folder = day["course"] / "grading" / "submitted" / "alice" / LESSON
    assert sorted(p.name for p in folder.iterdir()) == [f"{LESSON}.ipynb", "submission_secret.txt", "timestamp.txt"]
    assert (folder / "timestamp.txt").read_text() == "2027-01-14 10:00:00.000000 UTC"


def test_grading_output_has_no_known_harmless_noise(day):
    out = day["autograde"].stdout + day["autograde"].stderr + day["feedback"].stdout + day["feedback"].stderr
    for noise in ("SAWarning", "not in session", "without encryption", "display_data_priority"):
        assert noise not in out, f"{noise!r} still in the grading output:\n{out[-3000:]}"


def test_checksum_warning_only_for_a_really_changed_locked_cell(day):
    out = day["autograde"].stdout + day["autograde"].stderr
    changed = re.findall(r"Attribute 'checksum' for cell (\S+) has changed", out)
    assert changed == [day["tampered_id"]], (
        f"the checksum warning must stay for carol's edited cell only (untouched releases are nbgrader issue "
        f"1961): {changed}"
    )


def test_table_tells_not_submitted_from_zero_and_marks_late(day):
    out = day["export"].stdout
    total = day["total"]
    lines = {
        line.split()[0]: line
        for line in out.splitlines()
        if line and line.split()[0] in ("alice", "bob", "carol", "dave", "erin")
    }
    assert re.search(rf"Ada Lovelace\s+{LESSON}\s+{total:g}\s+{total:g}\s+yes\s*$", lines["alice"]), out
    assert re.search(rf"{LESSON}\s+0\s+{total:g}\s+yes\s+late 9h 31m$", lines["bob"]), out
    assert re.search(rf"{LESSON}\s+-\s+{total:g}\s+not submitted", lines["dave"]), out
    assert "5 row(s): 4 submitted, 1 not submitted, 1 late" in out, out


def test_csv_under_grading_with_roster_names(day):
    path = day["course"] / "grading" / "grades.csv"
    assert f"grades written to {path}" in day["export"].stdout
    rows = {r["learner"]: r for r in csv.DictReader(path.open())}
    assert rows["bob"]["name"] == "Bob, Jr" and rows["bob"]["late"] == "yes" and rows["bob"]["score"] == "0"
    assert rows["dave"]["submitted"] == "no" and rows["dave"]["score"] == ""
    assert rows["dave"]["email"] == '\'=HYPERLINK("x")', "a formula in a cell must not run in a spreadsheet"
    assert rows["alice"]["email"] == "ada@example.org"
    assert not list(day["course"].glob("*.csv")), "a CSV of grades at the course root"


def test_csv_outside_grading_is_refused(day):
    done = module(day["course"], "export", LESSON, "--csv", "grades.csv", check=False)
    assert done.returncode == 1 and "grades go under" in done.stderr
    assert not (day["course"] / "grades.csv").exists()


def test_bare_nbgrader_export_writes_under_grading(day):
    nbgrader(day["course"], "export")
    assert (day["course"] / "grading" / "grades.csv").is_file()
    assert not (day["course"] / "grades.csv").exists()


def test_roster_import_is_idempotent(day):
    again = module(day["course"], "roster", "import", str(day["tmp"] / "roster.csv"))
    assert "0 learner(s) added, 4 updated" in again.stdout
    shown = module(day["course"], "roster", "show").stdout
    assert "5 learner(s)" in shown and "Ada Lovelace" in shown and "2027-01-15T23:59" in shown


@pytest.mark.parametrize("bad", ["../etc", "a b", "x+y", "..", "é"])
def test_roster_refuses_bad_ids_and_imports_nothing(day, bad):
    path = day["tmp"] / "bad.csv"
    path.write_text(f"id,name\nfrank,Frank\n{bad},Bad\n")
    done = module(day["course"], "roster", "import", str(path), check=False)
    assert done.returncode == 1 and "line 3" in done.stderr and "nothing imported" in done.stderr, done.stderr
    assert "frank" not in module(day["course"], "roster", "show").stdout


def test_roster_without_id_column_is_refused(day):
    path = day["tmp"] / "noid.csv"
    path.write_text("name,email\nA,a@x\n")
    done = module(day["course"], "roster", "import", str(path), check=False)
    assert done.returncode == 1 and "'id' column" in done.stderr


def test_due_date_in_another_zone_and_bad_dates(day):
    done = module(day["course"], "roster", "due", LESSON, "2027-01-15T23:59+01:00")
    assert "2027-01-15T22:59 UTC" in done.stdout
    bad = module(day["course"], "roster", "due", LESSON, "next friday", check=False)
    assert bad.returncode == 1 and "ISO date" in bad.stderr
    module(day["course"], "roster", "due", LESSON, "2027-01-15T23:59")


@pytest.mark.parametrize("learner", ["../x", "a/b", "..", ".", "a b", ""])
def test_handin_refuses_bad_learner_ids(day, learner):
    done = module(day["course"], "handin", LESSON, learner, str(day["tmp"] / "alice.ipynb"), check=False)
    assert done.returncode != 0
    assert not (day["course"] / "grading" / "x").exists()


def test_handin_refuses_symlinks_and_non_notebooks(day):
    tmp, course = day["tmp"], day["course"]
    link = tmp / "link.ipynb"
    link.symlink_to(tmp / "alice.ipynb")
    done = module(course, "handin", LESSON, "gina", str(link), check=False)
    assert done.returncode == 1 and "symbolic link" in done.stderr
    (tmp / "notes.ipynb").write_text("not a notebook")
    done = module(course, "handin", LESSON, "gina", str(tmp / "notes.ipynb"), check=False)
    assert done.returncode == 1 and "not a readable Jupyter notebook" in done.stderr
    done = module(course, "handin", "99-nope", "gina", str(tmp / "alice.ipynb"), check=False)
    assert done.returncode == 1 and "unknown lesson" in done.stderr
    outside = tmp / "outside"
    outside.mkdir()
    (course / "grading" / "submitted" / "hank").symlink_to(outside, target_is_directory=True)
    done = module(course, "handin", LESSON, "hank", str(tmp / "alice.ipynb"), check=False)
    assert done.returncode == 1 and "symbolic link" in done.stderr
    assert not list(outside.iterdir()), "handin wrote through a symbolic link"
    assert not (course / "grading" / "submitted" / "gina").exists()
