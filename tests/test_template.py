"""Reading functions from SAM / CloudFormation templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_lambda import FunctionConfig, HarnessError, LambdaFunction

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: test
  Memory:
    Type: Number
    Default: 512
  NoDefault:
    Type: String
Globals:
  Function:
    Timeout: 10
    Runtime: python3.12
    Environment:
      Variables:
        STAGE: !Ref Stage
        SHARED: from-globals
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: tpl_hello.handler
      MemorySize: !Ref Memory
      Architectures:
        - arm64
      ReservedConcurrentExecutions: 5
      Environment:
        Variables:
          TABLE: my-table
          SHARED: from-function
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: worker
      Handler: tpl_worker.handler
      MemorySize: !GetAtt Settings.Memory
      Timeout: !Ref NoDefault
  Bucket:
    Type: AWS::S3::Bucket
"""

HELLO = """\
import os


def handler(event, context):
    return {
        "stage": os.environ["STAGE"],
        "table": os.environ["TABLE"],
        "memory": context.memory_limit_in_mb,
    }
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    (tmp_path / "hello").mkdir()
    (tmp_path / "hello" / "tpl_hello.py").write_text(HELLO)
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "tpl_worker.py").write_text("def handler(e, c):\n    return 'w'\n")
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def write(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_a_function_with_globals_and_parameters(template: Path) -> None:
    config = FunctionConfig.from_template(template, "HelloFunction")
    assert isinstance(config, FunctionConfig)
    assert config.handler == "tpl_hello.handler"
    assert config.name == "HelloFunction"
    assert config.memory_mb == 512
    assert config.timeout_s == 10
    assert config.env == {"STAGE": "test", "SHARED": "from-function", "TABLE": "my-table"}
    assert config.architecture == "arm64"
    assert config.reserved_concurrency == 5
    assert Path(config.code_dir) == (template.parent / "hello").resolve()


def test_from_template_invokes_the_function(template: Path) -> None:
    with LambdaFunction.from_template(template, "HelloFunction", isolation="inline") as function:
        result = function.invoke({}).assert_ok()
    assert result == {"stage": "test", "table": "my-table", "memory": "512"}


def test_code_dir_is_relative_to_the_template_not_the_working_directory(
    template: Path, monkeypatch: pytest.MonkeyPatch, handlers_dir: Path
) -> None:
    monkeypatch.chdir(handlers_dir)
    config = FunctionConfig.from_template(template, "HelloFunction")
    assert Path(config.code_dir) == (template.parent / "hello").resolve()


def test_several_functions_need_a_logical_id(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template)
    message = str(raised.value)
    assert "defines 2 functions (HelloFunction, WorkerFunction)" in message
    assert "logical_id=" in message


def test_unknown_logical_id_suggests_a_close_one(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template, "HelloFunc")
    message = str(raised.value)
    assert "has no function 'HelloFunc'; did you mean 'HelloFunction'?" in message
    assert "(functions: HelloFunction, WorkerFunction)" in message


def test_a_non_function_resource_is_not_a_function(template: Path) -> None:
    with pytest.raises(HarnessError, match="has no function 'Bucket'"):
        FunctionConfig.from_template(template, "Bucket")


def test_single_function_needs_no_logical_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
Resources:
  Only:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      MemorySize: "256"
      Timeout: 30
      FunctionName: only-fn
""",
    )
    config = FunctionConfig.from_template(path)
    assert config.handler == "app.handler"
    assert config.memory_mb == 256
    assert config.timeout_s == 30
    assert config.name == "only-fn"
    assert Path(config.code_dir) == tmp_path.resolve()


def test_unresolvable_intrinsic_asks_for_an_override(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template, "WorkerFunction", {"timeout_s": 5})
    message = str(raised.value)
    assert "'WorkerFunction'" in message
    assert "MemorySize" in message
    assert "Fn::GetAtt" in message
    assert "override" in message


def test_ref_to_a_parameter_without_default(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template, "WorkerFunction", {"memory_mb": 256})
    message = str(raised.value)
    assert "Timeout refers to 'NoDefault', which has no Default" in message
    assert "override" in message


def test_overrides_win_and_stand_in_for_unresolvable_values(template: Path) -> None:
    config = FunctionConfig.from_template(
        template, "WorkerFunction", {"memory_mb": 256, "timeout_s": 7}
    )
    assert (config.memory_mb, config.timeout_s) == (256, 7)
    function = LambdaFunction.from_template(
        template, "WorkerFunction", memory_mb=256, timeout_s=7, isolation="inline"
    )
    with function:
        assert function.invoke({}).assert_ok() == "w"


def test_override_wins_over_a_resolvable_value(template: Path) -> None:
    function = LambdaFunction.from_template(
        template,
        "HelloFunction",
        memory_mb=1024,
        env={"STAGE": "x", "TABLE": "t"},
        isolation="inline",
    )
    assert function.config.memory_mb == 1024
    assert function.config.env == {"STAGE": "x", "TABLE": "t"}


def test_template_values_are_checked_like_any_setting(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Handler: app.handler\n      MemorySize: 64\n",
    )
    with pytest.raises(HarnessError, match="memory_mb=64 is out of range"):
        FunctionConfig.from_template(path)


def test_from_settings_reads_the_template(template: Path) -> None:
    config = FunctionConfig.from_settings(
        {"template": str(template), "logical_id": "HelloFunction", "timeout_s": 20}
    )
    assert (config.handler, config.timeout_s, config.memory_mb) == ("tpl_hello.handler", 20, 512)


def test_malformed_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "Resources:\n  Fn: [unclosed\n")
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    assert f"template {str(path)!r} is not valid YAML/JSON" in str(raised.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    assert f"template {str(path)!r} does not exist" in str(raised.value)


def test_no_functions(tmp_path: Path) -> None:
    path = write(tmp_path, "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    with pytest.raises(HarnessError, match="defines no AWS::Serverless::Function"):
        FunctionConfig.from_template(path)


@pytest.mark.parametrize("text", ["just a string\n", "Outputs: {}\n", "- a\n- b\n"])
def test_not_a_template(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HarnessError, match="has no Resources section"):
        FunctionConfig.from_template(path)


def test_function_without_handler(tmp_path: Path) -> None:
    path = write(tmp_path, "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n")
    with pytest.raises(HarnessError, match="function 'Fn' in .* has no Handler property"):
        FunctionConfig.from_template(path)


def test_json_template(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"Resources": {"Fn": {"Type": "AWS::Serverless::Function",'
        ' "Properties": {"Handler": "app.handler", "Timeout": 4}}}}',
        name="template.json",
    )
    assert FunctionConfig.from_template(path).timeout_s == 4


def test_logging_config_and_ephemeral_storage(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
Globals:
  Function:
    EphemeralStorage:
      Size: 2048
Resources:
  Logged:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      LoggingConfig:
        LogFormat: JSON
        ApplicationLogLevel: DEBUG
        SystemLogLevel: WARN
""",
    )
    config = FunctionConfig.from_template(path)
    assert (config.log_format, config.log_level, config.system_log_level) == (
        "JSON",
        "DEBUG",
        "WARN",
    )
    assert config.ephemeral_storage_mb == 2048
    overridden = FunctionConfig.from_template(path, overrides={"log_level": "ERROR"})
    assert overridden.log_level == "ERROR"


def test_logging_config_is_checked_like_any_setting(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
Resources:
  Logged:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      LoggingConfig:
        ApplicationLogLevel: DEBUG
""",
    )
    with pytest.raises(HarnessError, match="log_level='DEBUG' needs log_format='JSON'"):
        FunctionConfig.from_template(path)
