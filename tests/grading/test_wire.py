"""The data-only wire format: what travels, what is refused, and that hostile messages never become code."""

from __future__ import annotations

import json
import socket
import struct

import numpy as np
import pytest

from autograder.isolation.wire import (
    MAGIC,
    MAX_PAYLOAD,
    Decoder,
    Encoder,
    Scope,
    WireError,
    make_generator,
    pack_frame,
    recv_frame,
)


def round_trip(value, handle=None):
    enc = Encoder(Scope("j"), handle=handle)
    node = enc.encode(value)
    header = json.loads(json.dumps({"v": node}))
    return Decoder(Scope("a"), memoryview(b"".join(enc.payload)), handle=handle).decode(header["v"])


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        -(2**80),
        1.5,
        float("inf"),
        -0.0,
        2 + 3j,
        "text",
        b"\x00\x01",
        [1, (2.0, "x")],
        {"a": 1, 2: [3]},
        {(1, 2): None},
    ],
)
def test_plain_values_round_trip_with_their_types(value):
    got = round_trip(value)
    assert got == value and type(got) is type(value)


def test_nan_round_trips():
    assert np.isnan(round_trip(float("nan")))


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(12.0).reshape(3, 4),
        np.zeros((0, 3)),
        np.array(5.0),
        np.array([True, False]),
        np.arange(6, dtype=np.int32).reshape(2, 3).T,
        np.array([1 + 2j]),
    ],
)
def test_arrays_round_trip_with_shape_and_dtype(arr):
    got = round_trip(arr)
    assert type(got) is np.ndarray and got.shape == arr.shape and got.dtype == arr.dtype
    assert np.array_equal(got, arr)


def test_numpy_scalars_stay_numpy_scalars():
    got = round_trip(np.float64(2.5))
    assert type(got) is np.float64 and got == 2.5
    assert type(round_trip(np.int64(3))) is np.int64


def test_an_array_subclass_arrives_as_a_plain_array():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    got = round_trip(np.arange(3.0).view(Liar))
    assert type(got) is np.ndarray


def test_object_arrays_and_other_objects_do_not_travel_as_data():
    with pytest.raises(WireError):
        round_trip(np.array([object()]))
    with pytest.raises(WireError):
        round_trip(object())


def test_identity_inside_one_message_survives():
    x = np.ones(3)
    got = round_trip([x, x])
    assert got[0] is got[1]


def test_a_generator_travels_by_its_state_and_continues_identically():
    rng = np.random.default_rng(7)
    rng.normal(size=3)
    twin = round_trip(rng)
    assert type(twin) is np.random.Generator
    assert np.array_equal(twin.normal(size=5), rng.normal(size=5))


def test_unknown_bit_generators_are_refused():
    with pytest.raises(WireError):
        make_generator({"bit_generator": "os.system", "state": {}})


def _decode(node, payload=b"", scope=None):
    return Decoder(scope or Scope("a"), memoryview(payload)).decode(node)


@pytest.mark.parametrize(
    "node",
    [
        {"A": [0, 16], "dt": "<f8", "sh": [3]},  # shape does not match the bytes
        {"A": [8, 16], "dt": "<f8", "sh": [2]},  # span outside the payload
        {"A": [0, 8], "dt": "|O", "sh": [1]},  # object dtype
        {"A": [0, 8], "dt": "V8", "sh": [1]},  # raw void
        {"R": "j0"},  # reference to nothing
        {"S": [0, 3], "dt": "<f8"},  # scalar of the wrong size
        {"I": "9" * 5000},  # an integer too long to parse cheaply
        {"X": "__import__('os')"},  # not a special float
        {"G": {"bit_generator": "PCG64", "state": {"state": "x"}}},
        {"Q": 1},  # unknown node
        "not a node" * 0 or ["a list"],  # a bare list is not a node
    ],
)
def test_malformed_nodes_are_refused(node):
    with pytest.raises(WireError):
        _decode(node, b"\x00" * 16)


def test_a_view_must_lie_inside_its_base():
    scope = Scope("a")
    base = np.zeros(4)
    scope.remember("j0", base)
    view = _decode({"V": "j0", "off": 8, "sh": [2], "st": [8], "dt": "<f8"}, scope=scope)
    assert np.shares_memory(view, base) and view.shape == (2,)
    for bad in (
        {"V": "j0", "off": 24, "sh": [2], "st": [8], "dt": "<f8"},
        {"V": "j0", "off": 0, "sh": [2], "st": [800], "dt": "<f8"},
        {"V": "j0", "off": 0, "sh": [2], "st": [-8], "dt": "<f8"},
    ):
        with pytest.raises(WireError):
            _decode(bad, scope=scope)


def test_deep_nesting_is_refused():
    node = 1
    for _ in range(100):
        node = {"L": [node]}
    with pytest.raises(WireError):
        _decode(node)


def test_frames_with_oversized_lengths_are_refused_before_reading_them():
    a, b = socket.socketpair()
    try:
        a.sendall(MAGIC + struct.pack("<IQ", 10, MAX_PAYLOAD + 1) + b"{}")
        with pytest.raises(WireError):
            recv_frame(b)
        a.sendall(b"\x80\x04pickle!" + b"\x00" * 8)
        with pytest.raises(WireError):
            recv_frame(b)
    finally:
        a.close()
        b.close()


def test_a_frame_round_trips_over_a_socket():
    a, b = socket.socketpair()
    try:
        a.sendall(pack_frame({"op": "x", "n": [1, 2]}, [b"abc"]))
        header, payload = recv_frame(b)
        assert header == {"op": "x", "n": [1, 2]} and bytes(payload) == b"abc"
    finally:
        a.close()
        b.close()


def test_a_view_with_more_elements_than_its_base_is_refused():
    """Zero (or overlapping) strides would make 8 bytes stand for gigabytes the judge then computes with."""
    scope = Scope("a")
    base = {"A": [0, 8], "dt": "<f8", "sh": [1], "#": "k0"}
    wide = {"V": "k0", "off": 0, "sh": [17000, 1], "st": [0, 0], "dt": "<f8"}
    with pytest.raises(WireError, match="view of 17000 elements into an array of 1"):
        Decoder(scope, memoryview(bytes(8))).decode({"T": [base, wide]})


def test_views_count_by_their_full_size_against_the_message_budget(monkeypatch):
    import autograder.isolation.wire as wire

    monkeypatch.setattr(wire, "MAX_DECODED", 1000)
    base = {"A": [0, 800], "dt": "<f8", "sh": [100], "#": "k0"}
    view = {"V": "k0", "off": 0, "sh": [100], "st": [8], "dt": "<f8"}
    Decoder(Scope("a"), memoryview(bytes(800))).decode({"T": [base]})
    with pytest.raises(WireError, match="views counted in full"):
        Decoder(Scope("a"), memoryview(bytes(800))).decode({"T": [base, view]})


def test_a_broadcast_result_travels_as_its_full_data():
    """The agent describes a result as a view of an input only when it is no larger than that input."""
    x = np.arange(3.0)
    out = np.broadcast_to(x, (4, 3))
    enc = Encoder(Scope("a"), views_of={"j0": x})
    node = enc.encode(out)
    assert "A" in node and node["sh"] == [4, 3]
    got = Decoder(Scope("j"), memoryview(b"".join(enc.payload))).decode(json.loads(json.dumps(node)))
    assert np.array_equal(got, out)
