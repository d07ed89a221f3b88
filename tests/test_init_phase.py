"""The Init phase as Lambda runs it: a time limit, INIT_REPORT with its phase and status,
Init run again within the request after a failed or timed-out Init ("suppressed init"),
and a runtime lost to a timeout or an exit started again in the same environment."""

from __future__ import annotations

import re

import pytest

from pytest_lambda import ErrorKind
from pytest_lambda import function as function_module


def lines(invocation) -> list[str]:
    return invocation.logs.splitlines()


def test_lambda_gives_init_ten_seconds() -> None:
    assert function_module.INIT_TIMEOUT_S == 10.0


@pytest.fixture
def short_init_limit(monkeypatch: pytest.MonkeyPatch) -> float:
    """Init's limit brought down from 10 s to 0.3 s, so that a test can run into it."""
    monkeypatch.setattr(function_module, "INIT_TIMEOUT_S", 0.3)
    return 0.3


def test_init_over_its_limit_runs_again_within_the_request(
    make_function, short_init_limit: float
) -> None:
    # Init takes 0.5 s: over the Init limit, within the function's timeout.
    function = make_function("observed.count", timeout_s=2, env={"INIT_SLEEP_S": "0.5"})
    invocation = function.invoke({})
    assert invocation.assert_ok()["invokes"] == 1
    assert invocation.cold_start and invocation.init_duration_ms is None
    assert invocation.duration_ms >= 500  # the Init run within the request is counted
    logged = lines(invocation)
    assert logged[0].startswith("INIT_START ")
    assert re.fullmatch(
        r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout", logged[2]
    ), logged
    assert float(logged[2].split()[3]) >= short_init_limit * 1000
    # Init's output twice: the Init that timed out, and the one within the request.
    assert [line for line in logged if line == "init output"] == ["init output"] * 2
    assert logged[4].startswith("START RequestId: ")
    assert "Init Duration" not in invocation.report_line
    # Warm from then on.
    assert not function.invoke({}).cold_start


def test_init_that_also_runs_out_of_the_functions_timeout_is_a_timeout(
    make_function, short_init_limit: float
) -> None:
    function = make_function("observed.count", timeout_s=1, env={"INIT_SLEEP_S": "3"})
    invocation = function.invoke({})
    error = invocation.assert_timed_out()
    assert invocation.status == "timeout" and error.kind is ErrorKind.TIMEOUT
    assert error.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after "
        "1.00 seconds",
    }
    reports = [line for line in lines(invocation) if line.startswith("INIT_REPORT")]
    assert [line.split("\t")[1:] for line in reports] == [
        ["Phase: init", "Status: timeout"],
        ["Phase: invoke", "Status: timeout"],
    ]
    assert lines(invocation)[-1].endswith("\tStatus: timeout\t")
    assert invocation.duration_ms == 1000
    assert [r.phase for r in invocation.init_reports] == ["init", "invoke"]


def test_failed_init_runs_again_within_the_request(make_function) -> None:
    invocation = make_function("import_broken.handler").invoke({})
    error = invocation.assert_error(ErrorKind.INIT)
    assert error.error_type == "Runtime.ImportModuleError"
    logged = lines(invocation)
    reports = [line for line in logged if line.startswith("INIT_REPORT")]
    assert [line.split("\t")[1:] for line in reports] == [
        ["Phase: init", "Status: error", "Error Type: Runtime.ImportModuleError"],
        ["Phase: invoke", "Status: error", "Error Type: Runtime.ImportModuleError"],
    ]
    # The runtime's error twice (once per Init), then the platform's word in the request.
    assert sum(line.startswith("[ERROR] Runtime.ImportModuleError") for line in logged) == 2
    start = logged.index(f"START RequestId: {invocation.request_id} Version: $LATEST")
    assert logged.index(reports[1]) < start
    assert logged[start + 1 : start + 3] == [
        "Unknown application error occurred",
        "Runtime.ImportModuleError",
    ]
    assert logged[-1].endswith("\tStatus: error\tError Type: Runtime.ImportModuleError\t")


@pytest.mark.parametrize("lost_to", ["exit", "sleep"])
def test_a_lost_runtime_restarts_in_the_same_environment(make_function, lost_to: str) -> None:
    function = make_function("observed.tmp_files", timeout_s=1)
    first = function.invoke({"write": "kept.txt"})
    assert first.assert_ok()["files"] == ["kept.txt"]
    lost = function.invoke({"write": "second.txt", "then": lost_to})
    assert lost.status == ("timeout" if lost_to == "sleep" else "error")
    again = function.invoke({})
    # The runtime started again within the request: Init's output before START, no
    # INIT_START, no Init Duration; module globals are fresh...
    assert again.cold_start and again.init_duration_ms is None
    logged = lines(again)
    assert logged[0] == "init output" and logged[1].startswith("START RequestId: ")
    assert "Init Duration" not in again.report_line
    # ...and /tmp is the environment's, as the runtime left it (Lambda does not clear it).
    assert again.assert_ok()["files"] == ["kept.txt", "second.txt"]
