# ruff: noqa: UP031
# (code run by another process is built with %r, which writes paths as Python literals)
"""A class's journey on the class server, as root, with real accounts, a real hub and headless Chromium.

An instructor and three learners (unique names, removed afterwards even on failure) on a hub started with
`python -m classhub start` on free ports. A learner logs in on the hub's login page (a wrong password is
refused first), fetches 01-neuron in the Assignment List, opens it, writes an answer, runs its check, presses
Validate and Submit. Another learner, who cannot write into the shared exchange, plants a submission under the
first one's name in their own exchange box. The instructor opens the formgrader through the hub and, with its REST API in the instructor's
browser session (the buttons open modal dialogs whose timing is the formgrader's, not ours), collects (the plant
is refused by SafeExchangeCollect), autogrades (in the bubblewrap sandbox) and releases feedback; the learner
fetches it in the Assignment List and sees the score. The instructor's side follows the README's loop as written
(`readme_loop()`: every command of its code block, in a terminal of the hub with the hub's environment, in
~/course): the lesson is generated there first, the roster imported from the copy `classhub accounts` put there, a
third learner hands in by e-mail, the forged time stamp and the oversized entry of another are reported and not
believed or collected; then the lesson is changed after grading: refused, nothing lost, and regenerated with the
command the refusal names. Bounds, from learners' accounts: the hub's database and the reference answers are
unreadable, a submission over the limit is refused, a learner who writes past their exchange box (a filesystem of
its own) is stopped there while the others submit, a kernel past its memory limit is killed alone, an idle
server is culled (the hub restarted with a short timeout). Also: a learner cannot open another learner's server or
the instructor's (403), has no formgrader of their own (404, and no menu entry), cannot read another home;
`stop` ends every process of the class.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import re
import stat
import time
from pathlib import Path

import nbformat
import pytest

from tests.browser.lab import accept_kernel_dialog, write_lab_settings
from tests.classhub.hub import BOX_LIMIT_MIB, ROOT, classhub, install_and_start, make_hub, remove_hub

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.solo]
LESSON = "01-neuron"
COURSE_ID = "nn-from-one-neuron"
ANSWER = "import numpy as np\n\ndef weighted_sum(x, w, b):\n    return np.dot(x, w) + b\n"
SLOW = 180_000  # ms: nbgrader steps and server starts on a loaded two-core machine


def readme_loop() -> list[str]:
    """The commands of the README's loop ("The whole loop, from release to the learner's feedback"), as written."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index("The whole loop, from release") :]
    block = block[block.index("```bash") + len("```bash") :]
    block = block[: block.index("```")]
    return [line.split("  #", 1)[0].strip() for line in block.strip().splitlines() if line.strip()]


def instructor_runs(hub, command: str, expect: int = 0, **subst) -> str:
    """One command of the loop as the instructor types it in a terminal of the hub, in ~/course."""
    for old, new in subst.items():
        command = command.replace(old, new)
    done = hub.as_user(hub.instructor, "bash", "-c", command, cwd=hub.settings.course)
    output = done.stdout + done.stderr
    assert done.returncode == expect, f"`{command}` as the instructor exited {done.returncode}:\n{output[-4000:]}"
    return output


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
        loop = readme_loop()
        publish = next(i for i, c in enumerate(loop) if c.startswith("nbgrader release_assignment"))
        for command in loop[: publish + 1]:  # release, roster, due date, publish: as the README says
            instructor_runs(hub, command)
        yield hub
    finally:
        remove_hub(hub, tag)


def lesson_points() -> float:
    nb = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    return sum(
        float(c.metadata.get("nbgrader", {}).get("points", 0) or 0)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )


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
    """Nbgrader → Assignment List; a click on a menu bar still active from an earlier menu closes it instead of
    opening it (seen on a loaded machine), so the menu is opened again until its entry shows."""
    entry = page.locator(
        ".lm-Menu-content .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel:text-is('Assignment List')"
    )
    for _ in range(5):
        accept_kernel_dialog(page)
        page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
        try:
            entry.wait_for(state="visible", timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - the menu did not open: close whatever is open and try again
            page.keyboard.press("Escape")
    entry.click()
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
        }""",
        path,
    )
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
    bad.write_text("id,name\nada lovelace,x\n")  # the course's own id rule (autograder/commands/roster.py) comes first
    done = classhub("--state", s.state, "accounts", str(bad), check=False)
    assert done.returncode == 2 and "line 2: learner id 'ada lovelace' is not allowed" in done.stderr, done.stderr
    newcomer = hub.learners[0][:-1] + "9"
    hub.learners.append(newcomer)  # removed with the others
    roster.write_text(roster.read_text() + f"{newcomer},Late Comer,{newcomer}@example.org\n")
    done = classhub("--state", s.state, "accounts", str(roster))
    assert f"1 account(s) made: {newcomer}" in done.stdout, done.stdout
    after = Path(s.passwords_file).read_text()
    assert after.startswith(before) and newcomer in after[len(before) :]
    hub.read_passwords()


def test_the_exchange_of_the_hub_wins_over_the_course_config(hub):
    done = hub.as_user(hub.instructor, "python", "-m", "autograder.commands.lab", "where", cwd=hub.settings.course)
    assert done.returncode == 0 and hub.settings.exchange in done.stdout, done.stdout + done.stderr
    # without the hub's variable (a login over ssh), it names the global file, not ~/.jupyter (which loads the course)
    done = hub.as_user(
        hub.instructor,
        "env",
        "-u",
        "NN_COURSE_EXCHANGE",
        "python",
        "-m",
        "autograder.commands.lab",
        "where",
        cwd=hub.settings.course,
    )
    assert f"{hub.settings.exchange}  (from the global config {hub.settings.global_config})" in done.stdout, (
        done.stdout + done.stderr
    )
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
        index = next(
            i
            for i, c in enumerate(nbformat.read(notebook, as_version=4).cells)
            if c.metadata.get("nbgrader", {}).get("grade_id") == "weighted_sum"
        )
        editor = cells.nth(index).locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(ANSWER)
        run_cell(page, cells.nth(index))  # the answer
        check = cells.nth(index + 1)
        run_cell(page, check)  # its instant check
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
        # -- b plants a submission under a's name, newer than a's own: not in the shared exchange (no learner can
        # write there), so in b's own box
        shared = Path(hub.settings.exchange) / COURSE_ID / "inbound"
        for target in (
            shared / f"{a}+{LESSON}+x+y",
            Path(hub.settings.exchange) / "x",
            Path(hub.settings.boxes) / a / "x",
        ):
            done = hub.as_user(b, "/usr/bin/python3", "-c", f"import os; os.mkdir({str(target)!r})")
            assert done.returncode != 0 and "PermissionError" in done.stderr, f"{b} could write {target}"
        inbound = Path(hub.settings.boxes) / b / COURSE_ID / "inbound"
        stamp = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        plant = inbound / f"{a}+{LESSON}+{stamp}+planted"
        released = Path(hub.settings.exchange) / COURSE_ID / "outbound" / LESSON / f"{LESSON}.ipynb"
        code = (
            f"import os, shutil; d = {str(plant)!r}; os.mkdir(d); shutil.copy({str(released)!r}, d); "
            f"open(os.path.join(d, 'timestamp.txt'), 'w').write({stamp!r})"
        )
        done = hub.as_user(b, "/usr/bin/python3", "-c", code)
        assert done.returncode == 0, f"the plant failed (b's own box): {done.stderr}"
        # -- b's own submission claims a time long before it was made; another of b's is too large
        forged = "2020-01-01 00:00:00.000000 UTC"
        code = (
            f"import os, shutil; d = {str(inbound / f'{b}+{LESSON}+{forged}+early')!r}; os.mkdir(d); "
            f"shutil.copy({str(released)!r}, d); open(os.path.join(d, 'timestamp.txt'), 'w').write({forged!r}); "
            f"big = {str(inbound / f'{b}+{LESSON}+{stamp}+big')!r}; os.mkdir(big); "
            f"shutil.copy({str(released)!r}, big); open(os.path.join(big, 'data.bin'), 'wb').write(bytes(21 << 20))"
        )
        done = hub.as_user(b, "/usr/bin/python3", "-c", code)
        assert done.returncode == 0, done.stderr
        # -- the instructor: the formgrader opens; the README's loop, as written, in a terminal of the hub
        teach.goto(f"{hub.url}/user/{hub.instructor}/formgrader")
        teach.locator("h1:text-is('Manage Assignments')").wait_for(state="visible", timeout=SLOW)
        teach.locator("table tbody tr").filter(has_text=LESSON).first.wait_for(state="visible", timeout=SLOW)
        c = hub.learners[2]
        mailed = Path(hub.settings.course) / "mailed.ipynb"  # what c sent by e-mail: the lesson, answered
        nb = nbformat.read(released, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "weighted_sum":
                cell.source = ANSWER
        nbformat.write(nb, mailed)
        os.chown(mailed, os.stat(hub.settings.course).st_uid, os.stat(hub.settings.course).st_gid)
        loop = readme_loop()
        first = next(i for i, cmd in enumerate(loop) if cmd.startswith("nbgrader collect"))
        outputs = {}
        for command in loop[first:]:
            outputs[command.split()[1] if command.startswith("nbgrader") else command.split()[2]] = instructor_runs(
                hub, command, **{"ada-neuron.ipynb": mailed.name, "ada": c}
            )
        collected = outputs["collect"]
        assert f"it is in {b}'s exchange box but names {a}" in collected, collected
        assert "holds more than the limit" in collected and "+big" in collected, collected
        assert "forged time stamp" in collected and "+early" in collected, collected
        submitted = Path(hub.settings.course) / "grading" / "submitted"
        assert "np.dot(x, w)" in (submitted / a / LESSON / f"{LESSON}.ipynb").read_text(), (
            "the collected submission is not the learner's own"
        )
        assert not (submitted / b / LESSON / "data.bin").exists(), "the oversized submission was collected"
        b_time = (submitted / b / LESSON / "timestamp.txt").read_text()
        assert not b_time.startswith("2020") and b_time.startswith(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d}"), (
            f"the forged time stamp was believed: {b_time}"
        )
        assert (submitted / c / LESSON / f"{LESSON}.ipynb").is_file(), "the e-mailed notebook was not handed in"
        exported = outputs["autograder.commands.export"]
        for who in (a, b, c):
            assert re.search(rf"^{who}\b.*\b{LESSON}\b", exported, re.M), f"no row for {who}:\n{exported}"
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
        regenerate_after_submissions(hub, (a, b, c))
    except BaseException:
        if page is not None and not page.is_closed():
            page.screenshot(path=str(artifacts / "classhub-failed.png"))
        print(hub.log())
        raise
    finally:
        for context in (learner, other, teacher):
            context.close()


def regenerate_after_submissions(hub, learners) -> None:
    """The instructor removes a graded test cell from the lesson after grading and releases it again: refused,
    nothing changed, with the command that works; that command regenerates it and a regrade keeps everyone."""
    course = Path(hub.settings.course)
    release = course / "notebooks" / LESSON / f"{LESSON}.ipynb"
    before = release.read_bytes()
    kept = {p: p.read_bytes() for p in (course / "grading" / "submitted").rglob("*") if p.is_file()}
    source = course / "solutions" / LESSON / f"{LESSON}.ipynb"
    code = (
        "import nbformat; p = %r; nb = nbformat.read(p, as_version=4); "
        "i = [k for k, c in enumerate(nb.cells) if c.metadata.get('nbgrader', {}).get('grade') "
        "and not c.metadata['nbgrader'].get('solution')][-1]; del nb.cells[i]; nbformat.write(nb, p)" % str(source)
    )
    instructor_runs(hub, f'python -c "{code}"')
    refused = instructor_runs(hub, f"python -m autograder.commands.release {LESSON}", expect=1)
    command = f"python -m autograder.commands.release {LESSON} --regrade"
    assert command in refused, refused
    assert release.read_bytes() == before, "the refused regeneration changed the release"
    assert all(p.read_bytes() == data for p, data in kept.items()), "the refused regeneration changed a submission"
    instructor_runs(hub, command)
    assert release.read_bytes() != before, "--regrade did not regenerate the lesson"
    assert all(p.is_file() for p in kept), "--regrade lost a submission"
    graded = instructor_runs(hub, f"python -m autograder grade {LESSON} --force")
    for learner in learners:
        assert re.search(rf"^{learner}\s+{LESSON}\s+\d", graded, re.M), f"{learner} not regraded:\n{graded}"


def test_a_learner_cannot_read_the_hub_database(hub):
    b = hub.learners[1]
    for target in (os.path.join(hub.state, "jupyterhub.sqlite"), hub.state):
        done = hub.as_user(b, "ls", "-l", target)
        assert done.returncode != 0 and "Permission denied" in done.stderr, f"{b} could list {target}: {done.stdout}"
    assert stat.S_IMODE(os.stat(os.path.join(hub.state, "jupyterhub.sqlite")).st_mode) == 0o600


def test_a_learner_cannot_read_the_reference_answers(hub):
    """The full nnlib's graded references are the instructors' (grading reads them); a learner's Python imports
    the learner build, whose references are bytecode only."""
    from classhub.environment import reference_files

    b = hub.learners[1]
    files = reference_files(hub.settings)
    assert any(f.name == "neuron.py" for f in files), files
    for path in files:
        done = hub.as_user(b, "cat", str(path))
        assert done.returncode != 0 and "Permission denied" in done.stderr, f"{b} could read {path}"
    code = (
        "import inspect; from nnlib.neuron import weighted_sum; print(weighted_sum([1.0, 2.0], [3.0, 4.0], 0.5)); "
        "print(inspect.getsource(weighted_sum))"
    )
    done = hub.as_user(b, "env", f"PYTHONPATH={hub.settings.learner_python}", "python", "-c", code)
    assert done.stdout.startswith("11.5") and done.returncode != 0 and "OSError" in done.stderr, (
        done.stdout + done.stderr
    )
    done = hub.as_user(hub.instructor, "python", "-c", code)  # grading keeps the full nnlib
    assert done.returncode == 0 and "def weighted_sum" in done.stdout, done.stdout + done.stderr


def test_a_submission_over_the_limit_is_refused_at_submit(hub):
    learner = hub.learners[2]
    home = os.path.expanduser(f"~{learner}")
    done = hub.as_user(learner, "nbgrader", "fetch_assignment", LESSON)
    assert done.returncode == 0, done.stdout + done.stderr
    done = hub.as_user(
        learner,
        "/usr/bin/python3",
        "-c",
        f"open({os.path.join(home, LESSON, 'data.bin')!r}, 'wb').write(bytes(21 << 20))",
    )
    assert done.returncode == 0, done.stderr
    done = hub.as_user(learner, "nbgrader", "submit", LESSON)
    assert done.returncode != 0 and "the limit of a submission" in done.stdout + done.stderr, done.stdout + done.stderr
    inbound = Path(hub.settings.boxes) / learner / COURSE_ID / "inbound"
    assert not list(inbound.glob(f"{learner}+*")), "the refused submission reached the exchange"
    os.remove(os.path.join(home, LESSON, "data.bin"))


def test_a_learner_cannot_write_more_than_their_box_into_the_exchange(hub):
    """All one learner can write into the exchange is bounded (classhub/boxes.py): their box is a filesystem of
    its own; past it, writes fail there, submit says so, and the other learners and the host are not touched."""
    from classhub import boxes

    learner, other = hub.learners[1], hub.learners[0]
    box = Path(hub.settings.boxes) / learner
    assert boxes.mounted(box), f"{box} is not a filesystem of its own (is mkfs.ext4 / a loop device missing?)"
    writer = (
        "import os, sys\n"
        "written = 0\n"
        "try:\n"
        "    for i in range(1000):  # folders, files, a subfolder per round: nothing escapes a filesystem's size\n"
        f"        d = os.path.join({str(box / COURSE_ID / 'inbound')!r}, f'{learner}+flood+{{i}}')\n"
        "        os.makedirs(d, exist_ok=True)\n"
        "        with open(os.path.join(d, 'f.bin'), 'wb') as f:\n"
        "            f.write(bytes(4 << 20)); f.flush(); os.fsync(f.fileno())\n"
        "        written += 4 << 20\n"
        "except OSError as e:\n"
        "    print('stopped', e.strerror, written >> 20)\n"
        "try:  # and the last blocks, so that nothing fits any more\n"
        f"    with open({str(box / COURSE_ID / 'inbound' / 'last.bin')!r}, 'wb') as f:\n"
        "        while True:\n"
        "            f.write(bytes(4096)); f.flush(); os.fsync(f.fileno())\n"
        "except OSError:\n"
        "    pass\n"
    )
    done = hub.as_user(learner, "/usr/bin/python3", "-c", writer)
    assert "stopped No space left on device" in done.stdout, done.stdout + done.stderr
    used, size = boxes.usage(hub.settings)[learner]
    assert size <= BOX_LIMIT_MIB << 20 and used <= size, (used, size)
    # a submission into the full box is refused with a message that says what to do, and leaves nothing half-made
    done = hub.as_user(learner, "nbgrader", "fetch_assignment", LESSON)
    before = set((box / COURSE_ID / "inbound").glob(f"{learner}+{LESSON}+*"))  # the journey's entries, if it ran
    done = hub.as_user(learner, "nbgrader", "submit", LESSON)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "your exchange box is full" in out, out
    left = set((box / COURSE_ID / "inbound").glob(f"{learner}+{LESSON}+*")) - before
    assert not left, f"a half submission is left: {sorted(map(str, left))}"
    # everyone else goes on: another learner submits
    done = hub.as_user(other, "nbgrader", "fetch_assignment", LESSON)
    done = hub.as_user(other, "nbgrader", "submit", LESSON)
    assert done.returncode == 0, done.stdout + done.stderr
    # the learner makes room by deleting their own old entries
    done = hub.as_user(
        learner,
        "/usr/bin/python3",
        "-c",
        f"import glob, os, shutil; [shutil.rmtree(p) for p in glob.glob({str(box / COURSE_ID / 'inbound' / '*+flood+*')!r})]; "
        f"os.remove({str(box / COURSE_ID / 'inbound' / 'last.bin')!r})",
    )
    assert done.returncode == 0, done.stderr
    done = hub.as_user(learner, "nbgrader", "submit", LESSON)
    assert done.returncode == 0, done.stdout + done.stderr


def _pids_of(user: str, needle: str) -> list[int]:
    from classhub import accounts

    found = []
    for pid in accounts.processes_of(pwd.getpwnam(user).pw_uid):
        try:
            if needle in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.append(pid)
        except FileNotFoundError:
            pass
    return found


def test_a_kernel_past_its_memory_limit_is_killed_alone(hub, browser):
    """A learner's kernel allocates more than the learner's memory limit: the OOM killer ends that kernel, in that
    learner's cgroup only; the learner's server, and another learner's server and kernel, keep running."""
    from jupyter_client import BlockingKernelClient

    from classhub import limits
    from tests.classhub.hub import MEM_LIMIT_MIB

    a, b = hub.learners[0], hub.learners[1]
    group = hub.settings.cgroup
    contexts = [new_context(browser), new_context(browser)]
    try:
        kernels = {}
        for context, user in zip(contexts, (a, b)):
            page = log_in(context, hub, user, hub.passwords[user])
            server = _pids_of(user, "jupyterhub-singleuser")
            assert server, f"no server of {user}"
            cgroups = Path(f"/proc/{server[0]}/cgroup").read_text()
            assert f"/{group}/{user}" in cgroups, f"{user}'s server is not in its cgroup:\n{cgroups}"
            status, text = page.evaluate(
                """async (url) => {
                    const m = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);
                    const r = await fetch(url, {method: 'POST', credentials: 'same-origin', body: '{}',
                        headers: {'X-XSRFToken': m ? decodeURIComponent(m[1]) : '', 'Content-Type': 'application/json'}});
                    return [r.status, await r.text()];
                }""",
                f"/user/{user}/api/kernels",
            )
            assert status == 201, f"starting a kernel of {user} answered {status}: {text}"
            kernels[user] = json.loads(text)["id"]
        for _ in range(60):
            if all(_pids_of(u, k) for u, k in kernels.items()):
                break
            time.sleep(1)
        before = {u: _pids_of(u, k) for u, k in kernels.items()}
        assert all(before.values()), f"kernels not started: {before}"
        other_server = _pids_of(b, "jupyterhub-singleuser")
        connection = next(Path(os.path.expanduser(f"~{a}")).rglob(f"kernel-{kernels[a]}.json"))
        client = BlockingKernelClient()
        client.load_connection_file(str(connection))
        client.start_channels()
        client.wait_for_ready(timeout=120)
        client.execute(f"hog = b'x' * ({2 * MEM_LIMIT_MIB} << 20)")  # twice the limit, every page written
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(p in _pids_of(a, kernels[a]) for p in before[a]):
            time.sleep(1)
        client.stop_channels()
        assert not any(p in _pids_of(a, kernels[a]) for p in before[a]), "the kernel past its limit still runs"
        oom = (limits.CGROUP_ROOT / "memory" / group / a / "memory.oom_control").read_text()
        assert re.search(r"^oom_kill [1-9]", oom, re.M), f"no OOM kill in {a}'s memory cgroup:\n{oom}"
        assert _pids_of(a, "jupyterhub-singleuser"), "the learner's server was killed with the kernel"
        assert _pids_of(b, kernels[b]) == before[b], "another learner's kernel was touched"
        assert _pids_of(b, "jupyterhub-singleuser") == other_server, "another learner's server was touched"
    finally:
        for context in contexts:
            context.close()


def test_an_idle_server_is_culled(hub, browser):
    """The hub again with a short idle timeout: a learner logs in, leaves, and the idle culler stops the server."""
    s = hub.settings
    classhub("--state", s.state, "stop")
    classhub(
        "--state",
        s.state,
        "install",
        "--instructor",
        hub.instructor,
        "--no-environment",
        "--idle-timeout",
        "20",
        "--cull-every",
        "5",
    )
    classhub("--state", s.state, "start")
    learner = hub.learners[2]
    context = new_context(browser)
    try:
        log_in(context, hub, learner, hub.passwords[learner]).close()
    finally:
        context.close()
    assert _pids_of(learner, "jupyterhub-singleuser"), "the learner's server did not start"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and _pids_of(learner, "jupyterhub-singleuser"):
        time.sleep(2)
    assert not _pids_of(learner, "jupyterhub-singleuser"), f"the idle server was not culled:\n{hub.log()}"


def test_stop_ends_every_process_of_the_class(hub):
    from classhub import accounts, server

    running = server.status(hub.settings)
    assert running.startswith("running"), running
    classhub("--state", hub.state, "stop")
    deadline = time.monotonic() + 60
    left = {}
    while time.monotonic() < deadline:
        left = {
            u: accounts.processes_of(os.stat(os.path.expanduser(f"~{u}")).st_uid)
            for u in (hub.instructor, *hub.learners)
        }
        if not any(left.values()) and server.hub_pid(hub.settings) is None:
            break
        time.sleep(0.5)
    assert not any(left.values()), f"processes left after stop: {left}"
    assert server.status(hub.settings).startswith("not running")
    assert not server.healthy(hub.settings), "the proxy still answers after stop"
