"""The sandbox's limits hold when the grader is not root (issue 22, 4): a real unix account grades a class.

On a class server the instructor's own (non-root) account grades, and no cgroup can be made there. This test
creates such an account (useradd), gives it a small venv of Debian's /usr/bin/python3 (the default python3 may
live in root's home, unreadable to others) holding this checkout's packages, and runs
`python -m autograder grade` as that account on a course it owns, with at most 64 processes per sandbox. Beside
two honest learners, `cheat-limits` submits cells that start 100 processes, fill the private /tmp and /dev/shm
with 2.5 GB each, and leave an unreadable folder in its working folder. Then: the honest learners keep full
marks; the cheater never had its 100 processes; /tmp and /dev/shm held at most their sizes; nothing of any
sandbox is left on the machine (no folder, no process of the account).
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

from .course import Course, with_answers

pytestmark = pytest.mark.slow
LESSON = "00-start-here"
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


@pytest.fixture(scope="module")
def graded(account):
    base = account["base"] / "class"
    base.mkdir()
    course = Course(
        base,
        [LESSON],
        execute_timeout=60,
        extra_config=f"c.SandboxedExecute.max_processes = 64\n"
        f"c.SandboxedExecute.memory_limit = {2 << 30}\n"
        f"c.SandboxedExecute.scratch_limit = {SCRATCH}\n",
    )
    src, rel = course.source(LESSON), course.release(LESSON)
    solved = with_answers(rel, src, {"add"})
    course.submit_directly("aa-honest", LESSON, solved)
    hostile = copy.deepcopy(solved)
    # grading runs the setup cell (the first code cell), the answers and definitions, not the demonstrations:
    # the hostile code goes where it is run
    setup = next(c for c in hostile.cells if c.cell_type == "code")
    setup.source += "\n" + "\n".join((TRAP, FILL, PROCESSES))
    course.submit_directly("cheat-limits", LESSON, hostile)
    course.submit_directly("zz-honest", LESSON, solved)
    scratch = account["base"] / "tmp"
    scratch.mkdir()
    subprocess.run(["chown", "-R", f"{account['uid']}:{account['gid']}", str(base), str(scratch)], check=True)
    course.scratch = scratch
    course.done = _as(
        account,
        [f"{account['venv']}/bin/python", "-m", "autograder", "grade", LESSON, "--workers", "1"],
        course.root,
        TMPDIR=str(scratch),
    )
    listed = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "-u", account["name"]], capture_output=True, text=True
    ).stdout.splitlines()
    # a zombie holds nothing but its process table entry until its parent (or PID 1) reaps it
    course.left_processes = [line for line in listed if not line.split()[1].startswith("Z")]
    course.left_files = sorted(str(p) for p in scratch.iterdir())
    course.scores = course.grades()
    return course


def test_the_grading_ran_as_the_account(graded, account):
    out = graded.done.stdout + graded.done.stderr
    assert "3 graded, 0 not graded" in graded.done.stdout, out[-4000:]
    owner = (graded.root / "grading" / "autograded" / "aa-honest" / LESSON / f"{LESSON}.ipynb").stat().st_uid
    assert owner == account["uid"]


@pytest.mark.parametrize("learner", ["aa-honest", "zz-honest"])
def test_honest_learners_keep_full_marks(graded, learner):
    assert graded.scores[(learner, LESSON)] == 1, (graded.scores, graded.done.stderr[-3000:])


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
