"""A monotonic clock that time-freezing libraries leave alone.

Durations are measured, never frozen: freezegun replaces time.monotonic and
time.perf_counter while a test is frozen, but not clock_gettime. The wall clock
(time.time) is left to them on purpose: deadlines and timestamps follow frozen time.
"""

from __future__ import annotations

import time

if hasattr(time, "clock_gettime") and hasattr(time, "CLOCK_MONOTONIC"):
    _CLOCK_ID = time.CLOCK_MONOTONIC

    def monotonic() -> float:
        return time.clock_gettime(_CLOCK_ID)

else:  # Windows has no clock_gettime; durations there follow freezegun.

    def monotonic() -> float:
        return time.perf_counter()


def elapsed_ms(started: float) -> float:
    return (monotonic() - started) * 1000
