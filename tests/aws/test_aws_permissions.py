"""Execution-role policies: a call the role does not allow fails in the handler, as AWS says."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, FunctionConfig, HarnessError, LambdaFunction
from pytest_lambda.aws import AWS, load_policy

from ._support import HANDLERS, MakeFunction

TABLE_WRITER = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "dynamodb:PutItem",
            "Resource": "arn:aws:dynamodb:*:*:table/allowed",
        },
    ],
}


Make = Callable[[str, str, object], LambdaFunction]


@pytest.fixture
def function(make_function: MakeFunction) -> Make:
    """`function(handler, name, role_policy)` in the test's isolation."""

    def make(handler: str, name: str, policy: object) -> LambdaFunction:
        return make_function(handler, name=name, role_policy=policy)

    return make


def test_a_call_the_role_does_not_allow_is_denied_as_aws_words_it(aws: AWS, function: Make) -> None:
    aws.table("orders")
    invocation = function("aws_app.put_item", "writer", TABLE_WRITER).invoke(
        {"table": "orders", "pk": "1"}
    )
    error = invocation.assert_error(ErrorKind.PERMISSION)
    assert error.error_type == "ClientError"
    assert error.message == (
        "An error occurred (AccessDeniedException) when calling the PutItem operation: "
        "User: arn:aws:sts::123456789012:assumed-role/writer-role/writer is not authorized to "
        "perform: dynamodb:PutItem on resource: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders because no identity-based "
        "policy allows the dynamodb:PutItem action"
    )
    assert aws.dynamodb.scan(TableName="orders")["Items"] == []


def test_an_allowed_call_goes_through(aws: AWS, function: Make) -> None:
    aws.table("allowed")
    function("aws_app.put_item", "writer", TABLE_WRITER).invoke(
        {"table": "allowed", "pk": "1"}
    ).assert_ok()
    assert aws.dynamodb.scan(TableName="allowed")["Count"] == 1


def test_s3_denial_quotes_the_resource_and_explicit_deny_wins(
    aws: AWS, tmp_path: Path, function: Make
) -> None:
    aws.bucket("private", {"secret.txt": "x"})
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(
        json.dumps(
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::private/*"},
                ]
            }
        )
    )
    invocation = function("aws_app.read_object", "reader", policy_file).invoke(
        {"bucket": "private", "key": "secret.txt"}
    )
    error = invocation.assert_error(ErrorKind.PERMISSION)
    assert "(AccessDenied) when calling the GetObject operation" in error.message
    assert (
        'perform: s3:GetObject on resource: "arn:aws:s3:::private/secret.txt" with an explicit '
        "deny in an identity-based policy" in error.message
    )


def test_basic_execution_preset_allows_logs_only(aws: AWS, function: Make) -> None:
    aws.table("audit")
    invocation = function("aws_app.log_and_put", "basic", "basic-execution").invoke(
        {"table": "audit"}
    )
    error = invocation.assert_error(ErrorKind.PERMISSION)
    assert "dynamodb:PutItem" in error.message
    assert aws.client("logs").describe_log_groups()["logGroups"][0]["logGroupName"] == "/app/basic"


def test_without_a_policy_everything_is_allowed(aws: AWS, function: Make) -> None:
    aws.table("open")
    function("aws_app.put_item", "open-writer", None).invoke(
        {"table": "open", "pk": "1"}
    ).assert_ok()


def test_functions_sharing_boto3s_default_session_keep_their_own_role(
    aws: AWS, function: Make
) -> None:
    """Inline, functions share the boto3 module: each still signs with its own credentials."""
    aws.table("orders")
    open_writer = function("aws_app.put_item", "open-writer", None)
    restricted = function("aws_app.put_item", "writer", TABLE_WRITER)
    open_writer.invoke({"table": "orders", "pk": "1"}).assert_ok()
    restricted.invoke({"table": "orders", "pk": "2"}).assert_error(ErrorKind.PERMISSION)
    open_writer.invoke({"table": "orders", "pk": "3"}).assert_ok()
    assert sorted(i["pk"]["S"] for i in aws.dynamodb.scan(TableName="orders")["Items"]) == [
        "1",
        "3",
    ]


def test_the_test_itself_is_never_restricted(aws: AWS, function: Make) -> None:
    function("aws_app.put_item", "writer", TABLE_WRITER).invoke({"table": "none", "pk": "1"})
    aws.table("unrestricted").put({"pk": "test"})


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ('{"Statement": [', "is not valid JSON"),
        ({"Version": "2012-10-17"}, "'Statement' element"),
        ({"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}, "Effect must be"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action"),
        ({"Statement": [{"Effect": "Allow", "Action": "PutItem", "Resource": "*"}]}, "'PutItem'"),
        ("no-such-preset", "neither a preset"),
        (42, "must be a policy document"),
    ],
)
def test_a_policy_that_does_not_parse_is_refused(policy: object, message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        load_policy(policy)


def test_a_bad_policy_fails_where_the_function_is_configured(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"Statement\[0\]: Effect must be 'Allow' or 'Deny'"):
        LambdaFunction(
            "aws_app.put_item",
            code_dir=HANDLERS,
            role_policy={"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]},
        )
    missing = tmp_path / "missing.json"
    with pytest.raises(HarnessError, match="neither a preset"):
        FunctionConfig("aws_app.put_item", code_dir=str(HANDLERS), role_policy=str(missing))


def test_checking_a_policy_loads_neither_moto_nor_boto3() -> None:
    script = (
        "import sys\n"
        "from pytest_lambda.config import FunctionConfig\n"
        "FunctionConfig('app.handler', role_policy='basic-execution')\n"
        "print(sorted({'moto', 'boto3', 'botocore'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_wildcards_and_not_resource() -> None:
    policy = load_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": ["sqs:Send*", "S3:GetObjec?"],
                "NotResource": "arn:aws:sqs:*:*:secret-*",
            }
        }
    )
    assert policy is not None
    assert policy.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs") == "allow"
    assert policy.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:secret-q") == "implicit-deny"
    assert policy.decide("s3:getobject", "arn:aws:s3:::b/k") == "allow"
    assert policy.decide("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:1:jobs") == "implicit-deny"
