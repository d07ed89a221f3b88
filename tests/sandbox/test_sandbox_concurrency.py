"""invoke_many: scale-out over parallel environments, warm reuse, reserved concurrency."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from pytest_lambda import ErrorKind, HarnessError
from pytest_lambda.environments import process


def test_results_come_in_the_order_of_the_events(make_function) -> None:
    function = make_function("sleepy.handler")
    events = [{"seconds": 0.05 * (5 - i)} for i in range(5)]
    invocations = function.invoke_many(events, concurrency=5)
    assert [i.ok for i in invocations] == [True] * 5
    assert [i.duration_ms >= 50 * (5 - n) for n, i in enumerate(invocations)] == [True] * 5
    assert function.invocations == invocations


def test_requests_run_in_parallel_environments(make_function) -> None:
    function = make_function("sleepy.handler")
    started = time.monotonic()
    invocations = function.invoke_many([{"seconds": 0.3}] * 4, concurrency=4)
    assert time.monotonic() - started < 0.9
    assert len({i.result for i in invocations}) == 4
    assert all(i.cold_start for i in invocations)


def test_warm_environments_are_reused(make_function) -> None:
    function = make_function("sleepy.handler")
    invocations = function.invoke_many([{"seconds": 0.02}] * 9, concurrency=3)
    assert sum(i.cold_start for i in invocations) == 3
    assert len({i.result for i in invocations}) == 3


def test_reserved_concurrency_throttles_the_excess(make_function) -> None:
    function = make_function("sleepy.handler", reserved_concurrency=2)
    invocations = function.invoke_many([{"seconds": 0.05}] * 5, concurrency=5)
    assert [i.ok for i in invocations] == [True, True, False, False, False]
    throttled = invocations[-1]
    error = throttled.assert_error(ErrorKind.THROTTLED)
    assert error.payload == {
        "errorType": "TooManyRequestsException",
        "errorMessage": "Rate Exceeded.",
    }
    assert throttled.status_code == 429
    assert throttled.logs == "" and throttled.billed_duration_ms == 0


def test_reserved_concurrency_applies_to_concurrent_invoke_calls(make_function) -> None:
    function = make_function("sleepy.handler", reserved_concurrency=1)
    results = []
    thread = threading.Thread(target=lambda: results.append(function.invoke({"seconds": 0.5})))
    thread.start()
    time.sleep(0.2)
    function.invoke({"seconds": 0}).assert_error(ErrorKind.THROTTLED)
    thread.join()
    assert results[0].ok


def test_reserved_concurrency_zero_throttles_everything(make_function) -> None:
    function = make_function("sleepy.handler", reserved_concurrency=0)
    invocations = function.invoke_many([{}, {}], concurrency=2)
    assert [i.error.kind if i.error else None for i in invocations] == [ErrorKind.THROTTLED] * 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_concurrency_must_be_a_positive_whole_number(make_function, bad: object) -> None:
    function = make_function("basic.hello")
    with pytest.raises(HarnessError, match=r"concurrency must be a whole number, 1 or more, got "):
        function.invoke_many([{}], concurrency=bad)  # type: ignore[arg-type]


def test_inline_invoke_many_scales_out_one_after_another(make_function) -> None:
    function = make_function("basic.count", isolation="inline")
    invocations = function.invoke_many([{}] * 4, concurrency=2)
    assert [i.result for i in invocations] == [1, 1, 2, 2]
    assert [i.cold_start for i in invocations] == [True, True, False, False]


def test_the_inline_fallback_runs_a_wave_one_after_another(
    monkeypatch: pytest.MonkeyPatch, make_function
) -> None:
    # Where workers cannot run, isolation="process" falls back to inline environments,
    # which swap process-wide state (sys.stdout, os.environ): they must take turns too.
    monkeypatch.setattr(process, "supported", lambda: False)
    function = make_function("basic.chatter")
    stdout = sys.stdout
    with pytest.warns(RuntimeWarning, match="isolation='process' needs Linux"):
        invocations = function.invoke_many([{"n": n} for n in range(4)], concurrency=4)
    assert sys.stdout is stdout
    assert [i.assert_ok() for i in invocations] == [0, 1, 2, 3]
    for n, invocation in enumerate(invocations):
        assert invocation.logs.count("begin ") == 1, invocation.logs
        assert f"begin {n}\nend {n}\n" in invocation.logs, invocation.logs
