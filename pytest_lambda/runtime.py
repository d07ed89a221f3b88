"""What runs inside an execution environment: the Python runtime's bootstrap, faithfully.

Both runners use it: the inline runner inside the test process, the sandbox inside a
worker. It loads the handler (Init), and for each request unmarshals the event, calls
the handler, marshals the response and turns failures into the runtime's payloads,
writing the function's log lines as the runtime's log sink does.
"""

from __future__ import annotations

import decimal
import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import simplejson

from ._clock import elapsed_ms, monotonic
from .context import LambdaContext
from .errors import ErrorKind, LambdaError
from .loader import Handler, InitError, load_handler
from .patching import Patch

Status = Literal["success", "error", "timeout"]

# What the runtime logs before an init error (awslambdaric's lambda_literals, to the byte).
UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
# The runtime indents error trace lines with no-break spaces so CloudWatch keeps them.
_ERROR_INDENT = "\u00a0"
# CloudWatch Logs keeps at most 256 KB per event; beyond a cap per invoke we keep the
# head of the output and say how much was dropped, instead of holding it all in memory.
DEFAULT_LOG_CAP_BYTES = 4 * 1024 * 1024


class LogBuffer:
    """The function's log output for one phase, capped so a chatty handler cannot sink us."""

    def __init__(self, cap_bytes: int = DEFAULT_LOG_CAP_BYTES) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._dropped = 0
        self._cap = cap_bytes

    def write(self, text: str) -> int:
        if self._size < self._cap:
            room = self._cap - self._size
            kept = text if len(text) <= room else text[:room]
            self._parts.append(kept)
            self._size += len(kept)
            self._dropped += len(text) - len(kept)
        else:
            self._dropped += len(text)
        return len(text)

    def take(self) -> str:
        """The text written since the last take, with a note if some was dropped."""
        text = "".join(self._parts)
        if self._dropped:
            if not text.endswith("\n"):
                text += "\n"
            text += (
                f"[pytest-lambda] log output truncated: {self._dropped:,} more characters "
                f"were written (cap {self._cap:,} per invoke)\n"
            )
        self._parts.clear()
        self._size = 0
        self._dropped = 0
        return text


class LogStream:
    """sys.stdout / sys.stderr for the function: unbuffered writes into the log buffer."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, buffer: LogBuffer, name: str) -> None:
        self._buffer = buffer
        self.name = name

    def write(self, text: str) -> int:
        return self._buffer.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self._buffer.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("the function's log stream has no file descriptor")

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class RequestIdHolder:
    """The request being served, read by the log filter (the runtime keeps it global)."""

    request_id = ""


class LambdaLogHandler(logging.Handler):
    """The root handler the runtime installs: its format, UTC times, the request id."""

    def __init__(self, buffer: LogBuffer, current: RequestIdHolder) -> None:
        super().__init__()
        self.log_sink = buffer
        self._current = current
        formatter = logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT)
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = self._current.request_id
        try:
            self.log_sink.write(self.format(record))
        except Exception:
            self.handleError(record)


def format_error_log(payload: dict[str, Any]) -> str:
    """The `[ERROR] Type: message` block the runtime logs for a failure."""
    description = "[ERROR]"
    if payload.get("errorType"):
        description += " " + payload["errorType"]
    if payload.get("errorMessage"):
        if payload.get("errorType"):
            description += ":"
        description += " " + payload["errorMessage"]
    lines = [description]
    trace = payload.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines) + "\n"


def exit_status(exit: SystemExit) -> tuple[int, str | None]:
    """The status the interpreter ends with for this SystemExit, and what it prints first.

    `sys.exit("message")` prints the message to stderr and exits with 1; statuses are
    taken modulo 256, as the operating system reports them.
    """
    code = exit.code
    if code is None:
        return 0, None
    if isinstance(code, int):
        return code & 0xFF, None
    return 1, str(code)


def timed_out_log_line(request_id: str, timeout_s: float) -> str:
    """The line the platform logs when it stops a function at its timeout."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return (
        f"{stamp}.{int(now * 1000) % 1000:03d}Z {request_id} "
        f"Task timed out after {timeout_s:.2f} seconds\n"
    )


class _RuntimeEncoder(simplejson.JSONEncoder):
    """The runtime's encoder: simplejson, Decimal written as-is, NaN allowed, UTF-8 kept."""

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            return simplejson.RawJSON(str(o))
        return super().default(o)


_ENCODER = _RuntimeEncoder(use_decimal=False, ensure_ascii=False, allow_nan=True)


class MarshalFault(Exception):
    def __init__(self, error: LambdaError) -> None:
        super().__init__(str(error))
        self.error = error


def marshal_response(value: Any, request_id: str) -> bytes:
    """The response body the Invoke API returns: bytes as they are, everything else JSON."""
    if isinstance(value, bytes):
        return value
    try:
        if _is_plain_json(value):
            return _encode_json(value).encode("utf-8")
        return _ENCODER.encode(value).encode("utf-8")
    except Exception as e:
        raise MarshalFault(
            LambdaError.build(
                ErrorKind.MARSHAL,
                "Runtime.MarshalError",
                f"Unable to marshal response: {e}",
                request_id=request_id,
            )
        ) from None


def marshal_event(event: Any) -> bytes:
    """The request body a caller sends: JSON (bytes and str are taken as already encoded)."""
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return event.encode("utf-8")
    return _encode_json(event).encode("utf-8")


def _standard_encoder() -> Callable[[Any], str]:
    """The standard library's JSON encoding (UTF-8 kept, NaN allowed), built once.

    json.dumps builds its C encoder anew on every call, which costs more than encoding a
    small event; this keeps one and reuses it.
    """
    fallback = json.JSONEncoder(ensure_ascii=False, allow_nan=True)
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:
        return fallback.encode
    markers: dict[int, Any] = {}
    encode = make_encoder(
        markers,
        fallback.default,
        json.encoder.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )

    def encode_json(value: Any) -> str:
        try:
            return "".join(encode(value, 0))
        except BaseException:
            # An encoding stopped half-way leaves ids behind in the circular-reference
            # markers; left there, they could be mistaken for a cycle in a later value.
            markers.clear()
            raise

    return encode_json


_encode_json = _standard_encoder()
_REQUEST_DECODER = json.JSONDecoder()


_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})
_PLAIN_NODES_CHECKED = 256
# For values made only of these exact types the standard library's C encoder writes the
# same bytes as the runtime's simplejson encoder (checked in the tests), at a fraction of
# simplejson's per-call set-up cost.


def _is_plain_json(value: Any) -> bool:
    """True for small values made of dicts, lists, str, int, float, bool and None only."""
    pending = [value]
    budget = _PLAIN_NODES_CHECKED
    while pending:
        budget -= 1
        if budget < 0:
            return False
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            for key, member in item.items():
                if type(key) not in _PLAIN_SCALARS:
                    return False
                pending.append(member)
        elif kind is list:
            pending.extend(item)
        elif kind not in _PLAIN_SCALARS:
            return False
    return True


def decode_json(body: bytes) -> Any:
    """JSON bytes -> value; the standard library's errors for anything that is not JSON."""
    text = body.decode("utf-8")
    try:
        value, end = _REQUEST_DECODER.raw_decode(text)
        if end == len(text):
            return value
    except ValueError:
        pass
    # Whitespace around the document, or not JSON: the full decoder says exactly why.
    return _REQUEST_DECODER.decode(text)


def unmarshal_event(body: bytes, request_id: str) -> Any:
    try:
        return decode_json(body)
    except Exception as e:
        raise MarshalFault(
            LambdaError.build(
                ErrorKind.UNMARSHAL,
                "Runtime.UnmarshalError",
                f"Unable to unmarshal input: {e}",
                request_id=request_id,
            )
        ) from None


# LambdaContext attribute -> the variable the runtime reads it from.
CONTEXT_VARIABLES = {
    "function_name": "AWS_LAMBDA_FUNCTION_NAME",
    "memory_limit_in_mb": "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "function_version": "AWS_LAMBDA_FUNCTION_VERSION",
    "log_group_name": "AWS_LAMBDA_LOG_GROUP_NAME",
    "log_stream_name": "AWS_LAMBDA_LOG_STREAM_NAME",
}


@dataclass(frozen=True)
class InitOutcome:
    duration_ms: float
    logs: str
    error: LambdaError | None


@dataclass(slots=True)
class InvokeOutcome:
    """What one request produced inside the environment."""

    status: Status
    response: bytes | None
    error: LambdaError | None
    logs: str
    duration_ms: float
    # The environment can no longer serve requests (exit, timeout): the next is cold.
    environment_lost: bool = False


@dataclass(slots=True)
class InvokeRequest:
    """One request as the Runtime API hands it to the runtime.

    `context_fields` are LambdaContext keywords given per request (the invoked ARN, a
    caller's client context or identity); the rest the runtime reads from its variables.
    """

    request_id: str
    body: bytes
    deadline_ms: int
    context_fields: dict[str, Any]
    # The function's patches (see patching.py), applied by the environment before the
    # handler runs: they may have grown since the environment started.
    patches: tuple[Patch, ...] = ()


class HandlerRuntime:
    """The handler's side of one execution environment: Init once, then requests."""

    def __init__(
        self, handler: str, log: LogBuffer, variables: Mapping[str, str] | None = None
    ) -> None:
        self.handler_string = handler
        self.log = log
        self.current = RequestIdHolder()
        self.handler: Handler | None = None
        self._variables = variables
        self._context_defaults: dict[str, Any] = {}

    def init(self, load: Callable[[str], Handler] = load_handler) -> InitOutcome:
        # The runtime reads these from its environment once, as awslambdaric does.
        variables = os.environ if self._variables is None else self._variables
        self._context_defaults = {
            field: variables[name] for field, name in CONTEXT_VARIABLES.items() if name in variables
        }
        started = monotonic()
        error: LambdaError | None = None
        try:
            self.handler = load(self.handler_string)
        except InitError as e:
            error = e.error
        except Exception as e:
            error = LambdaError.from_exception(e, request_id="", kind=ErrorKind.INIT)
        duration_ms = elapsed_ms(started)
        if error is not None:
            logging.getLogger().warning(UNHANDLED_EXCEPTION_WARNING)
            self.log.write(format_error_log(error.payload))
        return InitOutcome(duration_ms, self.log.take(), error)

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        """Serve one request. SystemExit is not caught: as in Lambda, it ends the runtime."""
        assert self.handler is not None, "invoke() before a successful init()"
        self.current.request_id = request.request_id
        started = monotonic()
        error: LambdaError | None = None
        response: bytes | None = None
        try:
            context = LambdaContext(
                aws_request_id=request.request_id,
                deadline_ms=request.deadline_ms,
                **{**self._context_defaults, **request.context_fields},
            )
            event = unmarshal_event(request.body, request.request_id)
            response = marshal_response(self.handler(event, context), request.request_id)
        except MarshalFault as e:
            error = e.error
        except Exception as e:
            error = LambdaError.from_exception(e, request_id=request.request_id)
        duration_ms = elapsed_ms(started)
        if error is not None:
            self.log.write(format_error_log(error.payload))
        return InvokeOutcome(
            "success" if error is None else "error",
            response,
            error,
            self.log.take(),
            duration_ms,
        )
