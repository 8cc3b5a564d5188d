"""The data-only wire format between the judge and the learner's sandbox (stdlib and numpy only).

Both sides speak it: the judge (trusted) and the agent that runs inside the learner's kernel (untrusted).
Nothing on the wire is code: a message is a JSON header plus raw array bytes, decoded without pickle,
``eval`` or imports. What can travel:

    None, bool, int, float, complex, str, bytes            as themselves
    list, tuple, dict (keys: str/int/float/bool/None/tuple) nested up to MAX_DEPTH
    numpy.ndarray of a bool, integer, float or complex dtype, and numpy scalars of those dtypes
    numpy.random.Generator                                 by its bit generator's state (PCG64 and friends)
    a view of an array already known in the same call      ("V": base, byte offset, shape, strides)
    a reference to an object already sent in the same call  ("R": id): identity survives the round trip
    a handle to a function or object that stays on its own side ("F" on the judge's side, "O" on the agent's)

Frame: ``MAGIC``, u32 header length, u64 payload length, the header (UTF-8 JSON), the payload (the arrays'
bytes, back to back). Every length is capped (``MAX_HEADER``, ``MAX_PAYLOAD``) and every node is checked
against the schema before anything is built; a message that breaks a rule raises :class:`WireError` naming
the rule. Arrays are rebuilt with ``numpy.frombuffer`` on an allow-listed dtype and copied, so the result
owns its memory; views are rebuilt with ``numpy.ndarray(buffer=base)``, which checks the bounds. A view may not
have more elements than its base (zero or overlapping strides would make a few bytes compute as gigabytes), and
the arrays and views of one message together stand for at most ``MAX_DECODED`` bytes, each view counted in full.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

MAGIC = b"NNW1"
MAX_HEADER = 4 << 20  # bytes of JSON in one message
MAX_PAYLOAD = 256 << 20  # bytes of array data in one message
MAX_DECODED = 256 << 20  # bytes the arrays of one message stand for, each view counted by its full size
MAX_DEPTH = 40
MAX_NODES = 200_000
MAX_NDIM = 32
ALLOWED_KINDS = "biufc"  # bool, signed/unsigned integers, floats, complex
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_PRIMITIVE_KEYS = (str, int, float, bool, type(None))


class WireError(ValueError):
    """A message broke the wire format's rules (the text says which)."""


# ----------------------------------------------------------------------------------------------------
# framing
# ----------------------------------------------------------------------------------------------------
def pack_frame(header: dict, payload: list[bytes]) -> bytes:
    head = json.dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    size = sum(len(p) for p in payload)
    if len(head) > MAX_HEADER:
        raise WireError(f"message header of {len(head)} bytes exceeds {MAX_HEADER}")
    if size > MAX_PAYLOAD:
        raise WireError(f"message arrays of {size} bytes exceed {MAX_PAYLOAD}")
    return b"".join([MAGIC, struct.pack("<IQ", len(head), size), head, *payload])


def _recv_exact(sock, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_frame(sock) -> tuple[dict, memoryview]:
    """Read one frame from a socket; the socket's own timeout bounds every read."""
    fixed = _recv_exact(sock, len(MAGIC) + 12)
    if fixed[:4] != MAGIC:
        raise WireError("not a wire message (bad magic bytes)")
    head_len, size = struct.unpack("<IQ", fixed[4:])
    if head_len > MAX_HEADER:
        raise WireError(f"message header of {head_len} bytes exceeds {MAX_HEADER}")
    if size > MAX_PAYLOAD:
        raise WireError(f"message arrays of {size} bytes exceed {MAX_PAYLOAD}")
    head = _recv_exact(sock, head_len)
    payload = memoryview(_recv_exact(sock, size)) if size else memoryview(b"")
    try:
        header = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError(f"message header is not JSON ({exc})") from None
    if type(header) is not dict:
        raise WireError("message header is not a JSON object")
    return header, payload


def send_frame(sock, header: dict, payload: list[bytes]) -> None:
    sock.sendall(pack_frame(header, payload))


# ----------------------------------------------------------------------------------------------------
# values
# ----------------------------------------------------------------------------------------------------
class Scope:
    """What one side knows during one call: objects by id, so references and views resolve.

    ``objects``: id → object; ``ids``: id(object) → id. Ids are strings: "j7" made by the judge, "a3" by the
    agent, so the two sides never collide.
    """

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.objects: dict[str, object] = {}
        self.ids: dict[int, str] = {}
        self._next = 0

    def name(self, obj) -> str:
        key = self.ids.get(id(obj))
        if key is None:
            key = f"{self.prefix}{self._next}"
            self._next += 1
            self.ids[id(obj)] = key
            self.objects[key] = obj
        return key

    def known(self, obj) -> str | None:
        return self.ids.get(id(obj))

    def remember(self, key: str, obj) -> None:
        self.objects[key] = obj
        self.ids[id(obj)] = key


class Encoder:
    """Turns a value into a JSON-able node and a list of payload buffers.

    handle(obj) → node, for what is not data (functions, other objects): the side decides (a callback on the
    judge's side, a remote object on the agent's side). With ``strict`` the encoder refuses such objects.
    """

    def __init__(self, scope: Scope, handle=None, views_of: dict | None = None):
        self.scope = scope
        self.handle = handle
        self.payload: list[bytes] = []
        self._offset = 0
        self._nodes = 0
        self.views_of = views_of  # id → array: bases a result may be a view of

    def _blob(self, data: bytes) -> list[int]:
        start = self._offset
        self.payload.append(data)
        self._offset += len(data)
        return [start, len(data)]

    def encode(self, value, depth: int = 0):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise WireError(f"value has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise WireError(f"value nests deeper than {MAX_DEPTH} levels")
        t = type(value)
        if value is None or t is bool or t is str:
            return value
        if t is int:
            return value if abs(value) < 2**53 else {"I": str(value)}
        if t is float:
            return value if math.isfinite(value) else {"X": repr(value)}
        if t is complex:
            return {"C": [self.encode(value.real, depth + 1), self.encode(value.imag, depth + 1)]}
        if t is bytes:
            return {"B": self._blob(value)}
        known = self.scope.known(value)
        if known is not None and t in (list, tuple, dict, np.ndarray, np.random.Generator):
            return {"R": known}
        if isinstance(value, np.generic) and value.dtype.kind in ALLOWED_KINDS:
            arr = np.asarray(value)
            return {"S": self._blob(arr.tobytes()), "dt": arr.dtype.str}
        if isinstance(value, np.ndarray):
            return self._array(value)
        if t is list or t is tuple:
            key = self.scope.name(value)
            items = [self.encode(v, depth + 1) for v in value]
            return {"L" if t is list else "T": items, "#": key}
        if t is dict:
            key = self.scope.name(value)
            items = []
            for k, v in value.items():
                if type(k) not in _PRIMITIVE_KEYS and type(k) is not tuple:
                    raise WireError(f"dict key of type {type(k).__name__} cannot travel")
                items.append([self.encode(k, depth + 1), self.encode(v, depth + 1)])
            return {"D": items, "#": key}
        if t is np.random.Generator:
            key = self.scope.name(value)
            return {"G": generator_state(value), "#": key}
        if self.handle is None:
            raise WireError(f"a {t.__module__}.{t.__qualname__} cannot travel as data")
        return self.handle(value)

    def _array(self, value: np.ndarray):
        if value.dtype.kind not in ALLOWED_KINDS or value.dtype.fields is not None:
            if self.handle is None:
                raise WireError(f"an array of dtype {value.dtype} cannot travel as data")
            return self.handle(value)
        if self.views_of:
            view = self._as_view(value)
            if view is not None:
                return view
        arr = contiguous(value)  # also turns a subclass into its plain data
        arr = arr.view(np.ndarray) if type(arr) is not np.ndarray else arr
        if arr.ndim > MAX_NDIM:
            raise WireError(f"array has {arr.ndim} dimensions (at most {MAX_NDIM})")
        node = {"A": self._blob(arr.tobytes()), "dt": arr.dtype.str, "sh": list(arr.shape)}
        if type(value) is np.ndarray:
            node["#"] = self.scope.name(value)
        return node

    def _as_view(self, value: np.ndarray):
        """If ``value`` is a view into an array the other side knows, describe it as such."""
        if type(value) is not np.ndarray:
            return None
        for key, base in self.views_of.items():
            if base is value or not np.shares_memory(base, value) or base.dtype != value.dtype:
                continue
            if not base.flags.c_contiguous or value.size > base.size:  # a broadcast travels as its full data
                continue
            offset = value.__array_interface__["data"][0] - base.__array_interface__["data"][0]
            strides = value.strides
            return {
                "V": key,
                "off": int(offset),
                "sh": list(value.shape),
                "st": list(strides),
                "dt": value.dtype.str,
                "#": self.scope.name(value),
            }
        return None


def contiguous(arr: np.ndarray) -> np.ndarray:
    """A C-contiguous plain ndarray with ``arr``'s data and shape (0-d stays 0-d, unlike ascontiguousarray)."""
    return np.asarray(arr, order="C")


def generator_state(rng: np.random.Generator) -> dict:
    state = rng.bit_generator.state
    return _jsonable_state(state)


def _jsonable_state(value):
    if isinstance(value, dict):
        return {str(k): _jsonable_state(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, (int, np.integer)):
        return {"__int__": str(int(value))}
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    raise WireError(f"bit generator state holds a {type(value).__name__}")


def _state_from_json(value, depth: int = 0):
    if depth > 6:
        raise WireError("bit generator state nests too deep")
    if type(value) is dict:
        if set(value) == {"__int__"}:
            text = value["__int__"]
            if type(text) is not str or len(text) > 400:
                raise WireError("bit generator state has a bad integer")
            return int(text)
        if set(value) == {"__array__", "dtype"}:
            dt = _dtype(value["dtype"])
            if dt.kind not in "iu":
                raise WireError("bit generator state array must hold integers")
            data = value["__array__"]
            if type(data) is not list or len(data) > 1000:
                raise WireError("bit generator state array is too large")
            return np.array(data, dtype=dt)
        return {str(k): _state_from_json(v, depth + 1) for k, v in value.items()}
    if type(value) in (str, float, int):
        return value
    raise WireError("bit generator state has a bad value")


def make_generator(state) -> np.random.Generator:
    state = _state_from_json(state)
    name = state.get("bit_generator") if type(state) is dict else None
    if name not in BIT_GENERATORS:
        raise WireError(f"unknown bit generator {name!r}")
    bitgen = getattr(np.random, name)()
    try:
        bitgen.state = state
    except (TypeError, ValueError, KeyError) as exc:
        raise WireError(f"bad {name} state ({exc})") from None
    return np.random.Generator(bitgen)


def _dtype(text) -> np.dtype:
    if type(text) is not str or len(text) > 8:
        raise WireError("bad dtype")
    try:
        dt = np.dtype(text)
    except TypeError:
        raise WireError(f"bad dtype {text!r}") from None
    if dt.kind not in ALLOWED_KINDS or dt.fields is not None or dt.subdtype is not None:
        raise WireError(f"dtype {text!r} is not allowed")
    return dt


def _shape(value) -> tuple[int, ...]:
    if type(value) is not list or len(value) > MAX_NDIM or any(type(n) is not int or n < 0 for n in value):
        raise WireError("bad array shape")
    return tuple(value)


class Decoder:
    """Rebuilds values from nodes. ``handle(node)`` builds what an "F"/"O" node stands for on this side."""

    def __init__(self, scope: Scope, payload: memoryview, handle=None):
        self.scope = scope
        self.payload = payload
        self.handle = handle
        self._nodes = 0
        self._decoded = 0

    def _count(self, nbytes: int) -> None:
        """Count the bytes an array or view stands for (a view by its full size) against ``MAX_DECODED``."""
        self._decoded += nbytes
        if self._decoded > MAX_DECODED:
            raise WireError(f"message arrays stand for more than {MAX_DECODED} bytes (views counted in full)")

    def _bytes(self, span) -> memoryview:
        if type(span) is not list or len(span) != 2 or any(type(n) is not int or n < 0 for n in span):
            raise WireError("bad payload span")
        start, length = span
        if start + length > len(self.payload):
            raise WireError("payload span outside the message")
        return self.payload[start : start + length]

    def decode(self, node, depth: int = 0):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise WireError(f"value has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise WireError(f"value nests deeper than {MAX_DEPTH} levels")
        t = type(node)
        if node is None or t in (bool, str, float):
            return node
        if t is int:
            return node
        if t is not dict or not node:
            raise WireError(f"unexpected {t.__name__} in message")
        key = node.get("#")
        if key is not None and type(key) is not str:
            raise WireError("bad object id")
        if "I" in node:
            text = node["I"]
            if type(text) is not str or len(text) > 400:
                raise WireError("bad big integer")
            return int(text)
        if "X" in node:
            if node["X"] not in ("nan", "inf", "-inf"):
                raise WireError("bad special float")
            return float(node["X"])
        if "C" in node:
            parts = node["C"]
            if type(parts) is not list or len(parts) != 2:
                raise WireError("bad complex")
            re_, im = (self.decode(p, depth + 1) for p in parts)
            if type(re_) is not float or type(im) is not float:
                raise WireError("bad complex")
            return complex(re_, im)
        if "B" in node:
            return bytes(self._bytes(node["B"]))
        if "R" in node:
            ref = node["R"]
            if type(ref) is not str or ref not in self.scope.objects:
                raise WireError(f"reference to an unknown object {ref!r}")
            return self.scope.objects[ref]
        if "S" in node:
            dt = _dtype(node.get("dt"))
            data = self._bytes(node["S"])
            if len(data) != dt.itemsize:
                raise WireError("numpy scalar of the wrong size")
            return np.frombuffer(data, dtype=dt).copy()[0]
        if "A" in node:
            dt, shape = _dtype(node.get("dt")), _shape(node.get("sh"))
            data = self._bytes(node["A"])
            count = math.prod(shape)
            if count * dt.itemsize != len(data):
                raise WireError(f"array of shape {shape} and dtype {dt} does not match its {len(data)} bytes")
            self._count(len(data))
            arr = np.frombuffer(data, dtype=dt).copy().reshape(shape)
            if key is not None:
                self.scope.remember(key, arr)
            return arr
        if "V" in node:
            base = self.scope.objects.get(node["V"]) if type(node["V"]) is str else None
            if type(base) is not np.ndarray or not base.flags.c_contiguous:
                raise WireError("view of an unknown array")
            dt, shape = _dtype(node.get("dt")), _shape(node.get("sh"))
            strides = node.get("st")
            off = node.get("off")
            if (
                dt != base.dtype
                or type(off) is not int
                or off < 0
                or type(strides) is not list
                or len(strides) != len(shape)
                or any(type(s) is not int for s in strides)
            ):
                raise WireError("bad array view")
            count = math.prod(shape)
            if count > base.size:  # zero or overlapping strides: a few bytes that compute as gigabytes
                raise WireError(
                    f"a view of {count} elements into an array of {base.size} (zero or overlapping strides) is refused"
                )
            self._count(count * dt.itemsize)
            try:  # numpy checks that every element lies inside the base's buffer
                arr = np.ndarray(shape, dtype=dt, buffer=base, offset=off, strides=tuple(strides))
            except (TypeError, ValueError) as exc:
                raise WireError(f"bad array view ({exc})") from None
            if key is not None:
                self.scope.remember(key, arr)
            return arr
        if "L" in node or "T" in node:
            items = node.get("L", node.get("T"))
            if type(items) is not list:
                raise WireError("bad sequence")
            if "L" in node:
                out = []
                if key is not None:
                    self.scope.remember(key, out)
                out.extend(self.decode(v, depth + 1) for v in items)
                return out
            out = tuple(self.decode(v, depth + 1) for v in items)
            if key is not None:
                self.scope.remember(key, out)
            return out
        if "D" in node:
            items = node["D"]
            if type(items) is not list:
                raise WireError("bad dict")
            out = {}
            if key is not None:
                self.scope.remember(key, out)
            for pair in items:
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("bad dict item")
                k = self.decode(pair[0], depth + 1)
                if type(k) not in _PRIMITIVE_KEYS and type(k) is not tuple:
                    raise WireError("bad dict key")
                try:
                    out[k] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise WireError("unhashable dict key") from None
            return out
        if "G" in node:
            rng = make_generator(node["G"])
            if key is not None:
                self.scope.remember(key, rng)
            return rng
        if ("F" in node or "O" in node) and self.handle is not None:
            return self.handle(node)
        raise WireError(f"unknown node {sorted(node)[:3]}")


def changed_since(before, after) -> bool:
    """True when a snapshot ``before`` (a copy) and the live value ``after`` differ (arrays: shape/dtype/bytes)."""
    if type(before) is np.ndarray:
        return (
            type(after) is not np.ndarray
            or before.shape != after.shape
            or before.dtype != after.dtype
            or before.tobytes() != contiguous(after).tobytes()
        )
    if type(before) is list:
        return type(after) is not list or len(before) != len(after) or any(a is not b for a, b in zip(before, after))
    if type(before) is dict:
        return (
            type(after) is not dict or before.keys() != after.keys() or any(before[k] is not after[k] for k in before)
        )
    return False


def snapshot(obj):
    """A shallow copy that ``changed_since`` can compare with (arrays: a copy of the data)."""
    if type(obj) is np.ndarray:
        return obj.copy()
    if type(obj) is list:
        return list(obj)
    if type(obj) is dict:
        return dict(obj)
    return None
