"""Limits: the budgets a function's invocations are held to in CI (duration, Init, memory,
cost, and the error kinds that always fail a test).

A function carries its limits in its configuration (`limits=` on LambdaFunction and the
lambda_function marker); the test run adds suite-wide ones (command-line options, ini
keys) and per-test ones (the lambda_limits marker). This module only states and checks
them: invocations are judged against them where the test runs (pytest_lambda.reporting).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import ErrorKind, HarnessError

# Settings that are a number of milliseconds, a percentage or US dollars: each must be a
# positive number.
_NUMBERS = (
    "max_duration_ms",
    "max_duration_ms_cold",
    "max_duration_ms_warm",
    "max_init_ms",
    "max_memory_pct",
    "max_cost_per_million",
)


@dataclass(frozen=True)
class Limits:
    """Budgets for one invocation; a setting left None is not judged.

    - `max_duration_ms`: the REPORT line's Duration (Init excluded), cold or warm;
      `max_duration_ms_cold` and `max_duration_ms_warm` replace it for cold starts and for
      warm invokes respectively.
    - `max_init_ms`: the Init Duration of a cold start.
    - `max_memory_pct`: Max Memory Used as a percentage of the memory size (0-100].
    - `max_cost_per_million`: what a million invocations like this one would cost, in US
      dollars at list price (request charge plus duration charge).
    - `fail_on`: error kinds that fail the test whenever an invocation ends with one, even
      when the test expected it (e.g. `{"timeout", "out_of_memory"}`); an empty set turns
      a suite-wide `fail_on` off.
    """

    max_duration_ms: float | None = None
    max_duration_ms_cold: float | None = None
    max_duration_ms_warm: float | None = None
    max_init_ms: float | None = None
    max_memory_pct: float | None = None
    max_cost_per_million: float | None = None
    fail_on: frozenset[ErrorKind] | None = None

    def __post_init__(self) -> None:
        for name in _NUMBERS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _positive_number(name, value))
        if self.max_memory_pct is not None and self.max_memory_pct > 100:
            raise HarnessError(
                f"max_memory_pct={self.max_memory_pct:g} is out of range: it is Max Memory "
                "Used as a percentage of the memory size, above 0 and at most 100"
            )
        if self.fail_on is not None:
            object.__setattr__(self, "fail_on", error_kinds(self.fail_on, "fail_on"))

    @classmethod
    def coerce(cls, value: Limits | Mapping[str, Any] | None) -> Limits | None:
        """`value` as Limits: a Limits, a mapping of its settings, or None."""
        if value is None or isinstance(value, Limits):
            return value
        if not isinstance(value, Mapping):
            raise HarnessError(
                f"limits must be a Limits or a mapping of its settings "
                f"({', '.join(setting_names())}), got {value!r}"
            )
        unknown = sorted(set(value) - set(setting_names()))
        if unknown:
            raise HarnessError(
                f"unknown limit(s) {', '.join(map(repr, unknown))}; accepted limits are "
                f"{', '.join(setting_names())}"
            )
        return cls(**value)

    def settings(self) -> dict[str, Any]:
        """The settings that are set (not None)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


def setting_names() -> list[str]:
    return [f.name for f in fields(Limits)]


def error_kinds(value: object, setting: str) -> frozenset[ErrorKind]:
    """ErrorKinds from names (any case, `timeout` or `TIMEOUT`), kinds, or a comma list."""
    if isinstance(value, str):
        items: Iterable[object] = [part for part in value.split(",") if part.strip()]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise HarnessError(
            f"{setting} must be error kinds (e.g. timeout,out_of_memory), got {value!r}"
        )
    kinds = set()
    for item in items:
        if isinstance(item, ErrorKind):
            kinds.add(item)
            continue
        name = str(item).strip()
        try:
            kinds.add(ErrorKind[name.upper()])
        except KeyError:
            known = ", ".join(kind.value for kind in ErrorKind)
            raise HarnessError(
                f"{setting}: unknown error kind {name!r}; the kinds are {known}"
            ) from None
    return frozenset(kinds)


def _positive_number(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise HarnessError(f"{name} must be a number above 0, got {value!r}")
    return float(value)
