"""The sandbox a learner's kernel runs in during grading, probed from inside by code a learner could write."""

from __future__ import annotations

import json
import os
import socket
import uuid

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

from autograder.integration.preprocessors import SandboxedExecute
from autograder.isolation import sandbox as sandbox_module

pytestmark = pytest.mark.slow
SECRET = f"agsecret{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def learner_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("learner")
    (folder / "data.csv").write_text("1,2,3\n")
    (folder / "solution-link.ipynb").symlink_to("/etc/hostname")
    (folder / "passwd-link").symlink_to("/etc/passwd")
    (folder / "copy.ipynb").write_text("{}")
    return folder


@pytest.fixture(scope="module")
def kernel(learner_folder):
    os.environ["AG_TEST_SECRET"] = SECRET
    engine = SandboxedExecute(timeout=60)
    NotebookClient.__init__(engine, nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")]), None)
    engine.reset_execution_trackers()
    engine.resources = {"metadata": {"path": str(learner_folder)}}
    engine.open("00-start-here", str(learner_folder))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    engine.host_port = listener.getsockname()[1]

    def run(source: str):
        cell = NotebookNode(cell_type="code", metadata={}, outputs=[], execution_count=None, source=source)
        out = engine._run_in_kernel(cell, 0)
        text = "".join(o.get("text", "") for o in out.outputs if o.get("output_type") == "stream")
        errors = [f"{o['ename']}: {o['evalue']}" for o in out.outputs if o.get("output_type") == "error"]
        return text.strip(), errors

    engine.run = run
    yield engine
    listener.close()
    os.environ.pop("AG_TEST_SECRET", None)
    engine.close()


def probe(kernel, source):
    text, errors = kernel.run(source)
    assert not errors, errors
    return json.loads(text.splitlines()[-1])


def test_no_network_not_even_the_hosts_loopback(kernel):
    result = probe(
        kernel,
        f"""
import json, socket
try:
    socket.create_connection(("127.0.0.1", {kernel.host_port}), timeout=2); r = "connected"
except OSError as e:
    r = type(e).__name__
print(json.dumps(r))""",
    )
    assert result != "connected"


def test_its_own_pid_namespace_hides_the_grader(kernel):
    pids = probe(
        kernel, "import json, os\nprint(json.dumps(sorted(int(p) for p in os.listdir('/proc') if p.isdigit())))"
    )
    assert os.getpid() not in pids and max(pids) < 100, pids


def test_only_the_learners_regular_files_and_no_notebook(kernel):
    names = probe(kernel, "import json, os\nprint(json.dumps(sorted(os.listdir('.'))))")
    assert names == ["data.csv"], names


def test_the_grading_machine_is_invisible_and_read_only(kernel, learner_folder):
    from tests.support.notebooks import ROOT

    result = probe(
        kernel,
        f"""
import json, os
seen = {{p: os.path.exists(p) for p in {[str(ROOT / "solutions"), str(ROOT / "autograder"), str(learner_folder), "/etc/passwd"] + _home_entries()!r}}}
try:
    open("/usr/ag-test", "w"); seen["write /usr"] = True
except OSError:
    seen["write /usr"] = False
print(json.dumps(seen))""",
    )
    assert not any(result.values()), result


def _home_entries() -> list[str]:
    """What the grader's home holds, but for the folders above the Python installation (bound read-only)."""
    import sys

    home = os.path.expanduser("~")
    keep = os.path.realpath(sys.base_prefix)
    return [os.path.join(home, n) for n in os.listdir(home) if not keep.startswith(os.path.join(home, n) + os.sep)]


def test_the_graders_environment_does_not_leak_in(kernel):
    result = probe(kernel, "import json, os\nprint(json.dumps(dict(os.environ)))")
    assert SECRET not in json.dumps(result)
    assert result["OPENBLAS_NUM_THREADS"]


def test_the_lessons_references_are_withheld_and_others_work(kernel):
    text, errors = kernel.run(
        "import nnlib.practice, inspect\ntry:\n    print(inspect.getsource(nnlib.practice.add))\n"
        "except TypeError:\n    print('no source')\nnnlib.practice.add(1, 2)"
    )
    assert text == "no source" and errors and "withheld while 00-start-here is graded" in errors[0], (text, errors)
    assert probe(
        kernel, "import json, numpy as np\nprint(json.dumps(np.maximum(np.array([-1.0, 2.0]), 0).tolist()))"
    ) == [0.0, 2.0]


def test_what_the_lesson_does_not_allow_is_absent_and_says_why(kernel):
    """Lesson 00 allows no nnlib object (catalogue.MAY_USE): another lesson's reference, a class, a private
    helper are importable (a lesson's import cell runs) but absent; no source of nnlib is left to read."""
    text, errors = kernel.run(
        "from nnlib import relu\nfrom nnlib.network import Dense\n"
        "from nnlib.activations import _sigmoid\nimport glob, nnlib\n"
        "print(sorted(glob.glob(nnlib.__path__[0] + '/**/*.pyc', recursive=True)))\n"
        "print('def relu' in open(nnlib.__path__[0] + '/activations.py').read())\n"
        "relu(1.0)"
    )
    assert text.splitlines() == ["[]", "False"], text
    assert errors and "nnlib.activations.relu is not available while 00-start-here is graded" in errors[0], errors


def test_memory_is_limited(kernel):
    text, errors = kernel.run("import numpy as np\nx = np.ones(2_000_000_000)")
    assert errors and "MemoryError" in errors[0], (text, errors)


def test_processes_are_limited(kernel):
    if not any(str(p).startswith("/sys/fs/cgroup/pids") for p in kernel.box.cgroups):
        pytest.skip("no pids cgroup here (not root)") if not os.environ.get("CI") else pytest.fail("no pids cgroup")
    result = probe(
        kernel,
        """
import json, threading, time
stop = threading.Event(); started = 0
try:
    for _ in range(1000):
        threading.Thread(target=stop.wait, daemon=True).start(); started += 1
except RuntimeError:
    pass
stop.set()
print(json.dumps(started))""",
    )
    assert result < 300, result


def test_a_detached_process_dies_with_the_sandbox(learner_folder):
    marker = f"agdetached{uuid.uuid4().hex[:8]}"
    engine = SandboxedExecute(timeout=30)
    NotebookClient.__init__(engine, nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")]), None)
    engine.reset_execution_trackers()
    engine.resources = {"metadata": {"path": str(learner_folder)}}
    engine.open("00-start-here", str(learner_folder))
    cell = NotebookNode(
        cell_type="code",
        metadata={},
        outputs=[],
        execution_count=None,
        source=f"""
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time\\nwhile True: time.sleep(1)  # {marker}"])
    os._exit(0)
""",
    )
    engine._run_in_kernel(cell, 0)
    import time

    alive = lambda: [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_has(p, marker)]  # noqa: E731
    deadline = time.monotonic() + 10
    while not alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(), "the detached process did not start"
    engine.close()
    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive()


def _cmdline_has(pid: str, marker: str) -> bool:
    try:
        return marker.encode() in open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return False


def test_without_bubblewrap_grading_refuses_and_says_what_to_install(monkeypatch):
    monkeypatch.setattr(sandbox_module, "_checked", {})
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(sandbox_module.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox_module.require()
    monkeypatch.setattr(sandbox_module, "_checked", {})


def test_the_watchdog_holds_processes_without_a_cgroup():
    """Where no pids cgroup is made (a non-root grader), the watchdog kills a sandbox past its process count.

    No cgroup is made here (make_cgroups is not called), as for a non-root grader; RLIMIT_NPROC is then the
    account's tasks plus 300, so only the watchdog can stop 40 processes against a limit of 20.
    """
    import subprocess
    import sys

    box = sandbox_module.Sandbox("00-start-here", None, sandbox_module.Limits(processes=20))
    try:
        box.limits.processes = 300
        cmd = box.wrap(
            [
                sys.executable,
                "-c",
                "import subprocess, time\n"
                "ps = [subprocess.Popen(['sleep', '30']) for _ in range(40)]\n"
                "print('all started', flush=True)\ntime.sleep(30)",
            ]
        )
        box.limits.processes = 20
        proc = subprocess.Popen(
            cmd, cwd=str(box.root), env={"PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE, text=True
        )
        box.watch(proc.pid)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == -9, (proc.returncode, out)
        assert box.violation and "(the limit is 20)" in box.violation, box.violation
    finally:
        box.close()
    assert not box.root.exists()
