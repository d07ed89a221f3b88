"""InvocationRecord: what a run keeps of one invoke, for its summary and reports.

A run keeps records, not Invocations: those hold payloads and logs, and a long run would
keep them all alive. A record keeps its invoke's logs only when something went wrong
(an error, a timeout, a limit exceeded), for the HTML report. Records cross process
boundaries as JSON-ready dicts (pytest-xdist's worker output, the JSON report).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from ..invocation import Invocation, display_logs

# The logs a record keeps are cut to their tail beyond this: a handler that prints
# megabytes in a loop must not make the reports unreadable.
MAX_KEPT_LOG_CHARS = 64 * 1024


@dataclass
class InvocationRecord:
    """One invoke as the reports show it (the JSON report's `invocations` items)."""

    function: str
    request_id: str
    status: str
    error_kind: str | None
    error_type: str | None
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    cold_start: bool
    memory_size_mb: int
    max_memory_used_mb: int
    cost_usd: float
    architecture: str
    isolation: str = "process"
    served: bool = True
    test: str | None = None
    worker: str | None = None
    timestamp: str = ""
    report_line: str = ""
    violations: list[str] = field(default_factory=list)
    logs: str | None = None

    @classmethod
    def from_invocation(
        cls, invocation: Invocation, *, test: str | None, worker: str | None
    ) -> InvocationRecord:
        record = cls(
            **invocation.to_record(),
            isolation=invocation.isolation,
            served=invocation.served,
            test=test,
            worker=worker,
            timestamp=_now(),
            report_line=invocation.report_line,
        )
        if not invocation.ok:
            record.keep_logs(invocation)
        return record

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvocationRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def keep_logs(self, invocation: Invocation) -> None:
        logs = display_logs(invocation.logs)
        if len(logs) > MAX_KEPT_LOG_CHARS:
            cut = len(logs) - MAX_KEPT_LOG_CHARS
            logs = f"[{cut:,} characters cut]\n" + logs[cut:]
        self.logs = logs

    @property
    def gb_seconds(self) -> float:
        return self.memory_size_mb / 1024 * self.billed_duration_ms / 1000

    @property
    def memory_pct(self) -> float:
        return 100 * self.max_memory_used_mb / self.memory_size_mb


def wall_time() -> float:
    """The real time, even in a test that froze the clock: records order the run's logs."""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_REALTIME)
    return time.time()


def _now() -> str:
    return datetime.fromtimestamp(wall_time(), tz=timezone.utc).isoformat(timespec="microseconds")
