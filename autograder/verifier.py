"""The isolated verifier: runs an instructor's test cell on a learner's answers in a pristine process.

Why: nbgrader runs hidden tests in the learner's own kernel, after the learner's code, so that code can
change what the tests see (rebind ``numpy.allclose``, silence errors, rewrite later cells with an input
transformer, ...). Here the test cell's *original source* (nbgrader restores it from the gradebook) runs in
a process that learner code has never touched; only the answers the cell names travel there.

How: ``Verifier`` starts one server process per graded notebook (``python -m autograder.verifier``)
that imports numpy and every nnlib module once; for each test cell it forks a child, which

1. snapshots the module dictionaries of numpy, nnlib, builtins and friends,
2. installs a profile hook that watches the references of the exercises being graded: a reference called
   while a learner's answer is running, without the instructor's test code in between (a callback the test
   passed in), is a violation; so is learner code calling ``sys.setprofile``/``sys.settrace``,
3. unpickles the answers (callables are wrapped so their calls can be attributed) and runs the test source,
4. fails the cell if the test raised, if a violation was seen, or if any snapshotted module attribute was
   rebound or deleted, then reports the verdict with the request's nonce.

The parent kills a child that exceeds the cell's time budget (default ``DEFAULT_TIMEOUT`` seconds; a test cell
may declare ``# verifier-timeout: N``). Not defended: code that inspects the grader's own frames or memory,
disguises itself as library code, or reads files on a shared machine (see the README's threat model).
"""
from __future__ import annotations

import builtins
import os
import pickle
import re
import secrets
import select
import signal
import subprocess
import sys
import symtable
import time
from dataclasses import dataclass

TEST_FILENAME = "<instructor test cell>"
DEFAULT_TIMEOUT = 20.0
_TIMEOUT_RE = re.compile(r"^\s*#\s*verifier-timeout:\s*([0-9.]+)\s*$", re.MULTILINE)
_SNAPSHOT_ROOTS = ("numpy", "nnlib", "math", "builtins", "functools", "operator", "copy", "cloudpickle", "scipy")


@dataclass(frozen=True)
class Verdict:
    """The grader's verdict on one test cell: ``passed``, a learner-readable ``message``, and timing."""
    passed: bool
    message: str
    seconds: float


def free_names(source: str) -> list[str]:
    """Names a test cell reads from the notebook: referenced, not bound in the cell, and not builtins.

    >>> free_names("import numpy as np\\nx = np.ones(2)\\nprint(relu(x), [g(v) for v in x])")
    ['g', 'relu']
    """
    table = symtable.symtable(source, TEST_FILENAME, "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    names: set[str] = set()

    def visit(tab, top: bool) -> None:
        for sym in tab.get_symbols():
            name = sym.get_name()
            if top:
                if sym.is_referenced() and name not in bound:
                    names.add(name)
            elif sym.is_referenced() and sym.is_global() and not sym.is_declared_global():
                if name not in bound:
                    names.add(name)
        for child in tab.get_children():
            visit(child, False)

    visit(table, True)
    return sorted(n for n in names if not hasattr(builtins, n))


def cell_timeout(source: str, default: float = DEFAULT_TIMEOUT) -> float:
    """The time budget a test cell declares with ``# verifier-timeout: N``, else ``default``."""
    m = _TIMEOUT_RE.search(source)
    return float(m.group(1)) if m else default


# ----------------------------------------------------------------------------------------------------
# Client side (the grader's process)
# ----------------------------------------------------------------------------------------------------
class Verifier:
    """A verifier server process for one notebook; ``verify`` one test cell at a time, then ``close``.

    watched: exercise names whose nnlib references must not be called by the learner's answers.
    """

    def __init__(self, watched: list[str] | tuple[str, ...] = ()):
        self.watched = tuple(watched)
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        self._proc = subprocess.Popen([sys.executable, "-m", "autograder.verifier"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env)
        return self._proc

    def verify(self, source: str, answers: dict[str, list[str]], timeout: float | None = None) -> Verdict:
        """Run test ``source`` on ``answers`` (as packed by ``autograder.capture.pack``) and return the verdict."""
        timeout = cell_timeout(source) if timeout is None else timeout
        nonce = secrets.token_hex(16)
        request = {"source": source, "answers": answers, "watched": self.watched, "timeout": timeout,
                   "nonce": nonce}
        start = time.perf_counter()
        for attempt in (1, 2):  # a server killed by a previous submission is restarted once
            proc = self._proc if self._proc and self._proc.poll() is None else self._start()
            try:
                pickle.dump(request, proc.stdin)
                proc.stdin.flush()
                reply = pickle.load(proc.stdout)
                break
            except (BrokenPipeError, EOFError, pickle.UnpicklingError, OSError):
                self.close()
                if attempt == 2:
                    return Verdict(False, "The grader's test process stopped unexpectedly while checking this "
                                          "cell.", time.perf_counter() - start)
        if reply.get("nonce") != nonce:
            return Verdict(False, "The grader received a reply it did not ask for.", time.perf_counter() - start)
        return Verdict(bool(reply["passed"]) is True, str(reply["message"]), time.perf_counter() - start)

    def close(self) -> None:
        """Stop the server process (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except Exception:
            proc.kill()
            proc.wait()

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ----------------------------------------------------------------------------------------------------
# Server side (a fresh process: python -m autograder.verifier)
# ----------------------------------------------------------------------------------------------------
def _import_everything() -> None:
    """Import numpy, cloudpickle, nnlib and all its submodules once, before any learner code exists here."""
    import importlib
    import pkgutil

    import cloudpickle  # noqa: F401
    import numpy  # noqa: F401
    import numpy.testing  # noqa: F401

    import nnlib

    for info in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
        last = info.name.rsplit(".", 1)[-1]
        if info.name in ("autograder.preprocessors", "autograder.release") or \
                last == "widgets" or last.startswith("plot"):
            continue  # nbgrader, ipywidgets and matplotlib: slow to import, and test cells never need them
        try:
            importlib.import_module(info.name)
        except Exception:
            pass  # a module that cannot import here cannot be called by a test either


def _snapshot_modules() -> dict[str, dict[str, object]]:
    snap = {}
    for name, mod in list(sys.modules.items()):
        if mod is not None and name.split(".")[0] in _SNAPSHOT_ROOTS:
            snap[name] = dict(vars(mod))
    return snap


def _tampered(snapshot: dict[str, dict[str, object]]) -> list[str]:
    changes = []
    for name, before in snapshot.items():
        mod = sys.modules.get(name)
        if mod is None:
            changes.append(f"module {name} was removed")
            continue
        now = vars(mod)
        for key, value in before.items():
            if key.startswith("__") and key.endswith("__"):
                continue
            if key not in now:
                changes.append(f"{name}.{key} was deleted")
            elif now[key] is not value:
                changes.append(f"{name}.{key} was replaced")
    return changes


def _learner_call(__answer, *args, **kwargs):
    """Calls a learner's answer; its frame marks where learner code begins (see _Guard)."""
    return __answer(*args, **kwargs)


class _Guard:
    """Profile hook: flags a watched reference called from learner code, and any change to the hooks."""

    def __init__(self, watched_codes: set, library_dirs: tuple[str, ...]):
        self.watched = watched_codes
        self.library_dirs = library_dirs
        self.violation: str | None = None
        self.closing = False
        self._forbidden = (sys.setprofile, sys.settrace)
        import threading
        self._forbidden_py = {threading.setprofile.__code__, threading.settrace.__code__}

    def _is_library(self, filename: str) -> bool:
        return filename.startswith(self.library_dirs)

    def __call__(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in self._forbidden_py:
                self.violation = "Your code tried to switch off the grader's checks (threading.setprofile/settrace)."
            elif code in self.watched:
                self._check_caller(frame.f_back, code.co_name)
        elif event == "c_call" and not self.closing and arg in self._forbidden:
            self.violation = "Your code tried to switch off the grader's checks (sys.setprofile/settrace)."

    def _check_caller(self, f, name: str) -> None:
        while f is not None:
            code = f.f_code
            if code is _learner_call.__code__ or (code.co_filename != TEST_FILENAME
                                                  and not self._is_library(code.co_filename)):
                self.violation = (f"Your answer called nnlib's reference solution ({name}); "
                                  "write the exercise yourself, without calling or wrapping the reference.")
                return
            if code.co_filename == TEST_FILENAME:
                return  # called by the instructor's test (directly or through a callback it passed)
            f = f.f_back


def _wrap(value):
    if callable(value) and not isinstance(value, type):
        def answer(*args, **kwargs):
            return _learner_call(value, *args, **kwargs)
        answer.__name__ = getattr(value, "__name__", "answer")
        answer.__doc__ = getattr(value, "__doc__", None)
        return answer
    return value


def _run_test(request: dict) -> dict:
    """In the forked child: rebuild the answers, run the test source, and judge (see the module docstring)."""
    import importlib
    import base64
    import sysconfig

    import cloudpickle

    from autograder import catalogue

    watched = set()
    for name in request["watched"]:
        try:
            ref = catalogue.reference(name)
        except Exception:
            continue
        if hasattr(ref, "__code__"):
            watched.add(ref.__code__)
    paths = sysconfig.get_paths()
    import nnlib
    library_dirs = tuple(os.path.realpath(p) + os.sep for p in {paths["stdlib"], paths["platstdlib"],
                                                              paths["purelib"], paths["platlib"]})
    library_dirs += tuple(os.path.realpath(p) + os.sep for p in nnlib.__path__)
    library_dirs += ("<frozen ",)
    snapshot = _snapshot_modules()
    guard = _Guard(watched, library_dirs)
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    problems: list[str] = []
    sys.setprofile(guard)
    try:
        for name, (kind, data) in request["answers"].items():
            if kind == "module":
                namespace[name] = importlib.import_module(data)
            elif kind == "value":
                namespace[name] = _wrap(cloudpickle.loads(base64.b64decode(data)))
            elif kind == "unpicklable":
                problems.append(f"{name} could not be sent to the grader ({data}).")
            # "missing": the test's NameError says it
        exec(compile(request["source"], TEST_FILENAME, "exec"), namespace)
        error = None
    except BaseException as exc:  # noqa: BLE001 - every failure of the test is a verdict
        error = exc
    finally:
        guard.closing = True
        sys.setprofile(None)
    if guard.violation:
        return {"passed": False, "message": guard.violation}
    changed = _tampered(snapshot)
    if changed:
        return {"passed": False, "message": "Your code changed the libraries the grader checks with ("
                + "; ".join(changed[:5]) + "), so this cell scores zero."}
    if error is not None:
        return {"passed": False, "message": _describe(error, problems)}
    return {"passed": True, "message": "Verified by the grader in a separate, fresh Python process."}


def _describe(error: BaseException, problems: list[str]) -> str:
    kind = type(error).__name__
    text = str(error)
    if isinstance(error, NameError):
        text += " (run the cell with your answer before this check, and keep the exercise's name)"
    lines = [f"{kind}: {text}" if text else kind] + problems
    return "\n".join(lines)[:4000]


_PROTO_FD: int | None = None


def _serve() -> None:
    """Read pickled requests on stdin; answer each from a forked child, on a private copy of stdout."""
    global _PROTO_FD
    _PROTO_FD = os.dup(1)
    proto_out = os.fdopen(_PROTO_FD, "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing printed by tests or learner code can corrupt the protocol
    _import_everything()
    stdin = sys.stdin.buffer
    while True:
        try:
            request = pickle.load(stdin)
        except EOFError:
            return
        reply = _fork_and_run(request)
        reply["nonce"] = request["nonce"]
        pickle.dump(reply, proto_out)
        proto_out.flush()


def _fork_and_run(request: dict) -> dict:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            # The child sees neither the request stream nor the reply channel of the server.
            for fd in (0, _PROTO_FD):
                if fd is not None:
                    os.close(fd)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            result = _run_test(request)
            data = pickle.dumps({"passed": result["passed"], "message": result["message"],
                                 "nonce": request["nonce"]})
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + float(request["timeout"])
    chunks = []
    with os.fdopen(read_fd, "rb") as reader:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([reader], [], [], max(0.0, left))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"passed": False, "message": f"The check did not finish within {request['timeout']:g} s "
                        "(an infinite loop, or a very slow answer), so it was stopped."}
            chunk = os.read(reader.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    try:
        reply = pickle.loads(b"".join(chunks))
    except Exception:
        return {"passed": False, "message": "The check ended without a verdict (did the answer exit Python?)."}
    if reply.get("nonce") != request["nonce"]:
        return {"passed": False, "message": "The check's verdict did not come from the grader."}
    return {"passed": reply["passed"] is True, "message": str(reply["message"])}


if __name__ == "__main__":
    _serve()
