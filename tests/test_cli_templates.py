"""`pytest-lambda invoke` with templates, like `sam local invoke` without Docker: a logical
id, -t, the default event of the function's event source, --env-vars, parameter
overrides, and AWS from moto (the template deployed) or real AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_lambda import detect_event_type
from pytest_lambda.cli import main
from pytest_lambda.config import INTERPRETER_RUNTIME

APP = """\
import os

import boto3


def echo(event, context):
    return event


def variables(event, context):
    return {name: os.environ.get(name) for name in ("STAGE", "TABLE", "EXTRA", "OTHER")}


def read(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    return table.get_item(Key={"pk": "1"}).get("Item", "no item")


def bypass(event, context):
    client = boto3.client("dynamodb", endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
    return client.list_tables()


def credentials(event, context):
    return os.environ["AWS_ACCESS_KEY_ID"]
"""

TEMPLATE = f"""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Runtime: {INTERPRETER_RUNTIME}
    CodeUri: src/
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      BillingMode: PAY_PER_REQUEST
  Uploads:
    Type: AWS::S3::Bucket
  Variables:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.variables
      Environment:
        Variables:
          STAGE: !Ref Stage
          TABLE: !Ref Orders
          EXTRA: from-template
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.read
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - DynamoDBReadPolicy: {{TableName: !Ref Orders}}
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
  Bypass:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.bypass
  Credentials:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.credentials
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SAM project, the working directory of the test."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["invoke", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_logical_id_of_the_template_in_the_working_directory(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "Variables", "--isolation", "inline")
    assert status == 0, err
    result = json.loads(out)
    assert result["STAGE"] == "dev"
    assert result["TABLE"].startswith("local-Orders-")
    assert "REPORT RequestId: " in err


def test_template_option_parameter_overrides_and_env(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)  # the project fixture's monkeypatch.chdir restores the directory
    status, out, err = run(
        capsys,
        "Variables",
        "-t",
        str(project / "template.yaml"),
        "--parameter-overrides",
        "Stage=prod",
        "--env",
        "OTHER=x",
        "--isolation",
        "inline",
    )
    assert status == 0, err
    result = json.loads(out)
    assert (result["STAGE"], result["OTHER"], result["EXTRA"]) == ("prod", "x", "from-template")


def test_env_vars_file_in_sams_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "env.json").write_text(
        json.dumps(
            {
                "Parameters": {"EXTRA": "global", "UNDECLARED": "u"},
                "Variables": {"STAGE": "from-file"},
                "Reader": {"EXTRA": "not this function's"},
            }
        )
    )
    status, out, err = run(capsys, "Variables", "--env-vars", "env.json", "--isolation", "inline")
    assert status == 0, err
    result = json.loads(out)
    assert (result["STAGE"], result["EXTRA"]) == ("from-file", "global")
    assert "UNDECLARED from env.json not set: the template does not declare them" in err


def test_the_default_event_is_the_sample_of_the_functions_event_source(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "OnUpload", "--isolation", "inline")
    assert status == 0
    assert detect_event_type(json.loads(out)) == "s3-put"


def test_the_templates_resources_are_deployed_into_moto(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "Reader", "--isolation", "inline")
    assert status == 0, err
    # The table exists (an empty one): a get on a missing table would fail.
    assert json.loads(out) == "no item"


def test_a_handler_that_calls_aws_works_from_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "app.read", "--code-dir", "src", "--env", "TABLE=absent", "--isolation", "inline"
    )
    assert status == 1
    payload = json.loads(out)
    assert payload["errorType"] == "ResourceNotFoundException", err


def test_a_call_past_moto_is_refused_in_the_command_lines_words(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "Bypass")
    assert status == 1
    message = json.loads(out)["errorMessage"]
    assert "pytest-lambda blocked a request to real AWS: dynamodb ListTables" in message
    assert "pass --aws real to call real AWS with your credentials" in message
    assert "fixture" not in message


def test_a_logical_id_without_a_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "HelloFunction")
    assert status == 2
    assert out == ""
    assert "'HelloFunction' is a logical id (a handler has a dot" in err
    assert "no template was found: pass -t template.yaml" in err


def test_real_aws_uses_the_users_credentials_and_says_so(project: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_CONFIG_FILE": str(project / "absent"),
            "PYTHONIOENCODING": "utf-8",
        }
    )
    completed = subprocess.run(
        [sys.executable, "-m", "pytest_lambda", "invoke", "Credentials", "--aws", "real"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=project,
        env=environment,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == "AKIAIOSFODNN7EXAMPLE"
    assert (
        "pytest-lambda: --aws real: the function's AWS calls go to real AWS, signed with your "
        "credentials" in completed.stderr
    )


def test_several_functions_and_no_logical_id(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys)
    assert status == 2
    assert "defines 5 functions (Bypass, Credentials, OnUpload, Reader, Variables)" in err
