"""LambdaFunction.invoke -> Invocation, and the inline runner (the test's own process)."""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import functools
import json
import logging
import math
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Protocol

from . import report
from ._clock import elapsed_ms, monotonic
from ._environ import SwappableEnvironment
from .config import FunctionConfig
from .context import LambdaContext, new_request_id
from .environment import lambda_environment, new_trace_id
from .errors import CODE_NOT_FOUND_ERRORS, ErrorKind, HarnessError, LambdaError
from .runtime import (
    HandlerRuntime,
    InitOutcome,
    InvokeOutcome,
    InvokeRequest,
    LambdaLogHandler,
    LogBuffer,
    LogStream,
    decode_json,
    exit_status,
    marshal_event,
    timed_out_log_line,
)
from .sandbox.pool import EnvironmentPool, Slot

# Invoke API limits for a synchronous (RequestResponse) call.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
_LOG_TAIL_LINES = 20


@dataclass
class Invocation:
    """One invoke, as the caller and CloudWatch see it."""

    function_name: str
    request_id: str
    status: str
    error: LambdaError | None
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    cold_start: bool
    memory_size_mb: int
    max_memory_used_mb: int
    cost_usd: float
    architecture: str = "x86_64"
    response_payload: bytes | None = field(default=None, repr=False)
    code_dir: str = field(default="", repr=False)
    # What the logs and the REPORT line are made of; they are put together on first
    # read, since most tests never read them and an inline invoke costs microseconds.
    served: bool = field(default=True, repr=False)
    platform_status: str | None = field(default=None, repr=False)
    platform_error_type: str | None = field(default=None, repr=False)
    init_logs: str = field(default="", repr=False)
    function_logs: str = field(default="", repr=False)

    @functools.cached_property
    def report_line(self) -> str:
        """The REPORT line, to the character ("" when the Invoke API refused the call)."""
        if not self.served:
            return ""
        return report.Report(
            self.request_id,
            self.duration_ms,
            self.billed_duration_ms,
            self.memory_size_mb,
            self.max_memory_used_mb,
            self.init_duration_ms,
            self.platform_status,
            self.platform_error_type,
        ).line()

    @functools.cached_property
    def logs(self) -> str:
        """The log stream as CloudWatch shows it: INIT_START (cold), START, output, END, REPORT."""
        if not self.served:
            return self.init_logs + self.function_logs
        return "".join(
            (
                self.init_logs,
                report.start_line(self.request_id),
                self.function_logs,
                report.end_line(self.request_id),
                self.report_line,
                "\n",
            )
        )

    @functools.cached_property
    def result(self) -> Any:
        """The decoded response (JSON), the raw bytes a handler returned, or None on error."""
        if self.error is not None or self.response_payload is None:
            return None
        try:
            return decode_json(self.response_payload)
        except ValueError:
            # The handler returned raw bytes that are not JSON: they arrive as they are.
            return self.response_payload

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def status_code(self) -> int:
        """The Invoke API's StatusCode: 200 for any served request, even a failed one."""
        if self.error is not None and self.error.kind is ErrorKind.THROTTLED:
            return 429
        if (
            self.error is not None
            and self.error.kind is ErrorKind.PAYLOAD_TOO_LARGE
            and (self.error.error_type == "RequestEntityTooLargeException")
        ):
            return 413
        return 200

    @property
    def function_error(self) -> str | None:
        """The X-Amz-Function-Error header: `Unhandled` for every function failure."""
        if self.error is None or self.status_code != 200:
            return None
        return "Unhandled"

    def describe(self) -> str:
        """The error payload, the tail of the logs and the REPORT line, for failure messages."""
        lines = [f"invocation {self.request_id} of {self.function_name}: status {self.status}"]
        if self.error is not None:
            lines.append("error payload: " + json.dumps(self.error.payload, ensure_ascii=False))
            if self.error.error_type in CODE_NOT_FOUND_ERRORS:
                lines.append(
                    f"the handler's module was looked up in {self.code_dir}; set code_dir= on "
                    "the lambda_function marker or LambdaFunction, or lambda_code_dir in the ini"
                )
        tail = display_logs(self.logs).splitlines()[-_LOG_TAIL_LINES:]
        lines.append(f"log tail (last {len(tail)} lines):")
        lines.extend("  " + line for line in tail)
        lines.append(self.report_line)
        return "\n".join(lines)

    def assert_ok(self) -> Any:
        """The result, or an AssertionError that shows what went wrong."""
        __tracebackhide__ = True
        if not self.ok:
            raise AssertionError(f"expected a successful invoke, but it failed\n{self.describe()}")
        return self.result

    def assert_error(self, expected: ErrorKind | str | type[BaseException]) -> LambdaError:
        """The error, checked against an ErrorKind, an errorType or an exception class."""
        __tracebackhide__ = True
        if self.error is None:
            raise AssertionError(
                f"expected the invoke to fail with {_describe_expected(expected)}, but it "
                f"succeeded with result {self.result!r}\n{self.describe()}"
            )
        if not _error_matches(self.error, expected):
            raise AssertionError(
                f"expected the invoke to fail with {_describe_expected(expected)}, but it failed "
                f"with {self.error.error_type} (kind {self.error.kind.name})\n{self.describe()}"
            )
        return self.error

    def assert_timed_out(self) -> LambdaError:
        __tracebackhide__ = True
        if self.status != "timeout":
            raise AssertionError(
                f"expected the invoke to time out, but its status is {self.status}\n"
                f"{self.describe()}"
            )
        assert self.error is not None
        return self.error

    def assert_within(
        self, *, duration_ms: float | None = None, memory_mb: int | None = None
    ) -> None:
        """Fail when the invoke took longer or used more memory than the given budget."""
        __tracebackhide__ = True
        problems = []
        if duration_ms is not None and self.duration_ms > duration_ms:
            problems.append(
                f"duration {self.duration_ms:.2f} ms exceeds the budget of {duration_ms} ms"
            )
        if memory_mb is not None and self.max_memory_used_mb > memory_mb:
            problems.append(
                f"max memory used {self.max_memory_used_mb} MB exceeds the budget of {memory_mb} MB"
            )
        if problems:
            raise AssertionError("; ".join(problems) + "\n" + self.describe())

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready record for reports."""
        return {
            "function": self.function_name,
            "request_id": self.request_id,
            "status": self.status,
            "error_kind": self.error.kind.name if self.error else None,
            "error_type": self.error.error_type if self.error else None,
            "duration_ms": round(self.duration_ms, 2),
            "billed_duration_ms": self.billed_duration_ms,
            "init_duration_ms": None
            if self.init_duration_ms is None
            else round(self.init_duration_ms, 2),
            "cold_start": self.cold_start,
            "memory_size_mb": self.memory_size_mb,
            "max_memory_used_mb": self.max_memory_used_mb,
            "cost_usd": self.cost_usd,
            "architecture": self.architecture,
        }


def display_logs(logs: str) -> str:
    """Logs for a terminal: the runtime ends some messages with a bare CR, shown as a line end."""
    return logs.replace("\r\n", "\n").replace("\r", "\n")


def _describe_expected(expected: ErrorKind | str | type[BaseException]) -> str:
    if isinstance(expected, ErrorKind):
        return f"kind {expected.name}"
    if isinstance(expected, type):
        return expected.__name__
    return repr(expected)


def _error_matches(error: LambdaError, expected: ErrorKind | str | type[BaseException]) -> bool:
    if isinstance(expected, ErrorKind):
        return error.kind is expected
    if isinstance(expected, type):
        return error.error_type == expected.__name__
    if isinstance(expected, str):
        return expected in (error.error_type, error.kind.name, error.kind.value)
    raise TypeError(
        f"assert_error() takes an ErrorKind, an errorType string or an exception class, "
        f"got {expected!r}"
    )


class ExecutionEnvironment(Protocol):
    """One Lambda execution environment: Init once, then one request at a time."""

    def init(self, request_id: str) -> InitOutcome:
        """Init, on the arrival of the request `request_id` (an on-demand cold start)."""
        ...

    def invoke(self, request: InvokeRequest) -> InvokeOutcome: ...

    def max_memory_used_mb(self) -> int: ...

    def close(self) -> None: ...


InvocationListener = Callable[[Invocation], None]
# A tuple, replaced whole on change: invokes iterate it while a listener may add another.
_listeners: tuple[InvocationListener, ...] = ()


def add_invocation_listener(listener: InvocationListener) -> None:
    """Be told of every invocation (the plugin records them; triggers deliver after them)."""
    global _listeners
    _listeners = (*_listeners, listener)


def remove_invocation_listener(listener: InvocationListener) -> None:
    global _listeners
    _listeners = tuple(known for known in _listeners if known is not listener)


EnvironmentFactory = Callable[[FunctionConfig], ExecutionEnvironment]


def _environment_factory(isolation: str) -> EnvironmentFactory:
    if isolation == "inline":
        return InlineEnvironment
    from . import sandbox

    if not sandbox.supported():
        return sandbox.inline_fallback(InlineEnvironment)
    from .sandbox.process import ProcessEnvironment

    return ProcessEnvironment


class LambdaFunction:
    """A function under test: its configuration and its execution environment.

    The first invoke is a cold start (the handler module is imported afresh, private to
    this function); later invokes are warm until a timeout, an exit or a crash discards
    the environment.
    """

    def __init__(
        self,
        handler: str,
        *,
        memory_mb: int = 128,
        timeout_s: float = 3,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        code_dir: str | os.PathLike[str] = ".",
        isolation: str = "process",
        architecture: str = "x86_64",
        role_policy: Any = None,
        reserved_concurrency: int | None = None,
    ) -> None:
        self.config = FunctionConfig(
            handler=handler,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            name=name,
            env=dict(env or {}),
            region=region,
            code_dir=os.fspath(code_dir),
            isolation=isolation,  # type: ignore[arg-type]
            architecture=architecture,  # type: ignore[arg-type]
            role_policy=role_policy,
            reserved_concurrency=reserved_concurrency,
        )
        self._setup()

    @classmethod
    def from_config(cls, config: FunctionConfig) -> LambdaFunction:
        function = cls.__new__(cls)
        function.config = config
        function._setup()
        return function

    @classmethod
    def from_template(
        cls, path: str | os.PathLike[str], logical_id: str | None = None, **overrides: Any
    ) -> LambdaFunction:
        """The function a SAM/CloudFormation template defines (by logical id if several)."""
        from .template import read_function

        return cls.from_config(read_function(path, logical_id, overrides))

    def _setup(self) -> None:
        self._factory = _environment_factory(self.config.isolation)
        self._pool: EnvironmentPool[ExecutionEnvironment] = EnvironmentPool(
            self.config.reserved_concurrency
        )
        self.invocations: list[Invocation] = []
        # Inline environments swap process-wide state (os.environ, sys.modules, stdout):
        # they take turns. Worker processes run side by side.
        self._serial = self._factory is InlineEnvironment
        self._lock = threading.Lock()
        self._default_context_fields = {"invoked_function_arn": self.config.function_arn}
        self._code_dir = str(self.config.code_path)

    @property
    def name(self) -> str:
        return self.config.function_name

    def __repr__(self) -> str:
        return (
            f"LambdaFunction({self.config.handler!r}, name={self.name!r}, "
            f"memory_mb={self.config.memory_mb}, timeout_s={self.config.timeout_s}, "
            f"isolation={self.config.isolation!r})"
        )

    def invoke(self, event: Any = None, *, context: LambdaContext | None = None) -> Invocation:
        """Invoke synchronously (RequestResponse) with `event` (a JSON-able value)."""
        slot = self._pool.acquire()
        if self._serial:
            with self._lock:
                invocation = self._invoke(slot, event, context)
        else:
            invocation = self._invoke(slot, event, context)
        self._record(invocation)
        return invocation

    def _record(self, invocation: Invocation) -> None:
        self.invocations.append(invocation)
        for listener in _listeners:
            listener(invocation)

    def invoke_many(self, events: Iterable[Any], *, concurrency: int = 1) -> list[Invocation]:
        """Invoke once per event, `concurrency` at a time, results in the order of the events.

        Events go in waves of `concurrency` requests arriving together, as from that many
        concurrent callers. Each request of a wave is served by its own environment (warm
        ones are reused, the others are cold starts), so the function scales out as in
        Lambda; requests beyond `reserved_concurrency` are throttled (429
        TooManyRequestsException). With isolation="inline" a wave's requests run one
        after another in the test process, each in its own environment.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise HarnessError(
                f"concurrency must be a whole number, 1 or more, got {concurrency!r}"
            )
        events = list(events)
        results: list[Invocation] = []
        with ThreadPoolExecutor(
            max_workers=1 if self._serial else concurrency,
            thread_name_prefix=f"lambda-{self.name}",
        ) as executor:
            for start in range(0, len(events), concurrency):
                wave = events[start : start + concurrency]
                # Claimed in event order before any runs, so which requests are throttled
                # does not depend on thread timing.
                slots = [self._pool.acquire() for _ in wave]
                futures = [
                    executor.submit(self._invoke, slot, event, None)
                    for slot, event in zip(slots, wave, strict=True)
                ]
                results.extend(future.result() for future in futures)
        for invocation in results:
            self._record(invocation)
        return results

    def close(self) -> None:
        """Discard the execution environments (the next invoke is a cold start)."""
        self._pool.close()

    def __enter__(self) -> LambdaFunction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _invoke(
        self,
        slot: Slot[ExecutionEnvironment] | None,
        event: Any,
        context: LambdaContext | None,
    ) -> Invocation:
        """Serve one request in the slot's environment (no slot: throttled), then release it."""
        request_id = context.aws_request_id if context is not None else new_request_id()
        if slot is None:
            return self._rejected(request_id, _throttled())
        try:
            return self._invoke_in(slot, request_id, event, context)
        finally:
            self._pool.release(slot)

    def _invoke_in(
        self,
        slot: Slot[ExecutionEnvironment],
        request_id: str,
        event: Any,
        context: LambdaContext | None,
    ) -> Invocation:
        try:
            body = marshal_event(event)
        except Exception as e:
            return self._rejected(
                request_id,
                LambdaError.build(
                    ErrorKind.UNMARSHAL,
                    "Runtime.UnmarshalError",
                    f"Unable to unmarshal input: {e}",
                    request_id=request_id,
                ),
            )
        if len(body) > MAX_REQUEST_BYTES:
            return self._rejected(
                request_id,
                LambdaError.sandbox(
                    ErrorKind.PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLargeException",
                    f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                    f"InvokeFunction operation (the event is {len(body):,} bytes)",
                ),
            )

        init_logs = ""
        init_duration_ms: float | None = None
        cold_start = slot.environment is None
        if slot.environment is None:
            environment = self._factory(self.config)
            init = environment.init(request_id)
            init_logs = report.init_start_line(self.config.region) + init.logs
            if init.error is not None:
                environment.close()
                init_logs += report.init_report_line(init.duration_ms, init.error.report_error_type)
                return self._finish(
                    request_id,
                    init_logs,
                    InvokeOutcome("error", None, init.error, "", init.duration_ms, True),
                    cold_start=True,
                    init_duration_ms=None,
                    memory_mb=environment.max_memory_used_mb(),
                    platform_error=init.error.report_error_type,
                )
            init_duration_ms = init.duration_ms
            slot.environment = environment
        environment = slot.environment

        deadline_ms = int(time.time() * 1000 + self.config.timeout_s * 1000)
        if context is not None:
            deadline_ms = getattr(context, "_deadline_ms", deadline_ms)
        request = InvokeRequest(request_id, body, deadline_ms, self._context_fields(context))
        outcome = environment.invoke(request)
        memory_mb = environment.max_memory_used_mb()
        if outcome.environment_lost:
            environment.close()
            slot.environment = None
        platform_error = None
        if outcome.error is not None and outcome.error.kind in (
            ErrorKind.EXIT,
            ErrorKind.OUT_OF_MEMORY,
        ):
            platform_error = outcome.error.report_error_type
        if outcome.response is not None and len(outcome.response) > MAX_RESPONSE_BYTES:
            outcome = _response_too_large(outcome, request_id)
        return self._finish(
            request_id,
            init_logs,
            outcome,
            cold_start=cold_start,
            init_duration_ms=init_duration_ms,
            memory_mb=memory_mb,
            platform_error=platform_error,
        )

    def _context_fields(self, context: LambdaContext | None) -> dict[str, Any]:
        if context is None:
            return self._default_context_fields
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": context.identity,
            "client_context": context.client_context,
            "tenant_id": context.tenant_id,
        }

    def _finish(
        self,
        request_id: str,
        init_logs: str,
        outcome: InvokeOutcome,
        *,
        cold_start: bool,
        init_duration_ms: float | None,
        memory_mb: int,
        platform_error: str | None,
    ) -> Invocation:
        duration_ms = outcome.duration_ms
        if outcome.status == "timeout":
            # Lambda stops the clock at the timeout, whatever the handler was doing.
            duration_ms = self.config.timeout_s * 1000
        billed = report.billed_duration_ms(duration_ms, init_duration_ms)
        platform_status: str | None = None
        if outcome.status == "timeout":
            platform_status = "timeout"
        elif platform_error is not None:
            platform_status = "error"
        return Invocation(
            function_name=self.config.function_name,
            request_id=request_id,
            status=outcome.status,
            error=outcome.error,
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            init_duration_ms=init_duration_ms,
            cold_start=cold_start,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=memory_mb,
            cost_usd=report.cost_usd(self.config.memory_mb, billed, self.config.architecture),
            architecture=self.config.architecture,
            response_payload=outcome.response,
            code_dir=self._code_dir,
            platform_status=platform_status,
            platform_error_type=platform_error,
            init_logs=init_logs,
            function_logs=outcome.logs,
        )

    def _rejected(self, request_id: str, error: LambdaError) -> Invocation:
        """Refused by the Invoke API before any environment saw it: no logs, no charge."""
        return Invocation(
            function_name=self.config.function_name,
            request_id=request_id,
            status="error",
            error=error,
            duration_ms=0.0,
            billed_duration_ms=0,
            init_duration_ms=None,
            cold_start=False,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=0,
            cost_usd=0.0,
            architecture=self.config.architecture,
            served=False,
        )


def _throttled() -> LambdaError:
    return LambdaError.sandbox(ErrorKind.THROTTLED, "TooManyRequestsException", "Rate Exceeded.")


def _response_too_large(outcome: InvokeOutcome, request_id: str) -> InvokeOutcome:
    assert outcome.response is not None
    error = LambdaError.sandbox(
        ErrorKind.PAYLOAD_TOO_LARGE,
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({len(outcome.response)} bytes) exceeded maximum allowed "
        f"payload size ({MAX_RESPONSE_BYTES} bytes).",
    )
    return InvokeOutcome("error", None, error, outcome.logs, outcome.duration_ms)


class _Timedout(BaseException):
    """Raised into the handler at its deadline (BaseException: `except Exception` can't eat it)."""


class InlineEnvironment:
    """An execution environment inside the test process.

    Everything Lambda would give the function is swapped in for the duration of each
    call and swapped out after: the variables, /tmp, sys.path, stdout/stderr, the root
    logger's handler and level, and the function's own copies of its modules (so its
    globals are not the test module's, nor another function's).
    """

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self._code_path = str(config.code_path)
        self.tmp_dir = tempfile.mkdtemp(prefix=f"lambda-{config.function_name}-tmp-")
        # An environment nobody closed still leaves no directory behind.
        self._remove_tmp = weakref.finalize(self, shutil.rmtree, self.tmp_dir, True)
        self._variables = lambda_environment(config, self.tmp_dir)
        self._environ = SwappableEnvironment(self._variables)
        self._log = LogBuffer()
        self._runtime = HandlerRuntime(config.handler, self._log, self._variables)
        self._log_handler = LambdaLogHandler(self._log, self._runtime.current)
        self._modules: dict[str, ModuleType] = {}
        # boto3's module-level default session caches credentials and clients: each
        # function keeps its own, as in its own process (see _enter).
        self._boto3_session: Any = None
        self._root_level = logging.WARNING
        self._stdout = LogStream(self._log, "<stdout>")
        self._stderr = LogStream(self._log, "<stderr>")

    def init(self, request_id: str) -> InitOutcome:
        hidden = _hide_modules_under(self._code_path)
        before = set(sys.modules)
        saved = self._enter()
        started = monotonic()
        try:
            return self._runtime.init()
        except SystemExit as e:
            # The runtime process would be gone: Init fails as a runtime exit.
            error = LambdaError.runtime_exit(request_id, self._exit_detail(e))
            return InitOutcome(elapsed_ms(started), self._log.take(), error)
        finally:
            self._exit(saved)
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if _module_is_under(module, self._code_path):
                    self._modules[name] = sys.modules.pop(name)
            sys.modules.update(hidden)

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        self._environ.set("_X_AMZN_TRACE_ID", new_trace_id())
        started = monotonic()
        saved = self._enter()
        alarm = _Alarm.start(request.deadline_ms)
        try:
            outcome = self._runtime.invoke(request)
        except _Timedout:
            outcome = self._timed_out(request, started)
        except SystemExit as e:
            outcome = self._exited(request, e, started)
        finally:
            if alarm is not None:
                alarm.stop()
            self._exit(saved)
        if outcome.status == "success" and time.time() * 1000 > request.deadline_ms:
            # The deadline could not interrupt the handler (not the main thread, or a
            # long C call); Lambda would have stopped it, so the outcome is a timeout.
            outcome = self._timed_out(request, started)
        return outcome

    def _timed_out(self, request: InvokeRequest, started: float) -> InvokeOutcome:
        error = LambdaError.timeout(request.request_id, self.config.timeout_s)
        self._log.write(timed_out_log_line(request.request_id, self.config.timeout_s))
        return InvokeOutcome(
            "timeout", None, error, self._log.take(), elapsed_ms(started), environment_lost=True
        )

    def _exited(self, request: InvokeRequest, exit: SystemExit, started: float) -> InvokeOutcome:
        error = LambdaError.runtime_exit(request.request_id, self._exit_detail(exit))
        return InvokeOutcome(
            "error", None, error, self._log.take(), elapsed_ms(started), environment_lost=True
        )

    def _exit_detail(self, exit: SystemExit) -> str:
        """How the platform words the exit the runtime would have made."""
        status, message = exit_status(exit)
        if message is not None:
            self._log.write(message + "\n")
        return f"exit status {status}"

    def max_memory_used_mb(self) -> int:
        # In-process, the only honest figure is the test process's own peak.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
        return math.ceil(peak / divisor)

    def close(self) -> None:
        self._remove_tmp()
        self._modules.clear()

    def _enter(self) -> _SavedState:
        """Swap the function's process state in (plain calls, not a context manager:
        this runs on every inline invoke, whose whole budget is a few microseconds)."""
        saved = _SavedState(
            self._environ.enter(),
            tempfile.tempdir,
            sys.stdout,
            sys.stderr,
            _ROOT_LOGGER.level,
            {name: sys.modules.get(name) for name in self._modules},
        )
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            saved.boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = self._boto3_session
        sys.path.insert(0, self._code_path)
        sys.modules.update(self._modules)
        tempfile.tempdir = self.tmp_dir
        sys.stdout, sys.stderr = self._stdout, self._stderr
        _ROOT_LOGGER.addHandler(self._log_handler)
        if saved.root_level != self._root_level:
            # setLevel clears every logger's cache: only pay for it on a real change.
            _ROOT_LOGGER.setLevel(self._root_level)
        return saved

    def _exit(self, saved: _SavedState) -> None:
        self._root_level = _ROOT_LOGGER.level
        if self._root_level != saved.root_level:
            _ROOT_LOGGER.setLevel(saved.root_level)
        _ROOT_LOGGER.removeHandler(self._log_handler)
        sys.stdout, sys.stderr = saved.stdout, saved.stderr
        tempfile.tempdir = saved.tempdir
        self._environ.exit(saved.environ)
        if self._code_path in sys.path:
            sys.path.remove(self._code_path)
        for name, module in saved.shadowed_modules.items():
            if name in sys.modules:
                self._modules[name] = sys.modules[name]
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        # Looked up after the modules are restored: the test's boto3, even if the function
        # carries a copy of its own (which keeps its own default session anyway).
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved.boto3_session


_ROOT_LOGGER = logging.getLogger()


@dataclass
class _SavedState:
    """The test process's own state while a function's is swapped in."""

    environ: Any
    tempdir: str | None
    stdout: Any
    stderr: Any
    root_level: int
    shadowed_modules: dict[str, ModuleType | None]
    # None also when boto3 was not loaded: the test process had no default session yet.
    boto3_session: Any = None


_HARNESS_PACKAGE = str(Path(__file__).resolve().parent)


def _module_is_under(module: ModuleType | None, root: str) -> bool:
    filename = getattr(module, "__file__", None)
    if not filename:
        return False
    path = os.path.abspath(filename)
    return path.startswith(root + os.sep) and not path.startswith(_HARNESS_PACKAGE)


def _hide_modules_under(root: str) -> dict[str, ModuleType]:
    """Take out of sys.modules what would stop Init from importing the code afresh.

    That is every module loaded from the code directory, and every module elsewhere that
    bears the name of one of its top-level modules or packages (two SAM functions each
    with an `app.py`): in Lambda the code directory comes first on sys.path. The standard
    library stays, as the runtime has it loaded before the function's code.
    """
    try:
        entries = os.listdir(root)
    except OSError:
        entries = []
    top_names = {
        entry[:-3] if entry.endswith(".py") else entry
        for entry in entries
        if entry.endswith(".py") or os.path.isdir(os.path.join(root, entry))
    } - _STDLIB_NAMES
    hidden = {
        name: module
        for name, module in list(sys.modules.items())
        if _module_is_under(module, root)
        or (name.partition(".")[0] in top_names and not _is_harness_module(module))
    }
    for name in hidden:
        del sys.modules[name]
    return hidden


_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) | {"pytest_lambda"}


def _is_harness_module(module: ModuleType | None) -> bool:
    filename = getattr(module, "__file__", None) or ""
    return os.path.abspath(filename).startswith(_HARNESS_PACKAGE)


class _Alarm:
    """Interrupts the handler at its deadline where Python can: SIGALRM in the main thread.

    The handler for SIGALRM is installed once and left in place (arming the timer is then
    all an invoke pays): while no deadline is armed it hands the signal on to the handler
    it replaced, so a test's own alarms (pytest-timeout's, say) behave as before. If
    something replaces it in turn, the next invoke installs it again. The C-level
    _signal functions are used: the signal module's enum wrappers cost more than the
    rest of an inline invoke.
    """

    def __init__(self, previous_timer: tuple[float, float]) -> None:
        self._previous_timer = previous_timer

    armed = False
    _replaced: Any = signal.SIG_DFL

    @classmethod
    def start(cls, deadline_ms: int) -> _Alarm | None:
        if not _CAN_ALARM or threading.current_thread() is not _MAIN_THREAD:
            return None
        if _signal.getsignal(_SIGALRM) is not _on_alarm:
            cls._replaced = _signal.signal(_SIGALRM, _on_alarm)
        remaining_s = max(deadline_ms / 1000 - time.time(), 0.001)
        _Alarm.armed = True
        return cls(_signal.setitimer(_ITIMER_REAL, remaining_s))

    def stop(self) -> None:
        _signal.setitimer(_ITIMER_REAL, 0)
        _Alarm.armed = False
        if self._previous_timer[0]:
            _signal.setitimer(_ITIMER_REAL, *self._previous_timer)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise _Timedout()
    replaced = _Alarm._replaced
    if callable(replaced):
        replaced(signum, frame)
    elif replaced == signal.SIG_DFL:
        # What SIGALRM does by default: end the process.
        _signal.signal(_SIGALRM, signal.SIG_DFL)
        os.kill(os.getpid(), _SIGALRM)


_CAN_ALARM = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
_SIGALRM = int(getattr(signal, "SIGALRM", 0))
_ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))
_MAIN_THREAD = threading.main_thread()
