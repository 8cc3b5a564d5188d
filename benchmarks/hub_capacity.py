"""How big a server a class needs: memory and start time of the class server's parts, measured on this machine.

    sudo .venv/bin/python benchmarks/hub_capacity.py [--learners 3] [--runs 3]

Sets up a throw-away class server exactly as the test suite does (tests/classhub/hub.py: its own state folder,
ports, groups and accounts, all removed at the end), then in each run: starts the hub, logs every learner in
through the hub's login form and times until their JupyterLab answers (a server's start time), starts one kernel
per learner through their server's REST API, and reads the resident memory (RSS, /proc) of the hub, the proxy,
each single-user server and each kernel; then stops the hub. Prints the medians over the runs as a table, plus
the memory of a Python process that has imported what the lessons import (numpy, matplotlib, nnlib), which a
learner's kernel adds once a lesson runs. Needs root and the shared environment (python3 -m classhub environment).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classhub import server  # noqa: E402
from tests.classhub.hub import classhub, install_and_start, make_hub, remove_hub  # noqa: E402

LESSON_IMPORTS = "import numpy, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot, nnlib"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [k for k, _ in server.children(parent)]
        out += kids
        todo += kids
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def log_in_and_wait(hub, user: str, timeout: float = 300.0):
    """A requests session logged in as ``user``; returns (session, seconds until the user's JupyterLab answers)."""
    import requests

    s = requests.Session()
    s.get(hub.url + "/hub/login")
    xsrf = next(c.value for c in s.cookies if c.name == "_xsrf")
    start = time.monotonic()
    s.post(hub.url + "/hub/login?next=", data={"username": user, "password": hub.passwords[user], "_xsrf": xsrf})
    s.retries = 0  # times the hub said "too many starting, try again" or a start failed and was asked again
    while time.monotonic() - start < timeout:
        r = s.get(f"{hub.url}/user/{user}/lab")
        if r.status_code == 200 and urlparse(r.url).path.startswith(f"/user/{user}/lab"):  # JupyterLab itself
            return s, time.monotonic() - start
        if r.status_code in (424, 429, 503) or "Previous spawn" in r.text or "failed to start" in r.text:
            # the hub said "too many starting, try again in N s" (429) or shows "server not running" (424, what a
            # refused or failed start leaves): what the page asks a learner to do, wait, then launch it again
            s.retries += 1
            time.sleep(min(30.0, float(r.headers.get("Retry-After", 5))))
            launch = s.get(f"{hub.url}/hub/spawn/{user}")
            if launch.status_code == 429:
                time.sleep(min(30.0, float(launch.headers.get("Retry-After", 5))))
            continue
        time.sleep(0.5)
    raise RuntimeError(f"the server of {user} did not start within {timeout:.0f} s")


def start_kernel(hub, session, user: str) -> None:
    xsrf = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{user}"))
    r = session.post(f"{hub.url}/user/{user}/api/kernels", json={"name": "python3"}, headers={"X-XSRFToken": xsrf})
    r.raise_for_status()


def one_run(hub, learners: list[str]) -> dict[str, list[float]]:
    if not server.hub_pid(hub.settings):
        classhub("--state", hub.state, "start")
    time.sleep(2)
    pid = server.hub_pid(hub.settings)
    figures = {"hub": [rss_mib(pid)], "proxy": [], "single-user server": [], "kernel": [], "server start (s)": []}
    for kid, cmd in server.children(pid):
        if "configurable-http-proxy" in cmd:
            figures["proxy"].append(rss_mib(kid))
    sessions = {}
    for user in learners:
        sessions[user], seconds = log_in_and_wait(hub, user)
        figures["server start (s)"].append(seconds)
    for user, session in sessions.items():
        start_kernel(hub, session, user)
    time.sleep(5)  # kernels settle
    for kid, cmd in server.children(pid):
        if "jupyterhub-singleuser" in cmd:
            figures["single-user server"].append(rss_mib(kid))
            for grandchild in descendants(kid):
                if "ipykernel" in cmdline(grandchild):
                    figures["kernel"].append(rss_mib(grandchild))
    figures["hub"] = [rss_mib(pid)]  # the hub after it has served everyone
    classhub("--state", hub.state, "stop")
    return figures


def lesson_import_mib(hub, user: str) -> float:
    code = f"{LESSON_IMPORTS}; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    done = hub.as_user(user, "python", "-c", code)
    return int(done.stdout.strip()) / 1024 if done.returncode == 0 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("hub_capacity: run as root (it makes throw-away accounts and starts a hub)")
    os.environ.setdefault("CI", "true")  # a missing part is an error here, not a skip
    hub, tag = make_hub(args.learners)
    runs = []
    try:
        install_and_start(hub, tag)
        for _ in range(args.runs):
            runs.append(one_run(hub, hub.learners))
        imports = lesson_import_mib(hub, hub.learners[0])
    finally:
        remove_hub(hub, tag)
    print(
        f"\nclass server capacity, {args.learners} learners, median of {args.runs} runs "
        f"({os.cpu_count()} cores, {os.uname().release}):\n"
    )
    print(f"| {'part':<38} | {'median':>8} | {'min':>8} | {'max':>8} |")
    print(f"|{'-' * 40}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for part in runs[0]:
        values = [v for run in runs for v in run[part]]
        unit = "" if part.endswith("(s)") else " MiB"
        label = part if part.endswith("(s)") else f"{part} (RSS{unit})"
        if values:
            print(f"| {label:<38} | {statistics.median(values):8.1f} | {min(values):8.1f} | {max(values):8.1f} |")
    print(f"| {'python + lesson imports (max RSS MiB)':<38} | {imports:8.1f} | {'':>8} | {'':>8} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
