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


# -- what AWS's own samples and templates grant -------------------------------------------


def test_list_all_my_buckets_on_the_s3_wildcard_arn_is_allowed(aws: AWS, function: Make) -> None:
    # As AWS's serverless-test-samples grant it (apigw-lambda, apigw-lambda-layer).
    aws.bucket("first")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::*"}
        ],
    }
    assert function("aws_app.list_buckets", "lister", policy).invoke({}).assert_ok() == ["first"]
    only_a_bucket = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::first"}
        ]
    }
    function("aws_app.list_buckets", "narrow", only_a_bucket).invoke({}).assert_error(
        ErrorKind.PERMISSION
    )


def test_aws_managed_policies_by_name_and_arn(aws: AWS, function: Make) -> None:
    aws.bucket("reports", {"a.csv": "1"})
    for policy in (
        "AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ["AWSXrayWriteOnlyAccess", "AmazonS3ReadOnlyAccess"],
    ):
        reader = function("aws_app.read_object", "reader", policy)
        assert reader.invoke({"bucket": "reports", "key": "a.csv"}).assert_ok()["body"] == "1"
    writer = function("aws_app.write_object", "writer", "AmazonS3ReadOnlyAccess")
    writer.invoke({"bucket": "reports", "key": "b", "body": "x"}).assert_error(ErrorKind.PERMISSION)


def test_an_unknown_managed_policy_is_refused_by_name() -> None:
    with pytest.raises(HarnessError, match="'arn:aws:iam::aws:policy/NoSuchPolicy' is not an AWS"):
        load_policy("arn:aws:iam::aws:policy/NoSuchPolicy")


def test_conditions_are_evaluated(aws: AWS, function: Make) -> None:
    aws.bucket("home", {"alice/a.txt": "a", "bob/b.txt": "b"})
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::home",
                "Condition": {
                    "StringLike": {"s3:prefix": ["alice/*"]},
                    "StringEquals": {"aws:RequestedRegion": "us-east-1"},
                },
            }
        ]
    }
    lister = function("aws_app.list_prefix", "alice", policy)
    assert lister.invoke({"bucket": "home", "prefix": "alice/"}).assert_ok() == ["alice/a.txt"]
    lister.invoke({"bucket": "home", "prefix": "bob/"}).assert_error(ErrorKind.PERMISSION)


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        ({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}, {}, True),
        ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, {}, False),
        ({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}, {}, True),
        (
            {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
            {"s3:prefix": "home/bob/x"},
            True,
        ),
        ({"StringLike": {"s3:prefix": "home/*"}}, {}, False),
        ({"StringLikeIfExists": {"s3:prefix": "home/*"}}, {}, True),
        ({"StringNotLike": {"s3:prefix": "home/*"}}, {}, True),
        ({"Null": {"s3:prefix": "true"}}, {}, True),
        ({"Null": {"s3:prefix": "false"}}, {}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, {}, True),
        ({"Bool": {"aws:SecureTransport": False}}, {}, False),
        ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, True),
        ({"NumericGreaterThan": {"s3:max-keys": 10}}, {"s3:max-keys": "5"}, False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {}, True),
        ({"DateLessThan": {"aws:EpochTime": "1000"}}, {}, False),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, True),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "10.1.2.3"}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/fn-*"}}, {}, True),
        ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/other"}}, {}, True),
        (
            {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "v"]}},
            {"dynamodb:Attributes": ["pk"]},
            True,
        ),
        (
            {"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["secret"]}},
            {"dynamodb:Attributes": ["pk", "v"]},
            False,
        ),
        ({"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk"]}}, {}, True),
    ],
)
def test_condition_operators(condition: dict, context: dict, allowed: bool) -> None:  # type: ignore[type-arg]
    policy = load_policy(
        {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}}
    )
    assert policy is not None
    request = {
        "aws:RequestedRegion": "us-east-1",
        "aws:SecureTransport": "true",
        "aws:CurrentTime": "2024-05-01T12:00:00Z",
        "aws:EpochTime": "1714564800",
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/fn-role",
        "aws:username": "bob",
        **context,
    }
    expected = "allow" if allowed else "implicit-deny"
    assert policy.decide("s3:ListBucket", "arn:aws:s3:::b", request) == expected


def test_an_unknown_condition_operator_is_refused() -> None:
    with pytest.raises(HarnessError, match="condition operator 'StringAlike' is unknown"):
        load_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringAlike": {"a:b": "c"}},
                }
            }
        )
