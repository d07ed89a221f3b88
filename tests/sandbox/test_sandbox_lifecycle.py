"""Cold and warm starts, what a worker looks like inside, and what must not leak out."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaFunction, sandbox
from pytest_lambda.environments import process
from pytest_lambda.environments.process.environment import ProcessEnvironment

from .conftest import SANDBOX_HANDLERS, wait_gone


def test_process_is_the_default_isolation() -> None:
    function = LambdaFunction("basic.hello", code_dir=SANDBOX_HANDLERS)
    try:
        assert function.invoke({}).assert_ok() == {"hello": "world"}
        assert function._environment_class is ProcessEnvironment
    finally:
        function.close()


def test_first_invoke_is_cold_then_warm_with_globals_kept(make_function) -> None:
    function = make_function("basic.count")
    first, second, third = (function.invoke({}) for _ in range(3))
    assert [first.result, second.result, third.result] == [1, 2, 3]
    assert first.cold_start and first.init_duration_ms is not None
    assert first.logs.startswith("INIT_START Runtime Version: ")
    assert "Init Duration: " in first.report_line
    assert not second.cold_start and second.init_duration_ms is None
    assert "INIT_START" not in second.logs
    assert "count 2\n" in second.logs


def test_globals_are_private_to_each_function(make_function) -> None:
    one, other = make_function("basic.count"), make_function("basic.count")
    assert [one.invoke({}).result, one.invoke({}).result] == [1, 2]
    assert other.invoke({}).result == 1


def test_init_duration_reflects_the_handlers_imports(make_function) -> None:
    invocation = make_function("slow_init.handler").invoke({})
    assert invocation.init_duration_ms is not None and invocation.init_duration_ms >= 50


def test_worker_has_lambdas_variables_cwd_path_and_tmp(make_function) -> None:
    function = make_function("basic.describe", memory_mb=256, name="described")
    seen = function.invoke({}).assert_ok()
    environ = seen["environ"]
    assert seen["pid"] != os.getpid()
    assert seen["cwd"] == str(SANDBOX_HANDLERS.resolve())
    assert seen["path0"] == str(SANDBOX_HANDLERS.resolve())
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "described"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["TZ"] == ":UTC" and environ["LANG"] == "en_US.UTF-8"
    assert environ["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert environ["LAMBDA_TASK_ROOT"] == str(SANDBOX_HANDLERS.resolve())
    assert seen["tmpdir"] == seen["gettempdir"] != tempfile.gettempdir()
    assert 0 < seen["remaining"] <= 3000
    # Each request gets its own trace header.
    assert function.invoke({}).result["environ"]["_X_AMZN_TRACE_ID"] != environ["_X_AMZN_TRACE_ID"]


def test_nothing_a_handler_does_reaches_the_test_process(make_function) -> None:
    before = (dict(os.environ), list(sys.path), os.getcwd(), signal.getsignal(signal.SIGUSR1))
    function = make_function("misbehave.pollute")
    assert function.invoke({}).result["invokes"] == 1
    after = (dict(os.environ), list(sys.path), os.getcwd(), signal.getsignal(signal.SIGUSR1))
    assert after == before
    # ...nor another function's environment.
    other = make_function("misbehave.read_scratch").invoke({}).assert_ok()
    assert other == {"exists": False, "polluted": None, "invokes": 0}


def test_tmp_is_kept_across_warm_invokes_and_removed_with_the_environment(
    make_function,
) -> None:
    function = make_function("basic.touch")
    assert function.invoke({}).result["content"] == "x"
    second = function.invoke({}).assert_ok()
    assert second["content"] == "xx"
    tmp_dir = Path(second["tmp"])
    assert tmp_dir.is_dir()
    function.close()
    assert not tmp_dir.exists()


def test_init_error_in_a_worker(make_function) -> None:
    invocation = make_function("missing_module.handler").invoke({})
    invocation.assert_error("Runtime.ImportModuleError")
    assert "INIT_REPORT Init Duration: " in invocation.logs


def test_exit_during_init_is_a_runtime_exit(make_function) -> None:
    invocation = make_function("exit_at_init.handler").invoke({})
    error = invocation.assert_error(ErrorKind.EXIT)
    # An on-demand Init runs for the first request, which the platform's message names.
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {invocation.request_id} Error: Runtime exited with error: exit status 4"
        ),
    }
    assert "Error Type: Runtime.ExitError" in invocation.logs


def test_a_worker_reaped_before_its_hello_is_read_is_still_its_environments(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A runtime that exits at import may be gone, reaped by the zygote, by the time the
    # test process reads its Hello: the zygote's report of its end proves it was a worker.
    from pytest_lambda.environments.process import environment

    real_parent_of = environment.memory.parent_of

    def parent_of_once_reaped(pid: int) -> int:
        deadline = time.monotonic() + 5
        while os.path.exists(f"/proc/{pid}"):
            assert time.monotonic() < deadline, "the worker was never reaped"
            time.sleep(0.01)
        return real_parent_of(pid)

    monkeypatch.setattr(environment.memory, "parent_of", parent_of_once_reaped)
    invocation = make_function("exit_at_init.handler").invoke({})
    assert invocation.assert_error(ErrorKind.EXIT).message.endswith(
        "Runtime exited with error: exit status 4"
    )
    assert "malformed" not in invocation.logs


def test_preload_imports_modules_in_the_fork_server(make_function) -> None:
    assert make_function("uses_module.handler").invoke({}).result is False
    sandbox.configure(preload=["xml.dom.minidom"])
    try:
        assert make_function("uses_module.handler").invoke({}).result is True
    finally:
        sandbox.configure(preload=None)


def test_preload_rejects_what_is_not_a_module_name() -> None:
    with pytest.raises(HarnessError, match="'boto3 ;rm' is not a module name"):
        sandbox.configure(preload=["boto3 ;rm"])


def test_other_platforms_fall_back_to_inline_with_a_warning(monkeypatch) -> None:
    monkeypatch.setattr(process, "supported", lambda: False)
    function = LambdaFunction("basic.hello", code_dir=SANDBOX_HANDLERS)
    monkeypatch.undo()
    try:
        with pytest.warns(RuntimeWarning, match="isolation='process' needs Linux"):
            assert function.invoke({}).assert_ok() == {"hello": "world"}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            function.invoke({})  # warm: said once, at the first invoke
    finally:
        function.close()


def test_shutdown_all_stops_every_environment(make_function) -> None:
    function = make_function("basic.describe")
    pid = function.invoke({}).result["pid"]
    sandbox.shutdown_all()
    assert sandbox.live_environments() == 0
    assert wait_gone(pid)
    # The function starts afresh afterwards.
    assert function.invoke({}).cold_start
