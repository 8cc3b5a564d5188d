"""A class's journey on the class server, as root, with real accounts, a real hub and headless Chromium.

An instructor and three learners (unique names, removed afterwards even on failure) on a hub started with
`python -m classhub start` on free ports. A learner logs in on the hub's login page (a wrong password is
refused first), fetches 01-neuron in the Assignment List, opens it, writes an answer, runs its check, presses
Validate and Submit. Another learner plants a submission under the first one's name in the world-writable
inbound folder. The instructor opens the formgrader through the hub and, with its REST API in the instructor's
browser session (the buttons open modal dialogs whose timing is the formgrader's, not ours), collects (the plant
is refused by SafeExchangeCollect), autogrades (in the bubblewrap sandbox) and releases feedback; the learner
fetches it in the Assignment List and sees the score. Also: a learner cannot open another learner's server or
the instructor's (403), has no formgrader of their own (404, and no menu entry), cannot read another home;
`stop` ends every process of the class.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import time
from pathlib import Path

import nbformat
import pytest

from tests.browser.lab import accept_kernel_dialog, menu, write_lab_settings
from tests.classhub.hub import ROOT, classhub, install_and_start, make_hub, remove_hub

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.solo]
LESSON = "01-neuron"
COURSE_ID = "nn-from-one-neuron"
ANSWER = "import numpy as np\n\ndef weighted_sum(x, w, b):\n    return np.dot(x, w) + b\n"
SLOW = 180_000  # ms: nbgrader steps and server starts on a loaded two-core machine


@pytest.fixture(scope="module")
def hub():
    hub, tag = make_hub()
    try:
        install_and_start(hub, tag)
        for user in (hub.instructor, *hub.learners):  # every cell in the DOM, the kernel started without asking
            home = Path(os.path.expanduser(f"~{user}"))
            write_lab_settings(home / ".jupyter" / "lab" / "user-settings")
            pw = os.stat(home)
            for path in [home / ".jupyter", *(home / ".jupyter").rglob("*")]:
                os.chown(path, pw.st_uid, pw.st_gid)
        course = os.path.join(hub.settings.course)
        for step in ("generate_assignment", "release_assignment"):
            done = hub.as_user(hub.instructor, "nbgrader", step, LESSON, "--force", cwd=course)
            assert done.returncode == 0, f"nbgrader {step} as the instructor:\n{done.stdout}\n{done.stderr}"
        yield hub
    finally:
        remove_hub(hub, tag)


def lesson_points() -> float:
    nb = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    return sum(float(c.metadata.get("nbgrader", {}).get("points", 0) or 0) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))


def new_context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    return context


def log_in(context, hub, user: str, password: str):
    """The hub's login page, as a person uses it; returns the page once the user's JupyterLab is up."""
    page = context.new_page()
    page.goto(hub.url + "/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=SLOW)
    page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=SLOW)
    return page


def get(context, url: str) -> int:
    return context.request.get(url, max_redirects=10).status


def open_assignment_list(page):
    menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#released_assignments_list", timeout=SLOW)


def row(page, listing: str):
    return page.locator(f"#{listing}_assignments_list .list_item").filter(has_text=LESSON).first


def run_cell(page, cell, attempts: int = 4) -> None:
    """Select ``cell`` (a click on its prompt, as a learner does) and run it with Shift+Enter until its prompt
    shows an execution count; on a loaded machine a kernel that is still starting may drop the first request."""
    ran = cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]"))
    for _ in range(attempts):
        cell.locator(".jp-InputPrompt").click()
        page.keyboard.press("Shift+Enter")
        try:
            ran.wait_for(timeout=45_000)
            return
        except Exception:  # noqa: BLE001 - not run (yet): select it and run it again
            accept_kernel_dialog(page)
    ran.wait_for(timeout=SLOW)


def formgrader_post(page, path: str) -> dict:
    """POST to the formgrader's REST API from the instructor's formgrader page (its session and XSRF cookie)."""
    status, text = page.evaluate(
        """async (url) => {
            const m = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);
            const r = await fetch(url, {method: 'POST', credentials: 'same-origin',
                                        headers: {'X-XSRFToken': m ? decodeURIComponent(m[1]) : ''}});
            return [r.status, await r.text()];
        }""", path)
    assert status == 200, f"POST {path} answered {status}: {text[:2000]}"
    body = json.loads(text)
    assert body.get("success"), f"POST {path} failed:\n{body.get('log') or body.get('error') or body}"
    return body


def test_accounts_have_private_homes_and_handed_over_passwords(hub):
    for user in (hub.instructor, *hub.learners):
        mode = stat.S_IMODE(os.stat(os.path.expanduser(f"~{user}")).st_mode)
        assert mode == 0o700, f"the home of {user} has mode {oct(mode)}, not 0700"
        assert hub.passwords.get(user), f"no first password recorded for {user}"
    st = os.stat(hub.settings.passwords_file)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0, "the passwords file is not root's and 0600"


def test_roster_again_adds_only_newcomers_and_refuses_bad_lines(hub):
    s = hub.settings
    roster = Path(s.state) / "roster.csv"
    before = Path(s.passwords_file).read_text()
    again = classhub("--state", s.state, "accounts", str(roster))
    assert "0 account(s) made" in again.stdout and "3 already there" in again.stdout, again.stdout
    assert Path(s.passwords_file).read_text() == before, "a second run changed the first passwords"
    bad = Path(s.state) / "bad.csv"
    bad.write_text(f"id,name\n{hub.learners[0]},ok\nAda.Lovelace,x\nroot,y\n")
    done = classhub("--state", s.state, "accounts", str(bad), check=False)
    assert done.returncode == 2
    assert "line 3: 'Ada.Lovelace' cannot be a unix account name" in done.stderr, done.stderr
    assert "line 4: the account 'root' already exists and is not a learner" in done.stderr, done.stderr
    bad.write_text("id,name\nada lovelace,x\n")  # the course's own id rule (autograder/roster.py) comes first
    done = classhub("--state", s.state, "accounts", str(bad), check=False)
    assert done.returncode == 2 and "line 2: learner id 'ada lovelace' is not allowed" in done.stderr, done.stderr
    newcomer = hub.learners[0][:-1] + "9"
    hub.learners.append(newcomer)  # removed with the others
    roster.write_text(roster.read_text() + f"{newcomer},Late Comer,{newcomer}@example.org\n")
    done = classhub("--state", s.state, "accounts", str(roster))
    assert f"1 account(s) made: {newcomer}" in done.stdout, done.stdout
    after = Path(s.passwords_file).read_text()
    assert after.startswith(before) and newcomer in after[len(before):]
    hub.read_passwords()


def test_the_exchange_of_the_hub_wins_over_the_course_config(hub):
    done = hub.as_user(hub.instructor, "python", "-m", "autograder.lab", "where", cwd=hub.settings.course)
    assert done.returncode == 0 and hub.settings.exchange in done.stdout, done.stdout + done.stderr
    outbound = Path(hub.settings.exchange) / COURSE_ID / "outbound" / LESSON / f"{LESSON}.ipynb"
    assert outbound.is_file(), "the instructor's release did not reach the hub's exchange"
    assert not (Path(hub.settings.course) / "exchange").exists(), "the course's own exchange was used"


def test_a_learner_cannot_read_another_home(hub):
    a, b = hub.learners[0], hub.learners[1]
    for target in (os.path.expanduser(f"~{a}"), os.path.join(hub.settings.course, "solutions")):
        done = hub.as_user(b, "ls", target)
        assert done.returncode != 0 and "Permission denied" in done.stderr, f"{b} could list {target}: {done.stdout}"


def test_the_class_journey(hub, browser, artifacts):
    a, b = hub.learners[0], hub.learners[1]
    home = Path(os.path.expanduser(f"~{a}"))
    learner, other, teacher = new_context(browser), new_context(browser), new_context(browser)
    page = None
    try:
        # -- a wrong password is refused on the login page
        page = learner.new_page()
        page.goto(hub.url + "/hub/login")
        page.fill("#username_input", a)
        page.fill("#password_input", hub.passwords[a] + "x")
        page.click("#login_submit")
        page.get_by_text("Invalid username or password").wait_for(state="visible")
        assert "/hub/login" in page.url
        page.close()
        # -- the learner logs in; their JupyterLab has no instructor tools
        page = log_in(learner, hub, a, hub.passwords[a])
        page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
        items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
        page.keyboard.press("Escape")
        assert "Assignment List" in items and not any("Formgrader" in i or "Course List" in i for i in items), items
        # -- Assignment List: Fetch
        open_assignment_list(page)
        row(page, "released").wait_for(state="visible", timeout=SLOW)
        row(page, "released").get_by_role("button", name="Fetch").click()
        row(page, "fetched").wait_for(state="visible", timeout=SLOW)
        notebook = home / LESSON / f"{LESSON}.ipynb"
        assert notebook.is_file(), "Fetch did not put the lesson in the learner's home"
        assert notebook.stat().st_uid == os.stat(home).st_uid, "the fetched lesson is not the learner's"
        # -- open it, write an answer, run its check
        page.goto(f"{hub.url}/user/{a}/lab/tree/{LESSON}/{LESSON}.ipynb")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=SLOW)
        page.wait_for_timeout(500)
        accept_kernel_dialog(page)
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=SLOW)
        cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        index = next(i for i, c in enumerate(nbformat.read(notebook, as_version=4).cells)
                     if c.metadata.get("nbgrader", {}).get("grade_id") == "weighted_sum")
        editor = cells.nth(index).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(ANSWER)
        run_cell(page, cells.nth(index))      # the answer
        check = cells.nth(index + 1)
        run_cell(page, check)                 # its instant check
        outputs = check.locator(".jp-OutputArea").inner_text()
        assert "Error" not in outputs and "Traceback" not in outputs, f"the check of the answer failed:\n{outputs}"
        page.keyboard.press("Control+s")
        for _ in range(60):
            if "np.dot(x, w)" in notebook.read_text():
                break
            page.wait_for_timeout(500)
        assert "np.dot(x, w)" in notebook.read_text(), "the answer was not saved"
        # -- Validate (the notebook's toolbar button), then Submit in the Assignment List
        page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        for _ in range(3):
            dialog.wait_for(state="visible", timeout=SLOW)
            dialog.locator(".jp-Dialog-body").filter(has_text=re.compile(r"\w")).wait_for(timeout=SLOW)
            validation = dialog.inner_text()
            if "File Changed" not in validation:
                break
            # JupyterLab's save-before-validate can race its own save: keep the version open here
            dialog.get_by_role("button", name="Overwrite").click()
            dialog.wait_for(state="detached", timeout=30_000)
        assert "Validat" in validation, f"no validation result:\n{validation}"
        dialog.locator("button").last.click()
        page.goto(f"{hub.url}/user/{a}/lab")
        page.wait_for_selector(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=SLOW)
        open_assignment_list(page)
        row(page, "fetched").wait_for(state="visible", timeout=SLOW)
        row(page, "fetched").get_by_role("button", name="Submit").click()
        row(page, "submitted").wait_for(state="visible", timeout=SLOW)
        # -- what a learner cannot do: other servers (403), a formgrader (404 on theirs, 403 on the instructor's)
        log_in(other, hub, b, hub.passwords[b]).close()
        teach = log_in(teacher, hub, hub.instructor, hub.passwords[hub.instructor])
        assert get(learner, f"{hub.url}/user/{b}/api/contents") == 403
        assert get(learner, f"{hub.url}/user/{b}/") == 403
        assert get(learner, f"{hub.url}/user/{hub.instructor}/formgrader") == 403
        assert get(learner, f"{hub.url}/user/{a}/formgrader") == 404
        assert get(learner, f"{hub.url}/user/{a}/formgrader/api/assignments") == 404
        # -- b plants a submission under a's name, newer than a's own
        inbound = Path(hub.settings.exchange) / COURSE_ID / "inbound"
        stamp = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        plant = inbound / f"{a}+{LESSON}+{stamp}+planted"
        released = Path(hub.settings.exchange) / COURSE_ID / "outbound" / LESSON / f"{LESSON}.ipynb"
        code = (f"import os, shutil; d = {str(plant)!r}; os.mkdir(d); shutil.copy({str(released)!r}, d); "
                f"open(os.path.join(d, 'timestamp.txt'), 'w').write({stamp!r})")
        done = hub.as_user(b, "/usr/bin/python3", "-c", code)
        assert done.returncode == 0, f"the plant failed (the inbound folder is world-writable): {done.stderr}"
        # -- the instructor: formgrader, collect (the plant refused), autograde, feedback
        teach.goto(f"{hub.url}/user/{hub.instructor}/formgrader")
        teach.locator("h1:text-is('Manage Assignments')").wait_for(state="visible", timeout=SLOW)
        teach.locator("table tbody tr").filter(has_text=LESSON).first.wait_for(state="visible", timeout=SLOW)
        api = f"/user/{hub.instructor}/formgrader/api"
        collected = formgrader_post(teach, f"{api}/assignment/{LESSON}/collect")
        assert f"names {a} but is owned by {b}" in collected["log"], collected["log"]
        submitted = Path(hub.settings.course) / "grading" / "submitted" / a / LESSON / f"{LESSON}.ipynb"
        assert "np.dot(x, w)" in submitted.read_text(), "the collected submission is not the learner's own"
        formgrader_post(teach, f"{api}/submission/{LESSON}/{a}/autograde")
        formgrader_post(teach, f"{api}/assignment/{LESSON}/generate_feedback")
        formgrader_post(teach, f"{api}/assignment/{LESSON}/release_feedback")
        # -- the learner fetches the feedback and sees the score
        button = row(page, "submitted").get_by_role("button", name="Fetch Feedback")
        for _ in range(6):
            page.locator("#refresh_assignments_list").click()
            page.wait_for_timeout(1500)
            if button.count() and button.is_enabled():
                break
        button.click()
        row(page, "submitted").get_by_text("view feedback").wait_for(state="visible", timeout=SLOW)
        feedback = sorted((home / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert feedback, "Fetch Feedback wrote no feedback into the learner's home"
        rel = feedback[-1].relative_to(home)
        page.goto(f"{hub.url}/user/{a}/files/{rel}")
        text = page.locator("body").inner_text()
        total = lesson_points()
        assert re.search(rf"Score:\s*1(\.0)?\s*/\s*{total:g}(\.0)?", text), f"no score 1 / {total:g} in:\n{text[:1500]}"
        page.screenshot(path=str(artifacts / "classhub-feedback.png"))
    except BaseException:
        if page is not None and not page.is_closed():
            page.screenshot(path=str(artifacts / "classhub-failed.png"))
        print(hub.log())
        raise
    finally:
        for context in (learner, other, teacher):
            context.close()


def test_stop_ends_every_process_of_the_class(hub):
    from classhub import accounts, server

    running = server.status(hub.settings)
    assert running.startswith("running"), running
    classhub("--state", hub.state, "stop")
    deadline = time.monotonic() + 60
    left = {}
    while time.monotonic() < deadline:
        left = {u: accounts.processes_of(os.stat(os.path.expanduser(f"~{u}")).st_uid)
                for u in (hub.instructor, *hub.learners)}
        if not any(left.values()) and server.hub_pid(hub.settings) is None:
            break
        time.sleep(0.5)
    assert not any(left.values()), f"processes left after stop: {left}"
    assert server.status(hub.settings).startswith("not running")
    assert not server.healthy(hub.settings), "the proxy still answers after stop"
