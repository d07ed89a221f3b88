"""The test's frozen or shifted clock reaches the handler, in both isolations, for the
invoke made while it is frozen; the context's countdown follows it; timeouts do not."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import freezegun
import time_machine

from pytest_lambda import ErrorKind
from pytest_lambda.frozen_time import capture

JAN_1_2020_NOON = datetime(2020, 1, 1, 12, tzinfo=timezone.utc)
NOON = JAN_1_2020_NOON.timestamp()


@freezegun.freeze_time("2020-01-01 12:00:00")
def test_freezegun_decorator_reaches_init_and_the_handler(make_function) -> None:
    seen = make_function("clock.handler").invoke({}).assert_ok()
    assert seen["utc"] == "2020-01-01T12:00:00+00:00"
    assert seen["time"] == seen["imported_time"] == seen["imported_at"] == NOON
    assert seen["remaining_ms"] == 3_000


def test_a_freeze_that_starts_after_the_cold_start_reaches_the_warm_handler(
    make_function,
) -> None:
    function = make_function("clock.handler")
    function.invoke({}).assert_ok()
    with freezegun.freeze_time("2020-01-01 12:00:00"):
        warm = function.invoke({})
    assert not warm.cold_start
    seen = warm.assert_ok()
    # Names the module imported at Init (datetime, time) follow the freeze too.
    assert (seen["utc"], seen["time"], seen["imported_time"]) == (
        "2020-01-01T12:00:00+00:00",
        NOON,
        NOON,
    )
    after = function.invoke({}).assert_ok()
    assert after["time"] > datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()


def test_a_runtime_started_again_runs_its_init_on_the_clock_as_it_is_then(
    make_function,
) -> None:
    function = make_function("clock.handler")
    with freezegun.freeze_time("2020-01-01 12:00:00"):
        function.invoke({}).assert_ok()
        function.invoke({"exit": True}).assert_error(ErrorKind.EXIT)
    # The runtime starts again in the same environment at the next request: a new Init.
    with freezegun.freeze_time("2021-01-01 12:00:00"):
        restarted = function.invoke({})
    assert restarted.cold_start
    seen = restarted.assert_ok()
    new_year = datetime(2021, 1, 1, 12, tzinfo=timezone.utc).timestamp()
    assert seen["imported_at"] == seen["time"] == new_year


def test_a_ticking_freeze_ticks_in_the_handler(make_function) -> None:
    function = make_function("clock.handler")
    with freezegun.freeze_time("2020-01-01 12:00:00", tick=True):
        seen = function.invoke({}).assert_ok()
    assert NOON <= seen["time"] < NOON + 60
    assert 0 < seen["remaining_ms"] <= 3_000


def test_freezegun_tz_offset_reaches_the_handler(make_function) -> None:
    with freezegun.freeze_time("2020-01-01 12:00:00", tz_offset=2):
        seen = make_function("clock.handler").invoke({}).assert_ok()
        # The handler's clock is the test's, down to freezegun's way with an offset.
        in_the_test = (datetime.now().isoformat(), datetime.now(timezone.utc).isoformat())
    assert seen["local"] == "2020-01-01T14:00:00"
    assert (seen["local"], seen["utc"]) == in_the_test


def test_freezegun_moved_between_invokes(make_function) -> None:
    function = make_function("clock.handler")
    with freezegun.freeze_time("2020-01-01 12:00:00") as frozen:
        first = function.invoke({}).assert_ok()
        frozen.tick(timedelta(hours=1))
        second = function.invoke({}).assert_ok()
    assert second["time"] - first["time"] == 3600


def test_time_machine_travel_reaches_the_handler(make_function) -> None:
    with time_machine.travel(JAN_1_2020_NOON, tick=False):
        seen = make_function("clock.handler").invoke({}).assert_ok()
    assert seen["time"] == seen["imported_at"] == NOON
    assert seen["utc"] == "2020-01-01T12:00:00+00:00"
    assert seen["remaining_ms"] == 3_000


def test_time_machine_fixture_shift_reaches_the_warm_handler(
    make_function, time_machine: time_machine.TimeMachineFixture
) -> None:
    function = make_function("clock.handler")
    time_machine.move_to(JAN_1_2020_NOON, tick=False)
    first = function.invoke({}).assert_ok()
    time_machine.shift(timedelta(days=1))
    second = function.invoke({}).assert_ok()
    assert (first["time"], second["time"]) == (NOON, NOON + 86_400)


def test_a_timeout_fires_on_real_time_while_the_clock_is_frozen(make_function) -> None:
    function = make_function("clock.sleep", timeout_s=1)
    with freezegun.freeze_time("2020-01-01 12:00:00"):
        started = time.monotonic()
        invocation = function.invoke({"seconds": 5})
    invocation.assert_timed_out()
    assert time.monotonic() - started < 4


def test_no_clock_is_captured_when_nothing_is_frozen() -> None:
    assert capture() is None
    with freezegun.freeze_time("2020-01-01 12:00:00", auto_tick_seconds=5):
        clock = capture()
        # Reading a stepping clock would move it: capturing it must not.
        assert capture() == clock
    assert clock is not None and clock.library == "freezegun" and clock.step_s == 5
