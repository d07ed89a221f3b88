"""The test's frozen or shifted clock, carried into the execution environment of an invoke.

freezegun and time-machine change the clock of the process they run in. A handler in a
worker process would see the real clock; a handler running inline whose modules were
imported before freezegun started keeps the real `datetime` it imported, because
freezegun replaces such names only in the modules loaded when it starts, and an inline
function's modules are out of `sys.modules` between its invokes.

So an environment takes the test's clock as a `FrozenClock` when a request arrives (the
moment the test sees, whether it ticks, its time zone) and freezes its own clock the same
way, with the same library, for the duration of the call; the request's deadline is then
counted on that clock, while the harness still enforces timeouts on real time. The time
zone stays the function's (Lambda's UTC); freezegun's tz_offset, which is not a time zone
but an offset its fake `now()` adds, is carried over.

Neither library is imported unless the test process has imported it, and a worker
imports it only for a request that carries a frozen clock.
"""

from __future__ import annotations

import calendar
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Literal

# What freezegun replaces in the modules it finds loaded when it starts: (real, fake)
# names in freezegun.api, as its start() lists them.
_FREEZEGUN_FAKES = (
    ("real_date", "FakeDate"),
    ("real_datetime", "FakeDatetime"),
    ("real_gmtime", "fake_gmtime"),
    ("real_localtime", "fake_localtime"),
    ("real_monotonic", "fake_monotonic"),
    ("real_perf_counter", "fake_perf_counter"),
    ("real_strftime", "fake_strftime"),
    ("real_time", "fake_time"),
    ("real_time_ns", "fake_time_ns"),
    ("real_monotonic_ns", "fake_monotonic_ns"),
    ("real_perf_counter_ns", "fake_perf_counter_ns"),
)

Changes = Sequence[tuple[ModuleType, str, Any]]
NO_CHANGES: Changes = ()


@dataclass(frozen=True)
class FrozenClock:
    """The test's clock at one moment, and how it moves from there."""

    library: Literal["freezegun", "time-machine"]
    epoch_ns: int
    tick: bool
    # freezegun's auto_tick_seconds (each reading moves the clock on), tz_offset and the
    # modules it leaves on the real clock.
    step_s: float = 0.0
    tz_offset_s: float = 0.0
    ignore: tuple[str, ...] = ()


def capture() -> FrozenClock | None:
    """The test process's clock if freezegun or time-machine has frozen or shifted it."""
    freezegun: Any = sys.modules.get("freezegun.api")
    if freezegun is not None and freezegun.freeze_factories:
        factory = freezegun.freeze_factories[-1]
        step = float(getattr(factory, "step_width", 0.0) or 0.0)
        # Calling a stepping factory would move its clock: read where it stands.
        moment = factory.time_to_freeze if step else factory()
        offset = freezegun.tz_offsets[-1]
        return FrozenClock(
            "freezegun",
            _naive_utc_to_ns(moment),
            tick=bool(freezegun.tick_flags[-1]),
            step_s=step,
            tz_offset_s=offset.total_seconds() if isinstance(offset, timedelta) else 0.0,
            ignore=tuple(freezegun.ignore_lists[-1]),
        )
    time_machine: Any = sys.modules.get("time_machine")
    if time_machine is not None:
        stack = getattr(time_machine, "traveller_stack", None) or getattr(
            time_machine, "coordinates_stack", None
        )
        if stack:
            travelling = stack[-1]
            # Its time zone (TZ while travelling) stays the test's: a function's TZ is
            # Lambda's, UTC, in either isolation.
            return FrozenClock(
                "time-machine", time.time_ns(), tick=bool(getattr(travelling, "_tick", True))
            )
    return None


def _naive_utc_to_ns(moment: datetime) -> int:
    seconds = calendar.timegm(moment.utctimetuple())
    return seconds * 1_000_000_000 + moment.microsecond * 1000


@contextmanager
def frozen(clock: FrozenClock | None) -> Iterator[None]:
    """In an environment: the clock frozen (or shifted) as `clock` says, until the end."""
    if clock is None:
        yield
        return
    freezer: Any
    seconds = clock.epoch_ns / 1e9
    if clock.library == "freezegun":
        from freezegun import freeze_time

        freezer = freeze_time(
            datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None),
            tz_offset=timedelta(seconds=clock.tz_offset_s),
            ignore=list(clock.ignore),
            tick=clock.tick,
            auto_tick_seconds=clock.step_s,
        )
    else:
        import time_machine

        freezer = time_machine.travel(seconds, tick=clock.tick)
    freezer.start()
    try:
        yield
    finally:
        freezer.stop()


def fake_clock_in(modules: Iterable[ModuleType]) -> Changes:
    """While freezegun is frozen: what it would have replaced in `modules` had they been
    loaded when it started (the real datetime, date, time and the like they imported).

    Returns the changes made, for `undo`. Nothing to do without freezegun or a freeze.
    """
    api: Any = sys.modules.get("freezegun.api")
    if api is None or not api.freeze_factories:
        return NO_CHANGES
    fakes = {
        id(getattr(api, real)): getattr(api, fake)
        for real, fake in _FREEZEGUN_FAKES
        if hasattr(api, real) and hasattr(api, fake)
    }
    ignore = tuple(api.ignore_lists[-1])
    changes: list[tuple[ModuleType, str, Any]] = []
    for module in modules:
        if ignore and module.__name__.startswith(ignore):
            continue
        for name, value in list(vars(module).items()):
            fake = fakes.get(id(value))
            if fake is not None:
                setattr(module, name, fake)
                changes.append((module, name, value))
    return changes


def undo(changes: Changes) -> None:
    for module, name, value in reversed(changes):
        setattr(module, name, value)
