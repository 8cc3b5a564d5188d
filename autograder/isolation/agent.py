"""The agent: serves the learner's answers to the judge from inside the learner's kernel (untrusted side).

The grader never runs this module in a trusted process: ``autograder.isolation.probe.agent_code(path)`` inlines its source
(and ``autograder.isolation.wire``'s) into the code the sandboxed kernel executes in place of a graded test cell, which
ends with ``serve(path, namespace)``. The agent connects to the judge's socket and answers its requests until ``bye``:

    bind names              → while this check runs, the names of the earlier exercises this one builds on
                              stand for the grader's references (callbacks, or data), so the exercise is
                              graded on its own; the notebook's own values are put back at the end of the check
    lookup names            → each name's value as data, or a handle ("O") for a function or other object
    call handle args kwargs → runs the learner's function on the decoded arguments; replies with the result
                              and every argument it changed in place (arrays, lists, dicts, generators)
    (while a call runs)     ← the agent sends "callback" when the learner's code calls a function the test
                              passed in; the judge runs it and answers with data

Everything here runs under the learner's control (it is in their kernel), so the judge trusts none of it:
it only ever reads data from the agent. Learner code that changes this agent can only spoil its own grade.
"""

from __future__ import annotations

import socket
import traceback

import numpy as np

from autograder.isolation.wire import (
    Decoder,
    Encoder,
    Scope,
    WireError,
    changed_since,
    contiguous,
    recv_frame,
    send_frame,
    snapshot,
)

MESSAGE_LIMIT = 2000
_MISSING = object()


class _Agent:
    def __init__(self, sock, namespace: dict):
        self.sock = sock
        self.namespace = namespace
        self.handles: dict[int, object] = {}
        self._ids: dict[int, int] = {}
        self.saved: dict[str, object] = {}

    # --- handles for what is not data ---------------------------------------------------------------
    def _handle(self, obj):
        key = self._ids.get(id(obj))
        if key is None:
            key = len(self.handles) + 1
            self.handles[key] = obj
            self._ids[id(obj)] = key
        return {
            "O": key,
            "t": type(obj).__name__[:80],
            "c": callable(obj),
            "n": str(getattr(obj, "__name__", type(obj).__name__))[:80],
        }

    def _resolve(self, node):
        if "O" in node:
            obj = self.handles.get(node["O"]) if type(node["O"]) is int else None
            if obj is None:
                raise WireError("unknown handle")
            return obj
        if type(node.get("F")) is int:
            return _Callback(self, node["F"], str(node.get("n", "callback"))[:80])
        raise WireError("bad handle")

    # --- the loop -----------------------------------------------------------------------------------
    def serve(self) -> None:
        send_frame(self.sock, {"op": "hello"}, [])
        while True:
            header, payload = recv_frame(self.sock)
            op = header.get("op")
            if op == "bye":
                return
            if op == "bind":
                self._bind(header, payload)
            elif op == "lookup":
                self._lookup(header.get("names", []))
            elif op == "call":
                self._call(header, payload)
            else:
                raise WireError(f"unexpected request {op!r}")

    def _bind(self, header, payload) -> None:
        names = Decoder(Scope("n"), payload, handle=self._resolve).decode(header.get("names"))
        if type(names) is not dict or not all(type(k) is str for k in names):
            raise WireError("bad bind")
        for name, value in names.items():
            self.saved.setdefault(name, self.namespace.get(name, _MISSING))
            self.namespace[name] = value
        send_frame(self.sock, {"op": "bound"}, [])

    def restore(self) -> None:
        """Put the notebook's own values of the bound names back."""
        for name, value in self.saved.items():
            if value is _MISSING:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value
        self.saved.clear()

    def _lookup(self, names) -> None:
        scope = Scope("a")
        enc = Encoder(scope, handle=self._handle)
        values = {}
        for name in names:
            if type(name) is not str:
                continue
            if name not in self.namespace:
                values[name] = {"missing": True}
                continue
            value = self.namespace[name]
            if type(value).__name__ == "module":
                values[name] = {"module": getattr(value, "__name__", "?")}
                continue
            try:
                values[name] = {"value": enc.encode(value)}
            except WireError as exc:
                values[name] = {"error": str(exc)[:MESSAGE_LIMIT]}
        send_frame(self.sock, {"op": "values", "values": values}, enc.payload)

    def _call(self, header, payload) -> None:
        scope = Scope("a")
        dec = Decoder(scope, payload, handle=self._resolve)
        func = self._resolve(header.get("f", {})) if type(header.get("f")) is dict else None
        args = dec.decode(header.get("args"))
        kwargs = dec.decode(header.get("kwargs"))
        if not callable(func) or type(args) is not tuple or type(kwargs) is not dict:
            raise WireError("bad call")
        inputs = {key: obj for key, obj in scope.objects.items() if key.startswith("j")}
        before = {key: snapshot(obj) for key, obj in inputs.items()}
        states = {key: obj.bit_generator.state for key, obj in inputs.items() if type(obj) is np.random.Generator}
        errstate = header.get("errstate")
        if type(errstate) is not dict or not all(
            k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "print")
            for k, v in errstate.items()
        ):
            errstate = {}
        try:
            with np.errstate(**errstate):
                result = func(*args, **kwargs)
        except Exception as exc:  # the learner's exception travels as its type names and message
            names = [c.__name__ for c in type(exc).__mro__][:12]
            text = f"{exc}"[:MESSAGE_LIMIT]
            where = "".join(traceback.format_exception_only(type(exc), exc))[-MESSAGE_LIMIT:]
            send_frame(
                self.sock,
                {
                    "op": "raise",
                    "types": names,
                    "msg": text,
                    "where": where,
                    "changed": self._changes(inputs, before, states, None)[0],
                },
                [],
            )
            return
        views = {key: obj for key, obj in inputs.items() if type(obj) is np.ndarray}
        enc = Encoder(scope, handle=self._handle, views_of=views)
        changed, enc = self._changes(inputs, before, states, enc)
        node = enc.encode(result)
        send_frame(self.sock, {"op": "return", "value": node, "changed": changed}, enc.payload)

    def _changes(self, inputs, before, states, enc):
        """[[key, node], ...] for every input changed in place during the call."""
        if enc is None:
            enc = Encoder(Scope("c"), handle=self._handle)
        changed = []
        for key, obj in inputs.items():
            if type(obj) is np.random.Generator:
                if obj.bit_generator.state != states[key]:
                    changed.append([key, {"G": _gen_state(obj)}])
            elif before[key] is not None and changed_since(before[key], obj):
                changed.append([key, _content(enc, obj)])
        return changed, enc


def _gen_state(rng):
    from autograder.isolation.wire import generator_state

    return generator_state(rng)


def _content(enc: Encoder, obj):
    """The node for an object's current content, even when the other side already knows the object."""
    if type(obj) is np.ndarray:
        arr = contiguous(obj)
        return {"A": enc._blob(arr.tobytes()), "dt": arr.dtype.str, "sh": list(arr.shape)}
    if type(obj) is list:
        return {"L": [enc.encode(v, 1) for v in obj]}
    return {"D": [[enc.encode(k, 1), enc.encode(v, 1)] for k, v in obj.items()]}


class _Callback:
    """Stands in the learner's kernel for a function the test passed in; calling it asks the judge."""

    def __init__(self, agent: _Agent, key: int, name: str):
        self._agent, self._key, self.__name__ = agent, key, name

    def __repr__(self) -> str:
        return f"<function {self.__name__} (the grader's)>"

    def __call__(self, *args, **kwargs):
        agent = self._agent
        enc = Encoder(Scope("k"), handle=agent._handle)
        header = {"op": "callback", "f": self._key, "args": enc.encode(tuple(args)), "kwargs": enc.encode(dict(kwargs))}
        send_frame(agent.sock, header, enc.payload)
        while True:
            reply, payload = recv_frame(agent.sock)
            op = reply.get("op")
            if op == "call":  # the callback called back into the learner's code
                agent._call(reply, payload)
                continue
            if op == "return":
                return Decoder(Scope("r"), payload, handle=agent._resolve).decode(reply.get("value"))
            if op == "raise":
                raise RuntimeError(f"{self.__name__} raised: {str(reply.get('msg', ''))[:MESSAGE_LIMIT]}")
            raise WireError(f"unexpected reply {op!r} to a callback")


def serve(path: str, namespace: dict) -> None:
    """Connect to the judge at ``path`` and serve ``namespace``'s answers until the judge says bye."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    agent = _Agent(sock, namespace)
    try:
        sock.connect(path)
        agent.serve()
    except (EOFError, OSError):
        pass  # the judge closed the connection (a deadline, or the end of the check)
    finally:
        agent.restore()
        sock.close()
