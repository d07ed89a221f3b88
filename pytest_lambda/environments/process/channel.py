"""Messages between the test process and the processes of process isolation.

The two directions are not alike. The test process is trusted: what it sends a worker
(a request, the order to close) and the fork server (a worker's spec) is pickled, the
cheapest encoding there is for the dataclasses both ends share (`encode_pickled`,
`receive_pickled`). A worker is not: once Init has started, the function's code runs in
it and can write anything on the worker's descriptors, its end of this channel included.
So nothing a worker sends is unpickled, and no length it claims is believed: its messages
are an explicit encoding of the harness's own message types, read by `MessageReader`
without ever blocking (the caller polls, with the request's deadline) and refused
(`ProtocolError`) when they are malformed or larger than `MAX_FRAME_BYTES`. The fork
server cannot be reached by a handler (a worker closes the control socket first thing),
but its messages (Ready, Exited) use the same encoding: no process but the test process
itself ever has a pickle loaded there.

Frame (both directions):

    length (4 bytes, big-endian) | body

Body of an explicitly encoded message:

    header length (4 bytes, big-endian) | header (UTF-8 JSON) | attachments

The header is `{"t": <type name>, "f": {<field>: <value>}, "a": [<attachment sizes>]}`;
a `bytes` field's value is the index of its attachment, which follows the header raw (a
6 MB response is not escaped into JSON).

The registry: a message type is a dataclass declared once with `register`, in the module
that defines it (the runtime's outcomes, which the core layer defines, here), naming
each field that travels and its kind:

    register(Hello, pid=INT, coverage=BOOL, tmp_limited=BOOL, user_namespace=BOOL)

Kinds: STR, INT, FLOAT, BOOL, BYTES, JSON (a value JSON holds), `optional(kind)`,
`list_of(kind)`, `tuple_of(kind)`, `pair_of(kind, kind)`, `dict_of(kind)` (string keys),
`one_of(*values)`, `enum_of(EnumType)`, and LAMBDA_ERROR. Fields not
named keep their defaults on arrival. Decoding checks every field against its kind, and
the type name against the registry; a type is built only from what was checked.
"""

from __future__ import annotations

import enum
import json
import math
import pickle
import socket
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from ...errors import ErrorKind, LambdaError
from ...logs import DEFAULT_LOG_CAP_BYTES
from ...runtime import MAX_RESPONSE_BYTES, InitOutcome, InvokeOutcome

_LENGTH = struct.Struct("!I")
# Room for a response or an error payload at the Invoke API's limit (anything larger
# crosses as its size only), for records up to a phase's log cap, and for the envelope.
MAX_FRAME_BYTES = MAX_RESPONSE_BYTES + DEFAULT_LOG_CAP_BYTES + (64 << 10)
# Small messages go out in one sendall; big ones skip the copy of header + body.
_COALESCE_LIMIT = 64 * 1024

T = TypeVar("T")


class ProtocolError(Exception):
    """What a worker sent is not a message of the harness's (or is too large)."""


# ---------------------------------------------------------------- trusted direction


def encode_pickled(message: Any) -> bytes:
    """A frame for the worker: the test process's own objects, pickled."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def receive_pickled(sock: socket.socket) -> Any:
    """In a worker: the test process's next message; EOFError when it is gone."""
    (size,) = _LENGTH.unpack(receive_exactly(sock, _LENGTH.size))
    return pickle.loads(receive_exactly(sock, size))


def receive_exactly(sock: socket.socket, size: int) -> bytearray:
    """`size` bytes from a blocking socket; EOFError when the other end closes first."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:], size - received)
        if count == 0:
            raise EOFError("the other end closed the channel")
        received += count
    return buffer


# ---------------------------------------------------------------- field kinds


class Kind:
    """How one field travels: to a JSON value (bytes as attachments) and back, checked."""

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        return value

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        raise NotImplementedError


class _Scalar(Kind):
    def __init__(self, name: str, check: Callable[[Any], bool]) -> None:
        self.name = name
        self._check = check

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if not self._check(value):
            raise ProtocolError(f"expected {self.name}, got {type(value).__name__}")
        return value


class _Float(Kind):
    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProtocolError(f"expected a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ProtocolError("expected a finite number")
        return float(value)


class _Bytes(Kind):
    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        attachments.append(value)
        return len(attachments) - 1

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError("expected an attachment's index")
        if not 0 <= value < len(attachments):
            raise ProtocolError(f"no attachment {value}")
        return attachments[value]


class _Json(Kind):
    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        # json.loads made it: dicts with str keys, lists, str, numbers, bools, None.
        return value


class _Optional(Kind):
    def __init__(self, kind: Kind) -> None:
        self._kind = kind

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        return None if value is None else self._kind.encode(value, attachments)

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        return None if value is None else self._kind.decode(value, attachments)


class _List(Kind):
    def __init__(self, kind: Kind) -> None:
        self._kind = kind

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        return [self._kind.encode(item, attachments) for item in value]

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if not isinstance(value, list):
            raise ProtocolError(f"expected a list, got {type(value).__name__}")
        return [self._kind.decode(item, attachments) for item in value]


class _Tuple(_List):
    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        return tuple(super().decode(value, attachments))


class _Pair(Kind):
    def __init__(self, first: Kind, second: Kind) -> None:
        self._kinds = (first, second)

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        pairs = zip(self._kinds, value, strict=True)
        return [kind.encode(item, attachments) for kind, item in pairs]

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if not isinstance(value, list) or len(value) != 2:
            raise ProtocolError("expected a pair")
        pairs = zip(self._kinds, value, strict=True)
        return tuple(kind.decode(item, attachments) for kind, item in pairs)


class _Dict(Kind):
    def __init__(self, kind: Kind) -> None:
        self._kind = kind

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        return {key: self._kind.encode(item, attachments) for key, item in value.items()}

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        # json.loads made the keys strings.
        if not isinstance(value, dict):
            raise ProtocolError(f"expected an object, got {type(value).__name__}")
        return {key: self._kind.decode(item, attachments) for key, item in value.items()}


class _OneOf(Kind):
    def __init__(self, values: tuple[Any, ...]) -> None:
        self._values = values

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if not isinstance(value, str | int) or value not in self._values:
            raise ProtocolError(f"expected one of {self._values!r}")
        return value


class _Enum(Kind):
    def __init__(self, enum_type: type[enum.Enum]) -> None:
        self._type = enum_type

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        return value.value

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        try:
            return self._type(value)
        except (ValueError, TypeError):
            raise ProtocolError(f"not a {self._type.__name__}") from None


STR: Kind = _Scalar("a string", lambda value: isinstance(value, str))
INT: Kind = _Scalar(
    "an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)
)
BOOL: Kind = _Scalar("a boolean", lambda value: isinstance(value, bool))
FLOAT: Kind = _Float()
BYTES: Kind = _Bytes()
JSON: Kind = _Json()


def optional(kind: Kind) -> Kind:
    return _Optional(kind)


def list_of(kind: Kind) -> Kind:
    return _List(kind)


def tuple_of(kind: Kind) -> Kind:
    return _Tuple(kind)


def pair_of(first: Kind, second: Kind) -> Kind:
    return _Pair(first, second)


def dict_of(kind: Kind) -> Kind:
    """An object with string keys, each value of `kind`."""
    return _Dict(kind)


def one_of(*values: Any) -> Kind:
    return _OneOf(values)


def enum_of(enum_type: type[enum.Enum]) -> Kind:
    return _Enum(enum_type)


class _LambdaErrorKind(Kind):
    """A LambdaError: its kind and payload; its type, message and trace only where they
    are not the payload's (they seldom are not: the payload is sent once, not twice)."""

    def encode(self, value: Any, attachments: list[bytes]) -> Any:
        error: LambdaError = value
        encoded: dict[str, Any] = {"kind": error.kind.value, "payload": error.payload}
        payload = error.payload
        if error.error_type != payload.get("errorType"):
            encoded["type"] = error.error_type
        if error.message != payload.get("errorMessage"):
            encoded["message"] = error.message
        if error.stack_trace != payload.get("stackTrace", []):
            encoded["trace"] = error.stack_trace
        return encoded

    def decode(self, value: Any, attachments: Sequence[bytes]) -> Any:
        if not isinstance(value, dict) or not {"kind", "payload"} <= set(value):
            raise ProtocolError("expected an error")
        if set(value) - {"kind", "payload", "type", "message", "trace"}:
            raise ProtocolError("unknown fields in an error")
        payload = value["payload"]
        if not isinstance(payload, dict):
            raise ProtocolError("an error's payload is not an object")
        kind = _Enum(ErrorKind).decode(value["kind"], attachments)
        error_type = STR.decode(value.get("type", payload.get("errorType", "")), attachments)
        message = STR.decode(value.get("message", payload.get("errorMessage", "")), attachments)
        trace = list_of(STR).decode(value.get("trace", payload.get("stackTrace", [])), attachments)
        return LambdaError(kind, error_type, message, trace, payload)


LAMBDA_ERROR: Kind = _LambdaErrorKind()


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class _MessageType:
    cls: type[Any]
    fields: dict[str, Kind]


_REGISTRY: dict[str, _MessageType] = {}


def register(cls: type[T], **field_kinds: Kind) -> type[T]:
    """Declare `cls` (a dataclass) a message that a worker or the fork server may send,
    with the kind of each field that travels; the others keep their defaults."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(field_kinds) - known
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    name = cls.__name__
    if name in _REGISTRY and _REGISTRY[name].cls is not cls:
        raise TypeError(f"a message type named {name} is registered already")
    _REGISTRY[name] = _MessageType(cls, dict(field_kinds))
    return cls


def encode_message(message: Any) -> bytes:
    """A registered message as a frame (length included)."""
    name = type(message).__name__
    declared = _REGISTRY.get(name)
    if declared is None or declared.cls is not type(message):
        raise TypeError(f"{name} is not a registered message type")
    attachments: list[bytes] = []
    values = {
        field: kind.encode(getattr(message, field), attachments)
        for field, kind in declared.fields.items()
    }
    header = json.dumps(
        {"t": name, "f": values, "a": [len(a) for a in attachments]},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8", "surrogatepass")
    size = _LENGTH.size + len(header) + sum(len(a) for a in attachments)
    return b"".join([_LENGTH.pack(size), _LENGTH.pack(len(header)), header, *attachments])


def send_message(sock: socket.socket, message: Any) -> None:
    """In a worker: send a registered message to the test process."""
    frame = encode_message(message)
    if len(frame) <= _COALESCE_LIMIT:
        sock.sendall(frame)
    else:
        view = memoryview(frame)
        while view:
            view = view[sock.send(view) :]


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not a value a message holds")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def decode_body(body: bytes | bytearray | memoryview) -> Any:
    """The message a frame's body holds; ProtocolError if it is not a registered one."""
    view = memoryview(body)
    if len(view) < _LENGTH.size:
        raise ProtocolError("a message shorter than its header's length")
    (header_size,) = _LENGTH.unpack_from(view)
    end = _LENGTH.size + header_size
    if end > len(view):
        raise ProtocolError("a header longer than its message")
    try:
        text = bytes(view[_LENGTH.size : end]).decode("utf-8", "surrogatepass")
        header = _DECODER.decode(text)
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"a header that is not JSON: {type(e).__name__}") from None
    if not isinstance(header, dict) or set(header) != {"t", "f", "a"}:
        raise ProtocolError("a header without a type, fields and attachments")
    declared = _REGISTRY.get(header["t"]) if isinstance(header["t"], str) else None
    if declared is None:
        raise ProtocolError(f"an unknown message type {str(header['t'])[:40]!r}")
    sizes = header["a"]
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
    ):
        raise ProtocolError("attachment sizes that are not sizes")
    if end + sum(sizes) != len(view):
        raise ProtocolError("attachments that do not fill the message")
    attachments = []
    for size in sizes:
        attachments.append(bytes(view[end : end + size]))
        end += size
    values = header["f"]
    if not isinstance(values, dict) or set(values) != set(declared.fields):
        raise ProtocolError(f"a {declared.cls.__name__} with the wrong fields")
    try:
        checked = {
            field: kind.decode(values[field], attachments)
            for field, kind in declared.fields.items()
        }
    except RecursionError:
        raise ProtocolError("a value nested too deep") from None
    return declared.cls(**checked)


def decode_frame(frame: bytes) -> Any:
    """A whole frame (a datagram from the fork server) as its message."""
    if len(frame) < _LENGTH.size:
        raise ProtocolError("a frame shorter than its length")
    (size,) = _LENGTH.unpack_from(frame)
    if size != len(frame) - _LENGTH.size:
        raise ProtocolError("a frame whose length is not its size")
    return decode_body(memoryview(frame)[_LENGTH.size :])


class MessageReader:
    """The test process's reader of one worker's messages, fed from a non-blocking socket.

    `read(sock)` takes what the socket has now and returns the next message once it is
    complete (None before); EOFError when the worker's end is closed, ProtocolError for a
    frame the harness would never send. It never waits and never allocates more than
    `max_frame` bytes for a frame, whatever length the frame claims.
    """

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self._max_frame = max_frame
        self._head = bytearray()
        self._body: bytearray | None = None
        self._filled = 0

    @property
    def partial(self) -> bool:
        """Part of a frame has arrived, not all of it."""
        return bool(self._head) or self._body is not None

    def read(self, sock: socket.socket) -> Any:
        while True:
            if self._body is None:
                wanted = _LENGTH.size - len(self._head)
                chunk = self._receive(sock, wanted)
                if chunk is None:
                    return None
                self._head += chunk
                if len(self._head) < _LENGTH.size:
                    continue
                (size,) = _LENGTH.unpack(self._head)
                if size > self._max_frame:
                    raise ProtocolError(
                        f"a frame of {size:,} bytes, over the limit of {self._max_frame:,}"
                    )
                self._body = bytearray(size)
                self._filled = 0
            body = self._body
            if self._filled < len(body):
                try:
                    count = sock.recv_into(memoryview(body)[self._filled :])
                except (BlockingIOError, InterruptedError):
                    return None
                if count == 0:
                    raise EOFError("the worker closed the channel")
                self._filled += count
                if self._filled < len(body):
                    continue
            self._head.clear()
            self._body = None
            return decode_body(body)

    @staticmethod
    def _receive(sock: socket.socket, size: int) -> bytes | None:
        try:
            chunk = sock.recv(size)
        except (BlockingIOError, InterruptedError):
            return None
        if not chunk:
            raise EOFError("the worker closed the channel")
        return chunk


# ---------------------------------------------------------------- the fork server's


@dataclass(frozen=True)
class Ready:
    """The fork server started: its pid, and the modules it could not preload."""

    pid: int
    preload_errors: list[str]


@dataclass(frozen=True)
class Exited:
    pid: int
    # The raw wait status, decoded in the test process (exit code or signal).
    status: int


register(Ready, pid=INT, preload_errors=list_of(STR))
register(Exited, pid=INT, status=INT)

# ---------------------------------------------------------------- the runtime's types

register(
    InitOutcome,
    duration_ms=FLOAT,
    error=optional(LAMBDA_ERROR),
    timed_out=BOOL,
)
register(
    InvokeOutcome,
    status=one_of("success", "error", "timeout"),
    response=optional(BYTES),
    error=optional(LAMBDA_ERROR),
    duration_ms=FLOAT,
    environment_lost=BOOL,
)
