"""Amazon Kinesis Data Streams records and Amazon Data Firehose transformation requests."""

from __future__ import annotations

import base64

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Payload,
    Variant,
    b64_payload,
    digits,
    factory,
    new_uuid,
    now,
    register,
    to_bytes,
)
from ._schema import ARN, NUM, STR, arr, obj
from ._schema import records as records_envelope

_B64 = {"type": "string", "contentEncoding": "base64"}

_RECORD = obj(
    {
        "kinesis": obj(
            {"partitionKey": STR, "sequenceNumber": STR, "data": _B64},
            {
                "kinesisSchemaVersion": STR,
                "approximateArrivalTimestamp": NUM,
                "encryptionType": STR,
            },
        ),
        "eventSource": {"const": "aws:kinesis"},
    },
    {
        "eventVersion": STR,
        "eventID": STR,
        "eventName": STR,
        "invokeIdentityArn": STR,
        "awsRegion": STR,
        "eventSourceARN": ARN,
    },
)
KINESIS_SCHEMA = records_envelope(_RECORD)


def _sequence_numbers(count: int) -> list[str]:
    base = int(digits(56))
    return [str(base + i * 2**20) for i in range(count)]


def kinesis_record(
    *,
    data: bytes,
    partition_key: str,
    sequence_number: str,
    arrival_timestamp: float,
    shard_id: str,
    stream_arn: str,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> dict[str, object]:
    """One record as an event source mapping delivers a record read from a shard."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": round(arrival_timestamp, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{account}:role/lambda-role",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


@factory
def kinesis(
    *,
    records: list[Payload] | None = None,
    partition_key: str = "1",
    stream: str = "lambda-stream",
    shard_id: str = "shardId-000000000006",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """One Kinesis record per payload; data is base64-encoded for you."""
    payloads = records if records is not None else ["Hello, this is a test."]
    arrival = now().timestamp()
    out = [
        kinesis_record(
            data=to_bytes(payload),
            partition_key=partition_key,
            sequence_number=sequence,
            arrival_timestamp=arrival,
            shard_id=shard_id,
            stream_arn=f"arn:aws:kinesis:{region}:{account}:stream/{stream}",
            region=region,
            account=account,
        )
        for payload, sequence in zip(payloads, _sequence_numbers(len(payloads)), strict=False)
    ]
    return {"Records": out}


FIREHOSE_SCHEMA = obj(
    {
        "invocationId": STR,
        "records": arr(
            obj(
                {"recordId": STR},
                {
                    "data": _B64,
                    # A delivery stream reading from Amazon MSK sends the Kafka record's
                    # value here instead of `data`, with the record's place in the topic.
                    "kafkaRecordValue": _B64,
                    "mskRecordMetadata": obj(
                        {},
                        {
                            "offset": {"type": ["string", "integer"]},
                            "partitionId": {"type": ["string", "integer"]},
                            "approximateArrivalTimestamp": NUM,
                        },
                    ),
                    "approximateArrivalTimestamp": NUM,
                    "kinesisRecordMetadata": obj(
                        {},
                        {
                            "shardId": STR,
                            "partitionKey": STR,
                            # A string in the Java library's sample.
                            "approximateArrivalTimestamp": {"type": ["integer", "string"]},
                            "sequenceNumber": STR,
                            "subsequenceNumber": {"type": ["string", "integer"]},
                        },
                    ),
                },
            ),
            min_items=1,
        ),
    },
    # deliveryStreamArn is always sent by Firehose but missing from the SAM CLI's samples.
    {"deliveryStreamArn": STR, "region": STR, "sourceKinesisStreamArn": STR, "sourceMSKArn": STR},
)
# Each record carries its payload one way or the other.
FIREHOSE_SCHEMA["properties"]["records"]["items"]["anyOf"] = [
    {"required": ["data"]},
    {"required": ["kafkaRecordValue"]},
]


@factory
def firehose(
    *,
    records: list[Payload] | None = None,
    delivery_stream: str = "my-delivery-stream",
    source_stream: str | None = None,
    source_msk_cluster: str | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A Firehose data-transformation request; `source_stream` adds Kinesis metadata;
    `source_msk_cluster` makes it a stream reading from Amazon MSK (`kafkaRecordValue`
    and the record's partition and offset instead of `data`)."""
    if source_stream and source_msk_cluster:
        raise ValueError(
            "a delivery stream reads from one source: pass source_stream or "
            "source_msk_cluster, not both"
        )
    payloads = records if records is not None else ["Hello World"]
    arrival = int(now().timestamp() * 1000)
    event: Event = {
        "invocationId": new_uuid(),
        "deliveryStreamArn": f"arn:aws:firehose:{region}:{account}:deliverystream/"
        f"{delivery_stream}",
    }
    if source_stream:
        event["sourceKinesisStreamArn"] = (
            f"arn:aws:kinesis:{region}:{account}:stream/{source_stream}"
        )
    if source_msk_cluster:
        event["sourceMSKArn"] = (
            f"arn:aws:kafka:{region}:{account}:cluster/{source_msk_cluster}/{new_uuid()}-1"
        )
    event["region"] = region
    out = []
    for index, (payload, sequence) in enumerate(
        zip(payloads, _sequence_numbers(len(payloads)), strict=False)
    ):
        record: Event = {
            "recordId": f"{sequence}{index:06d}",
            "approximateArrivalTimestamp": arrival,
        }
        if source_msk_cluster:
            record["mskRecordMetadata"] = {
                "offset": str(index),
                "partitionId": "0",
                "approximateArrivalTimestamp": arrival,
            }
            record["kafkaRecordValue"] = b64_payload(payload)
        else:
            record["data"] = b64_payload(payload)
        if source_stream:
            record["kinesisRecordMetadata"] = {
                "shardId": "shardId-000000000000",
                "partitionKey": "4d1ad2b9-24f8-4b9d-a088-76e9947c317a",
                "approximateArrivalTimestamp": arrival,
                "sequenceNumber": sequence,
                "subsequenceNumber": 0,
            }
        out.append(record)
    event["records"] = out
    return event


register(
    "kinesis",
    "Amazon Kinesis Data Streams records",
    KINESIS_SCHEMA,
    kinesis,
    (
        Variant(
            "batch",
            "several records: text, JSON and binary",
            {"records": ["first", {"temperature": 21.5}, b"\x00\x01\x02"]},
        ),
    ),
)
register(
    "firehose",
    "Amazon Data Firehose data-transformation request",
    FIREHOSE_SCHEMA,
    firehose,
    (
        Variant(
            "kinesis-source",
            "a delivery stream reading from a Kinesis data stream",
            {"source_stream": "my-source-stream", "records": [{"ticker": "AMZN", "price": 190}]},
        ),
        Variant(
            "msk-source",
            "a delivery stream reading from an Amazon MSK cluster: kafkaRecordValue instead "
            "of data",
            {"source_msk_cluster": "my-cluster", "records": [{"ticker": "AMZN", "price": 190}]},
        ),
    ),
)
