"""Amazon DynamoDB Streams records (values in DynamoDB JSON, converted from plain Python)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    digits,
    factory,
    hex_id,
    now,
    register,
)
from ._schema import ARN, INT, NUM, OBJ, STR, enum, obj, records, str_map

_RECORD = obj(
    {
        "eventSource": {"const": "aws:dynamodb"},
        "eventName": enum("INSERT", "MODIFY", "REMOVE"),
        "dynamodb": obj(
            {},
            {
                "ApproximateCreationDateTime": NUM,
                "Keys": str_map(OBJ),
                "NewImage": str_map(OBJ),
                "OldImage": str_map(OBJ),
                "SequenceNumber": STR,
                "SizeBytes": INT,
                "StreamViewType": enum(
                    "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"
                ),
            },
        ),
    },
    {
        "eventID": STR,
        "eventVersion": STR,
        "awsRegion": STR,
        "eventSourceARN": ARN,
        "userIdentity": obj({}, {"type": STR, "principalId": STR}),
    },
)
DYNAMODB_SCHEMA = records(_RECORD)


@functools.cache
def _serializer() -> Any:
    # boto3 costs a tenth of a second to import: only pay for it when a DynamoDB event
    # is built.
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def plain_to_dynamodb(value: Any) -> Any:
    """Plain Python as boto3's DynamoDB layer takes it: floats become Decimal."""
    # TypeSerializer refuses floats (they are inexact); a test's 1.5 means Decimal("1.5").
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: plain_to_dynamodb(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_to_dynamodb(v) for v in value]
    return value


def to_dynamodb_json(item: Mapping[str, Any]) -> dict[str, Any]:
    """{"id": 1, "tags": ["a"]} -> {"id": {"N": "1"}, "tags": {"L": [{"S": "a"}]}}."""
    return {k: _serializer().serialize(plain_to_dynamodb(v)) for k, v in item.items()}


@factory
def dynamodb_stream(
    *,
    new_images: Sequence[Mapping[str, Any] | None] | None = None,
    old_images: Sequence[Mapping[str, Any] | None] | None = None,
    event_name: str | None = None,
    keys: Sequence[str] = ("id",),
    table: str = "ExampleTable",
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """One record per image pair (new_images[i], old_images[i]).

    event_name is inferred per record when omitted: INSERT (new only), REMOVE (old only),
    MODIFY (both). `keys` names the key attributes copied into Keys.
    """
    news = list(new_images if new_images is not None else [])
    olds = list(old_images if old_images is not None else [])
    if not news and not olds:
        news = [{"id": 101, "message": "New item!"}]
    count = max(len(news), len(olds))
    news += [None] * (count - len(news))
    olds += [None] * (count - len(olds))
    moment = now()
    stream_label = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    arn = f"arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{stream_label}"
    base_sequence = int(digits(21)) * 10**5
    out: list[Event] = []
    for index, (new, old) in enumerate(zip(news, olds, strict=False)):
        source = new or old or {}
        out.append(
            dynamodb_stream_record(
                event_name=event_name
                or ("MODIFY" if new and old else "INSERT" if new else "REMOVE"),
                keys=to_dynamodb_json({k: source[k] for k in keys if k in source}),
                new_image=None if new is None else to_dynamodb_json(new),
                old_image=None if old is None else to_dynamodb_json(old),
                sequence_number=str(base_sequence + index * 100),
                stream_view_type=stream_view_type,
                stream_arn=arn,
                created=int(moment.timestamp()),
            )
        )
    return {"Records": out}


def dynamodb_stream_record(
    *,
    event_name: str,
    keys: Mapping[str, Any],
    stream_arn: str,
    new_image: Mapping[str, Any] | None = None,
    old_image: Mapping[str, Any] | None = None,
    sequence_number: str | None = None,
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    created: int | None = None,
) -> Event:
    """One DynamoDB Streams record; `keys` and the images are in DynamoDB JSON already.

    The images the view type does not carry are left out; SizeBytes is the size of what
    is carried. The dynamodb_stream factory builds its records here, and so do the `aws`
    fixture's table triggers.
    """
    body: Event = {
        "ApproximateCreationDateTime": int(now().timestamp()) if created is None else created,
        "Keys": dict(keys),
    }
    if new_image is not None and stream_view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = dict(new_image)
    if old_image is not None and stream_view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = dict(old_image)
    images = {k: v for k, v in body.items() if k in ("Keys", "NewImage", "OldImage")}
    body["SequenceNumber"] = sequence_number or str(int(digits(21)) * 10**5)
    body["SizeBytes"] = len(json.dumps(images, separators=(",", ":")))
    body["StreamViewType"] = stream_view_type
    return {
        "eventID": hex_id(32),
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


register(
    "dynamodb-stream",
    "Amazon DynamoDB Streams records",
    DYNAMODB_SCHEMA,
    dynamodb_stream,
    (
        Variant(
            "batch",
            "INSERT, MODIFY and REMOVE in one batch",
            {
                "new_images": [
                    {"id": 101, "message": "New item!"},
                    {"id": 102, "message": "This item has changed", "tags": ["a", "b"]},
                    None,
                ],
                "old_images": [
                    None,
                    {"id": 102, "message": "Old item"},
                    {"id": 103, "message": "Gone", "price": 9.5},
                ],
            },
        ),
    ),
)
