"""Amazon DynamoDB: tables, stream records to functions, and what calls act on for IAM."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...config import FunctionConfig
from ...errors import HarnessError
from ...events.dynamodb import dynamodb_stream_record, plain_to_dynamodb
from ...function import LambdaFunction
from ..calls import Call
from ..triggers import Record, Trigger, TriggerHub, active_hub
from .base import Account, HookPoints, Service, arn_prefix, check_name, is_hooked, mark_hooked

_TABLE = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")


# -- create helper and handle -------------------------------------------------------------


def create_table(
    aws: Account,
    name: str,
    key: str = "pk",
    sort_key: str | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
    stream: bool | str = False,
    *,
    key_type: str = "S",
    sort_key_type: str = "S",
) -> Table:
    """Create an on-demand table keyed on `key` (+ `sort_key`), holding `items`.

    `stream=True` turns on a NEW_AND_OLD_IMAGES stream; a view type string picks another.
    """
    check_name("table", name, _TABLE, "3 to 255 of letters, digits, '_', '-' and '.'")
    if not isinstance(key, str) or not key:
        raise HarnessError(
            f"table {name!r} needs a partition key: DynamoDB refuses a table without one; "
            f"pass key='pk' (or the attribute your items are keyed on), got {key!r}"
        )
    for label, kind in (("key_type", key_type), ("sort_key_type", sort_key_type)):
        if kind not in ("S", "N", "B"):
            raise HarnessError(f"{label} must be 'S', 'N' or 'B', got {kind!r}")
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    definitions = [{"AttributeName": key, "AttributeType": key_type}]
    if sort_key is not None:
        if sort_key == key or not isinstance(sort_key, str) or not sort_key:
            raise HarnessError(
                f"table {name!r}: sort_key must be a non-empty attribute name other than the "
                f"partition key {key!r}, got {sort_key!r}"
            )
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        definitions.append({"AttributeName": sort_key, "AttributeType": sort_key_type})
    options: dict[str, Any] = {}
    if stream:
        view = "NEW_AND_OLD_IMAGES" if stream is True else stream
        if view not in STREAM_VIEW_TYPES:
            raise HarnessError(
                f"stream must be True or one of {', '.join(STREAM_VIEW_TYPES)}, got {view!r}"
            )
        options["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    description = aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        **options,
    )["TableDescription"]
    table = Table(aws, name, description)
    if items:
        with table.resource.batch_writer() as batch:
            for item in items:
                for required in filter(None, (key, sort_key)):
                    if required not in item:
                        raise HarnessError(
                            f"item {dict(item)!r} for table {name!r} lacks its key "
                            f"attribute {required!r}"
                        )
                batch.put_item(Item=plain_to_dynamodb(item))
    return table


def label_stream(aws: Account, name: str, label: str) -> None:
    """Give a table's stream (if it has one) the label a template's references resolved
    its StreamArn with; moto's is the time the stream was enabled."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[aws.account_id][aws.region].tables[name]
    if table.latest_stream_label is not None:
        table.latest_stream_label = label


def deployed_table(aws: Account, name: str, arn: str, stream_arn: str | None) -> Table:
    """The handle of a table a deployment created (its ARNs known from the template)."""
    return Table(aws, name, {"TableArn": arn, "LatestStreamArn": stream_arn})


class Table:
    """A DynamoDB table in the mocked account."""

    def __init__(self, aws: Account, name: str, description: Mapping[str, Any]) -> None:
        self.aws = aws
        self.name = name
        self.arn: str = description["TableArn"]
        self.stream_arn: str | None = description.get("LatestStreamArn")
        self.resource = aws.resource("dynamodb").Table(name)

    def __repr__(self) -> str:
        return f"Table({self.name!r})"

    def put(self, item: Mapping[str, Any]) -> None:
        self.resource.put_item(Item=plain_to_dynamodb(item))

    def get(self, **key: Any) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.resource.get_item(
            Key=plain_to_dynamodb(key), ConsistentRead=True
        ).get("Item")
        return item

    def scan(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.resource.scan(ConsistentRead=True)["Items"]
        return items

    def notify(self, function: LambdaFunction, *, batch_size: int = 100) -> StreamTrigger:
        """Invoke `function` with the stream records of writes to this table."""
        if self.stream_arn is None:
            raise HarnessError(
                f"table {self.name!r} has no stream, so notify() could never fire; create it "
                f"with aws.table({self.name!r}, ..., stream=True)"
            )
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not (1 <= batch_size <= 10_000)
        ):
            raise HarnessError(
                f"batch_size for a DynamoDB stream must be 1 to 10,000, got {batch_size!r}"
            )
        trigger = StreamTrigger(function, self.stream_arn, table=self.name, batch_size=batch_size)
        self.aws.hub.add(trigger)
        return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class StreamTrigger(Trigger):
    kind = "dynamodb-stream"

    table: str = ""
    batch_size: int = 100

    @property
    def records_per_event(self) -> int:
        return self.batch_size

    def record(self, change: Mapping[str, Any]) -> Record:
        """The stream record for a change moto recorded (its StreamRecord's JSON)."""
        stream = change["dynamodb"]
        return dynamodb_stream_record(
            event_name=change["eventName"],
            keys=stream["Keys"],
            new_image=stream.get("NewImage"),
            old_image=stream.get("OldImage"),
            sequence_number=stream.get("SequenceNumber"),
            stream_view_type=stream["StreamViewType"],
            stream_arn=self.source_arn,
        )


def _changed(hub: TriggerHub, table: Any, change: Mapping[str, Any]) -> None:
    for trigger in hub.of(StreamTrigger):
        if trigger.table == table.name:
            hub.queue(trigger, trigger.record(change))


# -- moto hook ----------------------------------------------------------------------------


def install_moto_hook() -> None:
    """Wrap moto's stream shard: every record it adds reaches the hub."""
    from moto.dynamodb.models.table import StreamShard

    if is_hooked(StreamShard.add):
        return
    stream_add = StreamShard.add

    def add(self: Any, old: Any, new: Any) -> None:
        stream_add(self, old, new)
        hub = active_hub()
        if hub is not None and self.items:
            _changed(hub, self.table, self.items[-1].to_json())

    StreamShard.add = mark_hooked(add)  # type: ignore[method-assign]


def hook_points() -> HookPoints:
    from moto.dynamodb.models.table import StreamShard

    return [("StreamShard.add", StreamShard.add)]


# -- IAM -----------------------------------------------------------------------------------


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    if "StreamArn" in p:
        return [str(p["StreamArn"])]
    tables = [p["TableName"]] if "TableName" in p else list(p.get("RequestItems", {}))
    for item in p.get("TransactItems", []):
        tables.extend(v["TableName"] for v in item.values() if "TableName" in v)
    prefix = arn_prefix(config, "dynamodb")
    return [f"{prefix}table/{t}" for t in tables] or ["*"]


SERVICE = Service(
    "dynamodb",
    iam_resources=iam_resources,
    install_moto_hook=install_moto_hook,
    hook_points=hook_points,
)
