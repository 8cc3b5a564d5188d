"""Servers the tests start die with the test run, even when pytest is killed with SIGKILL.

``popen(cmd, **kwargs)`` starts ``cmd`` (JupyterLab, ``make lab``...) under a small watchdog: this file, run as
a script. The watchdog

- is a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): whatever ``cmd`` starts and leaves behind is re-parented
  to it, not to init. That matters for JupyterLab, whose kernels run in sessions of their own (jupyter_client
  starts them with ``start_new_session``), so neither the server's process group nor a parent-death signal of
  the server reaches them; and ipykernel's own parent poller waits for re-parenting to pid 1, which a
  subreaper (a container's init, systemd --user) prevents;
- asks for a signal when its parent (pytest) dies (``PR_SET_PDEATHSIG``), and checks ``getppid()`` as well;
- then kills every process below it: SIGTERM, a few seconds' grace, SIGKILL, and exits;
- forwards SIGTERM and SIGINT to ``cmd`` (a test's ``stop``), and when ``cmd`` exits kills what is left below
  it (a kernel the server did not stop) and exits with ``cmd``'s status.

``on_death(cmd)`` is for servers that detach themselves (the class hub: ``python -m classhub start`` leaves
JupyterHub running in a session of its own and exits): a watchdog that runs ``cmd`` (the server's own stop
command) if the test run dies first; the test terminates the watchdog once it has stopped the server itself.

Processes are found through /proc (Linux only, like bubblewrap). The watchdog itself is pure standard library.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
GRACE_SECONDS = 3.0


def popen(cmd: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen(cmd, **kwargs)`` under the watchdog; the Popen is the watchdog's (its pid, signals and
    exit status stand for ``cmd``'s). ``start_new_session=True`` still puts both in a group of their own."""
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--parent", str(os.getpid()), "--", *cmd], **kwargs
    )


def on_death(cmd: list[str], **kwargs) -> subprocess.Popen:
    """A watchdog that runs ``cmd`` when this process dies (SIGKILL included); ``terminate()`` it when done."""
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--on-death", "--parent", str(os.getpid()), "--", *cmd],
        start_new_session=True,
        **kwargs,
    )


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}, {value}) failed")


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (children, their children...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])  # the command name may hold spaces and parens
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _reap() -> None:
    """Collect every exited child (orphans re-parented to us included), so none stays a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything_below(me: int) -> None:
    """SIGTERM to every descendant, then SIGKILL to those still there after GRACE_SECONDS."""
    for sig, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, 0.0)):
        for pid in descendants(me):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap()
            if not descendants(me):
                return
            time.sleep(0.1)
    deadline = time.monotonic() + 5
    while descendants(me) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    options, cmd = argv[1 : argv.index("--")], argv[argv.index("--") + 1 :]
    parent, me = int(options[options.index("--parent") + 1]), os.getpid()  # the test run (its pid, passed before
    # this process existed: a parent that dies before this line still counts)
    orphaned: list[bool] = []
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGUSR1, lambda *_: orphaned.append(True))
    _prctl(PR_SET_PDEATHSIG, signal.SIGUSR1)
    if "--on-death" in options:
        while not orphaned and os.getppid() == parent:
            time.sleep(0.5)
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=300).returncode
    if os.getppid() != parent:  # the test run died before the signal was asked for
        return 1
    child = subprocess.Popen(cmd)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: child.poll() is None and child.send_signal(signum))
    while child.poll() is None:
        if orphaned or os.getppid() != parent:
            kill_everything_below(me)
            return 1
        time.sleep(0.2)
    kill_everything_below(me)  # whatever the command left behind
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
