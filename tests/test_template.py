"""Reading functions from SAM / CloudFormation templates: the SAM transform, intrinsic
functions, parameters, a function's settings, and what a malformed template is told."""

from __future__ import annotations

import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from pytest_lambda import FunctionConfig, HarnessError, LambdaFunction
from pytest_lambda.config import INTERPRETER_RUNTIME, setting_names
from pytest_lambda.notices import RuntimeVersionWarning, TemplateWarning
from pytest_lambda.template import load_template, parse_overrides

TEMPLATE = f"""\
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
    Runtime: {INTERPRETER_RUNTIME}
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
      MemorySize: !GetAtt Bucket.Nope
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
    path.write_text(textwrap.dedent(text))
    return path


def one_function(tmp_path: Path, properties: str, *, head: str = "", extra: str = "") -> Path:
    """A SAM template with one function `Fn` (Handler app.handler, the interpreter's
    runtime) given `properties` (indented as under Properties:)."""
    body = textwrap.indent(textwrap.dedent(properties), " " * 6)
    return write(
        tmp_path,
        "Transform: AWS::Serverless-2016-10-31\n"
        + textwrap.dedent(head)
        + "Resources:\n"
        + "  Fn:\n"
        + "    Type: AWS::Serverless::Function\n"
        + "    Properties:\n"
        + "      Handler: app.handler\n"
        + f"      Runtime: {INTERPRETER_RUNTIME}\n"
        + body
        + textwrap.indent(textwrap.dedent(extra), "  "),
    )


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
    assert config.runtime == INTERPRETER_RUNTIME
    assert Path(config.code_dir) == (template.parent / "hello").resolve()
    assert config.template_source is not None
    assert config.template_source.logical_id == "HelloFunction"


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


def test_a_function_without_code_uri_runs_from_the_template_directory(tmp_path: Path) -> None:
    path = one_function(tmp_path, "Timeout: 4\n")
    assert Path(FunctionConfig.from_template(path).code_dir) == tmp_path.resolve()


def test_globals_code_uri_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = one_function(tmp_path, "", head="Globals:\n  Function:\n    CodeUri: src\n")
    assert Path(FunctionConfig.from_template(path).code_dir) == (tmp_path / "src").resolve()


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


def test_an_unknown_attribute_asks_for_an_override(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template, "WorkerFunction", {"timeout_s": 5})
    message = str(raised.value)
    assert f"template {str(template.resolve())!r}: resource 'WorkerFunction'" in message
    assert "property MemorySize" in message
    assert "Fn::GetAtt Bucket.Nope" in message
    assert "override" in message


def test_ref_to_a_parameter_without_default(template: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(template, "WorkerFunction", {"memory_mb": 256})
    message = str(raised.value)
    assert "resource 'WorkerFunction', property Timeout: refers to parameter 'NoDefault'" in (
        message
    )
    assert "parameter_overrides={'NoDefault': ...}" in message


def test_parameter_overrides_give_a_parameter_its_value(template: Path) -> None:
    config = FunctionConfig.from_template(
        template,
        "HelloFunction",
        parameter_overrides="Stage=prod Memory=1024",
    )
    assert (config.env["STAGE"], config.memory_mb) == ("prod", 1024)


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


def test_env_overrides_merge_variable_by_variable(template: Path) -> None:
    function = LambdaFunction.from_template(
        template,
        "HelloFunction",
        memory_mb=1024,
        env={"STAGE": "x", "EXTRA": "e", "SHARED": None},
        isolation="inline",
    )
    assert function.config.memory_mb == 1024
    # STAGE replaced, EXTRA added, SHARED removed, TABLE kept from the template.
    assert function.config.env == {"STAGE": "x", "TABLE": "my-table", "EXTRA": "e"}


def test_an_overridden_variable_is_not_read_from_the_template(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        """\
        Environment:
          Variables:
            FROM_ELSEWHERE: !ImportValue other-stack-output
        """,
    )
    config = FunctionConfig.from_template(path, overrides={"env": {"FROM_ELSEWHERE": "v"}})
    assert config.env == {"FROM_ELSEWHERE": "v"}
    with pytest.raises(HarnessError, match="Fn::ImportValue 'other-stack-output'"):
        FunctionConfig.from_template(path)


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
        f' "Properties": {{"Handler": "app.handler", "Runtime": "{INTERPRETER_RUNTIME}",'
        ' "Timeout": 4}}}}',
        name="template.json",
    )
    assert FunctionConfig.from_template(path).timeout_s == 4


def test_the_sam_transform_refuses_what_aws_refuses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
        """,
    )
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    message = str(raised.value)
    assert "is refused by the SAM transform" in message
    assert "[Fn]" in message and "Runtime" in message


# -- intrinsic functions ------------------------------------------------------------------


INTRINSICS = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Zones:
    Type: CommaDelimitedList
    Default: "a, b ,c"
Mappings:
  Sizes:
    dev: {{Memory: 256}}
    prod: {{Memory: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [1, "1"]]
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {{StreamViewType: NEW_IMAGE}}
  Uploads:
    Type: AWS::S3::Bucket
  Named:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${{AWS::StackName}}-named-${{AWS::AccountId}}"
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  Alerts:
    Type: AWS::SNS::Topic
  Secret:
    Type: AWS::SecretsManager::Secret
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: {runtime}
      MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
      Environment:
        Variables:
          TABLE: !Ref Orders
          TABLE_ARN: !GetAtt Orders.Arn
          STREAM: !GetAtt Orders.StreamArn
          BUCKET: !Ref Uploads
          NAMED: !Ref Named
          QUEUE_URL: !Ref Jobs
          QUEUE_NAME: !GetAtt Jobs.QueueName
          TOPIC: !Ref Alerts
          SECRET: !Ref Secret
          SELF_ARN: !Sub "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:x"
          JOINED: !Join ["-", [a, !Ref Env, !Select [1, !Ref Zones]]]
          SPLIT: !Select [2, !Split [",", "x,y,z"]]
          CHOSEN: !If [IsProd, big, small]
          BOTH: !If [Both, yes-both, no]
          LITERAL: !Sub "${{!NotAVariable}} and plain"
          VARS: !Sub ["${{One}}+${{Two}}", {{One: "1", Two: !Ref Env}}]
          ENCODED: !Base64 hi
          ZONE: !Select [0, !GetAZs ""]
          GONE: !If [IsProd, "x", !Ref AWS::NoValue]
          FLAG: true
          RATE: 0.1
          COUNT: 10
"""


@pytest.fixture
def intrinsics(tmp_path: Path) -> Path:
    return write(tmp_path, INTRINSICS.format(runtime=INTERPRETER_RUNTIME))


def test_intrinsic_functions_resolve_as_cloudformation_resolves_them(intrinsics: Path) -> None:
    config = FunctionConfig.from_template(intrinsics, parameter_overrides={"Env": "dev"})
    env = config.env
    assert config.memory_mb == 256
    assert (
        env["TABLE"].startswith("local-Orders-") and len(env["TABLE"]) == len("local-Orders-") + 12
    )
    assert env["TABLE_ARN"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/{env['TABLE']}"
    assert env["STREAM"] == f"{env['TABLE_ARN']}/stream/2020-01-01T00:00:00.000"
    assert env["BUCKET"].startswith("local-uploads-") and env["BUCKET"] == env["BUCKET"].lower()
    assert env["NAMED"] == "local-named-123456789012"
    assert env["QUEUE_NAME"].endswith(".fifo")
    assert env["QUEUE_URL"] == (
        f"https://sqs.us-east-1.amazonaws.com/123456789012/{env['QUEUE_NAME']}"
    )
    assert env["TOPIC"].startswith("arn:aws:sns:us-east-1:123456789012:local-Alerts-")
    assert env["SECRET"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
    assert env["SELF_ARN"] == "arn:aws:lambda:us-east-1:123456789012:x"
    assert env["JOINED"] == "a-dev-b"
    assert env["SPLIT"] == "z"
    assert env["CHOSEN"] == "small"
    assert env["BOTH"] == "yes-both"
    assert env["LITERAL"] == "${NotAVariable} and plain"
    assert env["VARS"] == "1+dev"
    assert env["ENCODED"] == "aGk="
    assert env["ZONE"] == "us-east-1a"
    assert "GONE" not in env
    # As CloudFormation passes them to Lambda: strings, `true` lower case.
    assert (env["FLAG"], env["RATE"], env["COUNT"]) == ("true", "0.1", "10")


def test_names_are_the_same_every_time_and_follow_the_stack_name(intrinsics: Path) -> None:
    first = FunctionConfig.from_template(intrinsics)
    again = FunctionConfig.from_template(intrinsics)
    assert first.env["TABLE"] == again.env["TABLE"]
    other = FunctionConfig.from_template(
        intrinsics,
        parameter_overrides="AWS::StackName=other",
    )
    assert other.env["TABLE"].startswith("other-Orders-")
    assert other.env["NAMED"] == "other-named-123456789012"


def test_region_and_account_follow_the_function(intrinsics: Path) -> None:
    config = FunctionConfig.from_template(intrinsics, overrides={"region": "eu-west-1"})
    assert config.env["TABLE_ARN"].startswith("arn:aws:dynamodb:eu-west-1:")
    assert config.env["ZONE"] == "eu-west-1a"


def test_conditions_pick_values_and_resources(intrinsics: Path) -> None:
    template = load_template(intrinsics, parameter_overrides={"Env": "prod"})
    assert template.is_created("ProdOnly")
    config = FunctionConfig.from_template(intrinsics, parameter_overrides={"Env": "prod"})
    assert (config.env["CHOSEN"], config.env["GONE"], config.memory_mb) == ("big", "x", 1024)
    assert not load_template(intrinsics).is_created("ProdOnly")


def test_a_ref_to_a_resource_whose_condition_is_false(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        "Environment:\n  Variables:\n    Q: !Ref Maybe\n",
        head="Conditions:\n  Never: !Equals [a, b]\n",
        extra="Maybe:\n  Type: AWS::SQS::Queue\n  Condition: Never\n",
    )
    with pytest.raises(HarnessError, match="refers to 'Maybe', which is not created"):
        FunctionConfig.from_template(path)


def test_a_parameter_outside_its_allowed_values(intrinsics: Path) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(intrinsics, parameter_overrides={"Env": "staging"})
    assert "parameter Env='staging' is not one of its AllowedValues (dev, prod)" in str(
        raised.value
    )


def test_an_override_for_a_parameter_the_template_lacks(intrinsics: Path) -> None:
    with pytest.raises(HarnessError, match="declares no parameter 'Envv' \\(did you mean 'Env'"):
        FunctionConfig.from_template(intrinsics, parameter_overrides={"Envv": "x"})


def test_an_ssm_parameter_type_needs_an_override(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        "Environment:\n  Variables:\n    KEY: !Ref Key\n",
        head="Parameters:\n  Key:\n    Type: AWS::SSM::Parameter::Value<String>\n"
        "    Default: /app/key\n",
    )
    with pytest.raises(HarnessError, match="read from SSM parameter '/app/key' at deploy"):
        FunctionConfig.from_template(path)
    config = FunctionConfig.from_template(path, parameter_overrides={"Key": "secret"})
    assert config.env["KEY"] == "secret"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("A=1 B=two", {"A": "1", "B": "two"}),
        ('A="with space" B=x', {"A": "with space", "B": "x"}),
        (
            "ParameterKey=A,ParameterValue=1 ParameterKey=B,ParameterValue=a,b",
            {"A": "1", "B": "a,b"},
        ),
        (["A=1", "B=2"], {"A": "1", "B": "2"}),
        ({"A": 1, "B": True, "C": ["x", "y"]}, {"A": "1", "B": "true", "C": "x,y"}),
    ],
)
def test_parameter_overrides_in_sams_syntax(text: object, parsed: dict[str, str]) -> None:
    assert parse_overrides(text) == parsed


def test_a_parameter_override_that_is_not_key_value() -> None:
    with pytest.raises(HarnessError, match="parameter override 'Oops' is not Key=Value"):
        parse_overrides("Oops")


def test_short_forms_and_dates_stay_as_written(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        """\
        Environment:
          Variables:
            DAY: 2024-01-31
            ARN: !GetAtt Fn.Arn
        """,
        head="AWSTemplateFormatVersion: 2010-09-09\n",
    )
    with pytest.raises(HarnessError, match="circular reference: Fn -> Fn"):
        FunctionConfig.from_template(path)
    config = FunctionConfig.from_template(path, overrides={"env": {"ARN": "x"}})
    assert config.env["DAY"] == "2024-01-31"


def test_the_read_and_transform_are_cached_per_file_and_content(tmp_path: Path) -> None:
    path = one_function(tmp_path, "Timeout: 4\n")
    first = load_template(path)
    assert load_template(path) is first
    path.write_text(path.read_text().replace("Timeout: 4", "Timeout: 5"))
    changed = load_template(path)
    assert changed is not first
    assert FunctionConfig.from_template(path).timeout_s == 5


# -- malformed templates: the file, the resource and the property are named ---------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Globals:\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n",
            ["Globals is empty"],
            id="empty Globals",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      - Handler: app.handler\n",
            ["resource 'Fn'", "Properties must be a mapping", "got a list"],
            id="Properties as a list",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment:\n        Variables:\n"
            "          - A=1\n",
            ["resource 'Fn'", "Environment.Variables must be a mapping", "got a list"],
            id="Variables as a list",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment: A=1\n",
            ["resource 'Fn'", "Environment must be a mapping", "the str 'A=1'"],
            id="Environment as a scalar",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment:\n        Variables:\n"
            "          EMPTY:\n",
            ["resource 'Fn'", "Environment.Variables.EMPTY is null"],
            id="a null variable",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment:\n        Variables:\n"
            "          T: !Ref Tabel\n  Table:\n    Type: AWS::DynamoDB::Table\n",
            [
                "resource 'Fn', property Environment.Variables.T",
                "refers to 'Tabel', which is neither a resource nor a parameter",
                "did you mean 'Table'?",
            ],
            id="an unknown logical id",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment:\n        Variables:\n"
            "          B: !Ref A\n"
            "  A:\n    Type: AWS::S3::Bucket\n    Properties:\n"
            "      BucketName: !Sub '${B}-a'\n"
            "  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
            "      BucketName: !Sub '${A}-b'\n",
            ["resource 'B', property BucketName", "circular reference: A -> B -> A"],
            id="a circular Ref",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
            "      Handler: app.handler\n      Environment:\n        Variables:\n"
            "          T: !GetAtt Table.Colour\n  Table:\n    Type: AWS::DynamoDB::Table\n",
            [
                "resource 'Fn', property Environment.Variables.T",
                "Fn::GetAtt Table.Colour cannot be resolved",
                "it knows: Arn, StreamArn",
            ],
            id="an unresolvable GetAtt",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Properties:\n      Handler: app.handler\n",
            ["resource 'Fn' has no Type"],
            id="a resource without a Type",
        ),
    ],
)
def test_a_malformed_template_is_named_precisely(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    message = str(raised.value)
    assert f"template {str(path.resolve())!r}" in message
    for part in expected:
        assert part in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Resources:\x00\x01\x02", "is binary (it holds NUL bytes)"),
        (b"Resources:\n  Fn: \xff\xfe\n", "is not UTF-8 text (byte 17 is 0xff)"),
    ],
)
def test_binary_content_is_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(content)
    with pytest.raises(HarnessError, match=expected.replace("(", "\\(").replace(")", "\\)")):
        FunctionConfig.from_template(path)


# -- the function's properties ------------------------------------------------------------


def test_two_architectures_are_refused(tmp_path: Path) -> None:
    path = one_function(tmp_path, "Architectures: [x86_64, arm64]\n")
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    assert "property Architectures: Lambda takes exactly one architecture" in str(raised.value)


def test_code_in_s3_asks_for_a_local_directory(tmp_path: Path) -> None:
    path = one_function(tmp_path, "CodeUri: s3://artifacts/app.zip\n")
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    message = str(raised.value)
    assert "property Code: the code is in S3 (s3://artifacts/app.zip)" in message
    assert "code_dir=" in message
    assert FunctionConfig.from_template(path, overrides={"code_dir": str(tmp_path)}).handler


def test_an_image_function_asks_for_the_source(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              PackageType: Image
              ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
        """,
    )
    with pytest.raises(HarnessError, match="a container image function .* pass code_dir="):
        FunctionConfig.from_template(path, overrides={"handler": "app.handler"})
    with pytest.raises(HarnessError, match="has no Handler property \\(nor ImageConfig"):
        FunctionConfig.from_template(path)
    path.write_text(path.read_text() + "      ImageConfig:\n        Command: [app.handler]\n")
    config = FunctionConfig.from_template(path, overrides={"code_dir": str(tmp_path)})
    assert config.handler == "app.handler"


def test_a_non_python_runtime_is_refused(tmp_path: Path) -> None:
    path = one_function(tmp_path, "").parent / "template.yaml"
    path.write_text(path.read_text().replace(INTERPRETER_RUNTIME, "nodejs20.x"))
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    assert "property Runtime: 'nodejs20.x' is not a Python runtime" in str(raised.value)


def test_a_runtime_other_than_the_interpreter_warns_once_per_function(tmp_path: Path) -> None:
    other = "python3.9" if sys.version_info[:2] != (3, 9) else "python3.10"
    path = one_function(tmp_path, "").parent / "template.yaml"
    path.write_text(path.read_text().replace(INTERPRETER_RUNTIME, other))
    config = FunctionConfig.from_template(path)
    assert config.runtime == other
    with pytest.warns(RuntimeVersionWarning) as warned:
        LambdaFunction.from_config(config).close()
    assert len(warned) == 1
    message = str(warned[0].message)
    assert f"function 'Fn' is configured for {other}" in message
    assert INTERPRETER_RUNTIME in message
    assert issubclass(RuntimeVersionWarning, pytest.PytestWarning)


def test_the_execution_env_follows_the_runtime(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n\ndef handler(e, c):\n    return os.environ['AWS_EXECUTION_ENV']\n"
    )
    with LambdaFunction("app.handler", code_dir=tmp_path, isolation="inline") as function:
        assert function.invoke({}).assert_ok() == f"AWS_Lambda_{INTERPRETER_RUNTIME}"
    with (
        pytest.warns(RuntimeVersionWarning),
        LambdaFunction(
            "app.handler", code_dir=tmp_path, isolation="inline", runtime="python3.99"
        ) as function,
    ):
        assert function.invoke({}).assert_ok() == "AWS_Lambda_python3.99"


def test_a_property_not_honoured_warns_once_naming_it(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        "Tracing: Active\nVpcConfig:\n  SubnetIds: [a]\n"
        "  SecurityGroupIds: [b]\nDescription: inert\n",
    )
    with pytest.warns(TemplateWarning) as warned:
        FunctionConfig.from_template(path)
        FunctionConfig.from_template(path)
    messages = sorted(str(w.message) for w in warned)
    assert len(messages) == 2
    assert "resource 'Fn', property TracingConfig: not honoured: no X-Ray" in messages[0]
    assert "resource 'Fn', property VpcConfig: not honoured" in messages[1]


def test_ephemeral_storage_and_logging_config(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        "EphemeralStorage:\n  Size: 1024\nLoggingConfig:\n  LogFormat: JSON\n"
        "  ApplicationLogLevel: DEBUG\n  SystemLogLevel: WARN\n",
    )
    # The harness has these settings: honoured, not warned about.
    assert {"ephemeral_storage_mb", "log_format", "log_level", "system_log_level"} <= set(
        setting_names()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", TemplateWarning)
        config = FunctionConfig.from_template(path)
    assert config.ephemeral_storage_mb == 1024
    assert (config.log_format, config.log_level, config.system_log_level) == (
        "JSON",
        "DEBUG",
        "WARN",
    )
    overridden = FunctionConfig.from_template(path, overrides={"log_level": "ERROR"})
    assert overridden.log_level == "ERROR"


def test_ephemeral_storage_from_globals(tmp_path: Path) -> None:
    path = one_function(
        tmp_path, "", head="Globals:\n  Function:\n    EphemeralStorage:\n      Size: 2048\n"
    )
    assert FunctionConfig.from_template(path).ephemeral_storage_mb == 2048


def test_logging_config_is_checked_like_any_setting(tmp_path: Path) -> None:
    path = one_function(tmp_path, "LoggingConfig:\n  ApplicationLogLevel: DEBUG\n")
    with pytest.raises(HarnessError, match="log_level='DEBUG' needs log_format='JSON'"):
        FunctionConfig.from_template(path)


def test_layers_come_from_the_template_in_its_order(tmp_path: Path) -> None:
    for name in ("base", "extra"):
        (tmp_path / "layers" / name / "python").mkdir(parents=True)
    path = one_function(
        tmp_path,
        "Layers:\n  - !Ref Base\n  - !Ref Extra\n",
        extra=(
            "Base:\n  Type: AWS::Serverless::LayerVersion\n  Properties:\n"
            "    ContentUri: layers/base\n"
            "Extra:\n  Type: AWS::Serverless::LayerVersion\n  Properties:\n"
            "    ContentUri: layers/extra/\n"
        ),
    )
    config = FunctionConfig.from_template(path)
    assert [Path(layer).name for layer in config.layers] == ["base", "extra"]
    # A later layer's files win, as when Lambda extracts it over the earlier one.
    assert config.import_paths[1:] == [
        str((tmp_path / "layers" / "extra" / "python").resolve()),
        str((tmp_path / "layers" / "base" / "python").resolve()),
    ]


def test_a_layer_outside_the_template_asks_for_a_directory(tmp_path: Path) -> None:
    path = one_function(
        tmp_path, "Layers:\n  - arn:aws:lambda:us-east-1:017000801446:layer:Powertools:1\n"
    )
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    message = str(raised.value)
    assert (
        "property Layers[0]: layer 'arn:aws:lambda:us-east-1:017000801446:layer:Powertools:1'"
        in (message)
    )
    assert "is not defined in the template" in message
    assert "layers=[...]" in message
    layer = tmp_path / "powertools"
    layer.mkdir()
    assert FunctionConfig.from_template(path, overrides={"layers": [str(layer)]}).layers == (
        str(layer),
    )


def test_role_policy_none_is_an_override_too(tmp_path: Path) -> None:
    path = one_function(tmp_path, "Policies:\n  - AmazonS3ReadOnlyAccess\n")
    assert FunctionConfig.from_template(path).role_policy is not None
    assert FunctionConfig.from_template(path, overrides={"role_policy": None}).role_policy is None


# -- the execution role -------------------------------------------------------------------


ROLES = f"""\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: {INTERPRETER_RUNTIME}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
  Other:
    Type: AWS::DynamoDB::Table
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Policies:
        - AWSXrayWriteOnlyAccess
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
        - Statement:
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt Other.Arn
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: {INTERPRETER_RUNTIME}
      Role: !GetAtt PlainRole.Arn
  PlainRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {{}}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess
      Policies:
        - PolicyName: own
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub "arn:aws:s3:::${{Uploads}}/*"
  Attached:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: attached
      Roles: [!Ref PlainRole]
      PolicyDocument:
        Statement:
          - Effect: Deny
            Action: s3:GetObject
            Resource: !Sub "arn:aws:s3:::${{Uploads}}/secret/*"
  Uploads:
    Type: AWS::S3::Bucket
  External:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: {INTERPRETER_RUNTIME}
      Role: arn:aws:iam::123456789012:role/made-elsewhere
  Connected:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
  Reads:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {{Id: Connected}}
      Destination: {{Id: Orders}}
      Permissions: [Read]
"""


@pytest.fixture
def roles(tmp_path: Path) -> Path:
    return write(tmp_path, ROLES)


def role(path: Path, logical_id: str):  # type: ignore[no-untyped-def]
    from pytest_lambda.policy import load_policy

    policy = load_policy(FunctionConfig.from_template(path, logical_id).role_policy)
    assert policy is not None
    return policy


def test_policy_templates_managed_policies_and_inline_statements(roles: Path) -> None:
    policy = role(roles, "Sam")
    template = load_template(roles)
    orders_arn = template.get_att("Orders", "Arn", _where())
    other_arn = template.get_att("Other", "Arn", _where())
    assert policy.decide("dynamodb:PutItem", orders_arn) == "allow"
    assert policy.decide("dynamodb:GetItem", other_arn) == "allow"
    assert policy.decide("dynamodb:PutItem", other_arn) == "implicit-deny"
    assert policy.decide("xray:PutTraceSegments", "*") == "allow"
    # What SAM gives every function: AWSLambdaBasicExecutionRole.
    assert policy.decide("logs:PutLogEvents", "*") == "allow"


def test_a_role_of_the_template_with_its_attached_policies(roles: Path) -> None:
    policy = role(roles, "Plain")
    bucket = load_template(roles).ref("Uploads", _where())
    assert policy.decide("s3:GetObject", f"arn:aws:s3:::{bucket}/a.txt") == "allow"
    assert policy.decide("s3:GetObject", f"arn:aws:s3:::{bucket}/secret/a") == "explicit-deny"
    assert policy.decide("sqs:GetQueueUrl", "arn:aws:sqs:us-east-1:123456789012:q") == "allow"
    assert policy.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q") == (
        "implicit-deny"
    )


def test_connectors_become_the_roles_policies(roles: Path) -> None:
    policy = role(roles, "Connected")
    orders_arn = load_template(roles).get_att("Orders", "Arn", _where())
    assert policy.decide("dynamodb:GetItem", orders_arn) == "allow"
    assert policy.decide("dynamodb:PutItem", orders_arn) == "implicit-deny"


def test_a_role_outside_the_template_is_not_checked_and_says_so(roles: Path) -> None:
    with pytest.warns(TemplateWarning, match="role 'arn:aws:iam::123456789012:role/made-else"):
        assert FunctionConfig.from_template(roles, "External").role_policy is None


def test_a_bad_statement_in_a_template_names_where_it_is(tmp_path: Path) -> None:
    path = one_function(
        tmp_path,
        "Policies:\n  - Statement:\n      - Effect: Permit\n        Action: s3:*\n"
        "        Resource: '*'\n",
    )
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_template(path)
    assert (
        f"template {str(path.resolve())!r}: resource 'FnRole', property "
        "Policies[0].PolicyDocument, Statement[0]: Effect must be 'Allow' or 'Deny'"
    ) in str(raised.value)


def _where():  # type: ignore[no-untyped-def]
    from pytest_lambda.template import Where

    return Where("template.yaml", None, "test")


SNAPSTART_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  SnapOn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      AutoPublishAlias: live
      SnapStart:
        ApplyOn: PublishedVersions
  SnapOff:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      SnapStart:
        ApplyOn: None
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      Code: .
      Role: arn:aws:iam::123456789012:role/r
      SnapStart: {ApplyOn: PublishedVersions}
"""


def test_snapstart_from_a_template(tmp_path: Path) -> None:
    path = write(tmp_path, SNAPSTART_TEMPLATE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeVersionWarning)
        warnings.simplefilter("ignore", TemplateWarning)  # AutoPublishAlias
        assert FunctionConfig.from_template(path, "SnapOn").snapstart is True
        assert FunctionConfig.from_template(path, "SnapOff").snapstart is False
        assert FunctionConfig.from_template(path, "Plain").snapstart is True
        overridden = FunctionConfig.from_template(path, "SnapOn", overrides={"snapstart": False})
        assert overridden.snapstart is False


@pytest.mark.parametrize(
    ("snapstart", "message"),
    [
        ("SnapStart: {ApplyOn: Always}", "property SnapStart: must be a mapping with ApplyOn"),
        # The SAM transform refuses this one itself.
        ("SnapStart: PublishedVersions", "Property 'SnapStart' should be a map"),
    ],
)
def test_a_snapstart_property_lambda_refuses(tmp_path: Path, snapstart: str, message: str) -> None:
    path = one_function(tmp_path, snapstart + "\n")
    with pytest.raises(HarnessError, match=message):
        FunctionConfig.from_template(path)


def test_snapstart_on_an_older_runtime_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, SNAPSTART_TEMPLATE.replace("python3.12", "python3.11"))
    with (
        warnings.catch_warnings(),
        pytest.raises(HarnessError, match="snapstart=True needs a python3.12 or later runtime"),
    ):
        warnings.simplefilter("ignore", TemplateWarning)  # AutoPublishAlias
        FunctionConfig.from_template(path, "SnapOn")
