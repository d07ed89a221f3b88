"""report: the platform's log lines, billing and cost; the errors' sandbox payloads."""

from __future__ import annotations

import pytest

from pytest_lambda import ErrorKind, LambdaError, report
from pytest_lambda.report import Report

RID = "8f5a9c2e-3b1d-4e6f-9a7b-0c1d2e3f4a5b"


@pytest.mark.parametrize(
    ("duration", "init", "billed"),
    [
        (15.74, None, 16),
        (15.74, 130.49, 147),
        (16.0, None, 16),
        (100.0, None, 100),
        (1000.0, 0.0, 1000),
        (0.01, None, 1),
        (0.0, None, 1),
        (0.1 + 0.2, 0.7, 1),
        (999.001, None, 1000),
    ],
)
def test_billed_duration_rounds_up_to_the_millisecond(duration, init, billed) -> None:
    assert report.billed_duration_ms(duration, init) == billed


@pytest.mark.parametrize(
    ("duration", "init", "billed"),
    [
        (15.74, None, 100),
        (100.0, None, 100),
        (100.01, None, 200),
        (15.74, 130.49, 200),
        (0.0, None, 100),
    ],
)
def test_billed_duration_with_the_old_100_ms_granularity(duration, init, billed) -> None:
    assert report.billed_duration_ms(duration, init, granularity_ms=100) == billed


def test_cost_x86_64() -> None:
    expected = 0.2e-6 + 0.125 * 0.1 * 0.0000166667
    assert report.cost_usd(128, 100) == pytest.approx(expected, rel=1e-12)
    assert report.cost_usd(128, 100, "x86_64") == pytest.approx(expected, rel=1e-12)


def test_cost_arm64() -> None:
    expected = 0.2e-6 + 0.125 * 0.1 * 0.0000133334
    assert report.cost_usd(128, 100, "arm64") == pytest.approx(expected, rel=1e-12)


def test_cost_of_one_gb_second() -> None:
    assert report.cost_usd(1024, 1000) == pytest.approx(0.2e-6 + 0.0000166667, rel=1e-12)
    assert report.cost_usd(10_240, 900_000) == pytest.approx(
        0.2e-6 + 10 * 900 * 0.0000166667, rel=1e-12
    )


def test_start_end_and_init_start_lines() -> None:
    assert report.start_line(RID) == f"START RequestId: {RID} Version: $LATEST\n"
    assert report.end_line(RID) == f"END RequestId: {RID}\n"
    line = report.init_start_line("eu-west-1", "python3.13")
    assert line.startswith("INIT_START Runtime Version: python:3.13.v38\t")
    assert "\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:" in line
    assert line.endswith("\n")


def test_init_report_line() -> None:
    failed = report.InitReport(130.491, "init", "error", "Runtime.ImportModuleError")
    assert failed.line() == (
        "INIT_REPORT Init Duration: 130.49 ms\tPhase: init\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError\n"
    )
    # A timeout has no error type; Init run again within a request says so.
    timed_out = report.InitReport(10_000.12, "invoke", "timeout")
    assert timed_out.line() == (
        "INIT_REPORT Init Duration: 10000.12 ms\tPhase: invoke\tStatus: timeout\n"
    )


def test_platform_records_in_the_json_format() -> None:
    when = 1_790_000_000.5
    assert report.iso_time(when) == "2026-09-21T14:13:20.500Z"
    failed = report.InitReport(130.4915, "init", "error", "Runtime.ImportModuleError")
    assert failed.record(when) == {
        "time": "2026-09-21T14:13:20.500Z",
        "type": "platform.initReport",
        "record": {
            "initializationType": "on-demand",
            "phase": "init",
            "status": "error",
            "errorType": "Runtime.ImportModuleError",
            "metrics": {"durationMs": 130.492},
        },
    }
    timed_out = Report(RID, 3000.0, 3000, 128, 50, status="timeout").record(when, None)
    assert timed_out["record"]["status"] == "timeout" and "errorType" not in timed_out["record"]
    exited = Report(RID, 5.0, 5, 128, 50, status="error", error_type="Runtime.ExitError")
    assert exited.record(when, "Runtime.ExitError")["record"]["errorType"] == "Runtime.ExitError"
    assert report.encode_record({"a": [1, "é"]}) == '{"a":[1,"é"]}'


def test_report_line_warm() -> None:
    line = Report(RID, 15.744, 16, 128, 56).line()
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 15.74 ms\tBilled Duration: 16 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 56 MB\t"
    )


def test_report_line_cold() -> None:
    line = Report(RID, 15.74, 147, 128, 56, init_duration_ms=130.49).line()
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 15.74 ms\tBilled Duration: 147 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t"
    )


def test_report_line_of_a_snapstart_restore() -> None:
    # As Lambda logs it for a SnapStart function (its Java form: Python's is undocumented).
    line = Report(
        RID, 15.74, 16, 128, 56, restore_duration_ms=789.644, billed_restore_duration_ms=163
    ).line()
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 15.74 ms\tBilled Duration: 16 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 56 MB\tRestore Duration: 789.64 ms\t"
        "Billed Restore Duration: 163 ms\t"
    )


def test_restore_lines() -> None:
    line = report.restore_start_line("ap-southeast-2", "python3.12")
    assert line.startswith("RESTORE_START Runtime Version: python:3.12.v38\t")
    assert "\tRuntime Version ARN: arn:aws:lambda:ap-southeast-2::runtime:" in line
    assert report.RestoreReport(789.644).line() == "RESTORE_REPORT Restore Duration: 789.64 ms\n"
    assert report.RestoreReport(1236.04, "timeout").line() == (
        "RESTORE_REPORT Restore Duration: 1236.04 ms\tStatus: timeout\n"
    )
    failed = report.RestoreReport(12.5, "error", "Runtime.AfterRestoreError")
    assert failed.line() == (
        "RESTORE_REPORT Restore Duration: 12.50 ms\tStatus: error\t"
        "Error Type: Runtime.AfterRestoreError\n"
    )
    # SnapStart always reports its Init, success included.
    snapshot = report.InitReport(80.123, "init", "success", initialization_type="snap-start")
    assert snapshot.line() == "INIT_REPORT Init Duration: 80.12 ms\tPhase: init\tStatus: success\n"


def test_report_line_timeout() -> None:
    line = Report(RID, 3000.0, 3000, 128, 40, status="timeout").line()
    assert line == (
        f"REPORT RequestId: {RID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout\t"
    )


def test_report_line_out_of_memory() -> None:
    error = LambdaError.out_of_memory(RID)
    line = Report(RID, 812.5, 813, 128, 128, status="error", error_type=error.report_error_type)
    assert line.line() == (
        f"REPORT RequestId: {RID}\tDuration: 812.50 ms\tBilled Duration: 813 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\t"
        "Error Type: Runtime.OutOfMemory\t"
    )


def test_timeout_payload() -> None:
    error = LambdaError.timeout(RID, 3)
    assert error.kind is ErrorKind.TIMEOUT
    assert error.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {RID} Error: Task timed out after 3.00 seconds",
    }
    assert list(error.payload) == ["errorType", "errorMessage"]
    assert LambdaError.timeout(RID, 2.5).message.endswith("after 2.50 seconds")


def test_out_of_memory_payload() -> None:
    error = LambdaError.out_of_memory(RID)
    assert error.kind is ErrorKind.OUT_OF_MEMORY
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {RID} Error: Runtime exited with error: signal: killed",
    }
    assert error.report_error_type == "Runtime.OutOfMemory"


def test_exit_payload() -> None:
    error = LambdaError.runtime_exit(RID, "signal: segmentation fault")
    assert error.kind is ErrorKind.EXIT
    assert error.message == (
        f"RequestId: {RID} Error: Runtime exited with error: signal: segmentation fault"
    )
    assert error.report_error_type == "Runtime.ExitError"


def test_error_kinds() -> None:
    assert {kind.name for kind in ErrorKind} == {
        "UNHANDLED",
        "TIMEOUT",
        "OUT_OF_MEMORY",
        "INIT",
        "MARSHAL",
        "UNMARSHAL",
        "PAYLOAD_TOO_LARGE",
        "EXIT",
        "PERMISSION",
        "THROTTLED",
    }


def test_from_exception_keeps_only_the_name_and_str() -> None:
    class TableMissing(Exception):
        pass

    try:
        raise TableMissing("no table")
    except TableMissing as e:
        error = LambdaError.from_exception(e, request_id=RID)
    assert error.kind is ErrorKind.UNHANDLED
    assert error.payload["errorType"] == "TableMissing"
    assert error.payload["errorMessage"] == "no table"
    assert error.payload["requestId"] == RID
    assert len(error.stack_trace) == 1
    assert __file__ in error.stack_trace[0]
    assert str(error) == "TableMissing: no table"
