"""Comparing a run with a baseline report, function by function.

A function regresses when its p95 duration, its Max Memory Used or its cost per million
invocations grows by more than the allowed percentage (and by more than the noise of
the measurement: 1 ms, 1 MB, or the price of 1 ms), or when it fails with an error kind
the baseline never saw it fail with. Functions new in this run have nothing to compare
with and are listed as new.

Durations depend on the machine: if the baseline was made on another kind of machine
(`Machine`), duration and cost are shown but not judged, and the comparison says why;
memory is judged only if the Python version, the system and the architecture match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import report
from .metadata import Machine
from .stats import FunctionStats

DEFAULT_MAX_REGRESSION_PCT = 20.0
DURATION_NOISE_MS = 1.0
MEMORY_NOISE_MB = 1.0
# A p95 of fewer invokes than this is one slow invoke away from anything: timing of such
# functions is shown, not judged.
MIN_TIMING_INVOCATIONS = 5

METRICS = ("p95_duration_ms", "max_memory_used_mb", "cost_per_million_usd")
_TIMING_METRICS = ("p95_duration_ms", "cost_per_million_usd")
METRIC_LABELS = {
    "p95_duration_ms": "p95 duration",
    "max_memory_used_mb": "Max Memory Used",
    "cost_per_million_usd": "cost per 1M invocations",
}


@dataclass
class Baseline:
    """An earlier report's per-function figures and the machine it ran on."""

    path: str
    machine: Machine | None
    functions: dict[str, FunctionStats]

    @classmethod
    def from_report(cls, path: str, data: Mapping[str, Any]) -> Baseline:
        machine = data["run"].get("machine")
        return cls(
            path=path,
            machine=None if machine is None else Machine.from_json(machine),
            functions={
                name: FunctionStats.from_json(name, stats)
                for name, stats in data["functions"].items()
            },
        )

    def error_kinds(self, function: str) -> set[str] | None:
        """The error kinds the function had in the baseline (None: not in the baseline)."""
        stats = self.functions.get(function)
        return None if stats is None else set(stats.error_kinds)


@dataclass
class MetricChange:
    metric: str
    baseline: float | None
    current: float | None
    change_pct: float | None
    regression: bool
    gated: bool
    # Why the change is shown but not judged (None when it is judged).
    not_judged: str | None = None


@dataclass
class FunctionComparison:
    function: str
    status: str  # compared | new | missing
    metrics: list[MetricChange] = field(default_factory=list)
    new_error_kinds: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["function"]
        return data


@dataclass
class Comparison:
    """This run against a baseline: a row per function, and the regressions found."""

    path: str
    same_machine: bool
    machine_differences: list[str]
    max_regression_pct: float
    functions: list[FunctionComparison]
    regressions: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "same_machine": self.same_machine,
            "machine_differences": self.machine_differences,
            "max_regression_pct": self.max_regression_pct,
            "functions": {row.function: row.to_json() for row in self.functions},
            "regressions": self.regressions,
        }


def compare(
    current: Mapping[str, FunctionStats],
    baseline: Baseline,
    *,
    machine: Machine | None,
    max_regression_pct: float,
) -> Comparison:
    """Compare the run's functions (made on `machine`; None: on several) with `baseline`."""
    differences = _machine_differences(machine, baseline.machine)
    timing_comparable = not differences
    memory_comparable = (
        machine is not None
        and baseline.machine is not None
        and (machine.system, machine.architecture, machine.python)
        == (baseline.machine.system, baseline.machine.architecture, baseline.machine.python)
    )
    rows: list[FunctionComparison] = []
    regressions: list[str] = []
    for name, stats in current.items():
        before = baseline.functions.get(name)
        if before is None:
            rows.append(FunctionComparison(name, "new"))
            continue
        row = FunctionComparison(name, "compared")
        few = min(stats.invocations, before.invocations) < MIN_TIMING_INVOCATIONS
        for metric in METRICS:
            if metric in _TIMING_METRICS:
                reason = "other machine" if not timing_comparable else None
                if reason is None and few:
                    reason = f"fewer than {MIN_TIMING_INVOCATIONS} invokes"
            else:
                if not (stats.memory_measured and before.memory_measured):
                    continue
                reason = None if memory_comparable else "other machine"
            change = _change(metric, stats, before, max_regression_pct, reason)
            row.metrics.append(change)
            if change.regression:
                regressions.append(_regression_message(name, change, max_regression_pct))
        row.new_error_kinds = sorted(set(stats.error_kinds) - set(before.error_kinds))
        for kind in row.new_error_kinds:
            count = stats.error_kinds[kind]
            regressions.append(
                f"{name}: failed with error kind {kind.lower()} ({count} "
                f"invocation{'s' if count != 1 else ''}), which the baseline never had for it"
            )
        rows.append(row)
    for name in baseline.functions:
        if name not in current:
            rows.append(FunctionComparison(name, "missing"))
    return Comparison(
        path=baseline.path,
        same_machine=not differences,
        machine_differences=differences,
        max_regression_pct=max_regression_pct,
        functions=rows,
        regressions=regressions,
    )


def _machine_differences(machine: Machine | None, baseline: Machine | None) -> list[str]:
    if machine is None:
        return ["this run's shards ran on different machines"]
    if baseline is None:
        return ["the baseline's shards ran on different machines"]
    return [f"baseline {d}" for d in machine.differences(baseline)]


def _change(
    metric: str,
    stats: FunctionStats,
    before: FunctionStats,
    max_regression_pct: float,
    not_judged: str | None,
) -> MetricChange:
    now = getattr(stats, metric)
    then = getattr(before, metric)
    gated = not_judged is None
    if now is None or then is None:
        return MetricChange(metric, then, now, None, False, gated, not_judged)
    change_pct = None if then == 0 else round((now - then) / then * 100, 1)
    grew_beyond_noise = now - then > _noise(metric, stats)
    regression = (
        gated and grew_beyond_noise and (change_pct is None or change_pct > max_regression_pct)
    )
    return MetricChange(metric, then, now, change_pct, regression, gated, not_judged)


def _noise(metric: str, stats: FunctionStats) -> float:
    if metric == "p95_duration_ms":
        return DURATION_NOISE_MS
    if metric == "max_memory_used_mb":
        return MEMORY_NOISE_MB
    one_ms = report.cost_usd(stats.memory_size_mb, 1, stats.architecture)
    return (one_ms - report.PRICE_PER_REQUEST_USD) * 1_000_000


def metric_value(metric: str, value: float) -> str:
    """A metric's value with its unit, as the comparison shows it."""
    if metric == "cost_per_million_usd":
        return f"${value:.4f}"
    if metric == "p95_duration_ms":
        return f"{value:.2f} ms"
    return f"{value:g} MB"


def _regression_message(name: str, change: MetricChange, max_pct: float) -> str:
    assert change.current is not None and change.baseline is not None
    growth = "" if change.change_pct is None else f" (+{change.change_pct:g}%)"
    return (
        f"{name}: {METRIC_LABELS[change.metric]} {metric_value(change.metric, change.current)} "
        f"against the baseline's {metric_value(change.metric, change.baseline)}{growth}, more "
        f"than the {max_pct:g}% allowed"
    )
