"""Invocation: one invoke as the caller and CloudWatch see it, and its assertions."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from . import report
from .config import Architecture, Isolation
from .errors import CODE_NOT_FOUND_ERRORS, ErrorKind, LambdaError
from .limits import Limits
from .runtime import Status, decode_json

_LOG_TAIL_LINES = 20


@dataclass
class Invocation:
    """One invoke, as the caller and CloudWatch see it."""

    function_name: str
    request_id: str
    status: Status
    error: LambdaError | None
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    cold_start: bool
    memory_size_mb: int
    max_memory_used_mb: int
    cost_usd: float
    architecture: Architecture = "x86_64"
    response_payload: bytes | None = field(default=None, repr=False)
    code_dir: str = field(default="", repr=False)
    # What the logs and the REPORT line are made of; they are put together on first
    # read, since most tests never read them and an inline invoke costs microseconds.
    served: bool = field(default=True, repr=False)
    platform_status: str | None = field(default=None, repr=False)
    platform_error_type: str | None = field(default=None, repr=False)
    init_logs: str = field(default="", repr=False)
    function_logs: str = field(default="", repr=False)
    # What the run's gates need to judge this invoke: where it ran (inline, Max Memory
    # Used is the test process's) and the function's own limits.
    isolation: Isolation = field(default="process", repr=False)
    limits: Limits | None = field(default=None, repr=False)

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
