"""The aws fixture: clients, helpers, fresh state, and the handler sharing the test's state."""

from __future__ import annotations

import http.client
import io
import os
import socket
from urllib.parse import urlsplit

import boto3
import pytest

from pytest_lambda import HarnessError
from pytest_lambda.aws import AWS
from pytest_lambda.aws.permissions import access_key_for

from ._support import MakeFunction


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


def test_handler_reads_what_the_test_wrote_and_the_test_reads_its_writes(
    aws: AWS, make_function: MakeFunction
) -> None:
    aws.bucket("shared", {"in.txt": "from the test"})
    reader = make_function("aws_app.read_object")
    result = reader.invoke({"bucket": "shared", "key": "in.txt"}).assert_ok()
    assert result == {"body": "from the test", "endpoint": aws.endpoint_url}

    make_function("aws_app.write_object").invoke(
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


def test_server_keeps_connections_and_reads_every_body_framing(aws: AWS) -> None:
    aws.bucket("framing")
    endpoint = urlsplit(aws.endpoint_url)
    connection = http.client.HTTPConnection(endpoint.hostname or "", endpoint.port)
    for key in ("one", "two"):
        connection.request("PUT", f"/framing/{key}", body=iter([b"ab", b"cd"]), encode_chunked=True)
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b"")
        if key == "one":
            first_socket = connection.sock
    assert connection.sock is first_socket, "the connection was not kept alive"
    connection.close()
    assert aws.s3.get_object(Bucket="framing", Key="two")["Body"].read() == b"abcd"

    # A file body makes botocore send `Expect: 100-continue` and wait up to 1 s for the
    # interim answer: the server sends it before the client sends the body.
    with socket.create_connection((endpoint.hostname or "", endpoint.port or 80)) as raw:
        raw.sendall(
            b"PUT /framing/expect HTTP/1.1\r\nHost: localhost\r\n"
            b"Expect: 100-continue\r\nContent-Length: 1\r\n\r\n"
        )
        raw.settimeout(10)
        assert raw.recv(25).startswith(b"HTTP/1.1 100 Continue\r\n")
    remote = boto3.client("s3", endpoint_url=aws.endpoint_url, region_name="us-east-1")
    remote.put_object(Bucket="framing", Key="file", Body=io.BytesIO(b"x"), Metadata={"my_key": "v"})
    assert aws.s3.head_object(Bucket="framing", Key="file")["Metadata"] == {"my_key": "v"}


@pytest.mark.lambda_function(region="eu-west-1")
def test_region_follows_the_function_configuration(aws: AWS) -> None:
    assert aws.region == "eu-west-1"
    aws.bucket("eu-bucket")
    location = aws.s3.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"]
    assert location == "eu-west-1"
    assert aws.s3.meta.region_name == "eu-west-1"


def test_handler_region_and_fake_credentials(aws: AWS, make_function: MakeFunction) -> None:
    result = make_function("aws_app.credentials", region="eu-central-1").invoke({}).assert_ok()
    assert result["region"] == "eu-central-1"
    assert result["access_key"].startswith("ASIA")
    assert result["profile"] is None
    assert result["config_file"] == os.devnull


def test_each_function_has_its_own_boto3_default_session(
    aws: AWS, make_function: MakeFunction
) -> None:
    test_session = boto3.DEFAULT_SESSION
    first = make_function("aws_app.default_session_key", name="first")
    second = make_function("aws_app.default_session_key", name="second")
    keys = [function.invoke({}).assert_ok() for function in (first, second, first)]
    assert keys == [access_key_for(f.config) for f in (first, second, first)]
    assert keys[0] != keys[1]
    assert boto3.DEFAULT_SESSION is test_session


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
