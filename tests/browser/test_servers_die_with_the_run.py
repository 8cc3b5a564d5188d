"""A test run killed with SIGKILL or SIGTERM leaves no JupyterLab or kernel behind (tests/support/reaper.py).

The inner run (tests/browser/lab_holder.py, a real pytest) starts JupyterLab and a kernel in it the way the
browser suite does; once both are up, the inner pytest is killed and, a few seconds later, no process of that
lab, of its watchdog or of its kernel may remain. Chromium is not needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOLDER = Path(__file__).with_name("lab_holder.py")


def processes_under(folder: Path) -> dict[int, str]:
    """{pid: command line} of every process whose command line names a path inside ``folder``."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(folder) in cmdline:
                found[int(entry)] = cmdline
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_test_run_leaves_no_jupyterlab_or_kernel_behind(sig, tmp_path):
    hold = tmp_path / "hold"
    hold.mkdir()
    log_path = tmp_path / "inner-pytest.log"
    with open(log_path, "wb") as log:
        run = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:randomly", str(HOLDER)],
            cwd=ROOT,
            env=dict(os.environ, HOLD_DIR=str(hold)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while not (hold / "ready").exists():
            assert run.poll() is None, f"the inner run ended early:\n{log_path.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"no lab and kernel within 240 s:\n{log_path.read_text()[-4000:]}"
            time.sleep(0.5)
        before = processes_under(hold)
        assert any("jupyter-lab" in c or " lab " in c for c in before.values()), before
        assert any("ipykernel" in c for c in before.values()), before
        assert any("reaper.py" in c for c in before.values()), before

        os.kill(run.pid, sig)  # the inner pytest only: its watchdog and server run in a session of their own
        run.wait(timeout=30)
        deadline = time.monotonic() + 15
        while processes_under(hold) and time.monotonic() < deadline:
            time.sleep(0.25)
        left = processes_under(hold)
        assert not left, f"still running {15} s after the test run was killed:\n" + "\n".join(
            f"{pid}: {cmd}" for pid, cmd in left.items()
        )
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        for pid in processes_under(hold):  # a failure must not leave them running either
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_the_hub_watchdog_runs_its_stop_command_when_the_run_is_killed_and_not_otherwise(tmp_path):
    # the class hub detaches from `classhub start`; tests/classhub/hub.py stops it through reaper.on_death
    for killed in (True, False):
        marker = tmp_path / f"stopped-{killed}"
        script = (
            f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from tests.support import reaper; "
            f"w = reaper.on_death(['touch', {str(marker)!r}]); print(w.pid, flush=True); "
            f"time.sleep(60)"
            if killed
            else f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from tests.support import reaper; "
            f"w = reaper.on_death(['touch', {str(marker)!r}]); time.sleep(1); w.terminate(); w.wait()"
        )
        run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        if killed:
            watchdog = int(run.stdout.readline())
            run.kill()
        run.wait(timeout=30)
        deadline = time.monotonic() + 10
        while killed and not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists() == killed, f"killed={killed}: the stop command ran={marker.exists()}"
        if killed:
            deadline = time.monotonic() + 10
            while Path(f"/proc/{watchdog}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not Path(f"/proc/{watchdog}").exists(), "the watchdog outlived its stop command"
