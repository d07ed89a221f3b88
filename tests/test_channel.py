"""The channel's reader of a worker's messages, and the log stream's reader, under fuzzing:
random, truncated and corrupted frames get a ProtocolError (or wait for more, or EOF),
never another exception, a message of a type the harness did not declare, or a buffer
the size a frame claims."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_lambda.environments.process import channel
from pytest_lambda.environments.process.channel import (
    MessageReader,
    ProtocolError,
    decode_frame,
    encode_message,
)
from pytest_lambda.environments.process.messages import Learned, Restored, TemplateReady
from pytest_lambda.environments.process.worker import Hello
from pytest_lambda.errors import ErrorKind, LambdaError
from pytest_lambda.logs import DEFAULT_FRAME_TYPE, RecordReader, frame
from pytest_lambda.runtime import InitOutcome, InvokeOutcome

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_FRAME = 4096

texts = st.text(max_size=50)
errors = st.builds(
    LambdaError.build,
    st.sampled_from(ErrorKind),
    texts,
    texts,
    request_id=texts,
    stack_trace=st.lists(texts, max_size=3),
)
messages = st.one_of(
    st.builds(
        InvokeOutcome,
        st.sampled_from(["success", "error", "timeout"]),
        st.none() | st.binary(max_size=200),
        st.none() | errors,
        st.floats(min_value=0, max_value=1e6),
        environment_lost=st.booleans(),
    ),
    st.builds(InitOutcome, st.floats(min_value=0, max_value=1e6), st.none() | errors),
    st.builds(
        Hello, st.integers(1, 2**22), st.booleans(), st.booleans(), st.booleans(), st.booleans()
    ),
    # Templates, workers (what their Init imported) and restored environments.
    st.builds(
        TemplateReady,
        st.integers(1, 2**22),
        st.dictionaries(texts, st.none() | texts, max_size=3),
        st.floats(min_value=0, max_value=1e6),
        st.floats(min_value=0, max_value=1e6),
        st.tuples(texts),
        st.booleans(),
    ),
    st.builds(
        Learned,
        st.lists(texts, max_size=3).map(tuple),
        st.lists(st.tuples(texts, texts), max_size=3).map(tuple),
    ),
    st.builds(Restored, st.floats(min_value=0, max_value=1e6), st.none() | errors),
)


@contextmanager
def pipe() -> Iterator[tuple[socket.socket, socket.socket]]:
    writer, reader = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    reader.setblocking(False)
    try:
        yield writer, reader
    finally:
        writer.close()
        reader.close()


def read_all(reader: MessageReader, sock: socket.socket) -> list[object]:
    """What the reader makes of what the socket holds now (None: it waits for more)."""
    found = []
    while True:
        message = reader.read(sock)
        if message is None:
            return found
        found.append(message)


def registered(message: object) -> bool:
    return type(message) in {
        InvokeOutcome,
        InitOutcome,
        Hello,
        channel.Ready,
        channel.Exited,
        TemplateReady,
        Learned,
        Restored,
    }


@FUZZ
@given(message=messages, chunk=st.integers(1, 64))
def test_every_message_arrives_as_it_was_sent_in_any_chunks(message, chunk: int) -> None:
    data = encode_message(message)
    reader = MessageReader()
    received = []
    with pipe() as (writer, sock):
        for start in range(0, len(data), chunk):
            writer.sendall(data[start : start + chunk])
            received += read_all(reader, sock)
    assert received == [message]


@FUZZ
@given(data=st.binary(max_size=2048), chunk=st.integers(1, 512))
def test_random_bytes_are_refused_or_awaited(data: bytes, chunk: int) -> None:
    reader = MessageReader(max_frame=SMALL_FRAME)
    with pipe() as (writer, sock):
        try:
            for start in range(0, len(data), chunk):
                writer.sendall(data[start : start + chunk])
                assert all(registered(m) for m in read_all(reader, sock))
            writer.close()
            read_all(reader, sock)
        except (ProtocolError, EOFError):
            pass
        assert reader._body is None or len(reader._body) <= SMALL_FRAME


@FUZZ
@given(message=messages, data=st.data())
def test_a_truncated_frame_is_never_a_message(message, data: st.DataObject) -> None:
    encoded = encode_message(message)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    reader = MessageReader()
    with pipe() as (writer, sock):
        writer.sendall(encoded[:cut])
        assert read_all(reader, sock) == []
        writer.close()
        with pytest.raises(EOFError):
            read_all(reader, sock)


@FUZZ
@given(message=messages, data=st.data())
def test_a_corrupted_frame_is_refused_or_a_checked_message(message, data: st.DataObject) -> None:
    encoded = bytearray(encode_message(message))
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(encoded) - 1))
        encoded[index] = data.draw(st.integers(0, 255))
    try:
        decoded = decode_frame(bytes(encoded))
    except ProtocolError:
        return
    assert registered(decoded)


@FUZZ
@given(claimed=st.integers(SMALL_FRAME + 1, 2**32 - 1))
def test_no_frame_longer_than_the_cap_is_allocated(claimed: int) -> None:
    reader = MessageReader(max_frame=SMALL_FRAME)
    with pipe() as (writer, sock):
        writer.sendall(struct.pack("!I", claimed) + b"x" * 16)
        with pytest.raises(ProtocolError, match="over the limit"):
            read_all(reader, sock)


@pytest.mark.parametrize(
    "header",
    [
        b"[]",
        b'{"t": "InvokeOutcome"}',
        b'{"t": "Pickle", "f": {}, "a": []}',
        b'{"t": "Hello", "f": {"pid": "1"}, "a": []}',
        b'{"t": "Exited", "f": {"pid": 1, "status": NaN}, "a": []}',
        b"[" * 100_000,
        b'{"t": "Exited", "f": {"pid": 1' + b"0" * 5000 + b', "status": 0}, "a": []}',
    ],
)
def test_headers_that_are_not_the_harness_s_are_refused(header: bytes) -> None:
    body = struct.pack("!I", len(header)) + header
    with pytest.raises(ProtocolError):
        decode_frame(struct.pack("!I", len(body)) + body)


def test_registering_a_field_the_type_does_not_have_fails() -> None:
    with pytest.raises(TypeError, match="no field"):
        channel.register(channel.Exited, signal=channel.INT)


TOKEN = b"0123456789abcdef"
CAP = 1024


@FUZZ
@given(
    parts=st.lists(
        st.one_of(
            st.binary(max_size=300),
            st.builds(lambda text: frame(TOKEN, DEFAULT_FRAME_TYPE, text), st.text(max_size=200)),
            st.builds(
                lambda length, tail: TOKEN + struct.pack(">IIQ", 0, length, 0) + tail,
                st.integers(0, 2**32 - 1),
                st.binary(max_size=300),
            ),
        ),
        max_size=20,
    ),
    chunk=st.integers(1, 97),
)
def test_the_log_stream_never_holds_more_than_its_cap(parts: list[bytes], chunk: int) -> None:
    """A frame's header is the function's to forge (it can find the token): a length
    beyond the cap is dropped as it arrives, never waited for in memory."""
    reader = RecordReader(TOKEN, cap_bytes=CAP)
    stream = b"".join(parts)
    for start in range(0, len(stream), chunk):
        reader.feed(stream[start : start + chunk])
        assert len(reader._pending) <= CAP + len(TOKEN) + 16
    records = reader.end_phase("invoke")
    kept = sum(len(r.text) for r in records if not r.text.startswith("[pytest-lambda]"))
    assert kept <= CAP


def test_a_forged_frame_of_4_gb_is_dropped_as_it_arrives() -> None:
    reader = RecordReader(TOKEN, cap_bytes=CAP)
    reader.feed(b"before\n" + TOKEN + struct.pack(">IIQ", 0, 2**32 - 1, 0))
    for _ in range(100):
        reader.feed(b"x" * 1000)
        assert len(reader._pending) <= CAP
    records = reader.end_phase("invoke")
    assert records[0].text == "before"
    assert records[-1].text.startswith("[pytest-lambda] log output truncated: 100,000 more")


READY_REST = {"import_ms": 1.0, "warm_ms": 1.0, "failed": [], "read_all": False}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"pid": 7, "reads": {"TABLE": 1}, **READY_REST}, "a string"),
        ({"pid": 7, "reads": ["TABLE"], **READY_REST}, "an object"),
        ({"pid": "7", "reads": {}, **READY_REST}, "an integer"),
    ],
)
def test_a_template_s_forged_ready_is_refused(fields: dict[str, object], problem: str) -> None:
    header = json.dumps({"t": "TemplateReady", "f": fields, "a": []}).encode()
    body = struct.pack("!I", len(header)) + header
    with pytest.raises(ProtocolError, match=problem):
        decode_frame(struct.pack("!I", len(body)) + body)


def test_a_learned_model_is_a_pair() -> None:
    fields = {"modules": ["boto3"], "models": [["s3", "service-2", "extra"]]}
    header = json.dumps({"t": "Learned", "f": fields, "a": []}).encode()
    body = struct.pack("!I", len(header)) + header
    with pytest.raises(ProtocolError, match="a pair"):
        decode_frame(struct.pack("!I", len(body)) + body)
