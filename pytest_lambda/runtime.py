"""What runs inside an execution environment: the Python runtime's bootstrap, faithfully.

Both runners use it: the inline runner inside the test process, the sandbox inside a
worker. It loads the handler (Init), and for each request builds the context, unmarshals
the event, calls the handler, marshals the response and turns failures into the
runtime's payloads; its logging handler, formats (text and JSON), levels and error
records are awslambdaric's, each record written as one frame to the environment's log
stream (logs.py).
"""

from __future__ import annotations

import decimal
import functools
import json
import logging
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import simplejson

from . import logs
from ._clock import elapsed_ms, monotonic
from .context import LambdaContext
from .errors import ErrorKind, LambdaError
from .loader import Handler, InitError, load_handler
from .patching import Patch

Status = Literal["success", "error", "timeout"]

# The Invoke API's limits for a synchronous (RequestResponse) call: the request, and what
# the runtime may post back (a response, or an error payload).
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100

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
# Logged at Init on a runtime AWS still calls a preview.
PREVIEW_RUNTIMES = frozenset({"AWS_Lambda_python3.15"})
PREVIEW_WARNING = (
    "LAMBDA_WARNING: This is a preview runtime version and should not be used for production "
    "workloads. For further information and to provide feedback, see {link}\r"
)
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# The runtime indents error trace lines with no-break spaces so CloudWatch keeps them.
_ERROR_INDENT = "\u00a0"
# Runtimes whose encoder writes UTF-8 as it is; older ones escape every non-ASCII character.
UTF8_RUNTIMES = frozenset(
    {
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
    }
)


# ---------------------------------------------------------------- logging


class LogSink:
    """Where the runtime writes its records: one frame each on the telemetry descriptor."""

    def __init__(self, fd: int, token: bytes) -> None:
        self.fd = fd
        self._token = token
        # The runtime writes its errors as JSON when the log format is JSON.
        self.json_errors = False

    def log(self, text: str, frame_type: int | None = None) -> None:
        data = logs.frame(self._token, frame_type or logs.DEFAULT_FRAME_TYPE, text)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def log_error(self, lines: list[str]) -> None:
        level = logs.JSON_FRAME_TYPES if self.json_errors else logs.TEXT_FRAME_TYPES
        self.log("\n".join(lines), level[logging.ERROR])


class RequestState:
    """The request being served, read by the log filter (the runtime keeps it global)."""

    request_id = ""
    tenant_id: str | None = None


class LogSettings:
    """The runtime's logging settings, read from its variables as awslambdaric reads them."""

    def __init__(self, variables: Any) -> None:
        self.json = str(variables.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
        raw_level = variables.get("AWS_LAMBDA_LOG_LEVEL")
        level = {None: "", "TRACE": "DEBUG"}.get(raw_level, raw_level).upper()
        # Only a name the logging module knows changes the root level (WARN and FATAL do;
        # a lower-case `trace`, upper-cased to TRACE, does not).
        self.level: str | None = level if level in logging._nameToLevel else None
        self.frame_types = self.json or bool(level)

    @property
    def root_level(self) -> int:
        return logging._nameToLevel[self.level] if self.level else logging.WARNING


class LambdaLogHandler(logging.Handler):
    """The root handler the runtime installs: its format (text or JSON), the request id,
    each record one frame of its level's type. Like the runtime's, it lets a formatting
    error reach the code that logged."""

    def __init__(self, sink: LogSink, state: RequestState, settings: LogSettings) -> None:
        super().__init__()
        self.log_sink = sink
        self._frame_types = settings.frame_types
        formatter: logging.Formatter
        if settings.json:
            formatter = JsonFormatter()
        else:
            formatter = logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT)
            formatter.converter = time.gmtime
        self.setFormatter(formatter)
        self.addFilter(_RequestFilter(state))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        frame_type = None
        if self._frame_types:
            frame_type = getattr(record, "_frame_type", None) or logs.TEXT_FRAME_TYPES.get(
                _level_bucket(record)
            )
        self.log_sink.log(text, frame_type)


class _RequestFilter(logging.Filter):
    """The runtime's filter: every record its handler writes names the request and tenant
    (a filter, not code in the handler: a formatting error's traceback shows no frame of
    the runtime's between the logging module's)."""

    def __init__(self, state: RequestState) -> None:
        super().__init__()
        self._state = state

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self._state.request_id
        record.tenant_id = self._state.tenant_id
        return True


def _level_bucket(record: logging.LogRecord) -> int:
    return min(50, max(0, record.levelno)) // 10 * 10


# Record attributes the JSON format does not copy into its output (the runtime's list).
_RESERVED_RECORD_FIELDS = frozenset(
    {
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    }
)
_JSON_RECORD_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """The runtime's JSON log format: timestamp (seconds), level, message, logger, the
    exception's trace, type and message, the request id, its location, the tenant id,
    then the record's extra attributes; None values left out."""

    def __init__(self) -> None:
        super().__init__(datefmt=JSON_DATE_FORMAT)
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        # The runtime rewrites the record's level to its bucket (25 is INFO).
        record.levelno = _level_bucket(record)
        record.levelname = logging.getLevelName(record.levelno)
        record._frame_type = logs.JSON_FRAME_TYPES.get(
            record.levelno, logs.JSON_FRAME_TYPES[logging.NOTSET]
        )
        exc_info = record.exc_info
        message = (
            record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
        )
        result: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": message,
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,  # type: ignore[union-attr]
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}"
            if exc_info
            else None,
        }
        tenant_id = getattr(record, "tenant_id", None)
        if tenant_id is not None:
            result["tenantId"] = tenant_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED_RECORD_FIELDS and key not in result:
                result[key] = value
        return (
            _JSON_RECORD_ENCODER.encode({k: v for k, v in result.items() if v is not None}) + "\n"
        )


def error_lines(payload: dict[str, Any]) -> list[str]:
    """The runtime's text error record: `[ERROR] Type: message`, the traceback header, the
    trace lines indented with no-break spaces."""
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
    return lines


def log_error(sink: LogSink, payload: dict[str, Any], encoder: ResponseEncoder) -> None:
    """The record the runtime logs for a failure, in the log format's shape."""
    if sink.json_errors:
        stamp = time.strftime(JSON_DATE_FORMAT, time.gmtime(time.time()))
        sink.log_error([encoder.text({"timestamp": stamp, "level": "ERROR", **payload})])
    else:
        sink.log_error(error_lines(payload))


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
        f"Task timed out after {timeout_s:.2f} seconds"
    )


# ---------------------------------------------------------------- marshalling


class _RuntimeEncoder(simplejson.JSONEncoder):
    """The runtime's encoder: simplejson, Decimal written as-is, NaN allowed."""

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            return simplejson.RawJSON(str(o))
        return super().default(o)


class MarshalFault(Exception):
    def __init__(self, error: LambdaError) -> None:
        super().__init__(str(error))
        self.error = error


class ResponseEncoder:
    """The runtime's response encoding for its Python version (AWS_EXECUTION_ENV).

    python3.12 and later write UTF-8 as it is; older runtimes escape non-ASCII characters
    (`\\u00e9`). The text is encoded to bytes outside the runtime's error handling, so on
    the newer runtimes a lone surrogate ends the runtime (the error escapes), as in Lambda.
    """

    def __init__(self, execution_env: str | None) -> None:
        self.ensure_ascii = execution_env not in UTF8_RUNTIMES
        self._encoder = _RuntimeEncoder(
            use_decimal=False, ensure_ascii=self.ensure_ascii, allow_nan=True
        )
        self._fast = _ENCODE_ASCII if self.ensure_ascii else _ENCODE_UTF8

    def text(self, value: Any) -> str:
        if _is_plain_json(value):
            return self._fast(value)
        return str(self._encoder.encode(value))

    def marshal(self, value: Any, request_id: str) -> str | bytes:
        """Bytes as they are; anything else as JSON text (MarshalFault if it cannot be)."""
        if isinstance(value, bytes):
            return value
        try:
            if _is_plain_json(value):
                return self._fast(value)
            return str(self._encoder.encode(value))
        except Exception as e:
            raise MarshalFault(
                LambdaError.build(
                    ErrorKind.MARSHAL,
                    "Runtime.MarshalError",
                    f"Unable to marshal response: {e}",
                    request_id=request_id,
                )
            ) from None


@functools.cache
def response_encoder(execution_env: str | None) -> ResponseEncoder:
    """The runtime's encoder for its version, built once per process (it keeps no state
    between responses)."""
    return ResponseEncoder(execution_env)


def _standard_encoder(ensure_ascii: bool, allow_nan: bool = True) -> Callable[[Any], str]:
    """The standard library's JSON encoding, built once.

    json.dumps builds its C encoder anew on every call, which costs more than encoding a
    small event; this keeps one and reuses it.
    """
    fallback = json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=allow_nan)
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:
        return fallback.encode
    markers: dict[int, Any] = {}
    encode = make_encoder(
        markers,
        fallback.default,
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        allow_nan,
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


# For values made only of these exact types the standard library's C encoder writes the
# same text as the runtime's simplejson encoder (checked in the tests), at a fraction of
# simplejson's per-call set-up cost.
_ENCODE_UTF8 = _standard_encoder(ensure_ascii=False)
_ENCODE_ASCII = _standard_encoder(ensure_ascii=True)
# What a caller's SDK sends: JSON as json.dumps writes it, which the Invoke API then reads.
_ENCODE_REQUEST = _standard_encoder(ensure_ascii=True, allow_nan=False)

_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})
_PLAIN_NODES_CHECKED = 256


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


def encode_request(event: Any) -> bytes:
    """The request body a caller's SDK sends for `event`: JSON (ValueError for NaN and
    infinities, which are not JSON; TypeError for values JSON cannot hold)."""
    return _ENCODE_REQUEST(event).encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_REQUEST_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_UTF8_BOM = b"\xef\xbb\xbf"


def request_json_problem(body: bytes) -> str | None:
    """Why the Invoke API would refuse `body` as not JSON (None when it is JSON).

    The Invoke API reads the payload as one JSON document (RFC 8259: no NaN or Infinity,
    nothing after the value, UTF-8, a byte order mark allowed) before any runtime sees it.
    """
    if body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM) :]
    try:
        _REQUEST_DECODER.decode(body.decode("utf-8"))
    except UnicodeDecodeError as e:
        return f"the payload is not UTF-8: {e}"
    except ValueError as e:
        return str(e)
    return None


def decode_event(body: bytes) -> Any:
    """The event the runtime's unmarshaller (simplejson.loads) reads from the body.

    Well-formed JSON takes the standard library's C decoder, which reads it to the same
    value; anything else (or a byte order mark) goes to simplejson, for its exact value
    or its exact error.
    """
    if not body.startswith(_UTF8_BOM):
        try:
            text = body.decode("utf-8")
            value, end = _REQUEST_DECODER.raw_decode(text)
            if end == len(text):
                return value
        except ValueError:
            pass
    return simplejson.loads(body)


def unmarshal_event(body: bytes, request_id: str) -> Any:
    try:
        return decode_event(body)
    except Exception as e:
        raise MarshalFault(
            LambdaError.build(
                ErrorKind.UNMARSHAL,
                "Runtime.UnmarshalError",
                f"Unable to unmarshal input: {e}",
                request_id=request_id,
            )
        ) from None


_RESPONSE_DECODER = json.JSONDecoder()


def decode_json(body: bytes) -> Any:
    """JSON bytes -> value, as a caller reads a response (NaN and Infinity included)."""
    text = body.decode("utf-8")
    try:
        value, end = _RESPONSE_DECODER.raw_decode(text)
        if end == len(text):
            return value
    except ValueError:
        pass
    # Whitespace around the document, or not JSON: the full decoder says exactly why.
    return _RESPONSE_DECODER.decode(text)


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class InitOutcome:
    duration_ms: float
    error: LambdaError | None
    records: Sequence[logs.LogRecord] = ()
    # Init ran out of time (the platform stopped it).
    timed_out: bool = False
    # A SnapStart cold start: the environment was restored from the function's snapshot
    # (this outcome's own figures are then the snapshot's Init, if this cold start took it).
    restore: RestoreOutcome | None = None
    # What the environment inherited from a template instead of importing it: the time
    # the template spent importing and warming it (Init Duration does not include it).
    inherited_ms: float | None = None


@dataclass(frozen=True)
class RestoreOutcome:
    """An environment restored from a snapshot (SnapStart): the Restore phase.

    `duration_ms` is Restore Duration (from the request for an environment to the end of
    the after-restore hooks), `runtime_ms` the runtime's own part of it (its start and
    the hooks: what Billed Restore Duration counts). `status` is None when it succeeded,
    else "error" (with the `error_type` RESTORE_REPORT shows) or "timeout". `snapshot` is
    the Init the snapshot was taken from when this cold start took it (logged before the
    restore), else None.
    """

    duration_ms: float
    runtime_ms: float
    records: Sequence[logs.LogRecord] = ()
    snapshot: InitOutcome | None = None
    status: str | None = None
    error_type: str | None = None


@dataclass(slots=True)
class InvokeOutcome:
    """What one request produced inside the environment."""

    status: Status
    response: bytes | None
    error: LambdaError | None
    duration_ms: float
    records: Sequence[logs.LogRecord] = ()
    # The runtime can no longer serve requests (exit, timeout): the next request runs
    # Init again first.
    environment_lost: bool = False


@dataclass(slots=True)
class InvokeRequest:
    """One request as the Runtime API hands it to the runtime: the body, the deadline and
    the headers a caller's invoke carries (client context, Cognito identity, tenant id)."""

    request_id: str
    body: bytes
    deadline_ms: int
    invoked_function_arn: str
    client_context: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None
    tenant_id: str | None = None
    # The function's patches (see patching.py), applied by the environment before the
    # handler runs: they may have grown since the environment started.
    patches: tuple[Patch, ...] = ()


class HandlerRuntime:
    """The handler's side of one execution environment: Init once, then requests."""

    def __init__(self, handler: str, sink: LogSink) -> None:
        self.handler_string = handler
        self.sink = sink
        self.state = RequestState()
        self.handler: Handler | None = None
        self.encoder = response_encoder(None)
        self.settings = LogSettings({})

    def log_handler(self) -> LambdaLogHandler:
        """The root logger's handler, for the settings read at the start of Init."""
        return LambdaLogHandler(self.sink, self.state, self.settings)

    def configure(self) -> None:
        """Read the runtime's settings from its variables, as it does when it starts."""
        environ = os.environ
        self.encoder = response_encoder(environ.get("AWS_EXECUTION_ENV"))
        self.settings = LogSettings(environ)
        self.sink.json_errors = self.settings.json

    def init(self, load: Callable[[str], Handler] = load_handler) -> InitOutcome:
        """Load the handler; call `configure` first (and install `log_handler()`)."""
        self.state.request_id = ""
        self.state.tenant_id = None
        started = monotonic()
        error: LambdaError | None = None
        try:
            if os.environ.get("AWS_EXECUTION_ENV") in PREVIEW_RUNTIMES and not os.environ.get(
                "LAMBDA_DISABLE_PREVIEW_WARN"
            ):
                logging.warning(PREVIEW_WARNING.format(link=_preview_link()))
            self.handler = load(self.handler_string)
        except InitError as e:
            error = e.error
        except Exception as e:
            error = LambdaError.from_exception(e, request_id="", kind=ErrorKind.INIT)
        duration_ms = elapsed_ms(started)
        if error is not None:
            logging.getLogger().warning(UNHANDLED_EXCEPTION_WARNING)
            log_error(self.sink, error.payload, self.encoder)
        return InitOutcome(duration_ms, error)

    def before_snapshot(self) -> LambdaError | None:
        """SnapStart's before-snapshot hooks (snapshot_restore_py's registry), the last
        registered first, each taken off the registry as it runs, as the runtime does.

        A failure (any exception, SystemExit included) is logged as the runtime logs an
        error and returned as Runtime.BeforeSnapshotError; the runtime then exits with 64.
        """
        hooks = _snapshot_hooks("get_before_snapshot")
        try:
            while hooks:
                func, args, kwargs = hooks.pop()
                func(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - the runtime's bare except
            return self._hook_failed(e, BEFORE_SNAPSHOT_ERROR)
        return None

    def after_restore(self) -> LambdaError | None:
        """SnapStart's after-restore hooks, in the order they were registered; a failure is
        logged and returned as Runtime.AfterRestoreError (the runtime then exits with 65)."""
        try:
            for func, args, kwargs in _snapshot_hooks("get_after_restore"):
                func(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - the runtime's bare except
            return self._hook_failed(e, AFTER_RESTORE_ERROR)
        return None

    def _hook_failed(self, exc: BaseException, error_type: str) -> LambdaError:
        # The runtime reports the hook's own exception (its type, message and trace) under
        # the platform's error type.
        error = LambdaError.from_exception(exc, request_id="", kind=ErrorKind.INIT)
        log_error(self.sink, error.payload, self.encoder)
        return replace(error, error_type=error_type)

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        """Serve one request. SystemExit and other BaseExceptions are not caught: as in
        Lambda, they end the runtime. An exception escaping the runtime's own handling
        (`__str__` raising, a response the encoder wrote but UTF-8 cannot hold) ends it too."""
        assert self.handler is not None, "invoke() before a successful init()"
        self.state.request_id = request.request_id
        self.state.tenant_id = request.tenant_id
        started = monotonic()
        error: LambdaError | None = None
        # The handler's return value stays referenced until the request is answered, as in
        # the runtime's frame: a coroutine never awaited warns after the error is logged.
        returned: Any = None
        marshalled: str | bytes = b""
        try:
            context = LambdaContext._for_request(
                request.request_id,
                request.deadline_ms,
                request.invoked_function_arn,
                request.client_context,
                request.identity,
                request.tenant_id,
            )
            event = unmarshal_event(request.body, request.request_id)
            returned = self.handler(event, context)
            marshalled = self.encoder.marshal(returned, request.request_id)
        except MarshalFault as e:
            error = e.error
        except Exception as e:
            error = LambdaError.from_exception(e, request_id=request.request_id)
        response: bytes | None = None
        if error is None:
            # Outside the runtime's error handling, as in awslambdaric: a lone surrogate
            # written by a UTF-8 encoder ends the runtime.
            response = marshalled if isinstance(marshalled, bytes) else marshalled.encode()
        duration_ms = elapsed_ms(started)
        if error is not None:
            log_error(self.sink, error.payload, self.encoder)
        return InvokeOutcome("success" if error is None else "error", response, error, duration_ms)


# SnapStart's runtime hooks: the open-source library the Python runtimes include, where
# functions register them; the runtime reads its registries after Init and at restore.
SNAPSHOT_HOOKS_MODULE = "snapshot_restore_py"
BEFORE_SNAPSHOT_ERROR = "Runtime.BeforeSnapshotError"
AFTER_RESTORE_ERROR = "Runtime.AfterRestoreError"
# The runtime's exit statuses after a failed hook.
BEFORE_SNAPSHOT_EXIT_STATUS = 64
AFTER_RESTORE_EXIT_STATUS = 65


def _snapshot_hooks(getter: str) -> list[Any]:
    """A registry of snapshot_restore_py, if the function imported it (no hooks else)."""
    module = sys.modules.get(SNAPSHOT_HOOKS_MODULE)
    if module is None:
        return []
    registry: list[Any] = getattr(module, getter)()
    return registry


def _preview_link() -> str:
    domain = (
        "amazonaws.cn" if os.environ.get("AWS_REGION", "").startswith("cn-") else "aws.amazon.com"
    )
    return f"https://docs.{domain}/lambda/latest/dg/lambda-runtimes.html"
