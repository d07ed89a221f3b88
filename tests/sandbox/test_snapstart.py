"""SnapStart: Init once per function configuration, a snapshot, every cold start restored
from it; the runtime hooks at their moments, the platform's lines and the restore's
figures, the errors, and the uniqueness caveat Lambda documents."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaFunction
from pytest_lambda.environments.process import environment as process_environment

from .conftest import SANDBOX_HANDLERS

RUNTIME = "python3.12"
# SnapStart needs python3.12 or later; on an older interpreter the harness still runs it,
# and says once per function that the two versions differ.
pytestmark = pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")


@pytest.fixture
def snap(make_function) -> Callable[..., LambdaFunction]:
    """A SnapStart function with a name of its own: its own snapshot, taken by this test."""

    def make(handler: str = "snapstart_app.handler", **settings: Any) -> LambdaFunction:
        settings.setdefault("name", f"snap-{uuid.uuid4().hex[:12]}")
        settings.setdefault("runtime", RUNTIME)
        return make_function(handler, snapstart=True, **settings)

    return make


def test_init_runs_once_and_every_cold_start_is_a_restore(snap) -> None:
    function = snap()
    first = function.invoke({})
    result = first.assert_ok()
    assert first.cold_start
    assert first.init_duration_ms is None
    assert first.restore_duration_ms is not None and first.restore_duration_ms > 0
    assert first.billed_restore_duration_ms is not None
    assert first.billed_restore_duration_ms >= 1
    # Before-snapshot hooks in reverse order of registration, then the restore's, in order.
    assert result["calls"] == [
        "before: flush caches",
        "before: close connections",
        "after: reconnect",
        "after: refresh secrets lazily",
    ]
    assert function.invoke({}).cold_start is False
    other = snap(name=function.name)  # the same configuration: the same snapshot
    restored = other.invoke({})
    assert restored.cold_start
    assert "INIT_START" not in restored.logs
    assert restored.result["init_id"] == result["init_id"]
    assert restored.result["calls"] == result["calls"]


def test_the_logs_of_a_snapshot_and_a_restore(snap) -> None:
    function = snap()
    first = function.invoke({})
    lines = first.logs.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:3.12.")
    assert lines[1:3] == ["before-snapshot: flush caches", "before-snapshot: close connections"]
    assert re.fullmatch(
        r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: success", lines[3]
    )
    assert lines[4].startswith("RESTORE_START Runtime Version: python:3.12.")
    assert "\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" in lines[4]
    assert lines[5:7] == ["after-restore: reconnect", "after-restore: refresh secrets lazily"]
    assert lines[7] == f"RESTORE_REPORT Restore Duration: {first.restore_duration_ms:.2f} ms"
    assert lines[8].startswith(f"START RequestId: {first.request_id}")
    assert first.report_line.endswith(
        f"\tRestore Duration: {first.restore_duration_ms:.2f} ms"
        f"\tBilled Restore Duration: {first.billed_restore_duration_ms} ms\t"
    )
    assert "Init Duration" not in first.report_line
    later = snap(name=function.name).invoke({})
    assert later.logs.splitlines()[0].startswith("RESTORE_START ")
    warm = function.invoke({})
    assert "RESTORE" not in warm.logs and "Restore Duration" not in warm.report_line


def test_restore_figures_are_billed(snap) -> None:
    invocation = snap().invoke({})
    expected = (
        invocation.billed_duration_ms + invocation.billed_restore_duration_ms
    ) * 128 / 1024 * 0.0000166667 / 1000 + 0.20 / 1_000_000
    assert invocation.cost_usd == pytest.approx(expected)


def test_the_json_log_format_has_restore_records(snap) -> None:
    invocation = snap(log_format="JSON").invoke({})
    records = [json.loads(r.text) for r in invocation.log_records if r.origin == "platform"]
    kinds = [r["type"] for r in records]
    assert kinds == [
        "platform.initStart",
        "platform.initReport",
        "platform.restoreStart",
        "platform.restoreReport",
        "platform.start",
        "platform.report",
    ]
    assert records[0]["record"]["initializationType"] == "snap-start"
    assert records[1]["record"]["status"] == "success"
    assert records[3]["record"] == {
        "status": "success",
        "metrics": {"durationMs": round(invocation.restore_duration_ms, 3)},
    }
    metrics = records[-1]["record"]["metrics"]
    assert metrics["restoreDurationMs"] == round(invocation.restore_duration_ms, 3)
    assert metrics["billedRestoreDurationMs"] == invocation.billed_restore_duration_ms
    assert "initDurationMs" not in metrics


def test_variables_of_a_snapstart_function(snap) -> None:
    result = snap().invoke({}).assert_ok()
    assert result["initialization_type"] == "snap-start"
    assert result["log_group"] is None
    assert result["log_stream"] is None


def test_uniqueness_caveat_init_randomness_is_shared_by_every_restore(snap) -> None:
    # What Init made is in the snapshot: every restored environment starts from it, the
    # `random` module's state included; only what is made after the restore is unique.
    function = snap()
    first, second = function.invoke_many([{}, {}], concurrency=2)
    one, two = first.assert_ok(), second.assert_ok()
    assert one["pid"] != two["pid"]
    assert one["init_id"] == two["init_id"]
    assert one["seed"] == two["seed"]
    assert one["next_random"] == two["next_random"]
    assert one["fresh_uuid"] != two["fresh_uuid"]


def test_reseeding_after_restore_restores_uniqueness(snap) -> None:
    plain = snap("snapstart_hooks.handler")
    same = [i.assert_ok() for i in plain.invoke_many([{}, {}], concurrency=2)]
    assert same[0]["next_random"] == same[1]["next_random"]
    reseeded = snap("snapstart_hooks.handler", env={"RESEED": "1"})
    results = [i.assert_ok() for i in reseeded.invoke_many([{}, {}], concurrency=2)]
    assert results[0]["seed"] == results[1]["seed"]
    assert results[0]["next_random"] != results[1]["next_random"]


def test_tmp_written_at_init_is_in_each_restore_and_each_restore_has_its_own(snap) -> None:
    function = snap()
    first, second = function.invoke_many([{"write": "one"}, {"write": "two"}], concurrency=2)
    assert "written-at-init" in first.result["files"]
    assert "one" in first.result["files"] and "two" not in first.result["files"]
    assert "two" in second.result["files"] and "one" not in second.result["files"]


def test_a_lost_runtime_is_restored_again(snap) -> None:
    function = snap()
    function.invoke({}).assert_ok()
    crashed = function.invoke({"exit": True})
    crashed.assert_error(ErrorKind.EXIT)
    again = function.invoke({})
    assert again.cold_start and again.restore_duration_ms is not None
    assert again.logs.startswith("RESTORE_START ")


def test_a_new_configuration_takes_a_new_snapshot(snap) -> None:
    function = snap("no_hooks.handler")
    assert "INIT_START" in function.invoke({}).logs
    function.update_configuration(memory_mb=256)
    assert "INIT_START" in function.invoke({}).logs


def test_a_failing_before_snapshot_hook(snap) -> None:
    function = snap("snapstart_hooks.handler", env={"FAIL_BEFORE": "1"})
    invocation = function.invoke({})
    error = invocation.assert_error("Runtime.BeforeSnapshotError")
    assert error.kind is ErrorKind.INIT
    # The runtime reports the hook's own exception, under the platform's error type.
    assert error.payload["errorType"] == "ValueError"
    assert error.payload["errorMessage"] == "cannot close the pool"
    assert invocation.status_code == 409
    assert invocation.report_line == ""
    lines = invocation.logs.splitlines()
    assert lines[0].startswith("INIT_START ")
    assert lines[1] == "[ERROR] ValueError: cannot close the pool"
    assert re.fullmatch(
        r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error"
        r"\tError Type: Runtime\.BeforeSnapshotError",
        lines[-1],
    )
    assert "START RequestId" not in invocation.logs
    # Nothing was kept: the next cold start tries again.
    assert "INIT_START" in function.invoke({}).logs


def test_an_init_error_leaves_no_snapshot(snap) -> None:
    invocation = snap("missing_module.handler").invoke({})
    invocation.assert_error("Runtime.ImportModuleError")
    assert "Error Type: Runtime.ImportModuleError" in invocation.logs
    assert invocation.status_code == 409


def test_a_failing_after_restore_hook(snap) -> None:
    function = snap("snapstart_hooks.handler", env={"FAIL_AFTER": "1"})
    invocation = function.invoke({})
    error = invocation.assert_error("SnapStartException")
    assert error.payload == {
        "errorType": "SnapStartException",
        "errorMessage": "The afterRestore() runtime hook encountered an error. For more "
        "information, check the Amazon CloudWatch logs.",
    }
    assert invocation.status_code == 400
    lines = invocation.logs.splitlines()
    restore_start = next(i for i, line in enumerate(lines) if line.startswith("RESTORE_START"))
    assert lines[restore_start + 1] == "[ERROR] ConnectionError: cannot reconnect"
    assert re.fullmatch(
        r"RESTORE_REPORT Restore Duration: \d+\.\d\d ms\tStatus: error"
        r"\tError Type: Runtime\.AfterRestoreError",
        lines[-1],
    )
    assert invocation.report_line == ""
    # The snapshot stays: the next cold start restores (and fails) again, without Init.
    again = function.invoke({})
    assert "INIT_START" not in again.logs
    again.assert_error("SnapStartException")


def test_a_restore_that_runs_out_of_time(snap, monkeypatch) -> None:
    monkeypatch.setattr(process_environment, "RESTORE_TIMEOUT_S", 0.5)
    invocation = snap("snapstart_hooks.handler", env={"SLOW_AFTER": "5"}).invoke({})
    error = invocation.assert_error("SnapStartTimeoutException")
    assert error.message == "Lambda couldn't restore the snapshot within the timeout limit."
    assert invocation.status_code == 408
    assert invocation.logs.splitlines()[-1].endswith("\tStatus: timeout")


def test_max_memory_used_counts_the_snapshot(snap) -> None:
    invocation = snap().invoke({})
    assert invocation.max_memory_used_mb > 0
    assert f"Max Memory Used: {invocation.max_memory_used_mb} MB\t" in invocation.report_line


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"runtime": "python3.11"}, "snapstart=True needs a python3.12 or later runtime"),
        ({"isolation": "inline"}, "snapstart=True needs isolation='process'"),
        ({"ephemeral_storage_mb": 1024}, "does not go with ephemeral_storage_mb=1024"),
        ({"snapstart": "yes"}, "snapstart must be True or False"),
    ],
)
def test_settings_lambda_refuses_with_snapstart(settings: dict[str, Any], message: str) -> None:
    settings = {"snapstart": True, "runtime": RUNTIME, **settings}
    with pytest.raises(HarnessError, match=re.escape(message)):
        LambdaFunction("snapstart_app.handler", code_dir=SANDBOX_HANDLERS, **settings)
