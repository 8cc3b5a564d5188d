"""The learner's and the instructor's day on one machine, through the README's own commands in a browser.

`make lab` (the learner): nbgrader's Assignment List shows the course's lessons from the course's own exchange;
Fetch, Submit and, after the instructor graded and released feedback, Fetch Feedback all work from it.
`make grade-ui` (the instructor): the formgrader opens, lists the lessons, and its folder links open folders
(under `make lab`'s old setup they pointed outside the server's root and answered 404).
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys

import nbformat
import pytest

from tests.browser.lab import VENV_BIN, copy_course_for_make, menu, start_make, stop_lab

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]
LESSON = "00-start-here"
LEARNER = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's learner id on one machine: the login name


def nbgrader(course, *args):
    env = dict(os.environ, PATH=str(VENV_BIN) + os.pathsep + os.environ["PATH"])
    done = subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_course_for_make(tmp_path_factory.mktemp("one-machine") / "course", [LESSON])
    nbgrader(root, "generate_assignment", LESSON, "--force")  # the gradebook the instructor grades with
    return root


@pytest.fixture(scope="module")
def learner_lab(course, tmp_path_factory, browser):
    server = start_make("lab", course, tmp_path_factory.mktemp("make-lab"), course / "work")
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def grade_ui(course, tmp_path_factory, browser):
    server = start_make("grade-ui", course, tmp_path_factory.mktemp("make-grade-ui"), course)
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture
def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_assignment_list(page, server):
    page.goto(server.url("lab", reset=""))
    page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=90_000)
    menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#released_assignments_list", timeout=180_000)


def refresh(page, timeout: float = 60.0):
    """Press the Assignment List's refresh button and wait until its three lists have loaded."""
    page.locator("#refresh_assignments_list").click()
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[id$=_assignments_list_loading]')].every(e => e.offsetParent === null)",
        timeout=timeout * 1000,
    )


def row(page, listing: str, lesson: str = LESSON):
    """The row of ``lesson`` in one of the Assignment List's lists (released, fetched, submitted)."""
    return page.locator(f"#{listing}_assignments_list .list_item").filter(has_text=lesson).first


def solve(path):
    """Write the solution's answers into the learner's fetched notebook, as a learner who solved it would."""
    from tests.day.helpers import points, solved

    source = nbformat.read(path.parents[2] / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    nbformat.write(solved(nbformat.read(path, as_version=4), source), path)
    return points(source)


def test_make_lab_printed_what_it_did(learner_lab):
    log = learner_lab.log(20_000)
    assert "Assignment List" in log and "exchange" in log, log[:2000]
    if os.geteuid() == 0:
        assert "--allow-root" in log, f"make lab as root did not pass --allow-root:\n{log[:2000]}"


@pytest.mark.solo  # passes alone, times out at Fetch Feedback beside the parallel suite: to be investigated
def test_assignment_list_round_trip(learner_lab, course, new_page, artifacts):
    page = new_page
    work = course / "work"
    try:
        # 1. the lessons are there, from the course's own exchange (published by make lab)
        open_assignment_list(page, learner_lab)
        released = row(page, "released")
        released.wait_for(state="visible", timeout=180_000)
        # 2. Fetch
        released.get_by_role("button", name="Fetch").click()
        row(page, "fetched").wait_for(state="visible", timeout=180_000)
        notebook = work / LESSON / f"{LESSON}.ipynb"
        assert notebook.is_file(), f"Fetch did not put the lesson in the work folder: {sorted(work.rglob('*'))}"
        total = solve(notebook)
        # 3. Submit
        row(page, "fetched").get_by_role("button", name="Submit").click()
        submitted = row(page, "submitted")
        submitted.wait_for(state="visible", timeout=180_000)
        inbound = course / "exchange" / "nn-from-one-neuron" / "inbound"
        for _ in range(120):  # the server's submit may still be copying when the row already says "submitted"
            if any(p.name.startswith(f"{LEARNER}+{LESSON}+") for p in inbound.iterdir()):
                break
            page.wait_for_timeout(500)
        assert any(p.name.startswith(f"{LEARNER}+{LESSON}+") for p in inbound.iterdir()), (
            f"no submission in the course's exchange: {sorted(p.name for p in inbound.iterdir())}"
        )
        # 4. the instructor collects, grades and releases feedback (the README's loop)
        nbgrader(course, "collect", LESSON)
        nbgrader(course, "autograde", LESSON)
        nbgrader(course, "generate_feedback", LESSON)
        nbgrader(course, "release_feedback", LESSON)
        table = subprocess.run(
            [sys.executable, "-m", "autograder.commands.export", LESSON],
            cwd=course,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert table.returncode == 0, table.stderr
        assert re.search(rf"^{re.escape(LEARNER)}\s.*{LESSON}\s+{total:g}\s+{total:g}\s+yes", table.stdout, re.M), (
            table.stdout
        )
        # 5. Fetch Feedback, in the browser
        button = row(page, "submitted").get_by_role("button", name="Fetch Feedback")
        for _attempt in range(4):
            refresh(page)
            if button.count() and button.is_enabled():
                break
            page.wait_for_timeout(2000)
        else:
            raise AssertionError("no enabled Fetch Feedback button in the Assignment List after release_feedback")
        button.click()
        row(page, "submitted").get_by_text("view feedback").wait_for(state="visible", timeout=180_000)
        feedback = sorted((work / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert feedback, "Fetch Feedback wrote no feedback into the work folder"
        text = feedback[-1].read_text()
        assert re.search(rf"Score:\s*{total:g}(\.0)?\s*/\s*{total:g}", re.sub(r"<[^>]+>", " ", text)), (
            "the fetched feedback does not show full marks"
        )
        page.screenshot(path=str(artifacts / "assignment-list-round-trip.png"))
    except BaseException:
        page.screenshot(path=str(artifacts / "failed-assignment-list.png"))
        raise


def test_make_lab_uses_the_course_exchange_not_grading(course, learner_lab):
    exchange = course / "exchange"
    assert (exchange / "nn-from-one-neuron" / "outbound" / LESSON).is_dir()
    assert not (course / "grading" / "exchange").exists(), "the exchange is back inside grading/"
    assert oct(exchange.stat().st_mode & 0o777) == oct(0o700), "the one-machine exchange is not private"


def test_grade_ui_opens_the_formgrader_with_working_folder_links(grade_ui, course, new_page, artifacts):
    page = new_page
    page.goto(grade_ui.url(""))
    page.wait_for_url("**/formgrader/**", timeout=180_000)
    page.locator("h1:text-is('Manage Assignments')").wait_for(state="visible")
    link = page.locator("table tbody tr a").filter(has_text=LESSON).first
    link.wait_for(state="visible", timeout=180_000)
    href = link.get_attribute("href")
    assert "/tree/" in href and "/../" not in href, f"the formgrader's folder link leaves the server's root: {href}"
    status, _ = grade_ui.request(href.split("?")[0])
    assert status == 200, f"the formgrader's link to {LESSON}'s folder answers {status}: {href}"
    with page.context.expect_page() as opened:  # the formgrader opens folders in a new tab
        link.click()
    folder = opened.value
    folder.get_by_text(f"{LESSON}.ipynb").first.wait_for(state="visible", timeout=180_000)
    folder.screenshot(path=str(artifacts / "grade-ui-folder-link.png"))
