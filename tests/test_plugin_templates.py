"""Templates through the plugin (pytester): the rootdir's template.yaml found, a logical id
as the marker's first argument, CodeUri honoured, the path rule, merged variables,
parameter overrides and deployment."""

from __future__ import annotations

import textwrap

# Imported by the test process itself: a pytester run drops the modules it imported, and
# moto imported afresh by a second run would not be the moto the session's mock started.
import moto  # noqa: F401
import pytest

from pytest_lambda.config import INTERPRETER_RUNTIME

APP = """\
import os

import boto3


def hello(event, context):
    return {"name": context.function_name, "stage": os.environ.get("STAGE"),
            "shared": os.environ.get("SHARED"), "extra": os.environ.get("EXTRA")}


def read(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    return table.get_item(Key={"pk": event["pk"]}).get("Item")


def echo(event, context):
    return event
"""

TEMPLATE = f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Runtime: {INTERPRETER_RUNTIME}
    CodeUri: hello_world/
    Environment:
      Variables:
        SHARED: from-globals
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      BillingMode: PAY_PER_REQUEST
  Uploads:
    Type: AWS::S3::Bucket
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.hello
      Environment:
        Variables:
          STAGE: !Ref Stage
  ReadFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.read
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - DynamoDBReadPolicy: {{TableName: !Ref Orders}}
  UploadFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
"""


@pytest.fixture
def sam_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A `sam init`-shaped project: template.yaml at the root, code in hello_world/, tests
    in tests/ (no ini file: SAM projects have none)."""
    pytester.mkdir("hello_world")
    (pytester.path / "hello_world" / "app.py").write_text(APP)
    (pytester.path / "template.yaml").write_text(TEMPLATE)
    pytester.mkdir("tests")
    return pytester


def write_test(project: pytest.Pytester, source: str, name: str = "test_it.py") -> None:
    (project.path / "tests" / name).write_text(textwrap.dedent(source))


def test_a_logical_id_names_the_function_of_the_rootdirs_template(
    sam_project: pytest.Pytester,
) -> None:
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("HelloFunction", isolation="inline")
        def test_hello(lambda_invoke):
            assert lambda_invoke({}).assert_ok() == {
                "name": "HelloFunction", "stage": "dev", "shared": "from-globals",
                "extra": None,
            }

        @pytest.mark.lambda_function(logical_id="HelloFunction")
        def test_keyword(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["name"] == "HelloFunction"
        """,
    )
    sam_project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_marker_honours_code_uri_and_merges_variables(sam_project: pytest.Pytester) -> None:
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function(
            template="template.yaml", logical_id="HelloFunction", isolation="inline",
            env={"EXTRA": "x", "SHARED": None},
        )
        def test_hello(lambda_invoke):
            assert lambda_invoke({}).assert_ok() == {
                "name": "HelloFunction", "stage": "dev", "shared": None, "extra": "x",
            }
        """,
    )
    sam_project.runpytest().assert_outcomes(passed=1)


def test_parameter_overrides_from_the_ini_and_the_marker(sam_project: pytest.Pytester) -> None:
    sam_project.makeini("[pytest]\nlambda_parameter_overrides = Stage=prod\n")
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("HelloFunction", isolation="inline")
        def test_ini(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["stage"] == "prod"

        @pytest.mark.lambda_function(
            "HelloFunction", isolation="inline", parameter_overrides={"Stage": "qa"}
        )
        def test_marker(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["stage"] == "qa"
        """,
    )
    sam_project.runpytest().assert_outcomes(passed=2)


def test_relative_paths_are_looked_for_in_the_rootdir_then_beside_the_test(
    sam_project: pytest.Pytester,
) -> None:
    (sam_project.path / "tests" / "local.yaml").write_text(
        TEMPLATE.replace("CodeUri: hello_world/", "CodeUri: ../hello_world/")
    )
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("HelloFunction", template="local.yaml", isolation="inline")
        def test_beside_the_test(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["name"] == "HelloFunction"

        @pytest.mark.lambda_function("HelloFunction", template="nowhere.yaml")
        def test_missing(lambda_invoke):
            pass
        """,
    )
    result = sam_project.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: template 'nowhere.yaml' was not found: relative paths are looked "
            "for in the rootdir, then in the test file's directory and those above it, and it "
            f"is in none of '{sam_project.path}', '{sam_project.path / 'tests'}', *"
        ]
    )


def test_running_from_the_tests_directory_finds_the_projects_template(
    sam_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No ini file: the rootdir is the tests directory, the template is one level up.
    (sam_project.path / ".git").mkdir()
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("HelloFunction", template="template.yaml", isolation="inline")
        def test_explicit(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["name"] == "HelloFunction"

        @pytest.mark.lambda_function("HelloFunction", isolation="inline")
        def test_found(lambda_invoke):
            assert lambda_invoke({}).assert_ok()["name"] == "HelloFunction"
        """,
    )
    monkeypatch.chdir(sam_project.path / "tests")
    result = sam_project.runpytest()
    result.stdout.fnmatch_lines([f"rootdir: {sam_project.path / 'tests'}"])
    result.assert_outcomes(passed=2)


def test_deploy_on_the_marker_creates_the_resources_the_function_reads(
    sam_project: pytest.Pytester,
) -> None:
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("ReadFunction", deploy=True)
        def test_read(aws, lambda_invoke, lambda_function):
            stack = aws.stacks[0]
            stack.table("Orders").put({"pk": "1", "v": "one"})
            assert lambda_invoke({"pk": "1"}).assert_ok() == {"pk": "1", "v": "one"}
            assert stack.function("ReadFunction") is lambda_function

        @pytest.mark.lambda_function("ReadFunction")
        def test_not_deployed(aws, lambda_invoke):
            assert aws.stacks == []
            error = lambda_invoke({"pk": "1"}).assert_error("ResourceNotFoundException")
            assert "Requested resource not found" in error.message
        """,
    )
    sam_project.runpytest().assert_outcomes(passed=2)


def test_the_ini_switch_deploys_for_every_test_and_events_reach_the_fixture_function(
    sam_project: pytest.Pytester,
) -> None:
    sam_project.makeini("[pytest]\nlambda_deploy = true\nlambda_isolation = inline\n")
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("UploadFunction")
        def test_upload(aws, lambda_function):
            aws.stacks[0].bucket("Uploads").put("a.txt", "x")
            (invocation,) = lambda_function.invocations
            assert invocation.result["Records"][0]["s3"]["object"]["key"] == "a.txt"

        def test_deploy_again_is_the_same_stack(aws):
            assert aws.deploy() is aws.stacks[0]
        """,
    )
    sam_project.runpytest().assert_outcomes(passed=2)


def test_a_runtime_mismatch_shows_in_the_warnings_summary(sam_project: pytest.Pytester) -> None:
    other = "python3.9" if INTERPRETER_RUNTIME != "python3.9" else "python3.10"
    (sam_project.path / "template.yaml").write_text(TEMPLATE.replace(INTERPRETER_RUNTIME, other))
    write_test(
        sam_project,
        """\
        import pytest

        @pytest.mark.lambda_function("HelloFunction", isolation="inline")
        def test_hello(lambda_invoke):
            lambda_invoke({}).assert_ok()
        """,
    )
    result = sam_project.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [f"*RuntimeVersionWarning: function 'HelloFunction' is configured for {other}*"]
    )


def test_a_logical_id_without_a_template_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("HelloFunction")
        def test_hello(lambda_invoke):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: logical_id='HelloFunction' names a function of a template, but "
            "no template is configured*"
        ]
    )
