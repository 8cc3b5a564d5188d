"""Not collected by the suite (no test_ prefix): the inner test run of test_servers_die_with_the_run.py.

It starts JupyterLab (tests/browser/lab.py's start_lab) and a kernel in it under $HOLD_DIR, says so by writing
$HOLD_DIR/ready, and then waits to be killed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.browser.lab import start_lab


def _command_lines() -> list[str]:
    lines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                lines.append(Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    return lines


def test_hold_a_lab_and_a_kernel():
    workdir = Path(os.environ["HOLD_DIR"])
    server = start_lab(workdir)
    status, body = server.request("/api/kernels", method="POST", body=b"{}")
    assert status == 201, (status, body)
    kernel = json.loads(body)["id"]
    deadline = time.monotonic() + 120
    while not any(kernel in cmdline for cmdline in _command_lines()):  # its process runs (-f kernel-ID.json)
        assert time.monotonic() < deadline, "the kernel's process did not start"
        time.sleep(0.5)
    (workdir / "ready").write_text(kernel)
    time.sleep(600)  # killed long before
