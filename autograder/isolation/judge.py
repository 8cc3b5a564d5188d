"""The judge: runs the instructor's test cells in a trusted process that no learner code ever touches.

    python -m autograder.isolation.judge [SOCKET]    (started by the grader; one serves its notebooks in turn)

The grader writes one JSON request per line on the judge's stdin: ``{"listen": SOCKET}`` when a new
notebook's sandbox is made, then for each graded test cell ``{"source": ..., "timeout": ...}``: the
instructor's original test cell (from the gradebook, never from the submission). The judge then accepts one
connection on the Unix socket ``SOCKET``, from the agent that the grader starts inside the learner's sandboxed
kernel (``autograder.isolation.agent``), runs the test cell with the learner's answers as *proxies*, and writes one JSON
verdict line, ``{"passed": bool, "message": str, "output": str, "seconds": float}``, on stdout.

A proxy (``RemoteFunction``) keeps Python's call semantics over the data-only channel (``autograder.isolation.wire``),
numpy's floating-point error state (``np.errstate``) included:
calling ``relu(x)`` sends ``x`` as data, the learner's function runs in the sandbox, and the result comes back
as data. An argument the learner changed in place changes here too; a ``numpy.random.Generator`` advances as
if called here; a function the test passes in stays here and is called back; the learner's exceptions arrive
as exceptions of the same built-in kind (a ``ValueError`` is still a ``ValueError``). Constants such as
``AND_PARAMS`` are fetched as data. Nothing the learner sends is ever executed, unpickled or imported.

Every read from the agent has the cell's deadline; running out of time, or a message that breaks the wire
rules, ends the cell with a failed verdict (as an exception the test code cannot catch). The judge's own address
space is capped (``bound_memory``: what it uses once started plus ``JUDGE_MEMORY``), so a message that makes it
compute something huge ends that learner's check with a failed verdict, never the grading machine's memory.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import re
import resource
import socket
import symtable
import sys
import time
import traceback

import numpy as np

import autograder.contract_grading as contract_grading
from autograder.isolation.wire import Decoder, Encoder, Scope, WireError, recv_frame, send_frame

TEST_FILENAME = "<instructor test cell>"
DEFAULT_TIMEOUT = 20.0
MESSAGE_LIMIT = 4000
JUDGE_MEMORY = 768 << 20  # address space the judge may add to what it uses once started (``bound_memory``)
_TIMEOUT_RE = re.compile(r"^\s*#\s*(?:verifier|judge)-timeout:\s*([0-9.]+)\s*$", re.MULTILINE)
# Built-in exceptions a learner's exception may arrive as (the first of its classes found in this list).
_EXCEPTIONS = {
    cls.__name__: cls
    for cls in (
        ZeroDivisionError,
        OverflowError,
        FloatingPointError,
        ArithmeticError,
        IndexError,
        KeyError,
        LookupError,
        UnicodeError,
        ValueError,
        TypeError,
        AttributeError,
        NotImplementedError,
        RecursionError,
        RuntimeError,
        AssertionError,
        NameError,
        MemoryError,
        OSError,
        StopIteration,
    )
}


class JudgeStop(BaseException):
    """Ends a test cell from inside a proxy call: deadline passed, or the agent broke the protocol."""


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
            elif sym.is_referenced() and sym.is_global() and not sym.is_declared_global() and name not in bound:
                names.add(name)
        for child in tab.get_children():
            visit(child, False)

    visit(table, True)
    return sorted(n for n in names if not hasattr(builtins, n))


def cell_timeout(source: str, default: float = DEFAULT_TIMEOUT) -> float:
    """The time budget a test cell declares with ``# verifier-timeout: N``, else ``default``."""
    m = _TIMEOUT_RE.search(source)
    return float(m.group(1)) if m else default


def _remote_exception(types: list, message: str):
    for name in types if type(types) is list else []:
        cls = _EXCEPTIONS.get(name) if type(name) is str else None
        if cls is not None:
            remote = type(cls.__name__, (cls,), {"__module__": "learner"})
            return remote(message)
    return RuntimeError(message)


_NOTHING = object()


def _light(value, depth: int = 0):
    """What a message needs of a call's argument, kept before the call: small arrays copied (the learner's code
    may change them in place), everything else as it is (a shape cannot change over the wire)."""
    if type(value) is np.ndarray:
        return value.copy() if value.size <= 8 else value
    if depth < 4 and type(value) in (list, tuple):
        return type(value)(_light(v, depth + 1) for v in value)
    if depth < 4 and type(value) is dict:
        return {k: _light(v, depth + 1) for k, v in value.items()}
    return value


class Session:
    """One test cell's conversation with the agent: lookups and calls, each read bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: float):
        self.sock = sock
        self.deadline = deadline
        self.callbacks: dict[int, object] = {}
        self._callback_ids: dict[int, int] = {}
        self.remotes: dict[int, RemoteFunction] = {}
        self.fetched: dict[str, object] = {}  # the data the test looked up (constants such as AND_PARAMS)
        self.last_call = None  # (name, args, kwargs) of the last call of the learner's code
        self.last_result = _NOTHING  # what that call returned (_NOTHING while it runs or raised)

    # --- reading with the deadline -------------------------------------------------------------------
    def recv(self) -> tuple[dict, memoryview]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise JudgeStop("timeout")
        self.sock.settimeout(left)
        try:
            return recv_frame(self.sock)
        except TimeoutError:
            raise JudgeStop("timeout") from None
        except (EOFError, OSError) as exc:
            raise JudgeStop(f"closed: {exc}") from None
        except WireError as exc:
            raise JudgeStop(f"protocol: {exc}") from None

    def send(self, header: dict, payload: list[bytes]) -> None:
        try:
            send_frame(self.sock, header, payload)
        except OSError as exc:
            raise JudgeStop(f"closed: {exc}") from None

    # --- handles --------------------------------------------------------------------------------------
    def _encode_handle(self, obj):
        if isinstance(obj, (RemoteFunction, RemoteObject)):
            return {"O": obj._handle}
        if callable(obj):
            key = self._callback_ids.get(id(obj))
            if key is None:
                key = len(self.callbacks) + 1
                self.callbacks[key] = obj
                self._callback_ids[id(obj)] = key
            return {"F": key, "n": str(getattr(obj, "__name__", "callback"))[:80]}
        raise WireError(f"the test passed a {type(obj).__name__}, which cannot travel to the learner's code")

    def _decode_handle(self, node):
        if type(node.get("O")) is int:
            key = node["O"]
            if key not in self.remotes:
                name = node.get("n") if type(node.get("n")) is str else "answer"
                kind = node.get("t") if type(node.get("t")) is str else "object"
                cls = RemoteFunction if node.get("c") is True else RemoteObject
                self.remotes[key] = cls(self, key, name[:80], kind[:80])
            return self.remotes[key]
        if type(node.get("F")) is int and node["F"] in self.callbacks:
            return self.callbacks[node["F"]]
        raise WireError("bad handle")

    # --- requests ---------------------------------------------------------------------------------------
    def bind(self, values: dict) -> None:
        """Have the agent stand ``values`` (the grader's references) in for these notebook names, for this check."""
        enc = Encoder(Scope("n"), handle=self._encode_handle)
        self.send({"op": "bind", "names": enc.encode(dict(values))}, enc.payload)
        header, _ = self.recv()
        if header.get("op") != "bound":
            raise JudgeStop("protocol: bad reply to bind")

    def lookup(self, names: list[str]) -> dict:
        self.send({"op": "lookup", "names": names}, [])
        header, payload = self.recv()
        values = header.get("values")
        if header.get("op") != "values" or type(values) is not dict:
            raise JudgeStop("protocol: bad reply to lookup")
        found = {}
        for name in names:
            entry = values.get(name)
            if type(entry) is not dict or entry.get("missing") is True:
                continue  # the test's NameError says so
            if "module" in entry:
                found[name] = _NotAnAnswer(name, "a module; a test cell imports the modules it uses itself")
            elif "error" in entry:
                found[name] = _NotAnAnswer(name, f"not something the grader can use ({str(entry['error'])[:200]})")
            else:
                try:
                    found[name] = Decoder(Scope("l"), payload, handle=self._decode_handle).decode(entry.get("value"))
                except WireError as exc:
                    raise JudgeStop(f"protocol: {exc}") from None
                if not isinstance(found[name], (RemoteFunction, RemoteObject)):
                    self.fetched[name] = _light(found[name])
        return found

    def last_call_text(self) -> str | None:
        """The last call of the learner's code as a message names it, e.g. ``relu(an array (7, 5) ...)``."""
        if self.last_call is None:
            return None
        from nnlib.checks import describe_call

        return describe_call(*self.last_call)

    def call(self, remote: RemoteFunction, args: tuple, kwargs: dict):
        scope = Scope("j")
        enc = Encoder(scope, handle=self._encode_handle)
        try:
            header = {
                "op": "call",
                "f": {"O": remote._handle},
                "args": enc.encode(tuple(args)),
                "kwargs": enc.encode(dict(kwargs)),
                "errstate": np.geterr(),
            }
        except WireError as exc:
            raise TypeError(f"{remote.__name__}: {exc}") from None
        self.last_call, self.last_result = (remote.__name__, _light(tuple(args)), _light(dict(kwargs))), _NOTHING
        self.send(header, enc.payload)
        while True:
            reply, payload = self.recv()
            op = reply.get("op")
            if op == "callback":
                self._run_callback(reply, payload)
                continue
            if op not in ("return", "raise"):
                raise JudgeStop(f"protocol: unexpected {op!r} during a call")
            try:
                dec = Decoder(scope, payload, handle=self._decode_handle)
                self._apply_changes(scope, dec, reply.get("changed"))
                if op == "return":
                    self.last_result = dec.decode(reply.get("value"))
                    return self.last_result
            except WireError as exc:
                raise JudgeStop(f"protocol: {exc}") from None
            message = reply.get("msg") if type(reply.get("msg")) is str else ""
            error = _remote_exception(reply.get("types"), message[:MESSAGE_LIMIT])
            error.learner_call = self.last_call_text()
            raise error

    @staticmethod
    def _apply_changes(scope: Scope, dec: Decoder, changed) -> None:
        """Write the learner's in-place changes of the call's inputs into the test's own objects."""
        if changed is None:
            return
        if type(changed) is not list:
            raise WireError("bad change list")
        for item in changed:
            if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
                raise WireError("bad change")
            key, node = item
            target = scope.objects.get(key)
            if target is None or not key.startswith("j") or type(node) is not dict:
                raise WireError("change of an unknown input")
            if type(target) is np.random.Generator and "G" in node:
                fresh = dec.decode({"G": node["G"]})
                if type(fresh.bit_generator) is not type(target.bit_generator):
                    raise WireError("the generator changed its kind")
                target.bit_generator.state = fresh.bit_generator.state
            elif type(target) is np.ndarray and "A" in node:
                value = dec.decode(node)
                if value.shape != target.shape or value.dtype != target.dtype:
                    raise WireError("an input array changed its shape or dtype")
                target[...] = value
            elif type(target) is list and "L" in node:
                target[:] = dec.decode(node)
            elif type(target) is dict and "D" in node:
                value = dec.decode(node)
                target.clear()
                target.update(value)
            else:
                raise WireError("bad change")

    def _run_callback(self, header: dict, payload: memoryview) -> None:
        func = self.callbacks.get(header.get("f")) if type(header.get("f")) is int else None
        if func is None:
            raise JudgeStop("protocol: unknown callback")
        try:
            dec = Decoder(Scope("c"), payload, handle=self._decode_handle)
            args, kwargs = dec.decode(header.get("args")), dec.decode(header.get("kwargs"))
            if type(args) is not tuple or type(kwargs) is not dict:
                raise WireError("bad callback arguments")
        except WireError as exc:
            raise JudgeStop(f"protocol: {exc}") from None
        try:
            result = func(*args, **kwargs)
            enc = Encoder(Scope("b"), handle=self._encode_handle)
            node = enc.encode(result)
        except (JudgeStop, KeyboardInterrupt):
            raise
        except MemoryError as exc:  # what the learner passed would take more memory than the judge may use
            raise JudgeStop(
                f"memory: {func.__name__ if hasattr(func, '__name__') else 'a callback'} ({str(exc)[:200]})"
            ) from None
        except BaseException as exc:  # the callback failed on what the learner passed: tell the learner's code
            self.send({"op": "raise", "msg": f"{type(exc).__name__}: {exc}"[:MESSAGE_LIMIT]}, [])
            return
        self.send({"op": "return", "value": node}, enc.payload)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            send_frame(self.sock, {"op": "bye"}, [])
        with contextlib.suppress(OSError):
            self.sock.close()


class RemoteFunction:
    """The judge's stand-in for a learner's function (or other object) that lives in the sandbox."""

    def __init__(self, session: Session, handle: int, name: str, kind: str):
        self._session, self._handle, self.__name__, self._kind = session, handle, name, kind
        self.__qualname__ = name
        self.__doc__ = None

    def __call__(self, *args, **kwargs):
        return self._session.call(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<learner's {self._kind} {self.__name__}>"


class RemoteObject:
    """The judge's stand-in for a learner's object that is neither data nor a function: no test can use it."""

    def __init__(self, session: Session, handle: int, name: str, kind: str):
        self._handle, self._kind = handle, kind

    def __repr__(self) -> str:
        return f"<learner's {self._kind} object, which is not a number, array, list, tuple or dict>"


class _NotAnAnswer:
    """Stands for a notebook name that holds something no test can use (a module, an object that cannot travel)."""

    def __init__(self, name: str, why: str):
        self._text = f"{name} is {why}."

    def __call__(self, *args, **kwargs):
        raise TypeError(self._text)

    def __getattr__(self, attr):
        raise TypeError(self._text)

    def __repr__(self) -> str:
        return f"<{self._text}>"


def run_cell(source: str, sock: socket.socket, timeout: float, alone: dict | None = None) -> dict:
    """Run one test cell against the agent on ``sock``; return the verdict dict (see the module docstring).

    ``alone``: {notebook name: the grader's value} for the earlier exercises the tested one builds on
    (``autograder.catalogue.BUILDS_ON``). While the cell runs, the
    learner's code calls these (as callbacks into this process) instead of the learner's own versions, and the
    test sees them too: one mistake costs one exercise, not every exercise built on it.
    """
    start = time.monotonic()
    session = Session(sock, start + timeout)
    out = io.StringIO()
    alone = dict(alone or {})
    try:
        names = [n for n in free_names(source) if n not in alone]
        namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        header, _ = session.recv()
        if header.get("op") != "hello":
            raise JudgeStop("protocol: no hello")
        if alone:
            session.bind(alone)
            namespace.update(alone)
        namespace.update(session.lookup(names))
        code = compile(source, TEST_FILENAME, "exec")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            exec(code, namespace)
        verdict = {"passed": True, "message": ""}
    except JudgeStop as stop:
        verdict = {"passed": False, "message": _stop_message(str(stop), timeout, session.last_call_text())}
    except SyntaxError as exc:
        verdict = {"passed": False, "message": f"The test cell does not parse ({exc}); ask your instructor."}
    except MemoryError as exc:
        verdict = {
            "passed": False,
            "message": _stop_message(f"memory: {str(exc)[:200]}", timeout, session.last_call_text()),
        }
    except BaseException as exc:  # noqa: BLE001 - every failure of the test is a verdict
        verdict = {"passed": False, "message": describe(exc, session)}
    finally:
        session.close()
    verdict["output"] = out.getvalue()[-MESSAGE_LIMIT:]
    verdict["seconds"] = round(time.monotonic() - start, 4)
    return verdict


def _stop_message(reason: str, timeout: float, call: str | None = None) -> str:
    if reason == "timeout":
        what = f"{call} did not finish" if call else "The check did not finish"
        return (
            f"{what} within {timeout:g} s (an infinite loop, or a very slow answer), so it was stopped.\n"
            "  hint: look for a loop whose condition never becomes false, or for a Python loop over every "
            "element of a large array where one numpy operation would do."
        )
    if reason.startswith("memory"):
        return (
            "Your code made the grader compute something larger than the grader's memory allows "
            f"({reason.split(': ', 1)[-1]}), so this check scores zero."
            + (f"\n  It was running {call}." if call else "")
            + "\n  hint: check the shapes your code passes and returns: they should be those of the exercise."
        )
    if reason.startswith("protocol"):
        return (
            "Your notebook sent the grader something that is not a plain answer "
            f"({reason.split(': ', 1)[-1]}), so this check scores zero."
        )
    return (
        "The grader lost contact with your notebook's kernel during this check (did your code exit, "
        "crash the kernel, or change how cells run?)." + (f"\n  It was running {call}." if call else "")
    )


def _raised_hint(kind: str, text: str) -> str:
    low = text.lower()
    if kind == "NotImplementedError":
        return "write your answer in place of the line `raise NotImplementedError(...)`, then run its cell."
    if "withheld" in low:
        return "write the exercise with your own code: this lesson's references are withheld while it is graded."
    if "converted to python scalars" in low or "truth value of an array" in low:
        return (
            "a step meant for one number (math.exp, math.erf, float(...), an `if` on an array) got a whole array: "
            "use numpy's element-wise functions (np.exp, np.where, scipy.special.erf) or np.vectorize."
        )
    if "cannot be interpreted as an integer" in low:
        return (
            "an argument that must be a whole number (an axis, a size, an index) got a float: np.max(x, 0.0), "
            "for one, reads 0.0 as an axis, while np.maximum(x, 0.0) compares element by element."
        )
    if any(w in low for w in ("broadcast", "shape", "aligned", "dimension", "axis", "mismatch")):
        return (
            "an operation in your function does not fit inputs of these shapes: check each array's shape "
            "(x.shape) and the axis you combine along; a batch (n, d) and a single sample (d,) must both work."
        )
    if kind == "TypeError" and ("argument" in low or "positional" in low or "keyword" in low):
        return (
            "your function does not accept this call: compare its parameters (names, order, defaults) with "
            "the exercise's."
        )
    if kind in ("ZeroDivisionError", "FloatingPointError", "OverflowError"):
        return (
            "a division by zero or an overflow: find the exp of a large number or the division that "
            "inputs like these make fail, and rewrite it so it stays finite."
        )
    return "run this call in your notebook with inputs like these: the traceback shows the line that fails."


def describe(error: BaseException, session: Session | None = None) -> str:
    """A learner-readable message for an exception raised by a test cell (no traceback of the test).

    A check's own failure (CheckFailed) speaks for itself. An exception of the learner's code names the call that
    raised it. Any other exception arose inside the test, on what the learner's code gave it: the message names
    the last call and what it returned (or the constants looked up), never the test's own code.
    """
    kind = type(error).__name__
    text = str(error)
    if type(error).__name__ == "CheckFailed":
        return text[:MESSAGE_LIMIT]
    if type(error).__module__ == "learner":
        call = getattr(error, "learner_call", None) or "your code"
        return (
            f"{call} raised {kind}: {text}\n  expected: it returns a result, without an error.\n"
            f"  hint: {_raised_hint(kind, text)}"
        )[:MESSAGE_LIMIT]
    if isinstance(error, NameError):
        return (
            f"{kind}: {text}. The check could not find this name in your notebook.\n"
            "  hint: run the cell with your answer before this check, and keep the exercise's name."
        )[:MESSAGE_LIMIT]
    from nnlib.checks import describe_value

    seen = f"{kind}: {text}" if text else kind
    if session is not None and session.last_call is not None:
        got = "nothing: it had not returned" if session.last_result is _NOTHING else describe_value(session.last_result)
        return (
            f"The check could not use what {session.last_call_text()} returned.\n"
            f"  returned: {got}\n  expected: what the exercise's text describes (its type and shape); "
            f"the check stopped with {seen}\n"
            "  hint: compare the type and shape of your result with the exercise's docstring "
            "(a numpy array, a number, a tuple or a list, as it says)."
        )[:MESSAGE_LIMIT]
    if session is not None and session.fetched:
        shown = ", ".join(f"{name} = {describe_value(value)}" for name, value in session.fetched.items())
        return (
            f"The check could not use {shown}.\n"
            f"  expected: the form the exercise asks for; the check stopped with {seen}\n"
            "  hint: compare the types, shapes and order of what you set with the exercise's text."
        )[:MESSAGE_LIMIT]
    return seen[:MESSAGE_LIMIT]


def references(names) -> dict:
    """{exercise name: nnlib's reference} for the grader's list of names (ValueError for a name not in the catalogue)."""
    from autograder.catalogue import reference

    if type(names) is not list or not all(type(n) is str for n in names):
        raise ValueError("'alone' must be a list of exercise names")
    try:
        return {name: reference(name) for name in names}
    except KeyError as exc:
        raise ValueError(f"unknown exercise {exc}") from None


def _vm_size() -> int:
    """This process's address space in bytes (``VmSize`` of /proc/self/status), or 0 where unknown."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def bound_memory(headroom: int | None = None) -> int | None:
    """Cap this process's address space at what it uses now plus ``headroom`` bytes (``RLIMIT_AS``).

    The judge runs the instructor's tests on what learners send, outside every learner limit: whatever a message
    makes it compute (a product of shapes the learner chose, say) must fail with a ``MemoryError``, which gives
    that learner a failed verdict, instead of taking the grading machine's memory. ``headroom`` defaults to
    ``JUDGE_MEMORY`` ($AUTOGRADER_JUDGE_MEMORY bytes, if set). Returns the limit set, or None.
    """
    if headroom is None:
        headroom = int(os.environ.get("AUTOGRADER_JUDGE_MEMORY") or JUDGE_MEMORY)
    np.ones((64, 64)) @ np.ones((64, 64))  # BLAS's threads and buffers exist before the limit
    used = _vm_size()
    if not used or headroom <= 0:
        return None
    limit = used + headroom
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit


def _listen(path: str) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o666)
    listener.listen(4)
    return listener


def serve(path: str | None = None) -> None:
    """Answer request lines on stdin with verdict lines on stdout (see the module docstring).

    ``{"listen": PATH}`` moves the judge to a new socket (one judge serves many notebooks in turn, each from
    its own sandbox); ``{"source": ..., "timeout": ...}`` accepts the agent on the current socket and judges.
    """
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing a test prints at the C level can corrupt the verdict stream
    import hypothesis.extra.numpy  # noqa: F401 - warm the imports the test cells use

    import nnlib.checks  # noqa: F401

    bound_memory()
    listener = _listen(path) if path else None
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if "listen" in request:
                if listener is not None:
                    listener.close()
                listener = _listen(str(request["listen"]))
                contract_grading.SEED = bytes.fromhex(request["seed"]) if request.get("seed") else None
                proto.write(json.dumps({"listening": True}) + "\n")
                continue
            source, timeout = str(request["source"]), float(request.get("timeout") or cell_timeout(request["source"]))
            alone = references(request.get("alone") or [])
            if listener is None:
                raise ValueError("no socket to listen on yet")
        except (ValueError, KeyError, TypeError, OSError) as exc:
            proto.write(
                json.dumps({"passed": False, "message": f"bad judge request: {exc}", "output": "", "seconds": 0.0})
                + "\n"
            )
            continue
        listener.settimeout(timeout)
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            verdict = {"passed": False, "message": _stop_message("closed", timeout), "output": "", "seconds": timeout}
        else:
            try:
                verdict = run_cell(source, sock, timeout, alone)
            except Exception:  # a bug in the judge must still give a verdict, and say where
                verdict = {
                    "passed": False,
                    "message": "The grader failed on this check:\n" + traceback.format_exc(limit=3)[-MESSAGE_LIMIT:],
                    "output": "",
                    "seconds": 0.0,
                }
        verdict["judge_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        proto.write(json.dumps(verdict) + "\n")


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else None)
