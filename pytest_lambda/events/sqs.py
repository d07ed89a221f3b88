"""Amazon SQS messages delivered by an event source mapping (standard and FIFO queues)."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    amz_id,
    b64,
    digits,
    epoch_ms,
    factory,
    md5_hex,
    new_uuid,
    register,
    to_bytes,
)
from ._schema import ARN, STR, nullable, obj, records, str_map

AttributeValue = str | int | float | bytes

_RECORD = obj(
    {
        "messageId": STR,
        "body": STR,
        "eventSource": {"const": "aws:sqs"},
        "eventSourceARN": ARN,
    },
    {
        "receiptHandle": STR,
        "attributes": str_map(STR),
        "messageAttributes": str_map(
            # An attribute carries one of the two; the other may be sent as null.
            obj({"dataType": STR}, {"stringValue": nullable(STR), "binaryValue": nullable(STR)})
        ),
        "md5OfBody": STR,
        "md5OfMessageAttributes": {"type": ["string", "null"]},
        "awsRegion": STR,
    },
)
SQS_SCHEMA = records(_RECORD)


def _lambda_attributes(attributes: Mapping[str, AttributeValue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in attributes.items():
        entry: dict[str, Any]
        if isinstance(value, bytes):
            entry = {"binaryValue": b64(value), "dataType": "Binary"}
        elif isinstance(value, str):
            entry = {"stringValue": value, "dataType": "String"}
        else:
            entry = {"stringValue": str(value), "dataType": "Number"}
        out[name] = {"stringListValues": [], "binaryListValues": [], **entry}
    return out


def md5_of_message_attributes(attributes: Mapping[str, AttributeValue]) -> str:
    """The digest SQS computes: each attribute, sorted by name, as length-prefixed fields."""
    buf = bytearray()

    def field(data: bytes) -> None:
        buf.extend(struct.pack(">I", len(data)))
        buf.extend(data)

    for name in sorted(attributes):
        value = attributes[name]
        field(name.encode())
        if isinstance(value, bytes):
            field(b"Binary")
            buf.append(2)
            field(value)
        else:
            field(b"String" if isinstance(value, str) else b"Number")
            buf.append(1)
            field(str(value).encode())
    return md5_hex(bytes(buf))


def sqs_record(
    *,
    body: str,
    queue_arn: str,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    attributes: Mapping[str, str] | None = None,
    message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
    md5_of_message_attributes: str | None = None,
) -> Event:
    """One SQS record as an event source mapping delivers it.

    `message_attributes` are in the record's own form ({"stringValue": ...,
    "dataType": ...}, see message_attribute); the md5 of the body is computed here. The
    sqs factory builds its records here, and so do the `aws` fixture's queue triggers
    (through sqs_record_from_message).
    """
    record: Event = {
        "messageId": message_id or new_uuid(),
        "receiptHandle": receipt_handle or "AQEB" + amz_id(120),
        "body": body,
        "attributes": dict(attributes or {}),
        "messageAttributes": {k: dict(v) for k, v in (message_attributes or {}).items()},
        "md5OfBody": md5_hex(body.encode("utf-8")),
    }
    if md5_of_message_attributes is not None:
        record["md5OfMessageAttributes"] = md5_of_message_attributes
    region = queue_arn.split(":")[3]
    record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
    return record


def message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    """A message attribute as ReceiveMessage returns it -> as a record carries it."""
    converted: dict[str, Any] = {}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = b64(value["BinaryValue"])
    converted["stringListValues"] = list(value.get("StringListValues", []))
    converted["binaryListValues"] = [b64(v) for v in value.get("BinaryListValues", [])]
    converted["dataType"] = value["DataType"]
    return converted


def sqs_record_from_message(message: Mapping[str, Any], *, queue_arn: str) -> Event:
    """The record an event source mapping builds from one message ReceiveMessage returned
    (asked for with every attribute and message attribute)."""
    return sqs_record(
        body=message["Body"],
        queue_arn=queue_arn,
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        attributes={
            k: v for k, v in message.get("Attributes", {}).items() if k != "AWSTraceHeader"
        },
        message_attributes={
            name: message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        md5_of_message_attributes=message.get("MD5OfMessageAttributes"),
    )


@factory
def sqs(
    *,
    bodies: list[str | dict[str, Any] | list[Any]] | None = None,
    fifo: bool = False,
    queue: str = "my-queue",
    message_attributes: Mapping[str, AttributeValue] | None = None,
    group_id: str = "group-1",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """One record per body (dict/list bodies are JSON-encoded), md5OfBody computed.

    fifo=True appends ".fifo" to the queue name and adds the FIFO attributes
    (MessageGroupId, MessageDeduplicationId, increasing SequenceNumber).
    """
    if fifo and not queue.endswith(".fifo"):
        queue += ".fifo"
    arn = f"arn:aws:sqs:{region}:{account}:{queue}"
    sent = epoch_ms()
    attrs = dict(message_attributes or {})
    base_sequence = int(digits(20))
    out: list[Event] = []
    for index, body in enumerate(bodies if bodies is not None else ["Hello from SQS!"]):
        text = to_bytes(body).decode("utf-8")
        attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(sent),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(sent + 2),
        }
        if fifo:
            attributes.update(
                SequenceNumber=str(base_sequence + index),
                MessageGroupId=group_id,
                MessageDeduplicationId=md5_hex(text.encode()),
            )
        out.append(
            sqs_record(
                body=text,
                queue_arn=arn,
                attributes=attributes,
                message_attributes=_lambda_attributes(attrs),
                md5_of_message_attributes=md5_of_message_attributes(attrs) if attrs else None,
            )
        )
    return {"Records": out}


register(
    "sqs",
    "Amazon SQS messages from an event source mapping",
    SQS_SCHEMA,
    sqs,
    (
        Variant(
            "fifo",
            "a FIFO queue message with group and deduplication ids",
            {"fifo": True, "bodies": ['{"orderId": "1001"}']},
        ),
        Variant(
            "batch",
            "a batch of several messages, one with message attributes",
            {
                "bodies": ["first message", {"orderId": 1002}, "third message"],
                "message_attributes": {"Author": "alice", "Priority": 5},
            },
        ),
    ),
)
