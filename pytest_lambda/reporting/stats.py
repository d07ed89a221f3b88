"""Per-function aggregates of a run's records: what the Lambda console's Monitoring tab
shows for a function (invocations, duration, errors, throttles), plus memory and cost."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from .. import report
from .records import InvocationRecord

# Right-sizing: suggested when the largest Max Memory Used leaves more than half of the
# memory size unused; the suggestion keeps this much room above that peak.
RIGHT_SIZE_HEADROOM_PCT = 30
RIGHT_SIZE_WHEN_USED_BELOW_PCT = 50


@dataclass
class FunctionStats:
    """One function's invocations in a run (the JSON report's `functions` values)."""

    function: str
    invocations: int
    cold_starts: int
    errors: int
    timeouts: int
    throttles: int
    error_kinds: dict[str, int]
    p50_duration_ms: float | None
    p95_duration_ms: float | None
    max_duration_ms: float | None
    p50_init_duration_ms: float | None
    memory_size_mb: int
    max_memory_used_mb: int
    memory_used_pct: float
    isolation: str
    architecture: str
    billed_duration_ms: int
    gb_seconds: float
    cost_usd: float
    cost_per_million_usd: float
    limit_violations: int
    right_size_mb: int | None = None
    right_size_cost_per_million_usd: float | None = None

    @property
    def memory_measured(self) -> bool:
        """Max Memory Used is the function's own only under process isolation."""
        return self.isolation == "process"

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.timeouts or self.throttles or self.limit_violations)

    @property
    def failures(self) -> int:
        """Invocations that failed once served (errors and timeouts; throttles apart)."""
        return self.errors + self.timeouts - self.throttles

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["function"]
        return data

    @classmethod
    def from_json(cls, function: str, data: dict[str, Any]) -> FunctionStats:
        known = {f.name for f in fields(cls)} - {"function"}
        return cls(function=function, **{k: v for k, v in data.items() if k in known})


def aggregate(records: Iterable[InvocationRecord]) -> dict[str, FunctionStats]:
    """Stats per function, in the order the functions were first invoked."""
    by_function: dict[str, list[InvocationRecord]] = {}
    for record in records:
        by_function.setdefault(record.function, []).append(record)
    return {name: _stats(name, group) for name, group in by_function.items()}


def _stats(name: str, group: list[InvocationRecord]) -> FunctionStats:
    served = [r for r in group if r.served]
    durations = sorted(r.duration_ms for r in served)
    inits = sorted(r.init_duration_ms for r in served if r.init_duration_ms is not None)
    error_kinds: dict[str, int] = {}
    for r in group:
        if r.error_kind is not None:
            error_kinds[r.error_kind] = error_kinds.get(r.error_kind, 0) + 1
    # The figures of the invoke that came closest to its memory size.
    peak = max(served or group, key=lambda r: (r.memory_pct, r.max_memory_used_mb))
    last = group[-1]
    cost = sum(r.cost_usd for r in group)
    stats = FunctionStats(
        function=name,
        invocations=len(group),
        cold_starts=sum(1 for r in group if r.cold_start),
        errors=sum(1 for r in group if r.status == "error"),
        timeouts=sum(1 for r in group if r.status == "timeout"),
        throttles=error_kinds.get("THROTTLED", 0),
        error_kinds=error_kinds,
        p50_duration_ms=_rounded(percentile(durations, 50)),
        p95_duration_ms=_rounded(percentile(durations, 95)),
        max_duration_ms=_rounded(durations[-1] if durations else None),
        p50_init_duration_ms=_rounded(percentile(inits, 50)),
        memory_size_mb=peak.memory_size_mb,
        max_memory_used_mb=peak.max_memory_used_mb,
        memory_used_pct=round(peak.memory_pct, 1),
        isolation=last.isolation,
        architecture=last.architecture,
        billed_duration_ms=sum(r.billed_duration_ms for r in group),
        gb_seconds=sum(r.gb_seconds for r in group),
        cost_usd=cost,
        cost_per_million_usd=cost / len(served) * 1_000_000 if served else 0.0,
        limit_violations=sum(1 for r in group if r.violations),
    )
    suggestion = right_size_mb(stats)
    if suggestion is not None and served:
        stats.right_size_mb = suggestion
        resized = sum(
            report.cost_usd(suggestion, r.billed_duration_ms, r.architecture) for r in served
        )
        stats.right_size_cost_per_million_usd = resized / len(served) * 1_000_000
    return stats


def right_size_mb(stats: FunctionStats) -> int | None:
    """The smallest memory size that keeps RIGHT_SIZE_HEADROOM_PCT above the largest Max
    Memory Used, when that peak leaves most of the memory unused (None otherwise)."""
    if not stats.memory_measured or stats.max_memory_used_mb <= 0:
        return None
    if stats.memory_used_pct >= RIGHT_SIZE_WHEN_USED_BELOW_PCT:
        return None
    size = max(128, math.ceil(stats.max_memory_used_mb * (100 + RIGHT_SIZE_HEADROOM_PCT) / 100))
    return size if size < stats.memory_size_mb else None


@dataclass
class Totals:
    """The whole run: every function together."""

    functions: int
    invocations: int
    cold_starts: int
    errors: int
    timeouts: int
    throttles: int
    gb_seconds: float
    cost_usd: float
    limit_violations: int

    @classmethod
    def of(cls, functions: Iterable[FunctionStats]) -> Totals:
        stats = list(functions)
        return cls(
            functions=len(stats),
            invocations=sum(s.invocations for s in stats),
            cold_starts=sum(s.cold_starts for s in stats),
            errors=sum(s.errors for s in stats),
            timeouts=sum(s.timeouts for s in stats),
            throttles=sum(s.throttles for s in stats),
            gb_seconds=sum(s.gb_seconds for s in stats),
            cost_usd=sum(s.cost_usd for s in stats),
            limit_violations=sum(s.limit_violations for s in stats),
        )


def percentile(ordered: Sequence[float], pct: float) -> float | None:
    """The pct-th percentile of sorted values, interpolating between the closest ranks."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
