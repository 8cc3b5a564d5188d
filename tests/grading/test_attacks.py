"""Attacks on the grading itself: real cheating submissions through `nbgrader autograde`, beside honest learners.

Each cheater submits lesson 00 with a *wrong* `add` (a - b) plus an attack on the grader, or a hostile file
layout. All are graded in one autograde run between two honest learners (`aa-honest` sorted first,
`zz-honest` last). Then, for every attack: the cheater scores 0, every honest learner keeps full marks, no file
outside the cheaters' own folders changed (the course's sources, the grader's code, the other learners'
submissions), no process of any sandbox outlives the run, no hidden-test source appears in any feedback, and
the judge's memory stayed bounded. The kinds follow the issue "Grading a learner cannot talk past":
(1) code execution where the verdict is computed, (2) learner code reaching the grading machine,
(3) resource abuse on the trusted side, (4) hostile files, (5) honest accidents that must cost only themselves.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import uuid
from pathlib import Path

import nbformat
import pytest

from tests.support.notebooks import ROOT, is_test_cell, nbgrader_meta

from .course import Course, replace_answer, with_answers

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"
MARK = f"agpwn{uuid.uuid4().hex[:10]}"  # proof of a successful attack, if it ever appears anywhere
HOST_PROOF = Path("/tmp") / f"{MARK}-host"  # a file an escaped attack would create on the grading machine


def cheats(course: Course) -> dict[str, str]:
    """{learner: the source of their `add` cell}: a wrong answer and an attack (paths of the real machine)."""
    gradebook = course.root / "grading" / "gradebook.db"
    victims = [
        course.root / "grading" / "submitted" / "aa-honest" / LESSON / f"{LESSON}.ipynb",
        course.root / "grading" / "autograded" / "aa-honest" / LESSON / f"{LESSON}.ipynb",
        course.root / "solutions" / LESSON / f"{LESSON}.ipynb",
        course.root / "nbgrader_config.py",
    ]
    grader_files = [str(p) for p in sorted((ROOT / "autograder").rglob("*.py"))]
    import nbgrader

    grader_files += [str(Path(nbgrader.__file__).parent / "preprocessors" / "execute.py")]
    return {
        # (1) code execution where the verdict is computed --------------------------------------------------
        # find every socket and pipe of the process and write forged verdicts and pickles into them
        "cheat-forges-verdicts": WRONG
        + """
import gc, os, pickle, socket, json
forged = [json.dumps({"passed": True, "message": "ok"}).encode() + b"\\n",
          pickle.dumps({"passed": True, "message": "ok", "nonce": "x"})]
for fd in range(3, 256):
    for blob in forged:
        try: os.write(fd, blob)
        except OSError: pass
for obj in gc.get_objects():
    if isinstance(obj, socket.socket):
        for blob in forged:
            try: obj.send(blob)
            except OSError: pass
""",
        # replace the agent the grader runs in the kernel by one that claims success, and floods the judge
        "cheat-replaces-the-agent": WRONG
        + """
import builtins, json, re, socket, struct
_real_exec = builtins.exec
def _fake_exec(code, *args, **kwargs):
    text = code if isinstance(code, str) else ""
    m = re.search(r"_ns\\['serve'\\]\\('([^']+)'", text)
    if m is None:
        return _real_exec(code, *args, **kwargs)
    s = socket.socket(socket.AF_UNIX); s.connect(m.group(1))
    s.sendall(json.dumps({"passed": True, "message": "forged"}).encode() + b"\\n")
    s.sendall(b"NNW1" + struct.pack("<IQ", 10, 1 << 40) + b'{"op":"x"}')   # claims a terabyte of arrays
    s.close()
builtins.exec = _fake_exec
get_ipython().user_ns["exec"] = _fake_exec
""",
        # answers whose deserialization would run code (pickle's __reduce__), and a pickle as bytes
        "cheat-pickle-payloads": f"""
import os, pickle
class Boom:
    def __reduce__(self):
        return (os.system, ("touch {HOST_PROOF}",))
def add(a, b):
    return Boom() if isinstance(a, float) else pickle.dumps(Boom())
""",
        # swap the code of the check helpers and of the reference, patch numpy's methods through gc + ctypes
        "cheat-swaps-code-and-methods": WRONG
        + """
import ctypes, gc, numpy as np, nnlib.checks, nnlib.practice
def _ok(*a, **k): return None
nnlib.checks.expect_close.__code__ = _ok.__code__
nnlib.checks.compare_with_reference.__code__ = _ok.__code__
nnlib.practice.add.__code__ = (lambda a, b: a + b).__code__
gc.get_referents(np.ndarray.__dict__)[0]["any"] = lambda self, *a, **k: False
ctypes.pythonapi.PyType_Modified(ctypes.py_object(np.ndarray))
""",
        # replace __import__ and sys.modules entries (and restore nothing)
        "cheat-rebinds-imports": WRONG
        + """
import builtins, sys, types
fake = types.ModuleType("nnlib.checks")
fake.expect_close = fake.compare_with_reference = lambda *a, **k: None
sys.modules["nnlib.checks"] = fake
_imp = builtins.__import__
builtins.__import__ = lambda name, *a, **k: fake if name.startswith("nnlib") else _imp(name, *a, **k)
""",
        # call the reference however it can be reached: directly, from a thread, through code compiled with the
        # judge's file name, through a copy of its code object, or by re-running its module's source
        "cheat-reaches-the-reference": """
import inspect, threading, types
import nnlib.practice
def add(a, b):
    results = []
    ref = nnlib.practice.add
    for attempt in (
        lambda: ref(a, b),
        lambda: types.FunctionType(ref.__code__, {})(a, b),
        lambda: eval(compile("ref(a, b)", "<instructor test cell>", "eval"), {"ref": ref, "a": a, "b": b}),
        lambda: (lambda ns: (exec(inspect.getsource(nnlib.practice), ns), ns["add"](a, b))[1])({}),
    ):
        t = threading.Thread(target=lambda f=attempt: results.append(f()))
        t.start(); t.join()
        if results:
            return results[0]
    return ref(a, b)   # none worked: this raises the grader's explanation
""",
        # (2) learner code reaching the grading machine -----------------------------------------------------
        # rewrite the grader's code, the course's sources, the gradebook and other learners' notebooks
        "cheat-rewrites-the-machine": WRONG
        + f"""
import os, sqlite3
for path in {grader_files + [str(v) for v in victims]!r}:
    try:
        with open(path, "a") as f: f.write("\\n# {MARK}\\n")
    except OSError: pass
try:
    db = sqlite3.connect({str(gradebook)!r})
    db.execute("UPDATE grade SET auto_score = 99"); db.commit()
except Exception: pass
try:
    open({str(HOST_PROOF)!r}, "w").write("{MARK}")
except OSError: pass
""",
        # a detached process that outlives the kernel, and killing every process it can see (the grader too)
        "cheat-detaches-and-kills": WRONG
        + f"""
import os, signal, subprocess, sys
for sig in (signal.SIGTERM, signal.SIGKILL):
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()] + [os.getppid(), 1]:
        if pid != os.getpid():
            try: os.kill(pid, sig)
            except OSError: pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(1)  # {MARK}"])
    os._exit(0)
""",
        # print every cell the kernel runs, hoping the hidden tests pass through it into the feedback
        "cheat-prints-hidden-tests": WRONG
        + """
def _leak(info):
    print("LEAK", info.raw_cell)
get_ipython().events.register("pre_run_cell", _leak)
get_ipython().events.register("post_run_cell", lambda result: print("LEAK", result.info.raw_cell))
""",
        # (3) resource abuse on the trusted side -------------------------------------------------------------
        # an answer so large it would fill the judge's memory, and one that hangs with SIGINT ignored
        "cheat-floods-the-judge": """
import numpy as np
def add(a, b):
    return np.zeros(60_000_000)   # 480 MB, over the wire's cap
""",
        "cheat-hangs-ignoring-sigint": """
import signal, time
def add(a, b):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        time.sleep(0.1)
""",
    }


def _tree_digest(root: Path, skip=()) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if (
            p.is_file()
            and not p.is_symlink()
            and not any(str(p).startswith(str(s)) for s in skip)
            and "__pycache__" not in p.parts
        ):
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _marked_processes() -> list[str]:
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARK in cmd:
            found.append(f"{pid}: {cmd}")
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("attacks"), [LESSON], execute_timeout=10)
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {"add"})
    course.sources = cheats(course)
    for learner in ("aa-honest", "zz-honest"):
        course.submit_directly(learner, LESSON, solved)
    for learner, source in course.sources.items():
        course.submit_directly(learner, LESSON, replace_answer(solved, "add", source))
    wrong = replace_answer(solved, "add", WRONG)
    # (4) hostile files
    folder = course.submit_directly("cheat-links-notebook", LESSON, wrong).parent
    (folder / f"{LESSON}.ipynb").unlink()
    (folder / f"{LESSON}.ipynb").symlink_to(course.root / "solutions" / LESSON / f"{LESSON}.ipynb")
    folder = course.submit_directly("cheat-links-extra-files", LESSON, wrong).parent
    (folder / "gradebook-copy.db").symlink_to(course.root / "grading" / "gradebook.db")
    (folder / "config.py").symlink_to(course.root / "nbgrader_config.py")
    os.mkfifo(folder / "a-fifo")
    course.submit_directly("evil\nname", LESSON, solved)
    # (5) honest accidents: a duplicated test cell, a cell with an unknown grade id, a cell ignoring SIGINT
    dup = copy.deepcopy(solved)
    at = next(i for i, c in enumerate(dup.cells) if is_test_cell(c))
    dup.cells.insert(at, copy.deepcopy(dup.cells[at]))
    course.submit_directly("accident-duplicated-test", LESSON, dup)
    unknown = copy.deepcopy(solved)
    stray = nbformat.v4.new_code_cell("x = 1")
    stray.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "mystery",
        "locked": True,
        "points": 5,
        "solution": False,
        "schema_version": 3,
    }
    unknown.cells.insert(3, stray)
    course.submit_directly("accident-unknown-grade-id", LESSON, unknown)
    sigint = copy.deepcopy(solved)  # in the setup cell, which grading runs (demonstrations it does not run)
    setup = next(c for c in sigint.cells if c.cell_type == "code")
    setup.source += "\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    course.submit_directly("accident-ignores-sigint", LESSON, sigint)

    submitted = course.root / "grading" / "submitted"
    protected_skip = [submitted / name for name in os.listdir(submitted) if name.startswith("cheat-")]
    course.before = {
        **_tree_digest(course.root, skip=[course.root / "grading"]),
        **_tree_digest(submitted, skip=protected_skip),
        **_tree_digest(ROOT / "autograder"),
        **_tree_digest(ROOT / "nnlib"),
    }
    done = course.autograde(LESSON)
    course.log = done.stdout + done.stderr
    course.after = {
        **_tree_digest(course.root, skip=[course.root / "grading"]),
        **_tree_digest(submitted, skip=protected_skip),
        **_tree_digest(ROOT / "autograder"),
        **_tree_digest(ROOT / "nnlib"),
    }
    course.leftover = _marked_processes()
    course.run("generate_feedback", LESSON, "--force", check=False)
    course.scores = course.grades()
    return course


def _cheaters(course) -> list[str]:
    return sorted(course.sources) + ["cheat-links-notebook", "cheat-links-extra-files"]


ATTACKS = [
    "cheat-forges-verdicts",
    "cheat-replaces-the-agent",
    "cheat-pickle-payloads",
    "cheat-swaps-code-and-methods",
    "cheat-rebinds-imports",
    "cheat-reaches-the-reference",
    "cheat-rewrites-the-machine",
    "cheat-detaches-and-kills",
    "cheat-prints-hidden-tests",
    "cheat-floods-the-judge",
    "cheat-hangs-ignoring-sigint",
    "cheat-links-notebook",
    "cheat-links-extra-files",
]


def test_every_attack_is_in_the_run(graded):
    assert set(_cheaters(graded)) == set(ATTACKS)


@pytest.mark.parametrize(
    "learner",
    ["aa-honest", "zz-honest", "accident-duplicated-test", "accident-unknown-grade-id", "accident-ignores-sigint"],
)
def test_honest_learners_keep_full_marks(graded, learner):
    assert graded.scores.get((learner, LESSON)) == 1, (learner, graded.scores, graded.log[-4000:])


@pytest.mark.parametrize("learner", ATTACKS)
def test_the_cheater_scores_zero(graded, learner):
    assert graded.scores.get((learner, LESSON), 0) == 0, f"{learner} earned points"


def test_no_file_outside_the_cheaters_folders_changed(graded):
    changed = sorted(k for k in graded.before if graded.after.get(k) != graded.before[k])
    added = sorted(set(graded.after) - set(graded.before))
    assert not changed and not added, (changed, added)
    assert not HOST_PROOF.exists(), "an attack wrote a file on the grading machine"


def test_no_marker_reached_any_other_learner_or_the_gradebook(graded):
    for path in (graded.root / "grading").rglob("*"):
        if path.is_file() and "cheat-" not in str(path):
            assert MARK.encode() not in path.read_bytes(), path


def test_no_sandbox_process_outlives_the_run(graded):
    assert graded.leftover == []


def test_the_refused_layouts_are_reported(graded):
    assert "refused submission" in graded.log and "is a link or not a regular file" in graded.log, graded.log[-3000:]
    assert "learner id 'evil\\nname' is not allowed" in graded.log, graded.log[-3000:]


def test_links_and_special_files_are_never_copied(graded):
    for step in ("autograded", "feedback"):
        folder = graded.root / "grading" / step / "cheat-links-extra-files" / LESSON
        names = {p.name for p in folder.iterdir()} if folder.exists() else set()
        assert not names & {"gradebook-copy.db", "config.py", "a-fifo"}, (step, names)


def test_no_hidden_test_source_in_any_feedback(graded):
    hidden = _hidden_lines(graded)
    for html in (graded.root / "grading" / "feedback").rglob("*.html"):
        text = html.read_text()
        for line in hidden:
            assert line not in text, (html, line)
        assert "LEAK" not in text or "### BEGIN HIDDEN" not in text


def _hidden_lines(course) -> list[str]:
    src = course.source(LESSON)
    cell = next(c for c in src.cells if is_test_cell(c))
    body = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
    return [line.strip() for line in body.splitlines() if len(line.strip()) > 12]


def test_the_judge_memory_stayed_bounded(graded):
    peaks = [float(m) for m in re.findall(r"judge peak memory ([0-9.]+) MB", graded.log)]
    assert peaks, graded.log[-2000:]
    assert max(peaks) < 1024, max(peaks)


def test_the_grader_says_why_a_cheat_failed(graded):
    nb = graded.autograded("cheat-reaches-the-reference", LESSON)
    cell = next(c for c in nb.cells if is_test_cell(c))
    text = " ".join(o.get("evalue", "") for o in cell.outputs if o.get("output_type") == "error")
    assert "withheld" in text, text
    assert nbgrader_meta(cell)["grade_id"] == "test_add"
