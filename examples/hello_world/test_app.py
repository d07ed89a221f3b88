"""The Hello World blueprint behaves as the console documents it."""

import pytest

from pytest_lambda import ErrorKind

pytestmark = pytest.mark.lambda_function("app.lambda_handler", code_dir="examples/hello_world")

HELLO = {"key1": "value1", "key2": "value2", "key3": "value3"}


def test_returns_the_first_value_and_logs_all_three(lambda_invoke):
    invocation = lambda_invoke(HELLO)

    assert invocation.assert_ok() == "value1"
    lines = invocation.logs.splitlines()
    assert lines[1] == "Loading function"
    assert lines[3:6] == ["value1 = value1", "value2 = value2", "value3 = value3"]
    assert invocation.cold_start
    assert invocation.report_line.startswith(f"REPORT RequestId: {invocation.request_id}\t")


def test_second_invoke_is_warm(lambda_invoke):
    lambda_invoke(HELLO)
    warm = lambda_invoke(HELLO)

    assert not warm.cold_start
    assert warm.init_duration_ms is None
    assert "Loading function" not in warm.logs


def test_missing_key_is_a_key_error_as_in_lambda(lambda_invoke):
    invocation = lambda_invoke({"key1": "value1"})

    error = invocation.assert_error(KeyError)
    assert error.kind is ErrorKind.UNHANDLED
    assert error.message == "'key2'"
    assert error.payload["errorType"] == "KeyError"
