"""Real changes in the mocked AWS invoke the subscribed function with the event Lambda gets."""

from __future__ import annotations

import base64
import json

import pytest

from pytest_lambda import HarnessError, LambdaFunction, events, validate_event
from pytest_lambda.aws import AWS
from pytest_lambda.aws.services import hook_points

from ._support import MakeFunction


@pytest.fixture
def recorder(make_function: MakeFunction) -> LambdaFunction:
    return make_function("aws_app.record")


def test_moto_hook_points_exist() -> None:
    for name, point in hook_points():
        assert callable(point), name


def test_s3_put_from_the_test_invokes_with_the_s3_event(aws: AWS, recorder: LambdaFunction) -> None:
    bucket = aws.bucket("uploads", versioned=True)
    trigger = bucket.notify(recorder, prefix="incoming/", suffix=".csv")

    put = aws.s3.put_object(Bucket="uploads", Key="incoming/q1 report.csv", Body=b"a,b\n")
    aws.s3.put_object(Bucket="uploads", Key="other/skip.csv", Body=b"")
    aws.s3.put_object(Bucket="uploads", Key="incoming/skip.txt", Body=b"")

    assert len(trigger.invocations) == 1
    event = trigger.last.assert_ok()
    validate_event(event, "s3-put")
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == "uploads"
    obj = record["s3"]["object"]
    assert obj["key"] == "incoming/q1+report.csv"
    assert obj["size"] == 4
    assert obj["eTag"] == put["ETag"].strip('"')
    assert obj["versionId"] == put["VersionId"]
    assert len(obj["sequencer"]) >= 16


def test_s3_write_from_a_handler_triggers_another_function(
    aws: AWS, recorder: LambdaFunction, make_function: MakeFunction
) -> None:
    aws.bucket("pipeline")
    trigger = aws.bucket("pipeline-out").notify(recorder)
    writer = make_function("aws_app.write_object")
    writer.invoke({"bucket": "pipeline-out", "key": "done.json", "body": "{}"}).assert_ok()
    assert [e["Records"][0]["s3"]["object"]["key"] for e in trigger.events] == ["done.json"]
    assert "versionId" not in trigger.events[0]["Records"][0]["s3"]["object"]


def test_s3_delete_events(aws: AWS, recorder: LambdaFunction) -> None:
    bucket = aws.bucket("bin", {"old.txt": "x"})
    trigger = bucket.notify(recorder, events=["s3:ObjectRemoved:*"])
    aws.s3.put_object(Bucket="bin", Key="new.txt", Body=b"y")
    aws.s3.delete_object(Bucket="bin", Key="old.txt")
    assert len(trigger.events) == 1
    record = trigger.events[0]["Records"][0]
    validate_event(trigger.events[0], "s3-delete")
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert "size" not in record["s3"]["object"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"events": []}, "no event types"),
        ({"events": ["s3:ObjectCreated"]}, "is not an S3 event type"),
        ({"prefix": 3}, "prefix must be a string"),
        ({"prefix": "p" * 600, "suffix": "s" * 600}, "could never match"),
    ],
)
def test_s3_filters_that_can_never_match_are_refused(
    aws: AWS, recorder: LambdaFunction, kwargs: dict[str, object], message: str
) -> None:
    bucket = aws.bucket("filters")
    with pytest.raises(HarnessError, match=message):
        bucket.notify(recorder, **kwargs)  # type: ignore[arg-type]


def test_dynamodb_stream_records(aws: AWS, recorder: LambdaFunction) -> None:
    table = aws.table("accounts", stream=True)
    trigger = table.notify(recorder)
    table.put({"pk": "a", "balance": 1})
    table.put({"pk": "a", "balance": 2})
    aws.dynamodb.delete_item(TableName="accounts", Key={"pk": {"S": "a"}})

    names = [e["Records"][0]["eventName"] for e in trigger.events]
    assert names == ["INSERT", "MODIFY", "REMOVE"]
    modify = trigger.events[1]
    validate_event(modify, "dynamodb-stream")
    change = modify["Records"][0]["dynamodb"]
    assert change["OldImage"]["balance"] == {"N": "1"}
    assert change["NewImage"]["balance"] == {"N": "2"}
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert modify["Records"][0]["eventSourceARN"] == table.stream_arn


def test_dynamodb_batch_write_is_one_batch(aws: AWS, recorder: LambdaFunction) -> None:
    table = aws.table("bulk", stream="NEW_IMAGE")
    trigger = table.notify(recorder, batch_size=2)
    aws.dynamodb.batch_write_item(
        RequestItems={"bulk": [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(3)]}
    )
    assert [len(e["Records"]) for e in trigger.events] == [2, 1]


def test_table_without_stream_cannot_notify(aws: AWS, recorder: LambdaFunction) -> None:
    with pytest.raises(HarnessError, match="has no stream"):
        aws.table("static").notify(recorder)


def test_sqs_partial_batch_failure(aws: AWS, make_function: MakeFunction) -> None:
    consumer = make_function("aws_app.fail_some")
    queue = aws.queue("work")
    trigger = queue.notify(consumer, batch_size=5)
    aws.sqs.send_message_batch(
        QueueUrl=queue.url,
        Entries=[
            {"Id": "1", "MessageBody": "good"},
            {
                "Id": "2",
                "MessageBody": "bad",
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}},
            },
        ],
    )
    event = trigger.events[0]
    validate_event(event, "sqs")
    assert [r["body"] for r in event["Records"]] == ["good", "bad"]
    assert event["Records"][1]["messageAttributes"]["kind"]["stringValue"] == "x"
    assert event["Records"][0]["eventSourceARN"] == queue.arn
    bad_id = event["Records"][1]["messageId"]
    assert trigger.failed_message_ids == [bad_id]
    # The failed message went back to the queue (in flight until its visibility timeout).
    assert queue.attribute("ApproximateNumberOfMessagesNotVisible") == "1"
    assert queue.attribute("ApproximateNumberOfMessages") == "0"


def test_sqs_failed_message_is_retried_when_visible_again(
    aws: AWS, make_function: MakeFunction
) -> None:
    consumer = make_function("aws_app.fail_some")
    queue = aws.queue("retry", visibility_timeout=0)
    trigger = queue.notify(consumer)
    queue.send("bad")
    queue.send("good")
    bodies = [[r["body"] for r in e["Records"]] for e in trigger.events]
    # "bad" fails and is visible again at once; the next delivery retries it with "good".
    assert bodies == [["bad"], ["bad", "good"]]
    assert trigger.failed_message_ids == [trigger.events[0]["Records"][0]["messageId"]] * 2


def test_sns_publish(aws: AWS, recorder: LambdaFunction) -> None:
    topic = aws.topic("news")
    trigger = topic.notify(recorder, filter_policy={"kind": ["sport"]})
    topic.publish("skipped", MessageAttributes={"kind": {"DataType": "String", "StringValue": "x"}})
    message_id = topic.publish(
        {"score": 3},
        Subject="match",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "sport"}},
    )
    assert len(trigger.events) == 1
    validate_event(trigger.events[0], "sns")
    sns = trigger.events[0]["Records"][0]["Sns"]
    assert sns["MessageId"] == message_id
    assert json.loads(sns["Message"]) == {"score": 3}
    assert sns["Subject"] == "match"
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "sport"}}
    assert trigger.events[0]["Records"][0]["EventSubscriptionArn"] == trigger.subscription_arn


def test_eventbridge_rule_pattern(aws: AWS, recorder: LambdaFunction) -> None:
    rule = aws.rule("orders", {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}})
    trigger = rule.notify(recorder)
    aws.events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"total": 50})},
            {"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"total": 150})},
            {"Source": "other", "DetailType": "Order", "Detail": json.dumps({"total": 999})},
        ]
    )
    assert [e["detail"]["total"] for e in trigger.events] == [150]
    validate_event(trigger.events[0], "eventbridge")
    assert trigger.events[0]["detail-type"] == "Order"


# -- every record a trigger delivers is the events package's --------------------------------


def shape(value: object) -> object:
    """The structure of a JSON value: keys and the types of the values they hold."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def fire_every_trigger(aws: AWS, function: LambdaFunction) -> None:
    """Set off each kind of trigger, with the optional parts of its records present."""
    aws.bucket("every-kind", versioned=True).notify(function)
    aws.s3.put_object(Bucket="every-kind", Key="a b.txt", Body=b"x")
    aws.s3.copy_object(Bucket="every-kind", Key="copy.txt", CopySource="every-kind/a b.txt")
    aws.bucket("every-kind-removed", {"gone.txt": "x"}).notify(
        function, events=["s3:ObjectRemoved:*"]
    )
    aws.s3.delete_object(Bucket="every-kind-removed", Key="gone.txt")
    table = aws.table("every-kind", stream=True)
    table.notify(function)
    table.put({"pk": "a", "n": 1})
    table.put({"pk": "a", "n": 2})
    aws.dynamodb.delete_item(TableName="every-kind", Key={"pk": {"S": "a"}})
    attributes = {
        "text": {"DataType": "String", "StringValue": "x"},
        "count": {"DataType": "Number", "StringValue": "5"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    for fifo in (False, True):
        queue = aws.queue("every-kind", fifo=fifo)
        queue.notify(function)
        extra = {"MessageGroupId": "g"} if fifo else {}
        queue.send("with attributes", MessageAttributes=attributes, **extra)
    topic = aws.topic("every-kind")
    topic.notify(function)
    topic.publish("hello", Subject="s", MessageAttributes={"k": attributes["text"]})
    aws.rule("every-kind", {"source": ["shop"]}).notify(function)
    aws.events.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": "{}"}])


def test_every_record_a_trigger_delivers_is_valid_for_its_kind(
    aws: AWS, recorder: LambdaFunction
) -> None:
    fire_every_trigger(aws, recorder)
    kinds = []
    for trigger in aws.triggers:
        assert trigger.events, f"{type(trigger).__name__} on {trigger.source_arn} never fired"
        for event in trigger.events:
            kind = trigger.kind_of(event)
            assert kind is not None
            assert validate_event(event, kind) == kind
            kinds.append(kind)
    assert set(kinds) == {"s3-put", "s3-delete", "dynamodb-stream", "sqs", "sns", "eventbridge"}
    # What the function received is what the trigger recorded.
    received = [i.assert_ok() for t in aws.triggers for i in t.invocations]
    assert received == [e for t in aws.triggers for e in t.events]


def test_a_triggers_records_have_the_shape_of_the_factorys(
    aws: AWS, recorder: LambdaFunction
) -> None:
    fire_every_trigger(aws, recorder)
    by_kind: dict[str, dict[str, object]] = {}
    for trigger in aws.triggers:
        for event in trigger.events:
            by_kind.setdefault(str(trigger.kind_of(event)), event)
    factories = {
        "s3-put": events.s3_put(version_id="v1"),
        "s3-delete": events.s3_delete(),
        # The first change: an INSERT.
        "dynamodb-stream": events.dynamodb_stream(new_images=[{"pk": "a", "n": 1}], keys=["pk"]),
        "sns": events.sns(message_attributes={"k": "x"}),
        "eventbridge": events.eventbridge(detail={}),
    }
    for kind, expected in factories.items():
        assert shape(by_kind[kind]) == shape(expected), kind
    # The values the same builder computes are alike too.
    delivered_object = by_kind["s3-put"]["Records"][0]["s3"]["object"]
    built_object = factories["s3-put"]["Records"][0]["s3"]["object"]
    assert len(delivered_object["sequencer"]) == len(built_object["sequencer"]) == 18
    delivered_sns = by_kind["sns"]["Records"][0]["Sns"]
    built_sns = factories["sns"]["Records"][0]["Sns"]
    assert delivered_sns["SigningCertUrl"] == built_sns["SigningCertUrl"]
    # SQS: the same record keys; the attributes are what the queue reports.
    sqs_record, sqs_factory = by_kind["sqs"]["Records"][0], events.sqs(
        message_attributes={"a": "x"}
    )["Records"][0]
    assert list(sqs_record) == list(sqs_factory)
    assert shape(sqs_record["messageAttributes"]["text"]) == shape(
        sqs_factory["messageAttributes"]["a"]
    )


def test_kinesis_records_reach_the_function_shard_by_shard(
    aws: AWS, make_function: MakeFunction
) -> None:
    aws.kinesis.create_stream(StreamName="clicks", ShardCount=2)
    stream = aws.stream("clicks")
    assert aws.stream("clicks").arn == stream.arn  # the existing stream, not a new one
    trigger = stream.notify(make_function("aws_app.record"), batch_size=2)
    for n in range(3):
        stream.put(json.dumps({"n": n}), partition_key=f"key-{n}")
    records = [r for event in trigger.events for r in event["Records"]]
    assert len(records) == 3
    assert all(len(event["Records"]) <= 2 for event in trigger.events)
    decoded = sorted(json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in records)
    assert decoded == [0, 1, 2]
    assert {r["eventSourceARN"] for r in records} == {stream.arn}
    assert all(trigger.invocations) and trigger.last.ok


def test_a_stream_trigger_starts_at_the_latest_record_or_the_oldest(
    aws: AWS, make_function: MakeFunction
) -> None:
    stream = aws.stream("history")
    stream.put("old")
    latest = stream.notify(make_function("aws_app.record"))
    oldest = stream.notify(make_function("aws_app.record"), starting_position="TRIM_HORIZON")
    stream.put("new")
    data = [
        [base64.b64decode(r["kinesis"]["data"]) for e in t.events for r in e["Records"]]
        for t in (latest, oldest)
    ]
    assert data == [[b"new"], [b"old", b"new"]]
    with pytest.raises(HarnessError, match="starting_position for stream 'history' must be"):
        stream.notify(make_function("aws_app.record"), starting_position="AT_TIMESTAMP")
