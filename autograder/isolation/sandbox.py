"""The OS sandbox that every learner process runs in during grading (bubblewrap, rlimits, cgroups).

One ``Sandbox`` per learner and notebook. Its kernel runs under ``bwrap`` with:

- every namespace unshared (user, PID, network, IPC, UTS, cgroup): no network at all, its own PID 1 (it can
  neither see nor signal the grader), ``--die-with-parent`` and ``--new-session``, all capabilities dropped;
- a read-only view of only what it needs: ``/usr``, the Python installation and environment with only the
  installed packages the kernel and the graded lesson need (``autograder.isolation.site_view``, an allow-list:
  no scikit-learn, torch or, outside lessons 01 to 03, scipy), and nnlib with only what the lesson allows
  (``autograder.isolation.withheld``, an allow-list) bound where the grader's nnlib lives (and
  where the environment's Python finds nnlib, if that is elsewhere: an editable install of another checkout);
  a private, writable copy of the learner's own files (regular files only, no notebooks, size-capped) as its
  working folder; a private ``/tmp`` and home; the kernel's connection folder (ZMQ over IPC); and, read-only,
  the folder of the judge's socket. No gradebook, source notebooks, exchange or other learners exist in it;
- rlimits on address space, CPU time, file size and open files (``prlimit``), a cgroup (v1, when the grader
  may create one) capping processes and memory, and a wall-clock kill of the whole sandbox.

``bwrap_command`` builds the command line; ``SandboxKernelManager`` starts the notebook's kernel through it.
Where bubblewrap is missing, ``require()`` raises ``SandboxUnavailable`` saying what to install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

from autograder.integration.hygiene import copy_regular_files
from autograder.isolation.site_view import bwrap_args as site_view_args
from autograder.isolation.site_view import cached_view
from autograder.isolation.withheld import cached_withheld_nnlib, nnlib_source

CGROUP_ROOT = Path("/sys/fs/cgroup")
HOME = "/home/learner"
INSTALL_HINT = (
    "Grading runs every learner's code in a bubblewrap sandbox, and `bwrap` was not found or does not "
    "work here. Install it (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: `dnf install "
    "bubblewrap`) on a kernel that allows unprivileged user namespaces. To grade without a sandbox "
    "anyway (learner code then runs with your rights), set "
    '`c.SandboxedExecute.sandbox = "none"` in nbgrader_config.py.'
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


_checked: dict[str, str | None] = {}
_kernel_nnlib: dict[str, str | None] = {}


def kernel_nnlib_location() -> str | None:
    """The folder in which the environment's Python, started the way the kernel is (a clean environment, another
    working folder), finds nnlib, or None. It is the grader's own nnlib in a checkout with its own environment;
    an editable install shared by a git worktree points at the other checkout, where the sandbox must bind the
    withheld copy too, or the kernel would find no nnlib at all."""
    if "path" not in _kernel_nnlib:
        probe = (
            "import importlib.util as u; s = u.find_spec('nnlib'); "
            "print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-c", probe],
                capture_output=True,
                text=True,
                timeout=60,
                cwd="/",
                env={"PATH": "/usr/bin:/bin"},
            )
            found = done.stdout.strip() if done.returncode == 0 else ""
            _kernel_nnlib["path"] = os.path.realpath(found) if found else None
        except (OSError, subprocess.SubprocessError):
            _kernel_nnlib["path"] = None
    return _kernel_nnlib["path"]


def find_bwrap() -> str | None:
    """The path of a working ``bwrap`` (tried once per process), or None."""
    if "bwrap" not in _checked:
        path = shutil.which("bwrap")
        ok = None
        if path:
            try:
                done = subprocess.run(
                    [path, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
                    capture_output=True,
                    timeout=20,
                )
                ok = path if done.returncode == 0 else None
            except (OSError, subprocess.TimeoutExpired):
                ok = None
        _checked["bwrap"] = ok
    return _checked["bwrap"]


def require() -> str:
    path = find_bwrap()
    if path is None:
        raise SandboxUnavailable(INSTALL_HINT)
    return path


@dataclass
class Limits:
    """Resource limits of one sandbox (bytes and seconds)."""

    memory: int = 6 << 30  # address space of each process, and the cgroup's memory
    cpu_seconds: int = 900  # CPU time of each process
    file_size: int = 256 << 20  # largest file a learner process may write
    open_files: int = 1024
    processes: int = 256  # processes and threads of the sandbox (cgroup, rlimit and watchdog)
    wall_seconds: float = 900.0  # the whole notebook; then the sandbox is killed
    scratch: int = 1 << 30  # the private /tmp, a RAM-backed tmpfs of at most this size
    home: int = 64 << 20  # the private home folder (tmpfs), likewise
    shm: int = 64 << 20  # /dev/shm (tmpfs); the rest of /dev is read-only
    work: int = 1 << 30  # the working folder (on the grader's disk), the learner's files included
    blas_threads: int = 0  # 0: as many as the machine has cores


@dataclass
class Sandbox:
    """The folders and limits of one learner's sandbox; ``with Sandbox(...) as box`` cleans everything up."""

    lesson: str
    learner_folder: Path | None = None
    limits: Limits = field(default_factory=Limits)
    isolate: bool = True  # False: no bubblewrap (the instructor opted out)

    def __post_init__(self):
        # Unix socket paths hold at most 107 bytes, and the kernel's IPC sockets live in here: keep it short
        # even when TMPDIR is a long folder (a test run's, say).
        parent = tempfile.gettempdir()
        if len(parent) > 40 and os.access("/tmp", os.W_OK):
            parent = "/tmp"
        self.root = Path(tempfile.mkdtemp(prefix="ag-", dir=parent))
        os.chmod(self.root, 0o700)
        self.conn = self.root / "kernel"  # connection file and IPC sockets (writable inside)
        self.judge_dir = self.root / "judge"  # the judge's socket (read-only inside)
        self.work = self.root / "work"  # the learner's files (writable inside, thrown away)
        for d in (self.conn, self.judge_dir, self.work):
            d.mkdir(mode=0o700)
        self.skipped = (
            copy_regular_files(self.learner_folder, self.work, skip_notebooks=True, max_bytes=200 << 20)
            if self.learner_folder
            else []
        )
        self.nnlib = cached_withheld_nnlib(self.lesson)  # the lesson's references withheld (shared, read-only)
        self.site = cached_view(self.lesson) if self.isolate else None  # the installed packages it may import
        self.cgroups: list[Path] = []
        self.name = f"ag-{uuid.uuid4().hex[:12]}"
        self.watchdog: Watchdog | None = None
        self.violation: str | None = None  # why the watchdog killed the sandbox, if it did
        self.workdir = f"{HOME}/{self.lesson}" if self.isolate else str(self.work)

    @property
    def judge_socket(self) -> str:
        return str(self.judge_dir / "judge.sock")

    # --- cgroups (v1): processes and memory, when the grader may create them --------------------------
    def make_cgroups(self) -> list[Path]:
        made = []
        for controller, settings in (
            ("pids", {"pids.max": str(self.limits.processes)}),
            ("memory", {"memory.limit_in_bytes": str(self.limits.memory)}),
        ):
            base = CGROUP_ROOT / controller
            if not os.access(base, os.W_OK):
                continue
            path = base / self.name
            try:
                path.mkdir()
                for key, value in settings.items():
                    (path / key).write_text(value)
            except OSError:
                continue
            made.append(path)
        self.cgroups = made
        return made

    def kill_all(self) -> None:
        """Kill every process of the sandbox (cgroup members, and its PID namespace), then remove the cgroups."""
        if self.watchdog is not None:
            self.watchdog.stop(kill=True)
            self.watchdog = None
        for path in self.cgroups:
            for _ in range(20):
                try:
                    pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                import time

                time.sleep(0.05)
            try:
                path.rmdir()
            except OSError:
                pass
        self.cgroups = []

    # --- the command -----------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        threads = str(self.limits.blas_threads or os.cpu_count() or 1)
        env = {
            "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": HOME if self.isolate else str(self.root),
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": "/tmp/matplotlib",
            "OPENBLAS_NUM_THREADS": threads,
            "OMP_NUM_THREADS": threads,
            "MKL_NUM_THREADS": threads,
            "NNLIB_GRADING": "1",
            "NBGRADER_EXECUTION": "autograde",
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        if not self.isolate:
            env["MPLCONFIGDIR"] = str(self.root / "mpl")
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # machine-specific BLAS fixes stay in force
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` (the kernel's command) wrapped in limits, cgroups and, when isolating, bubblewrap.

        Without a cgroup (the grader is not root), ``RLIMIT_NPROC`` stops a fork bomb: it counts every process
        of the grader's account, so it is set to those running now plus the sandbox's share; the watchdog
        (``Watchdog``) then holds the sandbox itself to ``processes``.
        """
        lim = self.limits
        nproc = (
            [] if any(p.parent.name == "pids" for p in self.cgroups) else [f"--nproc={account_tasks() + lim.processes}"]
        )
        prefix = (
            [
                "prlimit",
                f"--as={lim.memory}",
                f"--cpu={lim.cpu_seconds}",
                f"--fsize={lim.file_size}",
                f"--nofile={lim.open_files}",
                "--core=0",
                *nproc,
                "--",
            ]
            if shutil.which("prlimit")
            else []
        )
        inner = prefix + (self.bwrap(cmd) if self.isolate else cmd)
        if self.cgroups:
            joins = " && ".join(f"echo $$ > {p / 'cgroup.procs'}" for p in self.cgroups)
            return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sandbox", *inner]
        return inner

    def bwrap(self, cmd: list[str]) -> list[str]:
        base, prefix = os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)
        args = [
            require(),
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--hostname",
            "sandbox",
            "--clearenv",
            "--ro-bind",
            "/usr",
            "/usr",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(self.limits.shm),
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--size",
            str(self.limits.scratch),
            "--tmpfs",
            "/tmp",
        ]
        for link in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
            target = Path("/") / link
            if target.is_symlink():
                args += ["--symlink", os.readlink(target), str(target)]
            elif target.is_dir():
                args += ["--ro-bind", str(target), str(target)]
        for etc in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types"):
            if os.path.exists(f"/etc/{etc}"):
                args += ["--ro-bind", f"/etc/{etc}", f"/etc/{etc}"]
        for path in dict.fromkeys([base, prefix]):
            args += ["--ro-bind", path, path]
        args += site_view_args(self.site or cached_view(self.lesson))  # an allow-list of installed packages
        for where in dict.fromkeys(p for p in (str(nnlib_source()), kernel_nnlib_location()) if p):
            args += ["--ro-bind", str(self.nnlib), where]
        args += [
            "--size",
            str(self.limits.home),
            "--tmpfs",
            HOME,
            "--bind",
            str(self.work),
            self.workdir,
            "--bind",
            str(self.conn),
            str(self.conn),
            "--ro-bind",
            str(self.judge_dir),
            str(self.judge_dir),
            "--chdir",
            self.workdir,
        ]
        for key, value in self.env().items():
            args += ["--setenv", key, value]
        return args + ["--", *cmd]

    def watch(self, pid: int) -> None:
        """Start the watchdog on the sandbox whose outermost process (prlimit, then bwrap) is ``pid``."""
        if self.watchdog is not None:
            self.watchdog.stop(kill=False)
        self.violation = None
        self.watchdog = Watchdog(self, pid)
        self.watchdog.start()

    def close(self) -> None:
        self.kill_all()
        remove_tree(self.root)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def account_tasks(uid: int | None = None) -> int:
    """Processes and threads now running under the real user id ``uid`` (default: this process's)."""
    uid = os.getuid() if uid is None else uid
    count = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return count


def remove_tree(root: Path) -> None:
    """Remove ``root`` with everything a sandbox left in it: folders it made unreadable first get u+rwx back
    (the sandbox's uid is the grader's, so the grader may), and links are removed, never followed."""
    root = os.fsencode(root)
    if not os.path.lexists(root):
        return
    if os.path.isdir(root) and not os.path.islink(root):
        with contextlib.suppress(OSError):
            os.chmod(root, 0o700)
        for top, dirs, _ in os.walk(root):
            for name in dirs:
                path = os.path.join(top, name)
                if not os.path.islink(path):
                    with contextlib.suppress(OSError):
                        os.chmod(path, 0o700)
    shutil.rmtree(root, ignore_errors=True)


class Watchdog(threading.Thread):
    """Holds a sandbox to its process count and working-folder size wherever no cgroup does (a non-root grader).

    Every ``period`` seconds it counts the processes and threads in the sandbox's PID namespace and the bytes
    in its working folder; past ``Limits.processes`` or ``Limits.work`` it kills the whole namespace and says
    why in ``sandbox.violation``.
    """

    def __init__(self, sandbox: Sandbox, pid: int, period: float = 0.1):
        super().__init__(daemon=True, name=f"watchdog-{sandbox.name}")
        self.sandbox, self.pid, self.period = sandbox, pid, period
        self.halt = threading.Event()
        self.peak = 0
        self.ns: str | None = None
        self.init_pid: int | None = None

    def _find_namespace(self) -> None:
        """The sandbox's PID 1 (bwrap's child) and its PID namespace."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            for child in children:
                ns = os.readlink(f"/proc/{child}/ns/pid")
                if ns != os.readlink(f"/proc/{self.pid}/ns/pid"):
                    self.ns, self.init_pid = ns, int(child)
                    return
        except (OSError, ValueError):
            pass

    def tasks(self) -> list[tuple[int, int]]:
        """[(pid, threads)] of every process in the sandbox's PID namespace."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{pid}/ns/pid") != self.ns:
                    continue
                with open(f"/proc/{pid}/status") as f:
                    threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
                found.append((int(pid), threads))
            except (OSError, ValueError, StopIteration):
                continue
        return found

    def work_bytes(self) -> int:
        total = 0
        for top, dirs, files in os.walk(os.fsencode(self.sandbox.work)):
            for name in files + dirs:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(top, name)).st_blocks * 512
        return total

    def run(self) -> None:
        limits = self.sandbox.limits
        rounds = 0
        while not self.halt.wait(self.period):
            if self.ns is None:
                self._find_namespace()
                continue
            rounds += 1
            tasks = self.tasks()
            count = sum(t for _, t in tasks)
            self.peak = max(self.peak, count)
            why = None
            if count > limits.processes:
                why = f"it ran {count} processes and threads at once (the limit is {limits.processes})"
            elif self.sandbox.isolate and rounds % 10 == 0 and self.work_bytes() > limits.work:
                why = f"its working folder grew past {limits.work >> 20} MB"
            if why:
                self.sandbox.violation = why
                self.kill()
                return

    def kill(self) -> None:
        for pid in ([self.init_pid] if self.init_pid else []) + [self.pid]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self.ns is not None:  # PID 1's death ends its namespace; anything still listed goes too
            for pid, _ in self.tasks():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    def stop(self, kill: bool) -> None:
        self.halt.set()
        if kill and self.ns is not None:
            self.kill()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(2)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside a ``Sandbox`` and talks to it over ZMQ IPC."""

    sandbox = Any(None, allow_none=True)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.sandbox.wrap(cmd)

    async def _async_pre_start_kernel(self, **kw):
        kw["env"] = self.sandbox.env() if not self.sandbox.isolate else {"PATH": "/usr/bin:/bin"}
        kw["cwd"] = str(self.sandbox.work) if not self.sandbox.isolate else str(self.sandbox.root)
        self.sandbox.make_cgroups()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = getattr(self.provisioner, "pid", None)
        if pid:
            self.sandbox.watch(pid)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            self.sandbox.kill_all()


def kernel_manager(sandbox: Sandbox, kernel_name: str = "python3") -> SandboxKernelManager:
    """A kernel manager for ``sandbox``: IPC sockets and the connection file in its private folder."""
    km = SandboxKernelManager(
        kernel_name=kernel_name,
        sandbox=sandbox,
        transport="ipc",
        ip=str(sandbox.conn / "k"),
        connection_file=str(sandbox.conn / "kernel.json"),
    )
    if hasattr(km, "transport_encryption"):  # IPC sockets in a private 0700 folder: nothing to encrypt against
        km.transport_encryption = "disabled"
    return km
