"""Lambda's logging controls: the log format (text or JSON), the application and system log
levels, and Invocation.log_records; the platform's records in both formats."""

from __future__ import annotations

import json
import re

import pytest

from pytest_lambda import HarnessError, LambdaFunction, LogRecord

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def function_records(invocation) -> list[LogRecord]:
    return [r for r in invocation.log_records if r.origin == "function"]


def platform_types(invocation) -> list[str | None]:
    return [r.type for r in invocation.log_records if r.origin == "platform"]


def test_text_format_records_and_platform_lines(make_function) -> None:
    invocation = make_function("observed.levels").invoke({})
    assert platform_types(invocation) == [
        "platform.initStart",
        "platform.start",
        "platform.end",
        "platform.report",
    ]
    records = function_records(invocation)
    # Init's print, then the request's records: the runtime's logging records (WARNING and
    # up by default), the printed lines and the context.log record. Without a log level
    # set, the runtime writes its text records without one: Lambda does not know it.
    assert [(r.phase, r.level, r.message) for r in records] == [
        ("init", None, "init output"),
        ("invoke", None, "a warning record"),
        ("invoke", None, "printed"),
        ("invoke", None, '{"level": "debug", "msg": "printed JSON at debug"}'),
        ("invoke", None, "from context.log"),
    ]
    warning = records[1]
    assert warning.request_id == invocation.request_id
    assert warning.text.startswith("[WARNING]\t") and warning.text.endswith("\n")
    assert warning.json is None
    start = invocation.log_records[2]
    assert start.text == f"START RequestId: {invocation.request_id} Version: $LATEST\n"
    assert start.request_id == invocation.request_id
    assert invocation.logs.startswith("INIT_START Runtime Version: python:")


def test_text_records_carry_their_level_once_a_log_level_is_set(make_function) -> None:
    # The runtime writes a record's level with it when AWS_LAMBDA_LOG_LEVEL is set.
    invocation = make_function("observed.levels", env={"AWS_LAMBDA_LOG_LEVEL": "INFO"}).invoke({})
    levels = [(r.level, r.message) for r in function_records(invocation) if r.level]
    assert levels == [("INFO", "an info record"), ("WARNING", "a warning record")]


def test_json_format_writes_the_runtimes_json_records(make_function) -> None:
    invocation = make_function("observed.levels", log_format="JSON").invoke({})
    # The application level defaults to INFO: Lambda sets the runtime's root logger there.
    assert invocation.assert_ok() == 20
    records = function_records(invocation)
    info, warning = records[1], records[2]
    assert info.json == {
        "timestamp": info.json["timestamp"],
        "level": "INFO",
        "message": "an info record",
        "logger": "root",
        "requestId": invocation.request_id,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info.json["timestamp"])
    assert list(warning.json) == ["timestamp", "level", "message", "logger", "requestId", "orderId"]
    assert warning.json["orderId"] == 42 and warning.level == "WARNING"
    assert warning.message == "a warning record"
    # print() stays plain text; Lambda filters a JSON line by the level it names.
    assert [r.text for r in records[3:]] == ["printed", "from context.log"]


def test_json_format_platform_records(make_function) -> None:
    function = make_function("observed.count", log_format="JSON", memory_mb=256)
    invocation = function.invoke({})
    platform = [r for r in invocation.log_records if r.origin == "platform"]
    assert [r.type for r in platform] == [
        "platform.initStart",
        "platform.start",
        "platform.report",
    ]
    init_start, start, report = (r.json for r in platform)
    assert init_start is not None and start is not None and report is not None
    assert TIME.fullmatch(init_start["time"])
    assert init_start["record"] == {
        "initializationType": "on-demand",
        "phase": "init",
        "runtimeVersion": init_start["record"]["runtimeVersion"],
        "runtimeVersionArn": init_start["record"]["runtimeVersionArn"],
        "functionName": "observed-count",
        "functionVersion": "$LATEST",
        "instanceId": init_start["record"]["instanceId"],
        "instanceMaxMemory": 256 * 1024 * 1024,
    }
    assert start["record"] == {
        "requestId": invocation.request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:observed-count",
        "version": "$LATEST",
    }
    assert report["record"] == {
        "requestId": invocation.request_id,
        "metrics": {
            "durationMs": round(invocation.duration_ms, 3),
            "billedDurationMs": invocation.billed_duration_ms,
            "memorySizeMB": 256,
            "maxMemoryUsedMB": invocation.max_memory_used_mb,
            "initDurationMs": round(invocation.init_duration_ms or 0, 3),
        },
        "status": "success",
    }
    # Compact JSON, one record per event, as Lambda writes them.
    assert platform[1].text == json.dumps(start, separators=(",", ":"))
    assert "START RequestId" not in invocation.logs and "END RequestId" not in invocation.logs
    # The REPORT line itself is still there for reports and summaries.
    assert invocation.report_line.startswith(f"REPORT RequestId: {invocation.request_id}\t")
    warm = function.invoke({})
    assert "initDurationMs" not in warm.log_records[-1].json["record"]["metrics"]


def test_json_format_error_record_and_failed_report(make_function) -> None:
    invocation = make_function("observed.fail", log_format="JSON").invoke({})
    error = function_records(invocation)[-1]
    assert error.level == "ERROR"
    assert list(error.json) == [
        "timestamp",
        "level",
        "errorMessage",
        "errorType",
        "requestId",
        "stackTrace",
    ]
    assert error.json["errorType"] == "ValueError"
    assert error.json["stackTrace"] == invocation.error.stack_trace
    report = invocation.log_records[-1].json["record"]
    assert (report["status"], report["errorType"]) == ("error", "ValueError")


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("TRACE", ["a debug record", "an info record", "a warning record", "printed"]),
        ("DEBUG", ["a debug record", "an info record", "a warning record", "printed"]),
        ("INFO", ["an info record", "a warning record", "printed"]),
        # Lambda gives output without a level INFO: it goes with the application level.
        ("WARN", ["a warning record"]),
        ("ERROR", []),
    ],
)
def test_application_log_level(make_function, level: str, expected: list[str]) -> None:
    invocation = make_function("observed.levels", log_format="JSON", log_level=level).invoke({})
    messages = [r.message for r in function_records(invocation) if r.phase == "invoke"]
    shown = [m for m in messages if m in {"a debug record", "an info record", "a warning record"}]
    shown += [m for m in messages if m == "printed"]
    assert shown == expected
    debug_json_line = any("printed JSON at debug" in str(m) for m in messages)
    assert debug_json_line == (level in ("TRACE", "DEBUG"))


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (
            "DEBUG",
            [
                "platform.initStart",
                "platform.initRuntimeDone",
                "platform.start",
                "platform.runtimeDone",
                "platform.report",
            ],
        ),
        ("INFO", ["platform.initStart", "platform.start", "platform.report"]),
        ("WARN", []),
    ],
)
def test_system_log_level(make_function, level: str, expected: list[str]) -> None:
    invocation = make_function("observed.count", log_format="JSON", system_log_level=level).invoke(
        {}
    )
    assert platform_types(invocation) == expected


def test_runtime_done_record(make_function) -> None:
    invocation = make_function(
        "observed.count", log_format="JSON", system_log_level="DEBUG"
    ).invoke({})
    done = next(r for r in invocation.log_records if r.type == "platform.runtimeDone")
    assert done.json["record"] == {
        "requestId": invocation.request_id,
        "status": "success",
        "metrics": {
            "durationMs": round(invocation.duration_ms, 3),
            "producedBytes": len(invocation.response_payload or b""),
        },
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"log_format": "json"}, "log_format='json' is not supported; choose one of Text, JSON"),
        ({"log_level": "DEBUG"}, "log_level='DEBUG' needs log_format='JSON'"),
        (
            {"log_format": "JSON", "log_level": "VERBOSE"},
            "log_level='VERBOSE' is not supported; choose one of TRACE, DEBUG, INFO, WARN",
        ),
        (
            {"log_format": "JSON", "system_log_level": "ERROR"},
            "system_log_level='ERROR' is not supported; choose one of DEBUG, INFO, WARN",
        ),
    ],
)
def test_logging_settings_are_checked(tmp_path, settings: dict[str, str], message: str) -> None:
    with pytest.raises(HarnessError, match=re.escape(message)):
        LambdaFunction("app.handler", code_dir=tmp_path, **settings)  # type: ignore[arg-type]


def test_json_settings_reach_the_runtime_as_its_variables(make_function) -> None:
    seen = make_function("app.read_environ", log_format="JSON", log_level="DEBUG").invoke(
        {"name": "AWS_LAMBDA_LOG_LEVEL"}
    )
    assert seen.assert_ok() == "DEBUG"
    text = make_function("app.read_environ").invoke({"name": "AWS_LAMBDA_LOG_FORMAT"})
    assert text.assert_ok() is None


def test_records_of_a_refused_request(make_function) -> None:
    invocation = make_function("app.echo").invoke_raw(b"not json")
    assert invocation.log_records == [] and invocation.logs == ""


@pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")
def test_a_preview_runtime_warns_at_init(make_function) -> None:
    invocation = make_function("app.hello", runtime="python3.15").invoke({})
    warning = function_records(invocation)[0]
    assert warning.phase == "init"
    assert warning.message == (
        "LAMBDA_WARNING: This is a preview runtime version and should not be used for "
        "production workloads. For further information and to provide feedback, see "
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html\r"
    )
    quiet = make_function(
        "app.hello", runtime="python3.15", env={"LAMBDA_DISABLE_PREVIEW_WARN": "1"}
    ).invoke({})
    assert function_records(quiet) == []
