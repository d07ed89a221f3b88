"""Hard timeouts, exits and crashes, floods of logs: reported as Lambda does, never a hang."""

from __future__ import annotations

import time

import pytest

from pytest_lambda import ErrorKind

from .conftest import wait_gone

# The target: the Invocation is back within 50 ms of the deadline.
TIMEOUT_SLACK_S = 0.05


@pytest.mark.parametrize("handler", ["c_sleep", "busy_loop", "blocked_socket", "child_process"])
def test_timeouts_are_hard(make_function, handler: str) -> None:
    function = make_function(f"misbehave.{handler}", timeout_s=1)
    started = time.monotonic()
    invocation = function.invoke({})
    elapsed = time.monotonic() - started
    error = invocation.assert_timed_out()
    assert error.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after "
        "1.00 seconds",
    }
    assert invocation.report_line.endswith("\tStatus: timeout\t")
    assert f"{invocation.request_id} Task timed out after 1.00 seconds\n" in invocation.logs
    assert invocation.duration_ms == 1000.0
    # Loose: this may include starting the fork server (the warm test below is strict).
    assert elapsed < 1.5


def test_timeout_latency_on_a_warm_environment(make_function) -> None:
    function = make_function("sleepy.handler", timeout_s=1)
    pid = function.invoke({"seconds": 0}).result
    started = time.monotonic()
    function.invoke({"seconds": 5}).assert_timed_out()
    assert time.monotonic() - started < 1 + TIMEOUT_SLACK_S
    assert wait_gone(pid)
    assert function.invoke({"seconds": 0}).cold_start


def test_timeout_kills_the_handlers_child_processes(make_function) -> None:
    function = make_function("misbehave.spawn_and_return", timeout_s=1)
    child = function.invoke({}).assert_ok()
    function.close()
    assert wait_gone(child)


@pytest.mark.parametrize(
    ("handler", "event", "detail"),
    [
        ("sys_exit", {"code": 3}, "exit status 3"),
        ("sys_exit", {"code": "bye"}, "exit status 1"),
        ("hard_exit", {}, "exit status 7"),
        ("segfault", {}, "signal: segmentation fault"),
        ("abort", {}, "signal: aborted"),
        ("kill_self", {}, "signal: killed"),
    ],
)
def test_exits_and_crashes_are_runtime_exit_errors(
    make_function, handler: str, event: dict[str, object], detail: str
) -> None:
    function = make_function(f"misbehave.{handler}")
    invocation = function.invoke(event)
    error = invocation.assert_error(ErrorKind.EXIT)
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited with "
        f"error: {detail}",
    }
    assert invocation.report_line.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")
    # The next invoke starts a fresh environment.
    assert function.invoke(event).cold_start


def test_sys_exit_message_is_logged(make_function) -> None:
    invocation = make_function("misbehave.sys_exit").invoke({"code": "bye"})
    assert "bye\n" in invocation.logs


def test_a_worker_killed_from_outside(make_function) -> None:
    function = make_function("sleepy.handler")
    pid = function.invoke({"seconds": 0}).result
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    assert wait_gone(pid)
    invocation = function.invoke({"seconds": 0})
    invocation.assert_error("Runtime.ExitError")
    assert invocation.error is not None and invocation.error.message.endswith("signal: killed")
    assert function.invoke({"seconds": 0}).cold_start


def test_a_flood_of_logs_is_capped_without_deadlock(make_function) -> None:
    invocation = make_function("misbehave.flood_logs", timeout_s=30).invoke({"mb": 100})
    assert invocation.assert_ok() == "done"
    assert "[pytest-lambda] log output truncated: " in invocation.logs
    assert len(invocation.logs) < 5 * 1024 * 1024


def test_fd_level_output_and_child_output_reach_the_log(make_function) -> None:
    invocation = make_function("misbehave.write_fd").invoke({})
    assert invocation.assert_ok() == "ok"
    assert "from fd 1\nfrom a child\n" in invocation.logs
