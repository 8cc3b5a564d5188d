"""A class at once on the class server: N learners log in and run a lesson, all together or arriving over a while.

    sudo .venv/bin/python benchmarks/hub_load.py [--learners 5 10 20] [--ramp 30] [--lesson 01-neuron]

Sets up a throw-away class server as the test suite does (tests/classhub/hub.py: its own state folder, ports on
127.0.0.1, groups, accounts and cgroups, all removed at the end; the same memory and CPU limits per learner). For
each N and each arrival pattern ("at once": every learner starts together; "arriving": start times spread evenly
over --ramp seconds) it starts the hub, and each learner, in its own thread: logs in through the hub's login form
and waits until their JupyterLab answers (login time), starts a kernel through their server's REST API, and runs
every code cell of the lesson's solution over the kernel's websocket, one after the other, as a learner pressing
Shift+Enter would (cell latency: from the request to the kernel's reply). Then it reads the memory of each
learner's processes (RSS from /proc: server, kernel) and stops the hub. Errors are logins that fail, kernels that
do not start, and cells whose reply is not "ok". Bounded: at most --timeout seconds per learner.

Prints one table row per N and pattern: login time (median, p95), cell latency (median, p95), errors, and memory
per learner (median) and the CPU time each learner used (median, user + system seconds of their server and
kernel: unlike the times, this figure does not grow with the load, so it gives the cores a class needs), with the
machine it ran on. Needs root and the shared environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from benchmarks.hub_capacity import log_in_and_wait, rss_mib  # noqa: E402
from classhub import accounts  # noqa: E402
from tests.classhub.hub import MEM_LIMIT_MIB, classhub, install_and_start, make_hub, remove_hub  # noqa: E402


def lesson_cells(lesson: str) -> list[str]:
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")


def decode(frame: str | bytes) -> dict:
    """A kernel message from a websocket frame: JSON text, or jupyter_server's binary frame (messages with buffers:
    a big-endian uint32 count n, n uint32 offsets, the JSON message from the first offset to the second)."""
    if isinstance(frame, str):
        return json.loads(frame)
    count = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i : 8 + 4 * i], "big") for i in range(count)]
    end = offsets[1] if count > 1 else len(frame)
    return json.loads(frame[offsets[0] : end].decode("utf-8"))


def run_cells(hub, session, user: str, cells: list[str], timeout: float) -> tuple[list[float], int]:
    """Start a kernel of ``user`` and run ``cells`` over its websocket; (latencies in s, cells not ok)."""
    import websocket

    xsrf = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{user}"))
    r = session.post(f"{hub.url}/user/{user}/api/kernels", json={"name": "python3"}, headers={"X-XSRFToken": xsrf})
    r.raise_for_status()
    if "json" not in r.headers.get("Content-Type", ""):
        raise RuntimeError(f"starting a kernel answered {r.status_code} {r.url} with {r.text[:80]!r}, not JSON")
    kernel = r.json()["id"]
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws_url = (
        hub.url.replace("http://", "ws://")
        + f"/user/{user}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
    )
    ws = websocket.create_connection(ws_url, header=[f"Cookie: {cookie}"], timeout=timeout)
    latencies, errors = [], 0
    try:
        for source in cells:
            msg_id = uuid.uuid4().hex
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": user,
                            "session": uuid.uuid4().hex,
                            "msg_type": "execute_request",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": {
                            "code": source,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": False,
                        },
                    }
                )
            )
            start = time.monotonic()
            while True:
                msg = decode(ws.recv())
                if msg.get("msg_type") == "execute_reply" and msg.get("parent_header", {}).get("msg_id") == msg_id:
                    latencies.append(time.monotonic() - start)
                    errors += msg["content"].get("status") != "ok"
                    break
    finally:
        ws.close()
    return latencies, errors


def learner_mib(user: str) -> float:
    import pwd

    total = 0.0
    for pid in accounts.processes_of(pwd.getpwnam(user).pw_uid):
        try:
            total += rss_mib(pid)
        except FileNotFoundError:
            pass
    return total


def learner_cpu_seconds(user: str) -> float:
    """CPU time (user + system, s) the learner's live processes and their waited-for children have used."""
    import pwd

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in accounts.processes_of(pwd.getpwnam(user).pw_uid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick  # utime stime cutime cstime
    return total


def one_round(hub, learners: list[str], cells: list[str], ramp: float, timeout: float) -> dict:
    classhub("--state", hub.state, "start")
    results: dict[str, dict] = {}

    def learner(user: str, delay: float) -> None:
        time.sleep(delay)
        out = results.setdefault(user, {"login": None, "latencies": [], "errors": 0})
        try:
            session, seconds = log_in_and_wait(hub, user, timeout=timeout)
            out["login"] = seconds
            out["retries"] = session.retries
            out["latencies"], out["errors"] = run_cells(hub, session, user, cells, timeout)
        except Exception as exc:  # noqa: BLE001 - a failed learner is an error in the table, not a crash
            out["errors"] += 1
            out["failure"] = f"{type(exc).__name__}: {exc}"[:200]

    step = ramp / max(1, len(learners) - 1) if ramp else 0.0
    threads = [threading.Thread(target=learner, args=(u, i * step), daemon=True) for i, u in enumerate(learners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + ramp + 60)
    memory = [learner_mib(u) for u in learners]
    cpu = [learner_cpu_seconds(u) for u in learners]
    classhub("--state", hub.state, "stop")
    logins = [r["login"] for r in results.values() if r["login"] is not None]
    latencies = [x for r in results.values() for x in r["latencies"]]
    failures = [f"{u}: {r['failure']}" for u, r in results.items() if "failure" in r]
    return {
        "logins": logins,
        "latencies": latencies,
        "errors": sum(r["errors"] for r in results.values()),
        "memory": memory,
        "cpu": cpu,
        "retries": sum(r.get("retries", 0) for r in results.values()),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds over which 'arriving' learners start")
    parser.add_argument("--lesson", default="01-neuron")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per learner at most")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("hub_load: run as root (it makes throw-away accounts and starts a hub)")
    os.environ.setdefault("CI", "true")  # a missing part is an error here, not a skip
    cells = lesson_cells(args.lesson)
    hub, tag = make_hub(max(args.learners))
    rows = []
    try:
        install_and_start(hub, tag)
        classhub("--state", hub.state, "stop")
        for n in args.learners:
            for pattern, ramp in (("at once", 0.0), ("arriving", args.ramp)):
                r = one_round(hub, hub.learners[:n], cells, ramp, args.timeout)
                rows.append((n, pattern, r))
                print(
                    f"N={n} {pattern}: {len(r['logins'])} logged in, {len(r['latencies'])} cells, "
                    f"{r['errors']} errors, {r['retries']} times told to try again; {row(n, pattern, r)}"
                    + "".join(f"\n  {f}" for f in r["failures"]),
                    flush=True,
                )
    finally:
        remove_hub(hub, tag)
    load = os.getloadavg()
    print(
        f"\nclass server under load: lesson {args.lesson} ({len(cells)} code cells), "
        f"'arriving' = spread over {args.ramp:g} s; {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, {platform.processor() or platform.machine()}, "
        f"kernel {os.uname().release}; per-learner limits {MEM_LIMIT_MIB} MiB, 1 CPU; "
        f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )
    print(
        "| N  | arrival  | login median (s) | login p95 (s) | cell median (s) | cell p95 (s) | errors | MiB per learner | CPU s per learner |"
    )
    print(
        "|---:|----------|-----------------:|--------------:|----------------:|-------------:|-------:|----------------:|------------------:|"
    )
    for n, pattern, r in rows:
        print(row(n, pattern, r))
    return 0


def row(n: int, pattern: str, r: dict) -> str:
    """One table row: login and cell figures (median, p95), errors, memory per learner (median)."""
    med = lambda v: statistics.median(v) if v else float("nan")  # noqa: E731
    return (
        f"| {n:>2} | {pattern:<8} | {med(r['logins']):16.1f} | {p95(r['logins']):13.1f} | "
        f"{med(r['latencies']):15.3f} | {p95(r['latencies']):12.3f} | {r['errors']:>6} | {med(r['memory']):15.0f} | "
        f"{med(r['cpu']):17.1f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
