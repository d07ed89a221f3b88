"""The runtime's own errors, payloads and log lines, through LambdaFunction.invoke()."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaError

PAYLOAD_KEYS = ["errorMessage", "errorType", "requestId", "stackTrace"]
LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function "
    "code. However, in rare cases, a Lambda runtime update can cause unexpected function "
    "behavior. For functions using managed runtimes, runtime updates can be triggered by a "
    "function change, or can be applied automatically. To determine if the runtime has been "
    "updated, check the runtime version in the INIT_START log entry. If this error correlates "
    "with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)
WARNING_LINE = re.compile(
    r"\[WARNING\]\t\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\t\t" + re.escape(LAMBDA_WARNING)
)
NBSP = "\u00a0"

INIT_ERRORS = [
    pytest.param(
        "nohandler",
        "Runtime.MalformedHandlerName",
        "Bad handler 'nohandler': not enough values to unpack (expected 2, got 1)",
        id="malformed",
    ),
    pytest.param(
        "sys.handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys as a handler module",
        id="builtin",
    ),
    pytest.param(
        "import_broken.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'import_broken': "
        "No module named 'pytest_lambda_missing_dependency'",
        id="import-dependency",
    ),
    pytest.param(
        "no_such_module.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'no_such_module': No module named 'no_such_module'",
        id="import-missing",
    ),
    pytest.param(
        "app.missing",
        "Runtime.HandlerNotFound",
        "Handler 'missing' missing on module 'app'",
        id="handler-not-found",
    ),
    pytest.param(
        "pkg/mod.missing",
        "Runtime.HandlerNotFound",
        "Handler 'missing' missing on module 'pkg/mod'",
        id="handler-not-found-slash-form",
    ),
]


@pytest.mark.parametrize(("handler", "error_type", "message"), INIT_ERRORS)
def test_init_errors_of_the_runtime(make_function, handler, error_type, message) -> None:
    invocation = make_function(handler).invoke({})
    assert invocation.status == "error"
    assert not invocation.ok
    error = invocation.error
    assert isinstance(error, LambdaError)
    assert error.kind is ErrorKind.INIT
    assert error.error_type == error_type
    assert error.message == message
    assert error.stack_trace == []
    assert error.payload == {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": [],
    }
    assert list(error.payload) == PAYLOAD_KEYS
    assert invocation.cold_start


@pytest.mark.parametrize(("handler", "error_type", "message"), INIT_ERRORS[2:3])
def test_init_error_logs(make_function, handler, error_type, message) -> None:
    invocation = make_function(handler).invoke({})
    logs = invocation.logs
    lines = logs.splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:3.")
    assert WARNING_LINE.search(logs), logs
    assert f"[ERROR] {error_type}: {message}\nTraceback (most recent call last):\n" in logs
    assert re.search(
        rf"^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\t"
        rf"Error Type: {re.escape(error_type)}$",
        logs,
        re.MULTILINE,
    ), logs
    # The warning comes before the error, both before INIT_REPORT.
    assert logs.index("LAMBDA_WARNING") < logs.index("[ERROR]") < logs.index("INIT_REPORT")
    assert invocation.report_line.endswith(f"\tStatus: error\tError Type: {error_type}\t")


def test_syntax_error(make_function, handlers_dir: Path) -> None:
    error = make_function("syntax_broken.handler").invoke({}).assert_error(ErrorKind.INIT)
    assert error.error_type == "Runtime.UserCodeSyntaxError"
    assert error.message == (
        "Syntax error in module 'syntax_broken': 'await' outside function "
        "(syntax_broken.py, line 8)"
    )
    path = handlers_dir.resolve() / "syntax_broken.py"
    # The runtime's own one-entry trace: file, line and the offending source line.
    source = "await handler({}, None)  # noqa: F704"
    assert error.stack_trace == [f'  File "{path}" Line 8\n    {source}\n']
    assert error.payload["requestId"] == ""
    assert list(error.payload) == PAYLOAD_KEYS


def test_init_error_is_retried_on_the_next_invoke(make_function) -> None:
    function = make_function("import_broken.handler")
    first = function.invoke({})
    second = function.invoke({})
    assert first.cold_start and second.cold_start
    assert second.logs.startswith("INIT_START ")
    assert second.error is not None and second.error.error_type == "Runtime.ImportModuleError"


def test_exception_raised_at_import(make_function, handlers_dir: Path) -> None:
    invocation = make_function("raises_at_import.handler").invoke({})
    error = invocation.assert_error(ErrorKind.INIT)
    assert error.error_type == "ConfigurationMissing"
    assert error.message == "TABLE_NAME is not set"
    assert error.payload["requestId"] == ""
    assert list(error.payload) == PAYLOAD_KEYS
    module_file = str(handlers_dir.resolve() / "raises_at_import.py")
    module_frames = [entry for entry in error.stack_trace if module_file in entry]
    assert len(module_frames) == 2
    assert ", line 12, in <module>\n    CONFIGURATION = _load_configuration()\n" in module_frames[0]
    assert module_frames[1].endswith(
        'in _load_configuration\n    raise ConfigurationMissing("TABLE_NAME is not set")\n'
    )
    assert not [entry for entry in error.stack_trace if "pytest_lambda" in entry]
    assert WARNING_LINE.search(invocation.logs)
    assert "[ERROR] ConfigurationMissing: TABLE_NAME is not set\n" in invocation.logs
    assert "Error Type: ConfigurationMissing" in invocation.logs


def test_exception_in_the_handler(make_function, handlers_dir: Path) -> None:
    invocation = make_function("app.fail").invoke({})
    assert invocation.status == "error"
    error = invocation.assert_error(ErrorKind.UNHANDLED)
    assert error.error_type == "ValueError"
    assert error.message == "boom"
    assert list(error.payload) == PAYLOAD_KEYS
    assert error.payload["requestId"] == invocation.request_id
    assert error.payload["errorMessage"] == "boom"
    app = handlers_dir.resolve() / "app.py"
    assert len(error.stack_trace) == 1
    assert re.fullmatch(
        rf'  File "{re.escape(str(app))}", line \d+, in fail\n    raise ValueError\("boom"\)\n',
        error.stack_trace[0],
    )
    assert error.payload["stackTrace"] == error.stack_trace
    # A handler failure is not an Init failure: no LAMBDA_WARNING, REPORT has no Status.
    assert "LAMBDA_WARNING" not in invocation.logs
    assert "Status:" not in invocation.report_line
    assert (
        "[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
        f'{NBSP * 2}File "{app}", line ' in invocation.logs
    )
    assert f'{NBSP * 4}raise ValueError("boom")\n' in invocation.logs


def test_environment_survives_a_handler_exception(make_function) -> None:
    function = make_function("app.fail")
    function.invoke({})
    again = function.invoke({})
    assert not again.cold_start
    assert again.init_duration_ms is None
    again.assert_error("ValueError")


def test_stack_trace_keeps_every_user_frame_from_the_handler_on(
    make_function, handlers_dir: Path
) -> None:
    error = make_function("app.nested_fail").invoke({"x": 1}).assert_error("RuntimeError")
    assert error.message == "nested failure for {'x': 1}"
    assert len(error.stack_trace) == 2
    assert error.stack_trace[0].startswith(f'  File "{handlers_dir.resolve() / "app.py"}"')
    assert ", in nested_fail\n" in error.stack_trace[0]
    assert ", in _helper\n" in error.stack_trace[1]
    assert not [entry for entry in error.stack_trace if "pytest_lambda" in entry]


def test_custom_exception_type_has_no_module_prefix(make_function) -> None:
    error = make_function("app.custom_error").invoke({}).assert_error("CustomError")
    assert error.payload["errorType"] == "CustomError"
    assert error.payload["errorMessage"] == "custom failure"


def test_key_error_message_is_str_of_the_exception(make_function) -> None:
    error = make_function("app.key_error").invoke({}).assert_error(KeyError)
    assert error.message == "'missing'"


def test_access_denied_is_a_permission_error(make_function) -> None:
    error = make_function("app.access_denied").invoke({}).assert_error(ErrorKind.PERMISSION)
    assert error.error_type == "AccessDeniedError"
    assert error.message == "not allowed"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(
            b"{not json",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            id="not-json",
        ),
        pytest.param(b"[1, 2", "Expecting ',' delimiter: line 1 column 6 (char 5)", id="cut"),
        pytest.param(b'{"a": NaN}', "NaN is not JSON", id="nan"),
        pytest.param(b'{"a": 1} {"b": 2}', "Extra data: line 1 column 10 (char 9)", id="extra"),
        pytest.param(b'"\xff"', "the payload is not UTF-8", id="not-utf8"),
    ],
)
def test_a_payload_that_is_not_json_is_refused_by_the_invoke_api(
    make_function, body: bytes, detail: str
) -> None:
    invocation = make_function("app.echo").invoke_raw(body)
    error = invocation.assert_error(ErrorKind.UNMARSHAL)
    assert invocation.status_code == 400
    assert invocation.function_error is None
    assert error.payload == {
        "errorType": "InvalidRequestContentException",
        "errorMessage": error.message,
    }
    assert error.message.startswith(
        "Could not parse request body into json: Could not parse payload into json: "
    )
    assert detail in error.message
    # Refused before any environment saw it: no logs, no charge, no cold start.
    assert (invocation.logs, invocation.report_line, invocation.cost_usd) == ("", "", 0.0)
    assert not invocation.cold_start


def test_an_event_with_nan_is_refused_as_the_sdk_sends_it(make_function) -> None:
    invocation = make_function("app.echo").invoke({"x": float("nan")})
    assert invocation.status_code == 400
    assert invocation.assert_error("InvalidRequestContentException").kind is ErrorKind.UNMARSHAL


def test_an_event_json_cannot_hold_is_a_harness_error(make_function) -> None:
    with pytest.raises(HarnessError, match=r"cannot be sent as JSON \(Object of type set"):
        make_function("app.echo").invoke({1, 2})


def test_bytes_go_through_invoke_raw(make_function) -> None:
    with pytest.raises(HarnessError, match=r"use invoke_raw\(body\)"):
        make_function("app.echo").invoke(b"{}")
    with pytest.raises(HarnessError, match="takes the request body as bytes, got str"):
        make_function("app.echo").invoke_raw("{}")  # type: ignore[arg-type]


def test_json_bodies_reach_the_runtime_as_they_are(make_function) -> None:
    function = make_function("app.echo")
    assert function.invoke_raw(b'{"a": [1, 2]}').assert_ok() == {"a": [1, 2]}
    # The runtime reads them with simplejson: a byte order mark is fine, the last of
    # duplicate keys wins, big numbers stay exact.
    assert function.invoke_raw(b'\xef\xbb\xbf{"a": 1}').assert_ok() == {"a": 1}
    assert function.invoke_raw(b'{"a": 1, "a": 2}').assert_ok() == {"a": 2}
    assert function.invoke_raw(b"  12345678901234567890 ").assert_ok() == 12345678901234567890


def test_a_str_event_is_sent_as_a_json_string(make_function) -> None:
    assert make_function("app.echo").invoke("text").assert_ok() == "text"
    assert make_function("app.echo").invoke('"quoted"').assert_ok() == '"quoted"'


@pytest.mark.parametrize(
    ("handler", "type_name"), [("app.return_set", "set"), ("app.return_datetime", "datetime")]
)
def test_unserialisable_response_is_a_marshal_error(make_function, handler, type_name) -> None:
    invocation = make_function(handler).invoke({})
    error = invocation.assert_error(ErrorKind.MARSHAL)
    assert error.payload == {
        "errorMessage": (
            f"Unable to marshal response: Object of type {type_name} is not JSON serializable"
        ),
        "errorType": "Runtime.MarshalError",
        "requestId": invocation.request_id,
        "stackTrace": [],
    }
    assert list(error.payload) == PAYLOAD_KEYS
    assert invocation.result is None
    assert f"[ERROR] Runtime.MarshalError: {error.message}\n" in invocation.logs


def test_decimal_is_returned_as_a_json_number_as_written(make_function) -> None:
    invocation = make_function("app.return_decimal").invoke({})
    assert invocation.response_payload == b'{"price": 1.10}'
    assert invocation.assert_ok() == {"price": 1.1}


def test_bytes_are_returned_raw(make_function) -> None:
    invocation = make_function("app.return_bytes").invoke({})
    assert invocation.response_payload == b"\x00\x01raw\xff"
    assert invocation.assert_ok() == b"\x00\x01raw\xff"


@pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")
@pytest.mark.parametrize(
    ("runtime", "payload"),
    [
        # Older runtimes' encoder escapes every non-ASCII character...
        ("python3.11", b'{"greeting": "h\\u00e9llo \\u2603 \\u65e5\\u672c"}'),
        # ...python3.12 and later write UTF-8 as it is.
        ("python3.12", '{"greeting": "héllo ☃ 日本"}'.encode()),
    ],
)
def test_non_ascii_is_written_as_the_runtime_of_that_version_writes_it(
    make_function, runtime: str, payload: bytes
) -> None:
    invocation = make_function("app.return_unicode", runtime=runtime).invoke({})
    assert invocation.response_payload == payload
    assert invocation.assert_ok() == {"greeting": "héllo ☃ 日本"}


@pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")
def test_a_lone_surrogate_is_escaped_by_older_runtimes(make_function) -> None:
    invocation = make_function("app.echo", runtime="python3.11").invoke("\ud800")
    assert invocation.response_payload == b'"\\ud800"'


@pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")
def test_a_lone_surrogate_ends_the_runtime_on_utf8_runtimes(make_function) -> None:
    # The runtime encodes the JSON text to bytes outside its error handling: the
    # UnicodeEncodeError escapes and its process dies with exit status 1.
    function = make_function("app.echo", runtime="python3.13")
    invocation = function.invoke("\ud800")
    error = invocation.assert_error(ErrorKind.EXIT)
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
        "exit status 1",
    }
    # Python's report of the uncaught exception, on stderr: one event per line.
    lines = [r.text for r in invocation.log_records if r.origin == "function"]
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == (
        "UnicodeEncodeError: 'utf-8' codec can't encode character '\\ud800' in position 1: "
        "surrogates not allowed"
    )
    assert invocation.report_line.endswith("\tStatus: error\tError Type: Runtime.ExitError\t")
    # Like any runtime exit, the next request starts the runtime again.
    again = function.invoke("fine")
    assert (again.result, again.cold_start, again.init_duration_ms) == ("fine", True, None)


def test_request_over_6_mb_is_refused_before_the_handler_runs(make_function) -> None:
    event = {"data": "x" * (6 * 1024 * 1024)}
    size = len(json.dumps(event).encode())
    invocation = make_function("app.count").invoke(event)
    error = invocation.assert_error(ErrorKind.PAYLOAD_TOO_LARGE)
    assert error.error_type == "RequestEntityTooLargeException"
    assert "6291456" in error.message
    assert f"{size:,}" in error.message or str(size) in error.message
    assert invocation.status_code == 413
    assert invocation.logs == ""
    assert invocation.billed_duration_ms == 0


def test_response_over_6_mb_plus_100_is_function_response_size_too_large(make_function) -> None:
    invocation = make_function("app.return_large").invoke({})
    error = invocation.assert_error(ErrorKind.PAYLOAD_TOO_LARGE)
    assert error.error_type == "Function.ResponseSizeTooLarge"
    size = 6 * 1024 * 1024 + 200 + 2
    assert error.payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": (
            f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            "(6291556 bytes)."
        ),
    }
    assert invocation.result is None
    assert invocation.status_code == 200
    assert invocation.function_error == "Unhandled"


def test_response_of_exactly_6_mb_plus_100_is_accepted(make_function) -> None:
    invocation = make_function("app.return_almost_large").invoke({})
    assert len(invocation.response_payload) == 6 * 1024 * 1024 + 100
    assert invocation.ok
