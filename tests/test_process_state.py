"""What a handler does to its process stays in its environment and shows in its log, in
both isolations: descriptor-level output, warnings, the working directory, the root
logger, and exceptions that end the runtime."""

from __future__ import annotations

import logging
import os
import sys
import warnings

import pytest

from pytest_lambda import ErrorKind


def function_lines(invocation) -> list[str]:
    return [r.text for r in invocation.log_records if r.origin == "function"]


def test_descriptor_level_and_child_output_reach_the_log(make_function) -> None:
    invocation = make_function("observed.descriptors").invoke({})
    assert invocation.assert_ok() == [1, 2]
    assert function_lines(invocation)[1:] == [
        "written to fd 1",
        "written to fd 2",
        "from a child",
        "child stderr",
        "through the buffer",
    ]


def test_the_test_process_keeps_its_own_descriptors(
    make_function, capfd: pytest.CaptureFixture[str]
) -> None:
    make_function("observed.descriptors").invoke({}).assert_ok()
    os.write(1, b"the test's own output\n")
    print("the test's print")
    out, _ = capfd.readouterr()
    assert "the test's own output" in out and "the test's print" in out
    assert "written to fd 1" not in out


def test_warnings_go_to_the_functions_log(make_function) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        invocation = make_function("observed.warn").invoke({})
    assert invocation.assert_ok() == "warned"
    assert caught == []
    lines = function_lines(invocation)
    assert lines[1].endswith("observed.py:85: UserWarning: careful")
    assert lines[2] == '  warnings.warn("careful", stacklevel=1)'


def test_the_handler_runs_in_the_code_directory(make_function, handlers_dir) -> None:
    before = os.getcwd()
    seen = make_function("observed.where").invoke({}).assert_ok()
    assert seen == {"cwd": str(handlers_dir.resolve()), "root_handlers": 1}
    assert os.getcwd() == before


def test_basic_config_stays_in_the_functions_process(make_function) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    function = make_function("observed.basic_config")
    first = function.invoke({})
    assert first.assert_ok() == 1
    assert function_lines(first)[1:] == ["INFO|after basicConfig"]
    assert (root.handlers, root.level) == (handlers, level)
    # The function's own logging set-up stays for its next request.
    assert function_lines(function.invoke({})) == ["INFO|after basicConfig"]


@pytest.mark.parametrize(
    ("handler", "detail", "last_line"),
    [
        ("observed.keyboard_interrupt", "signal: interrupt", "KeyboardInterrupt"),
        ("observed.base_exception", "exit status 1", "observed.Abort: stop everything"),
    ],
)
def test_exceptions_the_runtime_does_not_catch_end_it(
    make_function, handler: str, detail: str, last_line: str
) -> None:
    function = make_function(handler)
    invocation = function.invoke({})
    error = invocation.assert_error(ErrorKind.EXIT)
    assert error.message == (
        f"RequestId: {invocation.request_id} Error: Runtime exited with error: {detail}"
    )
    lines = function_lines(invocation)
    # Python's own report of the uncaught exception, on stderr.
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == last_line
    assert invocation.report_line.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")
    assert function.invoke({}).cold_start


@pytest.mark.parametrize("isolation", ["inline"], indirect=True)
def test_a_real_sigint_during_an_inline_invoke_stops_the_test(make_function) -> None:
    # Ctrl-C while the handler runs is the user's, not the handler's: it goes on up.
    with pytest.raises(KeyboardInterrupt):
        make_function("observed.sigint").invoke({})
    assert sys.stdout is not None


def test_errors_are_logged_after_the_handler_closes_stdout_and_stderr(
    make_function, capfd: pytest.CaptureFixture[str]
) -> None:
    invocation = make_function("observed.close_stdio").invoke({})
    invocation.assert_error("ValueError")
    assert function_lines(invocation)[-1].startswith(
        "[ERROR] ValueError: raised with stdout and stderr closed"
    )
    os.write(1, b"fd 1 still open\n")
    assert "fd 1 still open" in capfd.readouterr().out
