"""LambdaFunction.invoke under both runners: cold/warm starts, timeouts, exits, variables,
logs, helpers."""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import freezegun
import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaFunction
from pytest_lambda import report as report_module
from pytest_lambda.errors import FunctionIsolationWarning

PYTHON_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
REPORT_LINE = re.compile(
    rf"REPORT RequestId: {UUID}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?"
)
TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"


# -- cold and warm starts, module state ---------------------------------------------------


def test_first_invoke_is_cold_then_warm(make_function) -> None:
    function = make_function("app.count")
    cold, warm = function.invoke({}), function.invoke({})
    assert (cold.cold_start, warm.cold_start) == (True, False)
    assert cold.init_duration_ms is not None and cold.init_duration_ms >= 0
    assert warm.init_duration_ms is None
    assert (cold.assert_ok(), warm.assert_ok()) == (1, 2)
    assert function.invocations == [cold, warm]


def test_two_functions_of_one_handler_do_not_share_globals(make_function) -> None:
    first, second = make_function("stateful.handler"), make_function("stateful.handler")
    assert first.invoke({}).assert_ok()["calls"] == 1
    assert first.invoke({}).assert_ok()["calls"] == 2
    fresh = second.invoke({}).assert_ok()
    assert (fresh["imports"], fresh["calls"]) == (1, 1)


def test_the_test_module_copy_of_a_handler_module_is_not_shared(
    make_function, handlers_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(handlers_dir))
    monkeypatch.delitem(sys.modules, "stateful", raising=False)
    try:
        mine = importlib.import_module("stateful")
        assert mine.handler({}, None)["calls"] == 1
        seen = make_function("stateful.handler").invoke({}).assert_ok()
        assert (seen["imports"], seen["calls"]) == (1, 1)
        assert mine.CALLS == 1
        assert sys.modules["stateful"] is mine
    finally:
        sys.modules.pop("stateful", None)


def test_a_same_named_module_from_elsewhere_does_not_shadow_the_handler(
    make_function, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test suite with two code directories that both hold an `app.py` (a common SAM layout)
    # may have imported the other one; the function must still import its own `app`.
    (tmp_path / "app.py").write_text("def other(event, context):\n    return 'other'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    try:
        importlib.import_module("app")
        invocation = make_function("app.hello").invoke({"k": 1})
        assert invocation.assert_ok() == {"message": "hello", "event": {"k": 1}}
    finally:
        sys.modules.pop("app", None)


def test_handler_in_a_package_and_in_the_slash_form(make_function) -> None:
    assert make_function("pkg.mod.handler").invoke({}).assert_ok() == {"module": "pkg.mod"}
    assert make_function("src/app.handler").invoke({}).assert_ok() == {"module": "src.app"}


def test_close_discards_the_environment_and_the_context_manager_closes(make_function) -> None:
    function = make_function("app.count")
    with function:
        function.invoke({})
        assert function.invoke({}).assert_ok() == 2
    again = function.invoke({})
    assert again.cold_start
    assert again.assert_ok() == 1


def test_invoke_many_keeps_the_order_of_the_events(make_function) -> None:
    function = make_function("app.echo")
    invocations = function.invoke_many([{"n": 1}, {"n": 2}, {"n": 3}])
    assert [i.assert_ok() for i in invocations] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert [i.cold_start for i in invocations] == [True, False, False]


@pytest.mark.parametrize("concurrency", [0, -1, True, 1.5])
def test_invoke_many_refuses_a_bad_concurrency(make_function, concurrency) -> None:
    with pytest.raises(HarnessError, match=rf"concurrency must be .*got {concurrency!r}"):
        make_function("app.echo").invoke_many([{}], concurrency=concurrency)


def test_event_none_is_json_null(make_function) -> None:
    assert make_function("app.echo").invoke().assert_ok() is None


# -- timeouts and exits ---------------------------------------------------------------------


def test_timeout(make_function) -> None:
    function = make_function("app.spin", timeout_s=1)
    invocation = function.invoke({"spin": True})
    assert invocation.status == "timeout"
    assert not invocation.ok
    error = invocation.assert_timed_out()
    assert error.kind is ErrorKind.TIMEOUT
    assert error.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": (
            f"RequestId: {invocation.request_id} Error: Task timed out after 1.00 seconds"
        ),
    }
    assert invocation.duration_ms == 1000.0
    assert "\tDuration: 1000.00 ms\t" in invocation.report_line
    assert invocation.report_line.endswith("\tStatus: timeout\t")
    assert re.search(
        rf"^{TIMESTAMP} {invocation.request_id} Task timed out after 1.00 seconds$",
        invocation.logs,
        re.MULTILINE,
    )
    assert invocation.function_error == "Unhandled"
    after = function.invoke({"spin": False})
    assert after.cold_start
    assert after.assert_ok() == "done"


def test_invoke_many_times_out_like_invoke(make_function) -> None:
    function = make_function("app.spin", timeout_s=1)
    spinning, done = function.invoke_many([{"spin": True}, {"spin": False}], concurrency=2)
    spinning.assert_timed_out()
    assert done.assert_ok() == "done"


def test_timeout_cannot_be_swallowed_by_except_exception(make_function) -> None:
    invocation = make_function("app.spin_swallowing_exceptions", timeout_s=1).invoke({})
    invocation.assert_timed_out()
    assert invocation.result is None


def test_assert_timed_out_on_a_success_fails(make_function) -> None:
    invocation = make_function("app.echo").invoke({})
    with pytest.raises(AssertionError, match="expected the invoke to time out.*success"):
        invocation.assert_timed_out()


def test_sys_exit_is_a_runtime_exit_error(make_function) -> None:
    function = make_function("app.count_or_exit")
    assert function.invoke({}).assert_ok() == 1
    assert function.invoke({}).assert_ok() == 2
    exited = function.invoke({"exit": True})
    error = exited.assert_error(ErrorKind.EXIT)
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {exited.request_id} Error: Runtime exited with error: exit status 2"
        ),
    }
    assert exited.status == "error"
    assert exited.report_line.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")
    after = function.invoke({})
    assert after.cold_start
    # A fresh environment: the module was imported again.
    assert after.assert_ok() == 1


def test_sys_exit_status_is_in_the_message(make_function) -> None:
    error = make_function("app.exit_3").invoke({}).assert_error("Runtime.ExitError")
    assert error.message.endswith("Error: Runtime exited with error: exit status 3")


@pytest.mark.parametrize(
    ("code", "detail"),
    [(256, "exit status 0"), (257, "exit status 1"), ("bye", "exit status 1")],
)
def test_exit_status_is_what_the_operating_system_reports(
    make_function, code: object, detail: str
) -> None:
    # Statuses wrap at 256 and a message means 1, in a worker and inline alike.
    invocation = make_function("app.exit_with").invoke({"code": code})
    error = invocation.assert_error("Runtime.ExitError")
    assert error.message.endswith(f"Error: Runtime exited with error: {detail}")
    if isinstance(code, str):
        assert f"{code}\n" in invocation.logs


# -- the environment the handler sees ------------------------------------------------------


def test_environment_variables_inside_the_handler(
    make_function, handlers_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_LAMBDA_HOST_ONLY", "host")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    monkeypatch.setenv("AWS_PROFILE", "production")
    before = dict(os.environ)
    function = make_function(
        "app.variables",
        name="orders",
        memory_mb=256,
        region="eu-west-1",
        env={"TABLE_NAME": "orders-table", "EMPTY": ""},
    )
    # The test set it for itself; the function does not get it, and the test is told so.
    with pytest.warns(FunctionIsolationWarning, match="^pytest-lambda: AWS_PROFILE set in"):
        env = function.invoke({}).assert_ok()
    assert env["_HANDLER"] == "app.variables"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    # The runtime of this interpreter's version, as Lambda names it.
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_python{PYTHON_VERSION}"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "orders"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/orders"
    assert re.fullmatch(
        r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert re.fullmatch(
        r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]",
        env["_X_AMZN_TRACE_ID"],
    )
    assert Path(env["LAMBDA_TASK_ROOT"]) == handlers_dir.resolve()
    assert env["TZ"] == ":UTC"
    assert env["LANG"] == "en_US.UTF-8"
    assert env["TABLE_NAME"] == "orders-table"
    assert env["EMPTY"] == ""
    # The host's variables and credentials stay out of the function.
    assert "PYTEST_LAMBDA_HOST_ONLY" not in env
    assert "AWS_PROFILE" not in env
    assert env["AWS_ACCESS_KEY_ID"] != "AKIAREALLOOKINGKEY00"
    assert os.environ == before
    assert dict(os.environ) == before


def test_a_variable_set_after_the_cold_start_is_pointed_at_when_an_invoke_fails(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    function = make_function("app.fail")
    function.invoke({})
    monkeypatch.setenv("TABLE_NAME", "orders")
    # A failed warm invoke: the likely cause may be what the test set for itself.
    with pytest.warns(FunctionIsolationWarning, match="^pytest-lambda: TABLE_NAME set in"):
        function.invoke({})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FunctionIsolationWarning)
        function.invoke({})  # once per function and variable


def test_a_runtime_started_again_is_a_cold_start_that_points_at_variables(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    function = make_function("app.exit_with")
    function.invoke({"code": 3}).assert_error(ErrorKind.EXIT)
    monkeypatch.setenv("TABLE_NAME", "orders")
    # The runtime starts again, in the same environment, at the next request: a cold start.
    with pytest.warns(FunctionIsolationWarning, match="^pytest-lambda: TABLE_NAME set in"):
        restarted = function.invoke({"code": 3})
    assert restarted.cold_start and restarted.init_duration_ms is None


def test_trace_id_is_new_for_every_invoke(make_function) -> None:
    function = make_function("app.variables")
    first = function.invoke({}).assert_ok()["_X_AMZN_TRACE_ID"]
    second = function.invoke({}).assert_ok()["_X_AMZN_TRACE_ID"]
    assert first != second


def test_os_environ_is_restored_after_a_failing_handler(make_function) -> None:
    before = dict(os.environ)
    make_function("app.fail", env={"ONLY_INSIDE": "1"}).invoke({})
    assert dict(os.environ) == before
    assert "ONLY_INSIDE" not in os.environ


def test_tmp_is_private_kept_across_warm_invokes_and_removed_on_close(make_function) -> None:
    function = make_function("app.use_tmp")
    first = function.invoke({"n": 1}).assert_ok()
    second = function.invoke({"n": 2}).assert_ok()
    tmp = first["tmp"]
    assert second["tmp"] == tmp
    assert second["files"] == ["file-1.txt", "file-2.txt"]
    assert tmp != tempfile.gettempdir()
    assert tempfile.gettempdir() != tmp
    assert os.path.isdir(tmp)
    other = make_function("app.use_tmp").invoke({"n": 3}).assert_ok()
    assert other["tmp"] != tmp
    assert other["files"] == ["file-3.txt"]
    function.close()
    assert not os.path.exists(tmp)


def test_tmpdir_variable_points_at_the_private_tmp(make_function) -> None:
    seen = make_function("app.use_tmp").invoke({"n": 0}).assert_ok()
    assert seen["TMPDIR"] == seen["tmp"]
    assert os.environ.get("TMPDIR") != seen["tmp"]


def test_the_handler_gets_a_copy_of_the_event(make_function) -> None:
    event = {"k": 1}
    assert make_function("app.mutate_event").invoke(event).assert_ok() == {"k": 1, "added": True}
    assert event == {"k": 1}


def test_variables_the_handler_sets_stay_in_its_environment(make_function) -> None:
    setter = make_function("app.set_environ")
    assert setter.invoke({"name": "SET_BY_HANDLER", "value": "1"}).assert_ok() == "1"
    assert "SET_BY_HANDLER" not in os.environ
    other = make_function("app.read_environ").invoke({"name": "SET_BY_HANDLER"})
    assert other.assert_ok() is None


def test_environ_changes_by_the_handler_do_not_reach_the_test_processes_children(
    make_function,
) -> None:
    try:
        make_function("app.set_environ").invoke({"name": "PYTEST_LAMBDA_LEAK", "value": "1"})
        assert "PYTEST_LAMBDA_LEAK" not in os.environ
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.environ.get('PYTEST_LAMBDA_LEAK'))"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert child.stdout.strip() == "None"
    finally:
        os.unsetenv("PYTEST_LAMBDA_LEAK")


def test_child_processes_of_the_handler_get_the_functions_variables(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTKEY000000000")
    monkeypatch.setenv("PYTEST_LAMBDA_HOST_ONLY", "host")
    names = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID", "PYTEST_LAMBDA_HOST_ONLY"]
    function = make_function("app.child_variables", name="child-fn")
    env = function.invoke({"names": names}).assert_ok()
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "child-fn"
    # The host's real credentials must not reach anything the handler starts.
    assert env["AWS_ACCESS_KEY_ID"] != "AKIAHOSTKEY000000000"
    assert env["PYTEST_LAMBDA_HOST_ONLY"] is None


def test_local_time_is_utc_inside_the_handler(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "XXX+05")
    time.tzset()
    try:
        assert time.localtime().tm_gmtoff == -5 * 3600
        assert make_function("app.local_utc_offset").invoke({}).assert_ok() == 0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_sys_exit_at_import_is_a_runtime_exit_error(make_function) -> None:
    try:
        invocation = make_function("exits_at_import.handler").invoke({})
    except SystemExit as e:
        pytest.fail(f"SystemExit({e.code}) raised at import escaped LambdaFunction.invoke()")
    error = invocation.assert_error("Runtime.ExitError")
    assert error.message.endswith("Error: Runtime exited with error: exit status 4")
    assert invocation.status == "error"
    assert "Error Type: Runtime.ExitError" in invocation.logs


# -- logs ----------------------------------------------------------------------------------


def test_print_stderr_and_logging_are_captured(make_function) -> None:
    invocation = make_function("app.write_logs").invoke({})
    assert invocation.assert_ok() == "logged"
    logs = invocation.logs
    assert "printed to stdout\n" in logs
    assert "written to stderr\n" in logs
    assert re.search(
        rf"^\[WARNING\]\t{TIMESTAMP}\t{invocation.request_id}\ta warning from the handler\n",
        logs,
        re.MULTILINE,
    ), logs
    assert "an info line" not in logs


def test_handler_output_does_not_reach_the_test_process(
    make_function, capsys: pytest.CaptureFixture[str]
) -> None:
    make_function("app.write_logs").invoke({})
    captured = capsys.readouterr()
    assert "printed to stdout" not in captured.out
    assert "written to stderr" not in captured.err


# The test's frozen clock reaches the handler in both isolations.
def test_log_times_are_utc_and_follow_frozen_time(make_function) -> None:
    function = make_function("app.write_logs")
    with freezegun.freeze_time("2026-11-27 07:25:01.500"):
        invocation = function.invoke({})
    assert (
        f"[WARNING]\t2026-11-27T07:25:01.500Z\t{invocation.request_id}\t"
        "a warning from the handler\n"
    ) in invocation.logs


def test_handler_can_raise_the_log_level(make_function) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    function = make_function("app.raise_log_level")
    invocation = function.invoke({})
    assert re.search(
        rf"^\[INFO\]\t{TIMESTAMP}\t{invocation.request_id}\tan info line$",
        invocation.logs,
        re.MULTILINE,
    )
    # The level is the function's own: the test process's root logger is untouched.
    assert (root.level, root.handlers) == (level, handlers)


def test_log_lines_and_their_order_on_a_cold_start(make_function) -> None:
    function = make_function("noisy_init.handler")
    invocation = function.invoke({})
    rid = invocation.request_id
    lines = invocation.logs.splitlines()
    assert lines[0].startswith(f"INIT_START Runtime Version: python:{PYTHON_VERSION}.v")
    assert "\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" in lines[0]
    assert lines[1] == "init output from noisy_init"
    # Init runs before any request: its log lines carry an empty request id.
    assert re.fullmatch(rf"\[WARNING\]\t{TIMESTAMP}\t\tinit warning from noisy_init", lines[2])
    assert lines[3:6] == [
        f"START RequestId: {rid} Version: $LATEST",
        "invoke output from noisy_init",
        f"END RequestId: {rid}",
    ]
    assert lines[6] == invocation.report_line
    assert len(lines) == 7
    assert invocation.logs.endswith(invocation.report_line + "\n")
    assert REPORT_LINE.fullmatch(invocation.report_line)
    assert "\tInit Duration: " in invocation.report_line


def test_warm_invoke_has_no_init_lines(make_function) -> None:
    function = make_function("noisy_init.handler")
    function.invoke({})
    warm = function.invoke({})
    rid = warm.request_id
    assert warm.logs.splitlines() == [
        f"START RequestId: {rid} Version: $LATEST",
        "invoke output from noisy_init",
        f"END RequestId: {rid}",
        warm.report_line,
    ]
    assert REPORT_LINE.fullmatch(warm.report_line)
    assert "Init Duration" not in warm.report_line


def test_report_line_figures_match_the_invocation(make_function) -> None:
    invocation = make_function("app.echo", memory_mb=512).invoke({})
    assert invocation.report_line == (
        f"REPORT RequestId: {invocation.request_id}\t"
        f"Duration: {invocation.duration_ms:.2f} ms\t"
        f"Billed Duration: {invocation.billed_duration_ms} ms\t"
        "Memory Size: 512 MB\t"
        f"Max Memory Used: {invocation.max_memory_used_mb} MB\t"
        f"Init Duration: {invocation.init_duration_ms:.2f} ms\t"
    )
    assert invocation.memory_size_mb == 512
    assert invocation.max_memory_used_mb >= 1
    assert invocation.billed_duration_ms == report_module.billed_duration_ms(
        invocation.duration_ms, invocation.init_duration_ms
    )
    assert invocation.cost_usd == pytest.approx(
        report_module.cost_usd(512, invocation.billed_duration_ms)
    )


def test_arm64_is_priced_lower(make_function) -> None:
    invocation = make_function("app.echo", architecture="arm64").invoke({})
    assert invocation.architecture == "arm64"
    assert invocation.cost_usd == pytest.approx(
        report_module.cost_usd(128, invocation.billed_duration_ms, "arm64")
    )


# -- reserved concurrency ------------------------------------------------------------------


def test_reserved_concurrency_zero_throttles_every_invoke(make_function) -> None:
    function = make_function("app.count", reserved_concurrency=0)
    for _ in range(2):
        invocation = function.invoke({})
        error = invocation.assert_error(ErrorKind.THROTTLED)
        assert error.error_type == "TooManyRequestsException"
        assert error.message == "Rate Exceeded."
        assert invocation.status_code == 429
        assert invocation.function_error is None
        assert invocation.logs == ""
        assert invocation.cost_usd == 0


# -- Invocation helpers --------------------------------------------------------------------


def test_status_code_and_function_error(make_function) -> None:
    ok = make_function("app.echo").invoke({})
    assert (ok.status_code, ok.function_error) == (200, None)
    failed = make_function("app.fail").invoke({})
    assert (failed.status_code, failed.function_error) == (200, "Unhandled")


def test_assert_ok_returns_the_result(make_function) -> None:
    assert make_function("app.hello").invoke({"a": 1}).assert_ok() == {
        "message": "hello",
        "event": {"a": 1},
    }


def test_assert_ok_on_a_failure_shows_payload_logs_and_report(make_function) -> None:
    invocation = make_function("app.fail").invoke({})
    with pytest.raises(AssertionError) as raised:
        invocation.assert_ok()
    message = str(raised.value)
    assert json.dumps(invocation.error.payload) in message
    assert "[ERROR] ValueError: boom" in message
    assert f"START RequestId: {invocation.request_id}" in message
    assert invocation.report_line in message


@pytest.mark.parametrize(
    "expected", [ErrorKind.UNHANDLED, "KeyError", KeyError, "UNHANDLED", "unhandled"]
)
def test_assert_error_matches(make_function, expected) -> None:
    invocation = make_function("app.key_error").invoke({})
    error = invocation.assert_error(expected)
    assert error is invocation.error


def test_assert_error_matches_init_errors_by_runtime_type(make_function) -> None:
    invocation = make_function("app.missing").invoke({})
    assert invocation.assert_error("Runtime.HandlerNotFound").kind is ErrorKind.INIT
    assert invocation.assert_error("INIT") is invocation.error


@pytest.mark.parametrize("expected", [ErrorKind.TIMEOUT, "ValueError", ValueError, "INIT"])
def test_assert_error_mismatch(make_function, expected) -> None:
    invocation = make_function("app.key_error").invoke({})
    with pytest.raises(AssertionError) as raised:
        invocation.assert_error(expected)
    message = str(raised.value)
    assert "expected the invoke to fail with" in message
    assert "KeyError" in message
    assert invocation.report_line in message


def test_assert_error_on_a_success(make_function) -> None:
    invocation = make_function("app.echo").invoke({"v": 1})
    with pytest.raises(AssertionError, match=r"but it succeeded with result \{'v': 1\}"):
        invocation.assert_error(ErrorKind.UNHANDLED)


def test_assert_error_refuses_a_bad_expectation(make_function) -> None:
    invocation = make_function("app.fail").invoke({})
    with pytest.raises(TypeError, match="ErrorKind, an errorType string or an exception class"):
        invocation.assert_error(42)  # type: ignore[arg-type]


def test_assert_within_passes_inside_the_budget(make_function) -> None:
    invocation = make_function("app.echo").invoke({})
    invocation.assert_within(duration_ms=60_000, memory_mb=100_000)
    invocation.assert_within()


def test_assert_within_duration_budget(make_function) -> None:
    invocation = make_function("app.echo").invoke({})
    with pytest.raises(AssertionError) as raised:
        invocation.assert_within(duration_ms=0.001)
    message = str(raised.value)
    assert f"duration {invocation.duration_ms:.2f} ms exceeds the budget of 0.001 ms" in message
    assert invocation.report_line in message


def test_assert_within_memory_budget(make_function) -> None:
    invocation = make_function("app.echo").invoke({})
    with pytest.raises(AssertionError) as raised:
        invocation.assert_within(memory_mb=0)
    assert (
        f"max memory used {invocation.max_memory_used_mb} MB exceeds the budget of 0 MB"
    ) in str(raised.value)


def test_to_record(make_function) -> None:
    function = make_function("app.fail")
    record = function.invoke({}).to_record()
    assert set(record) == {
        "function",
        "request_id",
        "status",
        "error_kind",
        "error_type",
        "duration_ms",
        "billed_duration_ms",
        "init_duration_ms",
        "cold_start",
        "memory_size_mb",
        "max_memory_used_mb",
        "cost_usd",
        "architecture",
    }
    assert record["function"] == "app-fail"
    assert record["status"] == "error"
    assert record["error_kind"] == "UNHANDLED"
    assert record["error_type"] == "ValueError"
    assert record["cold_start"] is True
    assert json.loads(json.dumps(record)) == record
    warm = function.invoke({}).to_record()
    assert warm["init_duration_ms"] is None
    assert warm["error_kind"] == "UNHANDLED"


def test_repr_of_a_function(handlers_dir: Path) -> None:
    function = LambdaFunction("app.echo", code_dir=handlers_dir, isolation="inline")
    assert repr(function) == (
        "LambdaFunction('app.echo', name='app-echo', memory_mb=128, timeout_s=3, "
        "isolation='inline')"
    )
    assert function.name == "app-echo"
