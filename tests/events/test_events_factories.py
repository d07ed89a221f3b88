"""Derived fields are computed from what the test gave, and the clock can be frozen."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from datetime import datetime, timezone

import pytest
import time_machine
from boto3.dynamodb.types import TypeDeserializer
from freezegun import freeze_time

from pytest_lambda import events
from pytest_lambda.events.sqs import md5_of_message_attributes

FROZEN = "2030-01-02T03:04:05.678Z"
FROZEN_MS = int(datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc).timestamp() * 1000)


def test_s3_key_is_url_encoded_like_s3() -> None:
    record = events.s3_put(key="my file+1.txt")["Records"][0]
    assert record["s3"]["object"]["key"] == "my+file%2B1.txt"
    assert events.s3_put(key="a/b c/d.txt")["Records"][0]["s3"]["object"]["key"] == "a/b+c/d.txt"


def test_s3_content_sets_size_and_etag() -> None:
    obj = events.s3_put(content=b"hello")["Records"][0]["s3"]["object"]
    assert obj["size"] == 5
    assert obj["eTag"] == hashlib.md5(b"hello").hexdigest()


def test_s3_region_agrees_everywhere() -> None:
    record = events.s3_put(region="eu-west-1", bucket="b")["Records"][0]
    assert record["awsRegion"] == "eu-west-1"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::b"


def test_sequencers_grow_with_time() -> None:
    with time_machine.travel(0, tick=False) as traveller:
        first = events.s3_put()["Records"][0]["s3"]["object"]["sequencer"]
        traveller.shift(1)
        second = events.s3_put()["Records"][0]["s3"]["object"]["sequencer"]
    assert second > first


def test_sqs_md5_of_body_and_attributes() -> None:
    records = events.sqs(bodies=["héllo", {"a": 1}], message_attributes={"k": "v"})["Records"]
    for record in records:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
        assert record["md5OfMessageAttributes"] == md5_of_message_attributes({"k": "v"})
    assert records[1]["body"] == '{"a":1}'
    assert len({r["messageId"] for r in records}) == 2


def test_sqs_md5_of_message_attributes_known_value() -> None:
    # Worked by hand from the SQS algorithm: length-prefixed name, type, transport byte, value.
    payload = b"\x00\x00\x00\x01k\x00\x00\x00\x06String\x01\x00\x00\x00\x01v"
    assert md5_of_message_attributes({"k": "v"}) == hashlib.md5(payload).hexdigest()


def test_sqs_fifo_attributes() -> None:
    records = events.sqs(bodies=["a", "b"], fifo=True, queue="orders")["Records"]
    assert records[0]["eventSourceARN"].endswith(":orders.fifo")
    sequences = [int(r["attributes"]["SequenceNumber"]) for r in records]
    assert sequences == sorted(sequences) and len(set(sequences)) == 2
    assert all("MessageDeduplicationId" in r["attributes"] for r in records)


def test_kinesis_data_decodes_back() -> None:
    records = events.kinesis(records=["text", b"\x00\xff", {"a": [1, 2]}])["Records"]
    decoded = [base64.b64decode(r["kinesis"]["data"]) for r in records]
    assert decoded == [b"text", b"\x00\xff", b'{"a":[1,2]}']
    numbers = [int(r["kinesis"]["sequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)


def test_firehose_data_decodes_back() -> None:
    event = events.firehose(records=["x", {"y": 1}])
    assert [base64.b64decode(r["data"]) for r in event["records"]] == [b"x", b'{"y":1}']


def test_cloudwatch_logs_payload_gunzips_to_the_events() -> None:
    event = events.cloudwatch_logs(
        log_events=["first", {"message": "second", "timestamp": 1700000000000}],
        log_group="/aws/lambda/fn",
    )
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    assert payload == events.decode_logs(event)
    assert payload["logGroup"] == "/aws/lambda/fn"
    assert [e["message"] for e in payload["logEvents"]] == ["first", "second"]
    assert payload["logEvents"][1]["timestamp"] == 1700000000000
    with pytest.raises(ValueError, match="message"):
        events.cloudwatch_logs(log_events=[{"msg": "x"}])


def test_dynamodb_images_are_dynamodb_json() -> None:
    event = events.dynamodb_stream(
        new_images=[{"id": 1, "price": 9.5, "tags": ["a"]}, None],
        old_images=[None, {"id": 2}],
    )
    first, second = event["Records"]
    assert first["eventName"] == "INSERT" and second["eventName"] == "REMOVE"
    assert first["dynamodb"]["Keys"] == {"id": {"N": "1"}}
    deserializer = TypeDeserializer()
    image = {k: deserializer.deserialize(v) for k, v in first["dynamodb"]["NewImage"].items()}
    assert image == {"id": 1, "price": pytest.approx(9.5), "tags": ["a"]}
    assert events.dynamodb_stream(new_images=[{"id": 1}], old_images=[{"id": 1}])[
        "Records"][0]["eventName"] == "MODIFY"


def test_rest_multi_value_maps_and_binary_body() -> None:
    event = events.apigateway_rest(
        method="POST",
        headers={"Accept": ["a/b", "c/d"]},
        query={"t": ["1", "2"], "u": "x"},
        body=b"\x00\x01",
    )
    assert event["headers"]["Accept"] == "c/d"
    assert event["multiValueHeaders"]["Accept"] == ["a/b", "c/d"]
    assert event["queryStringParameters"] == {"t": "2", "u": "x"}
    assert event["multiValueQueryStringParameters"] == {"t": ["1", "2"], "u": ["x"]}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01"
    plain = events.apigateway_rest()
    assert plain["queryStringParameters"] is None and plain["body"] is None


def test_rest_resource_from_path_parameters() -> None:
    event = events.apigateway_rest(path="/pets/42", path_parameters={"petId": "42"})
    assert event["resource"] == "/pets/{petId}"
    assert event["requestContext"]["resourcePath"] == "/pets/{petId}"
    assert event["requestContext"]["path"] == "/prod/pets/42"


def test_http_api_raw_fields_and_cookies() -> None:
    event = events.apigateway_http(
        method="PUT", path="/a b", query={"q": ["1", "2"]}, cookies={"s": "1"},
        headers={"X-Thing": "y", "Cookie": "t=2"},
    )
    assert event["rawQueryString"] == "q=1&q=2"
    assert event["queryStringParameters"] == {"q": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"] and event["headers"]["x-thing"] == "y"
    assert event["routeKey"] == "PUT /a b"
    assert event["requestContext"]["http"]["method"] == "PUT"


def test_function_url_domain() -> None:
    event = events.function_url(region="eu-west-1")
    assert event["requestContext"]["domainName"].endswith(".lambda-url.eu-west-1.on.aws")
    assert event["routeKey"] == "$default"


def test_frozen_time_shows_up_in_events() -> None:
    with freeze_time(FROZEN):
        s3 = events.s3_put()
        rest = events.apigateway_rest()
        http = events.apigateway_http()
        sqs = events.sqs()
        eventbridge = events.eventbridge()
    assert s3["Records"][0]["eventTime"] == FROZEN
    assert rest["requestContext"]["requestTimeEpoch"] == FROZEN_MS
    assert rest["requestContext"]["requestTime"] == "02/Jan/2030:03:04:05 +0000"
    assert http["requestContext"]["timeEpoch"] == FROZEN_MS
    assert sqs["Records"][0]["attributes"]["SentTimestamp"] == str(FROZEN_MS)
    assert eventbridge["time"] == "2030-01-02T03:04:05Z"


def test_time_machine_is_honoured_too() -> None:
    with time_machine.travel(datetime(2031, 5, 6, tzinfo=timezone.utc), tick=False):
        assert events.sns()["Records"][0]["Sns"]["Timestamp"] == "2031-05-06T00:00:00.000Z"


def test_scheduled_event_shape() -> None:
    event = events.scheduled(rule="nightly", region="eu-west-1", account="111122223333")
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "aws.events", "Scheduled Event", {})
    assert event["resources"] == ["arn:aws:events:eu-west-1:111122223333:rule/nightly"]


def test_alb_query_is_passed_encoded() -> None:
    event = events.alb(query={"q": "a b"})
    assert event["queryStringParameters"] == {"q": "a+b"}
    multi = events.alb(multi_value=True, headers={"x": ["1", "2"]})
    assert multi["multiValueHeaders"]["x"] == ["1", "2"] and "headers" not in multi
