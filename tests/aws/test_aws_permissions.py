"""Execution-role policies: a call the role does not allow fails in the handler, as AWS says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, HarnessError, LambdaFunction
from pytest_lambda.aws import AWS, load_policy

from ._support import HANDLERS

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


def function(handler: str, name: str, policy: object) -> LambdaFunction:
    return LambdaFunction(
        handler, code_dir=HANDLERS, isolation="inline", name=name, role_policy=policy
    )


def test_a_call_the_role_does_not_allow_is_denied_as_aws_words_it(aws: AWS) -> None:
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


def test_an_allowed_call_goes_through(aws: AWS) -> None:
    aws.table("allowed")
    function("aws_app.put_item", "writer", TABLE_WRITER).invoke(
        {"table": "allowed", "pk": "1"}
    ).assert_ok()
    assert aws.dynamodb.scan(TableName="allowed")["Count"] == 1


def test_s3_denial_quotes_the_resource_and_explicit_deny_wins(aws: AWS, tmp_path: Path) -> None:
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


def test_basic_execution_preset_allows_logs_only(aws: AWS) -> None:
    aws.table("audit")
    invocation = function("aws_app.log_and_put", "basic", "basic-execution").invoke(
        {"table": "audit"}
    )
    error = invocation.assert_error(ErrorKind.PERMISSION)
    assert "dynamodb:PutItem" in error.message
    assert aws.client("logs").describe_log_groups()["logGroups"][0]["logGroupName"] == "/app/basic"


def test_without_a_policy_everything_is_allowed(aws: AWS) -> None:
    aws.table("open")
    function("aws_app.put_item", "open-writer", None).invoke(
        {"table": "open", "pk": "1"}
    ).assert_ok()


def test_the_test_itself_is_never_restricted(aws: AWS) -> None:
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
