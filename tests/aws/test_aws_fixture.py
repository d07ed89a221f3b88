"""The aws fixture: clients, helpers, fresh state, and the handler sharing the test's state."""

from __future__ import annotations

import boto3
import pytest

from pytest_lambda import HarnessError, LambdaFunction
from pytest_lambda.aws import AWS

from ._support import HANDLERS


def inline(handler: str, **settings: object) -> LambdaFunction:
    return LambdaFunction(handler, code_dir=HANDLERS, isolation="inline", **settings)  # type: ignore[arg-type]


def test_helpers_create_ready_resources(aws: AWS) -> None:
    bucket = aws.bucket("reports", {"a.txt": "alpha", "b.bin": b"\x00\x01"})
    table = aws.table("users", items=[{"pk": "u1", "age": 41.5}])
    queue = aws.queue("jobs")
    fifo = aws.queue("orders", fifo=True)
    topic = aws.topic("alerts")

    assert sorted(bucket.keys()) == ["a.txt", "b.bin"]
    assert aws.s3.get_object(Bucket="reports", Key="a.txt")["Body"].read() == b"alpha"
    assert table.get(pk="u1") == {"pk": "u1", "age": pytest.approx(41.5)}
    assert aws.dynamodb.describe_table(TableName="users")["Table"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}
    ]
    assert queue.url.endswith("/123456789012/jobs")
    assert fifo.name == "orders.fifo"
    assert topic.arn == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert aws.client("sqs") is aws.sqs
    for client in (aws.kinesis, aws.events, aws.secretsmanager, aws.ssm):
        assert client.meta.region_name == "us-east-1"


def test_sort_key_and_stream(aws: AWS) -> None:
    table = aws.table("events", key="id", sort_key="at", stream=True, sort_key_type="N")
    assert table.stream_arn is not None and "/stream/" in table.stream_arn
    table.put({"id": "e", "at": 3})
    assert [item["at"] for item in table.scan()] == [3]


@pytest.mark.parametrize("round", [1, 2])
def test_state_is_fresh_for_every_test(aws: AWS, round: int) -> None:
    assert aws.s3.list_buckets()["Buckets"] == []
    assert aws.dynamodb.list_tables()["TableNames"] == []
    aws.bucket("only-in-this-test")
    aws.table("only-in-this-test")


def test_handler_reads_what_the_test_wrote_and_the_test_reads_its_writes(aws: AWS) -> None:
    aws.bucket("shared", {"in.txt": "from the test"})
    reader = inline("aws_app.read_object")
    result = reader.invoke({"bucket": "shared", "key": "in.txt"}).assert_ok()
    assert result == {"body": "from the test", "endpoint": aws.endpoint_url}

    inline("aws_app.write_object").invoke(
        {"bucket": "shared", "key": "out.txt", "body": "from the handler"}
    ).assert_ok()
    assert aws.s3.get_object(Bucket="shared", Key="out.txt")["Body"].read() == b"from the handler"


def test_server_shares_the_in_process_backends(aws: AWS) -> None:
    """What process isolation relies on: moto's server and the in-process mock are one state."""
    aws.table("shared-table")
    remote = boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name="us-east-1")
    remote.put_item(TableName="shared-table", Item={"pk": {"S": "over-http"}})
    assert aws.dynamodb.get_item(TableName="shared-table", Key={"pk": {"S": "over-http"}})["Item"]
    assert aws.endpoint_url.startswith("http://127.0.0.1:")


@pytest.mark.lambda_function(region="eu-west-1")
def test_region_follows_the_function_configuration(aws: AWS) -> None:
    assert aws.region == "eu-west-1"
    aws.bucket("eu-bucket")
    location = aws.s3.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"]
    assert location == "eu-west-1"
    assert aws.s3.meta.region_name == "eu-west-1"


def test_handler_region_and_fake_credentials(aws: AWS) -> None:
    result = inline("aws_app.credentials", region="eu-central-1").invoke({}).assert_ok()
    assert result["region"] == "eu-central-1"
    assert result["access_key"].startswith("ASIA")
    assert result["profile"] is None
    assert "pytest-lambda-no-aws-config" in result["config_file"]


def test_usable_outside_pytest_as_a_context_manager() -> None:
    with AWS() as mocked:
        mocked.bucket("ctx-bucket")
        assert [b["Name"] for b in mocked.s3.list_buckets()["Buckets"]] == ["ctx-bucket"]


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3 to 63 characters"),
        ("My_Bucket", "only lowercase letters"),
        ("a..b", "two adjacent periods"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "must not start with"),
        ("-leading", "begin and end"),
    ],
)
def test_bucket_names_aws_refuses_are_refused(aws: AWS, name: str, rule: str) -> None:
    with pytest.raises(HarnessError, match=rule) as info:
        aws.bucket(name)
    assert repr(name) in str(info.value)


def test_table_without_a_key_is_refused(aws: AWS) -> None:
    with pytest.raises(HarnessError, match="needs a partition key"):
        aws.table("keyless", key="")
    with pytest.raises(HarnessError, match="lacks its key attribute 'pk'"):
        aws.table("items", items=[{"id": "no pk"}])
    with pytest.raises(HarnessError, match="table name 'x'"):
        aws.table("x")


def test_queue_and_topic_names_are_checked(aws: AWS) -> None:
    with pytest.raises(HarnessError, match="queue name 'bad name'"):
        aws.queue("bad name")
    with pytest.raises(HarnessError, match="pass fifo=True"):
        aws.queue("orders.fifo")
    with pytest.raises(HarnessError, match="topic name"):
        aws.topic("a" * 300)
