"""The `pytest-lambda` command (cli.main) and `python -m pytest_lambda`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_lambda.cli import HELLO_WORLD_EVENT, main

HELLO_WORLD = {"key1": "value1", "key2": "value2", "key3": "value3"}


@pytest.fixture
def invoke(handlers_dir: Path, capsys: pytest.CaptureFixture[str]):
    """Run `pytest-lambda invoke HANDLER ARGS...` inline; (exit status, stdout, stderr)."""

    def run(handler: str, *args: str) -> tuple[int, str, str]:
        status = main(
            ["invoke", handler, "--code-dir", str(handlers_dir), "--isolation", "inline", *args]
        )
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_hello_world_event_is_the_consoles() -> None:
    assert HELLO_WORLD_EVENT == HELLO_WORLD


def test_invoke_without_an_event_uses_hello_world(invoke) -> None:
    status, out, err = invoke("app.hello")
    assert status == 0
    assert json.loads(out) == {"message": "hello", "event": HELLO_WORLD}
    assert out.endswith("\n")
    assert "INIT_START Runtime Version:" in err
    assert "START RequestId: " in err
    assert "END RequestId: " in err
    assert "REPORT RequestId: " in err
    assert "REPORT RequestId" not in out


def test_invoke_prints_non_ascii_as_is(invoke) -> None:
    status, out, _ = invoke("app.return_unicode")
    assert status == 0
    assert out == '{"greeting": "héllo ☃ 日本"}\n'


def test_failing_handler_prints_the_error_payload_and_exits_1(invoke) -> None:
    status, out, err = invoke("app.fail")
    assert status == 1
    payload = json.loads(out)
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "boom")
    assert "[ERROR] ValueError: boom" in err


def test_init_error_exits_1(invoke) -> None:
    status, out, err = invoke("import_broken.handler")
    assert status == 1
    assert json.loads(out)["errorType"] == "Runtime.ImportModuleError"
    # The runtime's CR line ends are shown as line ends on a terminal.
    assert "\r" not in err
    assert "runtimes-update.html\n" in err


def test_event_from_a_file(invoke, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"from": "file", "n": [1, 2]}))
    status, out, _ = invoke("app.echo", "--event", str(event_file))
    assert status == 0
    assert json.loads(out) == {"from": "file", "n": [1, 2]}


def test_event_from_stdin(invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"from": "stdin"}'))
    status, out, _ = invoke("app.echo", "--event", "-")
    assert status == 0
    assert json.loads(out) == {"from": "stdin"}


def test_env_reaches_the_handler(invoke) -> None:
    status, out, _ = invoke(
        "app.variables", "--env", "GREETING=hi", "--env", "EQUATION=a=b", "--memory-mb", "256"
    )
    assert status == 0
    env = json.loads(out)
    assert env["GREETING"] == "hi"
    assert env["EQUATION"] == "a=b"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"


def test_name_region_and_timeout_options(invoke) -> None:
    status, out, err = invoke(
        "app.describe_context", "--name", "cli-fn", "--region", "eu-west-1", "--timeout-s", "9"
    )
    assert status == 0
    seen = json.loads(out)
    assert seen["function_name"] == "cli-fn"
    assert seen["invoked_function_arn"].startswith("arn:aws:lambda:eu-west-1:")
    assert 8_000 < seen["remaining_ms"] <= 9_000
    assert "arn:aws:lambda:eu-west-1::runtime:" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "NOVALUE"], "--env takes NAME=VALUE, got 'NOVALUE'"),
        (["--env", "AWS_REGION=x"], "environment variable 'AWS_REGION' is reserved"),
        (["--env", "1X=x"], "environment variable name '1X' is invalid"),
        (["--event", "missing.json"], "event file 'missing.json' does not exist"),
        (["--memory-mb", "64"], "memory_mb=64 is out of range"),
        (["--timeout-s", "901"], "out of range: Lambda allows 1 to 900 seconds"),
        (["--code-dir", "does/not/exist"], "code_dir 'does/not/exist' is not a directory"),
    ],
)
def test_bad_input_exits_2_with_a_message(invoke, args: list[str], message: str) -> None:
    status, out, err = invoke("app.echo", *args)
    assert status == 2
    assert out == ""
    assert err.startswith("pytest-lambda: error: ")
    assert message in err


def test_bad_json_file_exits_2(invoke, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text("{not json")
    status, _, err = invoke("app.echo", "--event", str(event_file))
    assert status == 2
    assert f"the event in {event_file} is not valid JSON" in err


def test_bad_json_on_stdin_exits_2(invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("[1,"))
    status, _, err = invoke("app.echo", "--event", "-")
    assert status == 2
    assert "the event in standard input is not valid JSON" in err


def test_memory_that_is_not_a_number_is_a_usage_error(
    invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        invoke("app.echo", "--memory-mb", "lots")
    assert raised.value.code == 2
    assert "invalid int value: 'lots'" in capsys.readouterr().err


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli(handlers_dir: Path, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text('{"via": "subprocess"}')
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_lambda",
            "invoke",
            "app.hello",
            "--event",
            str(event_file),
            "--code-dir",
            str(handlers_dir),
            "--isolation",
            "inline",
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"message": "hello", "event": {"via": "subprocess"}}
    assert "REPORT RequestId: " in completed.stderr


# -- the events subcommands (pytest_lambda.events) ------------------------------------------


def test_invoke_with_a_sample_event_name(invoke) -> None:
    status, out, _ = invoke("app.echo", "--event", "hello-world")
    assert status == 0
    assert json.loads(out) == HELLO_WORLD


def test_invoke_with_an_unknown_sample_event_name(invoke) -> None:
    status, _, err = invoke("app.echo", "--event", "no-such-kind")
    assert status == 2
    assert "'no-such-kind'" in err


def test_events_lists_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    kinds = [line.split()[0] for line in lines]
    assert "hello-world" in kinds
    assert "sqs" in kinds
    assert "s3-put" in kinds
    assert all(line.split(maxsplit=1)[1:] for line in lines), "every kind has a description"


def test_generate_event(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate-event", "sqs", "--bodies", '["first", "second"]']) == 0
    event = json.loads(capsys.readouterr().out)
    assert [record["body"] for record in event["Records"]] == ["first", "second"]


def test_generate_event_of_an_unknown_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate-event", "no-such-kind"]) == 2
    assert "'no-such-kind'" in capsys.readouterr().err


def test_generate_event_with_a_bad_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate-event", "sqs", "--no-such-field", "x"]) == 2
    assert "no_such_field" in capsys.readouterr().err


def test_generate_event_with_a_field_of_the_wrong_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["generate-event", "sqs", "--bodies", "3"]) == 2
    error = capsys.readouterr().err
    assert error.strip() == (
        "pytest-lambda: error: sqs(): bodies takes list[str | dict[str, Any] | list[Any]] "
        "| None, got int 3"
    )


def test_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate-event", "sqs"]) == 0
    good = tmp_path / "good.json"
    good.write_text(capsys.readouterr().out)
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: valid\n"

    bad = tmp_path / "bad.json"
    bad.write_text('{"Records": [{"body": "x"}]}')
    assert main(["validate", str(bad), "--kind", "sqs"]) == 1
    assert "$.Records[0]" in capsys.readouterr().out


def test_validate_names_the_file_and_says_what_a_type_mismatch_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate-event", "apigateway-rest", "--method", "POST"]) == 0
    event = json.loads(capsys.readouterr().out)
    event["body"] = {"id": 1}
    bad = tmp_path / "api.json"
    bad.write_text(json.dumps(event))
    assert main(["validate", str(bad)]) == 1
    assert capsys.readouterr().out == (
        f"{bad}: apigateway-rest event invalid at $.body: body must be a string "
        "(JSON-encode it), got an object: {'id': 1}\n"
    )


def test_validate_an_unknown_shape_says_kind_as_the_command_line_spells_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "there"}')
    assert main(["validate", str(odd)]) == 1
    assert capsys.readouterr().out == (
        f"{odd}: could not detect the event kind; pass --kind KIND (see 'pytest-lambda events')\n"
    )


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    # The reader goes away before the command writes (`pytest-lambda events | head -0`).
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_lambda", "events"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert error == ""


def test_validate_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_module_not_found_says_where_it_was_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["invoke", "app.handler", "--code-dir", str(tmp_path), "--isolation", "inline"])
    captured = capsys.readouterr()
    assert status == 1
    assert json.loads(captured.out)["errorType"] == "Runtime.ImportModuleError"
    assert (
        f"pytest-lambda: the handler's module is looked up in {tmp_path}; pass --code-dir DIR"
        in captured.err
    )
