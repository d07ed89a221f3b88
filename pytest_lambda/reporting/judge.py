"""Judging an invocation against its limits, where the test that made it runs.

The limits that apply to an invocation are laid over each other, setting by setting,
from the most general to the most specific: the suite's (ini keys, then command-line
options), the test's lambda_limits markers (the closest wins), then the function's own
`limits=`. Each setting remembers where it was set, so that a failure says which line of
configuration to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ErrorKind
from ..invocation import Invocation
from ..limits import Limits

FUNCTION_LIMITS = "the function's limits="
# Failures listed in one test's message; the rest are counted.
MAX_LISTED = 10


@dataclass(frozen=True)
class Setting:
    """A limit's value and where it was set (an option, an ini key, a marker...)."""

    value: Any
    source: str


class LimitSet:
    """Limits with the source of each setting."""

    def __init__(self, settings: Mapping[str, Setting] | None = None) -> None:
        self._settings = dict(settings or {})

    def layered(self, limits: Limits | None, source: str) -> LimitSet:
        """These limits with `limits` laid over them (its settings win)."""
        if limits is None:
            return self
        over = {name: Setting(value, source) for name, value in limits.settings().items()}
        return LimitSet({**self._settings, **over})

    def get(self, name: str) -> Setting | None:
        return self._settings.get(name)

    def __bool__(self) -> bool:
        return bool(self._settings)

    def __repr__(self) -> str:
        return f"LimitSet({self._settings!r})"


@dataclass(frozen=True)
class Violation:
    """An invocation past a limit: what the test's failure message says about it."""

    function: str
    limit: str
    text: str
    report_line: str

    def message(self) -> str:
        line = self.report_line or "(no REPORT line: the Invoke API refused the request)"
        return f"{self.text}\n  {line.rstrip()}"


def judge(invocation: Invocation, limits: LimitSet) -> list[Violation]:
    """The limits `invocation` exceeded.

    An invoke the platform ended (a timeout, running out of memory) is judged by
    `fail_on` and Init alone: its duration is the timeout and its memory the size, which
    the test may well have asked for on purpose.
    """
    found: list[Violation] = []

    def exceeded(limit: str, text: str) -> None:
        found.append(Violation(invocation.function_name, limit, text, invocation.report_line))

    name = invocation.function_name
    kind = invocation.error.kind if invocation.error is not None else None
    fail_on = limits.get("fail_on")
    if kind is not None and fail_on is not None and kind in fail_on.value:
        assert invocation.error is not None
        exceeded(
            "fail_on",
            f"{name}: ended with error kind {kind.value} ({invocation.error.error_type}), "
            f"which fail_on makes a failure ({fail_on.source})",
        )
    if not invocation.served:
        return found
    init = limits.get("max_init_ms")
    init_ms = invocation.init_duration_ms
    if init is not None and init_ms is not None and init_ms > init.value:
        exceeded(
            "max_init_ms",
            f"{name}: Init Duration {init_ms:.2f} ms exceeds "
            f"max_init_ms = {init.value:g} ms ({init.source})",
        )
    if invocation.status == "timeout" or kind is ErrorKind.OUT_OF_MEMORY:
        return found
    duration = _duration_setting(limits, invocation.cold_start)
    if duration is not None:
        setting, budget = duration
        if invocation.duration_ms > budget.value:
            start = "a cold start" if invocation.cold_start else "a warm invoke"
            exceeded(
                setting,
                f"{name}: Duration {invocation.duration_ms:.2f} ms on {start} exceeds "
                f"{setting} = {budget.value:g} ms ({budget.source})",
            )
    memory = limits.get("max_memory_pct")
    if memory is not None and invocation.isolation == "process":
        used_pct = 100 * invocation.max_memory_used_mb / invocation.memory_size_mb
        if used_pct > memory.value:
            exceeded(
                "max_memory_pct",
                f"{name}: Max Memory Used {invocation.max_memory_used_mb} MB is "
                f"{used_pct:.1f}% of its {invocation.memory_size_mb} MB, above "
                f"max_memory_pct = {memory.value:g}% ({memory.source})",
            )
    cost = limits.get("max_cost_per_million")
    if cost is not None:
        per_million = invocation.cost_usd * 1_000_000
        if per_million > cost.value:
            exceeded(
                "max_cost_per_million",
                f"{name}: a million invocations like this one would cost "
                f"${per_million:,.4f}, above max_cost_per_million = ${cost.value:g} "
                f"({cost.source})",
            )
    return found


def failure_message(violations: Iterable[Violation]) -> str:
    """The one message a test fails with: each violation with its REPORT line."""
    listed = list(violations)
    lines = [f"pytest-lambda: {v.message()}" for v in listed[:MAX_LISTED]]
    if len(listed) > MAX_LISTED:
        lines.append(f"pytest-lambda: ... and {len(listed) - MAX_LISTED} more")
    return "\n".join(lines)


def _duration_setting(limits: LimitSet, cold_start: bool) -> tuple[str, Setting] | None:
    specific = "max_duration_ms_cold" if cold_start else "max_duration_ms_warm"
    for name in (specific, "max_duration_ms"):
        setting = limits.get(name)
        if setting is not None:
            return name, setting
    return None
