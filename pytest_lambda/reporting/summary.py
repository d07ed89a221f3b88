"""Per-function aggregates of a run's invocation records, and the summary table."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

Record = Mapping[str, Any]
Aggregates = dict[str, dict[str, Any]]


def aggregate(records: Iterable[Record]) -> Aggregates:
    """For each function: invokes, errors by kind, timeouts, cold starts, p50 and max
    duration, peak memory, billed duration and cost."""
    by_function: dict[str, list[Record]] = {}
    for record in records:
        by_function.setdefault(record["function"], []).append(record)
    aggregates: Aggregates = {}
    for name, group in by_function.items():
        durations = [r["duration_ms"] for r in group]
        error_kinds: dict[str, int] = {}
        for r in group:
            if r["error_kind"] is not None:
                error_kinds[r["error_kind"]] = error_kinds.get(r["error_kind"], 0) + 1
        aggregates[name] = {
            "invocations": len(group),
            "errors": sum(1 for r in group if r["status"] == "error"),
            "timeouts": sum(1 for r in group if r["status"] == "timeout"),
            "error_kinds": error_kinds,
            "cold_starts": sum(1 for r in group if r["cold_start"]),
            "p50_duration_ms": round(statistics.median(durations), 2),
            "max_duration_ms": round(max(durations), 2),
            "max_memory_used_mb": max(r["max_memory_used_mb"] for r in group),
            "billed_duration_ms": sum(r["billed_duration_ms"] for r in group),
            "cost_usd": sum(r["cost_usd"] for r in group),
        }
    return aggregates


def summary_lines(functions: Aggregates) -> list[str]:
    """The summary table: a header, then one line per function."""
    lines = [
        f"{'function':<28} {'invokes':>7} {'errors':>6} {'timeouts':>8} {'cold':>5} "
        f"{'p50 ms':>9} {'max ms':>9} {'max MB':>6} {'cost USD':>12}"
    ]
    for name, stats in functions.items():
        lines.append(
            f"{name[:28]:<28} {stats['invocations']:>7} {stats['errors']:>6} "
            f"{stats['timeouts']:>8} {stats['cold_starts']:>5} {stats['p50_duration_ms']:>9.2f} "
            f"{stats['max_duration_ms']:>9.2f} {stats['max_memory_used_mb']:>6} "
            f"{stats['cost_usd']:>12.10f}"
        )
    return lines
