"""Invocation: one invoke as the caller and CloudWatch see it, and its assertions."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import report
from .config import INTERPRETER_RUNTIME, Architecture, FunctionConfig, Isolation
from .errors import CODE_NOT_FOUND_ERRORS, ErrorKind, LambdaError
from .limits import Limits
from .logs import APPLICATION_LEVELS, LogRecord, Phase, lambda_level, render
from .runtime import InitOutcome, RestoreOutcome, Status, decode_json

_LOG_TAIL_LINES = 20
# The Invoke API's answer to a payload that is not JSON.
INVALID_REQUEST_CONTENT = "InvalidRequestContentException"
# The Invoke API's answers when a SnapStart environment cannot be restored (botocore's
# Lambda model gives their status codes).
SNAPSTART_STATUS_CODES = {"SnapStartException": 400, "SnapStartTimeoutException": 408}


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
    # What the run's gates need to judge this invoke: where it ran (inline, Max Memory
    # Used is the test process's) and the function's own limits.
    isolation: Isolation = field(default="process", repr=False)
    limits: Limits | None = field(default=None, repr=False)
    config: FunctionConfig | None = field(default=None, repr=False)
    # When the request arrived (epoch seconds), what Init did before it was served (None
    # on a warm invoke), and the function's records while it was served.
    started_at: float = field(default=0.0, repr=False)
    lifecycle: InitLifecycle | None = field(default=None, repr=False)
    function_records: Sequence[LogRecord] = field(default=(), repr=False)
    # A SnapStart cold start: Restore Duration and Billed Restore Duration (REPORT shows
    # them instead of Init Duration). None otherwise.
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: int | None = None
    # A cold start forked from a template: what the template spent importing and warming
    # the modules this environment inherited. Not part of Init Duration (which is what
    # Init measured here); their sum is about what Init would have taken without it.
    inherited_import_ms: float | None = field(default=None, repr=False)

    @property
    def init_reports(self) -> tuple[report.InitReport, ...]:
        """The Inits that did not complete before this request was served (INIT_REPORT)."""
        return tuple(self.lifecycle.reports) if self.lifecycle is not None else ()

    @property
    def _request_ran(self) -> bool:
        """False when the Invoke API refused the call, or a SnapStart function's request
        never ran (no snapshot, or no environment restored)."""
        return self.served and (self.lifecycle is None or self.lifecycle.request_served)

    @functools.cached_property
    def report_line(self) -> str:
        """The REPORT line, to the character ("" when the request never ran)."""
        if not self._request_ran:
            return ""
        return self._report().line()

    def _report(self) -> report.Report:
        return report.Report(
            self.request_id,
            self.duration_ms,
            self.billed_duration_ms,
            self.memory_size_mb,
            self.max_memory_used_mb,
            self.init_duration_ms,
            self.platform_status,
            self.platform_error_type,
            self.restore_duration_ms,
            self.billed_restore_duration_ms,
        )

    @functools.cached_property
    def log_records(self) -> list[LogRecord]:
        """The invocation's CloudWatch events, parsed, in order: the platform's (text lines,
        or `platform.*` records under the JSON log format) and the function's, after the
        log-level filtering the function's logging settings ask for."""
        if not self.served:
            return []
        config = self.config
        json_format = config is not None and config.log_format == "JSON"
        platform = _PlatformRecords(self, json_format)
        application_rank = _rank(config.log_level if config is not None else None, "INFO")
        system_rank = _rank(config.system_log_level if config is not None else None, "INFO")
        keep = _application_filter(application_rank) if json_format else None
        # The platform's records by level: start, report and Init's are INFO, the
        # runtime's "done" records DEBUG (filtered only in the JSON format).
        info = not json_format or system_rank <= _INFO
        debug = json_format and system_rank <= _DEBUG
        records: list[LogRecord] = []
        lifecycle = self.lifecycle
        if lifecycle is not None:
            records.extend(platform.snapstart(lifecycle, keep, info=info, debug=debug))
            if not lifecycle.request_served:
                return records
            if lifecycle.init_start and info:
                records.append(platform.init_start())
            records.extend(_filtered(lifecycle.init_records, keep))
            if lifecycle.init_start and debug:
                records.append(platform.init_runtime_done())
            reports = list(lifecycle.reports)
            if reports and reports[0].phase == "init":
                first = reports.pop(0)
                if info:
                    records.append(platform.init_report(first))
            records.extend(_filtered(lifecycle.reinit_records, keep))
            if info:
                records.extend(platform.init_report(r) for r in reports)
        if info:
            records.append(platform.start())
        records.extend(_filtered(self.function_records, keep))
        if json_format:
            if debug:
                records.append(platform.runtime_done())
            if info:
                records.append(platform.report())
        else:
            records.append(platform.end())
            records.append(platform.report())
        return records

    @functools.cached_property
    def logs(self) -> str:
        """The log stream as CloudWatch shows it: INIT_START (cold), START, output, END, REPORT
        (or their JSON records under the JSON log format), one event after another."""
        return render(self.log_records)

    @property
    def result(self) -> Any:
        """The decoded response (JSON), the raw bytes a handler returned, or None on error."""
        # Decoded once, kept by hand: functools.cached_property takes a lock on each first
        # read, which costs more than decoding a small response.
        cache = self.__dict__
        if "_result" in cache:
            return cache["_result"]
        value: Any = None
        if self.error is None and self.response_payload is not None:
            try:
                value = decode_json(self.response_payload)
            except ValueError:
                # The handler returned raw bytes that are not JSON: they arrive as they are.
                value = self.response_payload
        cache["_result"] = value
        return value

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def status_code(self) -> int:
        """The Invoke API's StatusCode: 200 for any served request, even a failed one."""
        if self.error is not None and self.error.kind is ErrorKind.THROTTLED:
            return 429
        if self.error is not None and self.error.error_type == INVALID_REQUEST_CONTENT:
            return 400
        if (
            self.error is not None
            and self.error.kind is ErrorKind.PAYLOAD_TOO_LARGE
            and (self.error.error_type == "RequestEntityTooLargeException")
        ):
            return 413
        if self.error is not None and self.error.error_type in SNAPSTART_STATUS_CODES:
            return SNAPSTART_STATUS_CODES[self.error.error_type]
        if not self._request_ran:
            # A SnapStart function whose snapshot could not be taken: its version would
            # be Failed, and Lambda refuses to invoke a function in that state.
            return 409
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


_DEBUG = APPLICATION_LEVELS.index("DEBUG")
_INFO = APPLICATION_LEVELS.index("INFO")


def _rank(level: str | None, default: str) -> int:
    return APPLICATION_LEVELS.index(lambda_level(level) or default)


def _application_filter(minimum: int) -> Callable[[LogRecord], bool]:
    """Lambda's application log-level filtering: a record's own level, else the level a
    JSON line names, else INFO (what Lambda assigns output without a level)."""

    def keep(record: LogRecord) -> bool:
        if record.origin == "platform":
            return True
        level = lambda_level(record.level)
        if level is None:
            data = record.json
            level = (lambda_level(data.get("level")) if data is not None else None) or "INFO"
        return APPLICATION_LEVELS.index(level) >= minimum

    return keep


def _filtered(
    records: Sequence[LogRecord], keep: Callable[[LogRecord], bool] | None
) -> Sequence[LogRecord]:
    return records if keep is None else [record for record in records if keep(record)]


@dataclass(slots=True)
class InitLifecycle:
    """What the platform logs of the Init that came before a request was served: INIT_START
    (a new environment), the function's records during Init, the Inits that did not
    complete (INIT_REPORT), the records of Init run again within the request."""

    init_start: bool
    init_records: list[LogRecord] = field(default_factory=list)
    reports: list[report.InitReport] = field(default_factory=list)
    reinit_records: list[LogRecord] = field(default_factory=list)
    # SnapStart: the Init the snapshot was taken from (when this request's cold start took
    # it) and the restore; whether the request ran at all (not without a restore).
    snapshot: InitOutcome | None = None
    restore: RestoreOutcome | None = None
    request_served: bool = True


class _PlatformRecords:
    """Lambda's own records for one invocation, as text lines or `platform.*` JSON."""

    def __init__(self, invocation: Invocation, json_format: bool) -> None:
        self._invocation = invocation
        self._json = json_format
        self._started = invocation.started_at
        init_ms = invocation.init_duration_ms or 0.0
        self._served_at = self._started + init_ms / 1000
        self._ended = self._served_at + invocation.duration_ms / 1000

    def _record(self, data: dict[str, Any], phase: Phase) -> LogRecord:
        return LogRecord(report.encode_record(data), "platform", phase, fields=data)

    def _line(self, text: str, phase: Phase) -> LogRecord:
        return LogRecord(text, "platform", phase)

    def init_start(self, initialization_type: str = "on-demand") -> LogRecord:
        invocation = self._invocation
        config = invocation.config
        if not self._json or config is None:
            region = config.region if config is not None else "us-east-1"
            runtime = config.runtime if config is not None else INTERPRETER_RUNTIME
            return self._line(report.init_start_line(region, runtime), "init")
        return self._record(
            report.init_start_record(
                self._started,
                runtime=config.runtime,
                region=config.region,
                function_name=config.function_name,
                memory_mb=config.memory_mb,
                instance_id=invocation.request_id.replace("-", ""),
                initialization_type=initialization_type,
            ),
            "init",
        )

    def init_runtime_done(self) -> LogRecord:
        reports = self._invocation.init_reports
        failed = reports[0] if reports and reports[0].phase == "init" else None
        status = failed.status if failed is not None else "success"
        error_type = failed.error_type if failed is not None else None
        return self._record(
            report.init_runtime_done_record(self._served_at, status, error_type), "init"
        )

    def init_report(self, init_report: report.InitReport) -> LogRecord:
        phase: Phase = "init" if init_report.phase == "init" else "invoke"
        if not self._json:
            return self._line(init_report.line(), phase)
        return self._record(init_report.record(self._served_at), phase)

    def snapstart(
        self,
        lifecycle: InitLifecycle,
        keep: Callable[[LogRecord], bool] | None,
        *,
        info: bool,
        debug: bool,
    ) -> list[LogRecord]:
        """A SnapStart cold start's records: the snapshot's Init (INIT_START, its records,
        INIT_REPORT, which SnapStart always logs), then the restore (RESTORE_START, the
        after-restore hooks' records, RESTORE_REPORT)."""
        records: list[LogRecord] = []
        snapshot = lifecycle.snapshot
        if snapshot is not None:
            if info:
                records.append(self.init_start("snap-start"))
            records.extend(_filtered(snapshot.records, keep))
            if snapshot.error is None:
                init_report = report.InitReport(
                    snapshot.duration_ms, "init", "success", initialization_type="snap-start"
                )
            else:
                status = "timeout" if snapshot.timed_out else "error"
                init_report = report.InitReport(
                    snapshot.duration_ms,
                    "init",
                    status,
                    snapshot.error.report_error_type,
                    initialization_type="snap-start",
                )
            if debug:
                records.append(
                    self._record(
                        report.init_runtime_done_record(
                            self._started,
                            init_report.status,
                            init_report.error_type,
                            initialization_type="snap-start",
                        ),
                        "init",
                    )
                )
            if info:
                records.append(self.init_report(init_report))
        restore = lifecycle.restore
        if restore is not None:
            if info:
                records.append(self.restore_start())
            records.extend(_filtered(restore.records, keep))
            if info:
                figures = report.RestoreReport(
                    restore.duration_ms, restore.status, restore.error_type
                )
                if self._json:
                    records.append(self._record(figures.record(self._started), "restore"))
                else:
                    records.append(self._line(figures.line(), "restore"))
        return records

    def restore_start(self) -> LogRecord:
        invocation = self._invocation
        config = invocation.config
        region = config.region if config is not None else "us-east-1"
        runtime = config.runtime if config is not None else INTERPRETER_RUNTIME
        if not self._json or config is None:
            return self._line(report.restore_start_line(region, runtime), "restore")
        return self._record(
            report.restore_start_record(
                self._started,
                runtime=runtime,
                region=region,
                function_name=config.function_name,
                memory_mb=config.memory_mb,
                instance_id=invocation.request_id.replace("-", ""),
            ),
            "restore",
        )

    def start(self) -> LogRecord:
        invocation = self._invocation
        if not self._json or invocation.config is None:
            return self._line(report.start_line(invocation.request_id), "invoke")
        return self._record(
            report.start_record(
                self._served_at, invocation.request_id, invocation.config.function_arn
            ),
            "invoke",
        )

    def runtime_done(self) -> LogRecord:
        invocation = self._invocation
        status = invocation.platform_status or ("error" if invocation.error else "success")
        error_type = invocation.error.error_type if invocation.error is not None else None
        produced = len(invocation.response_payload or b"")
        return self._record(
            report.runtime_done_record(
                self._ended,
                invocation.request_id,
                status,
                invocation.duration_ms,
                produced,
                error_type,
            ),
            "invoke",
        )

    def end(self) -> LogRecord:
        return self._line(report.end_line(self._invocation.request_id), "invoke")

    def report(self) -> LogRecord:
        invocation = self._invocation
        figures = invocation._report()
        if not self._json:
            return self._line(figures.line(), "invoke")
        failed_with = invocation.error.error_type if invocation.error is not None else None
        return self._record(figures.record(self._ended, failed_with), "invoke")
