"""Every finding of issue 22 holds when the grader is not root: a real unix account grades a class.

On a class server the instructor's own (non-root) account grades, and no cgroup can be made there. This test
creates such an account (useradd), gives it a small venv of Debian's /usr/bin/python3 (the default python3 may
live in root's home, unreadable to others) holding this checkout's packages, and runs
`python -m autograder grade` once as that account on a course it owns (lessons 00, 03 and 06), with at most 64
processes per sandbox. Beside two honest learners per lesson, who keep full marks:
- `cheat-limits` (finding 4) starts 100 processes, fills the private /tmp and /dev/shm with 2.5 GB each and
  leaves an unreadable folder: it never had its 100 processes, /tmp and /dev/shm held at most their sizes, and
  nothing of any sandbox is left on the machine (no folder, no process of the account);
- `cheat-routes` (findings 1 and 5, and the third-party allow-list) answers lesson 03's `dense_forward` with
  `nnlib.network.Dense`, `transformer_mlp` with scikit-learn's `safe_sparse_dot`, and `mlp_forward` with a raw
  callback frame of zero-stride views: zero on each, with a message that says why;
- `cheat-table` (finding 2) answers `add` with a lookup table of every call an earlier submission (aa-honest's)
  was graded on, fixed hidden cases and contract draws; the table passes that test cell under that submission's
  seed (checked here), and scores zero under its own;
- `cheat-html` (finding 3) displays a script, an event handler, JavaScript, SVG and markdown: the notebook the
  account stored and the feedback page made from it hold none of it (Chromium's view is
  tests/browser/test_learner_html.py; the page is made by root's nbgrader, see the fixture);
- `odd-names` (finding 6) adds a file whose name is not UTF-8: graded like anyone, and the run finishes;
- `cheat-batch-of-batches` (finding 7) answers `extract_linear_model` with one query of shape (1, 2d + 1, d).
No submission, source or release changes, and the run grades everyone.
"""

from __future__ import annotations

import copy
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from autograder.catalogue import exercise_of
from tests.support.notebooks import is_solution_cell, is_test_cell, nbgrader_meta

from .course import Course, digest, points, replace_answer, with_answers
from .test_class_run import BATCH_CHEAT, ODD
from .test_judge_bounds import ZERO_STRIDES

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
ARCH, SECURITY = "03-architecture", "06-security"
ROUTE_DENSE = """from nnlib.network import Dense
def dense_forward(X, W, b):
    return Dense.from_weights(W, b).forward(X)
"""
ROUTE_SKLEARN = """import numpy as np
from nnlib.activations import gelu
def transformer_mlp(X, params):
    from sklearn.utils.extmath import safe_sparse_dot
    (W1, b1), (W2, b2) = params
    return safe_sparse_dot(gelu(safe_sparse_dot(np.asarray(X, dtype=float), W1) + b1), W2) + b2
"""
HTML_CELL = """from IPython.display import HTML, Javascript, Markdown, SVG, display
display(HTML("<b>bold</b><script>window.__pwned='html-script'</script><img src=x onerror=\\"window.__pwned='onerror'\\">"))
display(Javascript("window.__pwned='javascript'"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned="svg"</script></svg>'))
display(Markdown("<img src=x onerror=\\"window.__pwned='md-output'\\">"))
print("honest text from the learner")
"""
SCRATCH = 1 << 30
PROCESSES = """import subprocess
procs = []
try:
    for i in range(100):
        procs.append(subprocess.Popen(["sleep", "60"]))
        print("started", len(procs), flush=True)
except OSError as exc:
    print("refused:", exc, flush=True)
for p in procs:
    p.kill()
    p.wait()
"""
FILL = """import os
for folder in ("/tmp", "/dev/shm"):
    written = 0
    try:
        for i in range(13):                       # 13 files of 200 MB: 2.6 GB, each under the file-size limit
            with open(f"{folder}/fill-{i}", "wb") as f:
                for _ in range(25):
                    f.write(bytes(8 << 20))
                    written += 8 << 20
    except OSError as exc:
        print(folder, "refused:", exc.errno, flush=True)
    print(folder, "written MB", written >> 20, flush=True)
"""
TRAP = """import os
os.makedirs("trap/inner/deeper")
open("trap/inner/deeper/secret", "w").write("x")
os.chmod("trap/inner/deeper", 0)
os.chmod("trap/inner", 0)
os.chmod("trap", 0o500)
print("trap set", flush=True)
"""


def _site_packages() -> Path:
    return Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


@pytest.fixture(scope="module")
def account():
    if os.geteuid() != 0:
        pytest.fail("needs root to create the unix account that grades in this test")
    if not Path("/usr/bin/python3").exists() or shutil.which("runuser") is None:
        pytest.fail("needs Debian's /usr/bin/python3 and runuser")
    name = f"nnag{uuid.uuid4().hex[:8]}"
    base = Path(tempfile.mkdtemp(prefix="nonroot-grader-"))
    os.chmod(base, 0o755)
    home = base / "home"
    subprocess.run(["useradd", "--home-dir", str(home), "--create-home", "--shell", "/bin/sh", name], check=True)
    user = pwd.getpwnam(name)
    venv = base / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = _site_packages()
    theirs = venv / "lib" / ours.parent.name / "site-packages"
    assert theirs.parent.name == ours.parent.name, "Debian's python3 must be the same minor version as the tests'"
    shutil.rmtree(theirs)
    shutil.copytree(
        ours,
        theirs,
        copy_function=os.link if os.stat(ours).st_dev == os.stat(base).st_dev else shutil.copy2,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    templates = Path(sys.prefix) / "share" / "jupyter"  # nbconvert's templates, for generate_feedback
    if templates.is_dir():
        shutil.copytree(templates, venv / "share" / "jupyter", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    info = {"name": name, "uid": user.pw_uid, "gid": user.pw_gid, "home": home, "venv": venv, "base": base}
    yield info
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    subprocess.run(["userdel", name], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


def _as(account, cmd, cwd, timeout=1800, **env) -> subprocess.CompletedProcess:
    environment = {
        "HOME": str(account["home"]),
        "PATH": f"{account['venv']}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "USER": account["name"],
        "LOGNAME": account["name"],
        **env,
    }
    return subprocess.run(
        ["runuser", "-u", account["name"], "--", "env", "-i", *(f"{k}={v}" for k, v in environment.items()), *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _cell_text(nb, marker: str) -> str:
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "".join(o.get("text", "") + o.get("evalue", "") for o in cell.get("outputs", []))


def _key(value) -> str:
    import numpy as np

    arr = np.asarray(value)
    return f"{arr.dtype.str}|{arr.shape}|{arr.tobytes().hex()}|{type(value).__name__}"


TABLE = """import numpy as np
_SEEN = {seen!r}
def _key(value):
    arr = np.asarray(value)
    return f"{{arr.dtype.str}}|{{arr.shape}}|{{arr.tobytes().hex()}}|{{type(value).__name__}}"
def add(a, b):
    # right on every call an earlier submission was graded on, wrong (one too many) anywhere else
    found = _SEEN.get(_key(a) + "/" + _key(b))
    if found is None:
        return a + b + 1
    if found[0] == "raise":
        raise {{"TypeError": TypeError, "ValueError": ValueError}}.get(found[1], ValueError)(found[2])
    dtype, shape, data, kind = found[1]
    out = np.frombuffer(bytes.fromhex(data), dtype=dtype).reshape(shape).copy()
    return {{"float": float, "int": int}}[kind](out[()]) if kind in ("float", "int") else out
"""


def lookup_table(secret_path: Path, leaked, test_source: str) -> tuple[str, bool]:
    """A table answer for ``add`` holding every call of its test cell ``test_source`` (the instructor's, hidden
    part included: fixed cases and the contract's draws) when the submission ``leaked`` is graded (its seed, from
    the instructor's secret: the hidden inputs are assumed to leak), and whether the table passes that whole
    test cell under that seed (it must: else the test would prove nothing)."""
    import numpy as np

    from autograder import contract_grading
    from autograder.catalogue import reference
    from autograder.contract_grading import load_secret, submission_seed

    answers = [(nbgrader_meta(c)["grade_id"], c.source) for c in leaked.cells if is_solution_cell(c)]
    seed = bytes.fromhex(submission_seed(load_secret(secret_path), answers))
    seen: dict = {}
    ref = reference("add")

    def recorder(a, b):
        key = _key(a) + "/" + _key(b)
        try:
            out = ref(a, b)
        except Exception as exc:
            seen[key] = ("raise", type(exc).__name__, str(exc))
            raise
        arr = np.asarray(out)
        seen[key] = ("value", (arr.dtype.str, arr.shape, arr.tobytes().hex(), type(out).__name__))
        return out

    before = contract_grading.SEED
    try:
        contract_grading.SEED = seed
        exec(compile(test_source, "test_add", "exec"), {"add": recorder})
        source = TABLE.format(seen=seen)
        ns: dict = {}
        exec(compile(source, "table", "exec"), ns)
        try:
            exec(compile(test_source, "test_add", "exec"), {"add": ns["add"]})
            passes = True
        except Exception:  # noqa: BLE001 - any failed check
            passes = False
    finally:
        contract_grading.SEED = before
    return source, passes


def _solved(course: Course, lesson: str):
    src, rel = course.source(lesson), course.release(lesson)
    return with_answers(rel, src, {nbgrader_meta(c)["grade_id"] for c in src.cells if is_solution_cell(c)})


def _tree_digest(course: Course) -> dict[str, str]:
    """sha256 of every submission, source and release of the course (grading must change none of them)."""
    out = {}
    for part in ("grading/submitted", "solutions", "notebooks"):
        out.update({f"{part}/{k}": v for k, v in digest(course.root / part).items()})
    return out


@pytest.fixture(scope="module")
def graded(account):
    base = account["base"] / "class"
    base.mkdir()
    course = Course(
        base,
        [LESSON, ARCH, SECURITY],
        execute_timeout=60,
        extra_config=f"c.SandboxedExecute.max_processes = 64\n"
        f"c.SandboxedExecute.memory_limit = {2 << 30}\n"
        f"c.SandboxedExecute.scratch_limit = {SCRATCH}\n",
    )
    solved = _solved(course, LESSON)
    course.submit_directly("aa-honest", LESSON, solved)
    hostile = copy.deepcopy(solved)
    # grading runs the setup cell (the first code cell), the answers and definitions, not the demonstrations:
    # the hostile code goes where it is run
    setup = next(c for c in hostile.cells if c.cell_type == "code")
    setup.source += "\n" + "\n".join((TRAP, FILL, PROCESSES))
    course.submit_directly("cheat-limits", LESSON, hostile)
    html = copy.deepcopy(solved)
    next(c for c in html.cells if c.cell_type == "code").source += "\n" + HTML_CELL
    course.submit_directly("cheat-html", LESSON, html)
    odd = course.submit_directly("odd-names", LESSON, solved).parent
    (odd / ODD).write_text("my notes\n")
    secret = course.root / "grading" / ".contract-secret"  # the instructor's, made as the grader would
    test_add = next(c.source for c in course.source(LESSON).cells if nbgrader_meta(c).get("grade_id") == "test_add")
    course.table, course.table_passes_when_leaked = lookup_table(secret, solved, test_add)
    course.submit_directly("cheat-table", LESSON, replace_answer(solved, "add", course.table))
    course.submit_directly("zz-honest", LESSON, solved)

    arch = _solved(course, ARCH)
    course.submit_directly("aa-honest", ARCH, arch)
    routes = replace_answer(arch, "dense_forward", ROUTE_DENSE)
    routes = replace_answer(routes, "transformer_mlp", ROUTE_SKLEARN)
    routes = replace_answer(routes, "mlp_forward", ZERO_STRIDES)
    course.submit_directly("cheat-routes", ARCH, routes)
    course.submit_directly("zz-honest", ARCH, arch)

    security = _solved(course, SECURITY)
    course.submit_directly("aa-honest", SECURITY, security)
    course.submit_directly(
        "cheat-batch-of-batches", SECURITY, replace_answer(security, "extract_linear_model", BATCH_CHEAT)
    )
    course.submit_directly("zz-honest", SECURITY, security)

    scratch = account["base"] / "tmp"
    scratch.mkdir()
    subprocess.run(["chown", "-R", f"{account['uid']}:{account['gid']}", str(base), str(scratch)], check=True)
    course.scratch = scratch
    course.before = _tree_digest(course)
    course.done = _as(
        account,
        [f"{account['venv']}/bin/python", "-m", "autograder", "grade", LESSON, ARCH, SECURITY, "--workers", "1"],
        course.root,
        TMPDIR=str(scratch),
    )
    # the feedback page is made from the account's autograded notebook by root's nbgrader: Debian's Python 3.11.2,
    # which the account's venv uses, breaks soupsieve (nbconvert's HTML exporter) on any `img:not([alt])`
    course.feedback = course.run("generate_feedback", LESSON, "--student", "cheat-html", check=False)
    listed = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "-u", account["name"]], capture_output=True, text=True
    ).stdout.splitlines()
    # a zombie holds nothing but its process table entry until its parent (or PID 1) reaps it
    course.left_processes = [line for line in listed if not line.split()[1].startswith("Z")]
    course.left_files = sorted(str(p) for p in scratch.iterdir())
    course.after = _tree_digest(course)
    course.scores = course.grades()
    course.pts = {lesson: points(course.source(lesson)) for lesson in (LESSON, ARCH, SECURITY)}
    return course


def test_the_grading_ran_as_the_account(graded, account):
    out = graded.done.stdout + graded.done.stderr
    assert graded.done.returncode == 0, out[-4000:]
    assert "12 graded, 0 not graded" in graded.done.stdout, out[-4000:]  # 6 in lesson 00, 3 each in 03 and 06
    owner = (graded.root / "grading" / "autograded" / "aa-honest" / LESSON / f"{LESSON}.ipynb").stat().st_uid
    assert owner == account["uid"]


@pytest.mark.parametrize("lesson", [LESSON, ARCH, SECURITY])
@pytest.mark.parametrize("learner", ["aa-honest", "zz-honest"])
def test_honest_learners_keep_full_marks(graded, learner, lesson):
    total = sum(graded.pts[lesson].values())
    failed = {
        nbgrader_meta(c)["grade_id"]: [o.get("evalue", "")[:600] for o in c.outputs if o.get("output_type") == "error"]
        for c in graded.autograded(learner, lesson).cells
        if is_test_cell(c) and any(o.get("output_type") == "error" for o in c.outputs)
    }
    assert graded.scores[(learner, lesson)] == total, (failed, graded.done.stdout[-2000:])


@pytest.mark.parametrize("learner", ["cheat-limits", "cheat-html", "odd-names"])
def test_the_setup_cell_cheaters_and_the_odd_name_keep_their_honest_answer(graded, learner):
    """Their answers are correct; what they attacked (limits, the instructor's browser) decides no points."""
    assert graded.scores[(learner, LESSON)] == sum(graded.pts[LESSON].values()), graded.scores


def _errors(nb, exercise: str) -> list[str]:
    cells = [c for c in nb.cells if is_test_cell(c) and exercise_of(nbgrader_meta(c)["grade_id"]) == exercise]
    assert cells, exercise
    return [" ".join(o.get("evalue", "") for o in c.outputs if o.get("output_type") == "error") for c in cells]


def test_the_route_cheater_scores_zero_on_each_route_and_is_told_why(graded):
    attacked = {"dense_forward", "transformer_mlp", "mlp_forward"}
    pts = graded.pts[ARCH]
    assert graded.scores[("cheat-routes", ARCH)] == sum(p for g, p in pts.items() if exercise_of(g) not in attacked)
    nb = graded.autograded("cheat-routes", ARCH)
    assert all("is not available while" in m for m in _errors(nb, "dense_forward")), _errors(nb, "dense_forward")
    assert all(f"sklearn is not available while {ARCH}" in m for m in _errors(nb, "transformer_mlp")), _errors(
        nb, "transformer_mlp"
    )
    assert all("not a plain answer" in m and "strides" in m for m in _errors(nb, "mlp_forward")), _errors(
        nb, "mlp_forward"
    )


def test_a_lookup_table_learned_from_an_earlier_submission_scores_zero(graded):
    assert graded.table_passes_when_leaked, "the table must pass under the seed it was learned from"
    assert graded.scores[("cheat-table", LESSON)] == 0, graded.scores
    messages = _errors(graded.autograded("cheat-table", LESSON), "add")
    assert all(messages) and any("[clause: values]" in m for m in messages), messages


def test_learner_html_is_inert_in_the_stored_notebook_and_the_feedback(graded):
    out = graded.feedback.stdout + graded.feedback.stderr
    assert graded.feedback.returncode == 0, out[-3000:]
    nb = graded.autograded("cheat-html", LESSON)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    kinds = {k for o in setup.outputs for k in o.get("data", {})}
    assert kinds <= {"text/plain", "image/png", "image/jpeg"}, kinds
    assert "honest text from the learner" in "".join(o.get("text", "") for o in setup.outputs)
    page = (graded.root / "grading" / "feedback" / "cheat-html" / LESSON / f"{LESSON}.html").read_text()
    assert "<script>window.__pwned" not in page and 'onerror="window.__pwned' not in page
    assert "Content-Security-Policy" in page


def test_a_name_that_is_not_utf8_is_graded_and_kept(graded):
    folder = graded.root / "grading" / "autograded" / "odd-names" / LESSON
    assert (folder / ODD).read_bytes() == b"my notes\n"


def test_a_batch_of_batches_loses_extract_linear_model(graded):
    total = sum(graded.pts[SECURITY].values())
    lost = graded.pts[SECURITY]["test_extract_linear_model"]
    assert graded.scores[("cheat-batch-of-batches", SECURITY)] == total - lost, graded.scores
    text = " ".join(_errors(graded.autograded("cheat-batch-of-batches", SECURITY), "extract_linear_model"))
    assert "(1, 5, 2)" in text or "batch (n, d)" in text, text


def test_no_submission_source_or_release_changed(graded):
    assert graded.before == graded.after


def test_the_sandbox_never_had_its_100_processes(graded):
    text = _cell_text(graded.autograded("cheat-limits", LESSON), "Popen")
    print("processes cell:", text[-600:])
    started = [int(n) for n in re.findall(r"started (\d+)", text)]
    assert started and max(started) < 100, text[-2000:]
    assert "refused:" in text or "processes and threads at once (the limit is 64)" in text, text[-2000:]


def test_tmp_and_shm_hold_at_most_their_size(graded):
    text = _cell_text(graded.autograded("cheat-limits", LESSON), "fill-")
    print("fill cell:", text[-600:])
    written = dict(re.findall(r"(/tmp|/dev/shm) written MB (\d+)", text))
    assert set(written) == {"/tmp", "/dev/shm"}, text[-2000:]
    assert int(written["/tmp"]) <= SCRATCH >> 20, text
    assert int(written["/dev/shm"]) <= 64, text


def test_nothing_of_a_sandbox_is_left_on_the_machine(graded):
    assert "trap set" in _cell_text(graded.autograded("cheat-limits", LESSON), "trap/inner")
    assert graded.left_files == [], graded.left_files
    assert graded.left_processes == [], graded.left_processes
