"""`python -m classhub start|stop|status`: the hub as a background process of root, with its proxy and servers.

``start`` runs ``<prefix>/venv/bin/jupyterhub -f classhub/jupyterhub_config.py`` in the state folder in its own
session (log: ``<state>/jupyterhub.log``) and waits until the hub answers on its public address. ``stop`` sends
it SIGTERM: JupyterHub then stops every single-user server and the proxy it started, and removes its pid file.
``status`` says whether it runs, where, and how many single-user servers it has.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .environment import check_environment
from .settings import ClassHubError, Settings

HUB_CONFIG = Path(__file__).resolve().with_name("jupyterhub_config.py")


def hub_pid(s: Settings) -> int | None:
    """The running hub's process id (from its pid file), or None."""
    try:
        pid = int(s.pid_file.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def healthy(s: Settings, timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(f"{s.url}/hub/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the direct children of ``pid`` (the proxy and the single-user servers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((int(entry), cmd.strip()))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


def private_state(s: Settings) -> None:
    """The state folder root's alone (0700) and the hub's database 0600, made before the hub opens it (SQLite's
    journal files take the database's mode); an older class server's 0644 database is tightened too."""
    os.chmod(s.state, 0o700)
    fd = os.open(s.hub_db, os.O_WRONLY | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    for name in ("jupyterhub_cookie_secret", "jupyterhub.sqlite-journal", "jupyterhub.sqlite-wal"):
        if (Path(s.state) / name).exists():
            os.chmod(Path(s.state) / name, 0o600)


def start(s: Settings, timeout: float = 120.0) -> str:
    if os.geteuid() != 0:
        raise ClassHubError("python -m classhub start must run as root (PAM login and one process per account)")
    missing = check_environment(s)
    if missing:
        raise ClassHubError(
            "the shared environment is incomplete (run `python -m classhub install`): missing " + ", ".join(missing)
        )
    if hub_pid(s):
        return f"already running (pid {hub_pid(s)}) at {s.url}"
    private_state(s)
    from .boxes import mount_all

    mount_all(s)  # the learners' exchange boxes, after a reboot
    env = {
        "PATH": f"{s.bin}:/usr/local/bin:/usr/bin:/bin",
        "NN_CLASSHUB_STATE": s.state,
        "HOME": "/root",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    log = open(s.log_file, "ab")
    os.chmod(s.log_file, 0o600)
    process = subprocess.Popen(
        [str(s.bin / "jupyterhub"), "-f", str(HUB_CONFIG)],
        cwd=s.state,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ClassHubError(f"JupyterHub exited with {process.returncode}; see {s.log_file}:\n{tail(s.log_file)}")
        if healthy(s):
            return f"running (pid {process.pid}) at {s.url}; log {s.log_file}"
        time.sleep(0.5)
    raise ClassHubError(f"JupyterHub did not answer at {s.url} within {timeout:.0f} s; see {s.log_file}")


def stop(s: Settings, timeout: float = 60.0) -> str:
    pid = hub_pid(s)
    if not pid:
        return "not running"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return f"stopped (pid {pid})"
        try:  # reap it if it is our child (the test suite starts and stops it in one process)
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.3)
    raise ClassHubError(f"JupyterHub (pid {pid}) did not stop within {timeout:.0f} s")


def status(s: Settings) -> str:
    pid = hub_pid(s)
    if not pid:
        return f"not running (settings {s.state}/classhub.json)"
    kids = children(pid)
    servers = [k for k in kids if "jupyterhub-singleuser" in k[1]]
    proxy = [k for k in kids if "configurable-http-proxy" in k[1]]
    return (
        f"running (pid {pid}) at {s.url}, {'healthy' if healthy(s) else 'NOT answering'}; "
        f"proxy pid {proxy[0][0] if proxy else 'none'}; {len(servers)} single-user server(s) running"
    )


def tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return ""
