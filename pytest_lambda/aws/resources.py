"""Handles on what a test creates in the mocked AWS: buckets, tables, queues, topics, rules.

Each is created with the real API (so moto validates it too) after the harness checks the
names AWS would refuse, and each can `notify(function, ...)` to trigger a function.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import HarnessError
from ..events.dynamodb import plain_to_dynamodb
from ..invoke import LambdaFunction
from ..triggers import (
    S3_EVENT_TYPES,
    QueueTrigger,
    RuleTrigger,
    S3Trigger,
    StreamTrigger,
    TopicTrigger,
)

if TYPE_CHECKING:
    from .fixture import AWS

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_TABLE = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
_QUEUE = re.compile(r"[a-zA-Z0-9_-]{1,80}")
_TOPIC = re.compile(r"[a-zA-Z0-9_-]{1,256}")
_RULE = re.compile(r"[.\-_A-Za-z0-9]{1,64}")


def check_bucket_name(name: object) -> str:
    """The name, or a HarnessError naming the S3 rule it breaks."""
    rule = None
    if not isinstance(name, str):
        rule = "it must be a string"
    elif not 3 <= len(name) <= 63:
        rule = f"it must be 3 to 63 characters long (it is {len(name)})"
    elif not _BUCKET.fullmatch(name):
        rule = (
            "only lowercase letters, digits, '.' and '-' are allowed, and it must begin and "
            "end with a letter or digit"
        )
    elif ".." in name:
        rule = "it must not contain two adjacent periods"
    elif _is_ip(name):
        rule = "it must not be formatted as an IP address"
    elif name.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        rule = "it must not start with 'xn--', 'sthree-' or 'amzn-s3-demo-'"
    elif name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")):
        rule = "it must not end with '-s3alias', '--ol-s3', '.mrap' or '--x-s3'"
    if rule is not None:
        raise HarnessError(f"bucket name {name!r} would be refused by S3: {rule}")
    assert isinstance(name, str)
    return name


def _is_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def _check(kind: str, name: object, pattern: re.Pattern[str], rule: str) -> str:
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise HarnessError(f"{kind} name {name!r} would be refused by AWS: {rule}")
    return name


class Bucket:
    """An S3 bucket in the mocked account."""

    def __init__(self, aws: AWS, name: str) -> None:
        self.aws = aws
        self.name = name
        self.arn = f"arn:aws:s3:::{name}"

    def __repr__(self) -> str:
        return f"Bucket({self.name!r})"

    def put(self, key: str, body: bytes | str, **kwargs: Any) -> dict[str, Any]:
        data = body.encode() if isinstance(body, str) else body
        result: dict[str, Any] = self.aws.s3.put_object(
            Bucket=self.name, Key=key, Body=data, **kwargs
        )
        return result

    def get(self, key: str) -> bytes:
        body: bytes = self.aws.s3.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def keys(self) -> list[str]:
        pages = self.aws.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def notify(
        self,
        function: LambdaFunction,
        events: Iterable[str] = ("s3:ObjectCreated:*",),
        *,
        prefix: str = "",
        suffix: str = "",
    ) -> S3Trigger:
        """Invoke `function` with the S3 event for each matching change to this bucket."""
        event_types = (events,) if isinstance(events, str) else tuple(events)
        if not event_types:
            raise HarnessError(
                f"notify() on bucket {self.name!r} was given no event types, so it could never "
                "fire; pass events=['s3:ObjectCreated:*'] or another S3 event type"
            )
        unknown = [e for e in event_types if e not in S3_EVENT_TYPES]
        if unknown:
            raise HarnessError(
                f"notify() on bucket {self.name!r}: {unknown[0]!r} is not an S3 event type, so "
                f"it could never match; use one of {', '.join(S3_EVENT_TYPES)}"
            )
        for label, value in (("prefix", prefix), ("suffix", suffix)):
            if not isinstance(value, str):
                raise HarnessError(
                    f"notify() on bucket {self.name!r}: {label} must be a string, got {value!r}"
                )
        if len(prefix) + len(suffix) > 1024:
            raise HarnessError(
                f"notify() on bucket {self.name!r}: a key is at most 1024 bytes, so prefix "
                f"{prefix!r} and suffix {suffix!r} together could never match"
            )
        trigger = S3Trigger(
            function,
            self.arn,
            bucket=self.name,
            event_types=event_types,
            prefix=prefix,
            suffix=suffix,
            configuration_id=f"tf-s3-lambda-{uuid.uuid4().hex[:20]}",
        )
        self.aws.hub.add(trigger)
        return trigger


class Table:
    """A DynamoDB table in the mocked account."""

    def __init__(self, aws: AWS, name: str, description: Mapping[str, Any]) -> None:
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


class Queue:
    """An SQS queue in the mocked account."""

    def __init__(self, aws: AWS, name: str, url: str, region: str) -> None:
        self.aws = aws
        self.name = name
        self.url = url
        self.region = region
        self.arn = f"arn:aws:sqs:{region}:{aws.account_id}:{name}"

    def __repr__(self) -> str:
        return f"Queue({self.name!r})"

    def send(self, body: str | Mapping[str, Any], **kwargs: Any) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        message_id: str = self.aws.sqs.send_message(QueueUrl=self.url, MessageBody=text, **kwargs)[
            "MessageId"
        ]
        return message_id

    def attribute(self, name: str) -> str:
        value: str = self.aws.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=[name])[
            "Attributes"
        ][name]
        return value

    def notify(
        self,
        function: LambdaFunction,
        *,
        batch_size: int = 10,
        report_batch_item_failures: bool = True,
    ) -> QueueTrigger:
        """Let `function` consume this queue as an event source mapping would."""
        limit = 10 if self.name.endswith(".fifo") else 10_000
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not (1 <= batch_size <= limit)
        ):
            raise HarnessError(
                f"batch_size for queue {self.name!r} must be 1 to {limit:,}, got {batch_size!r}"
            )
        trigger = QueueTrigger(
            function,
            self.arn,
            queue_url=self.url,
            region=self.region,
            batch_size=batch_size,
            report_batch_item_failures=report_batch_item_failures,
        )
        self.aws.hub.add(trigger)
        self.aws.hub.drain()
        return trigger


class Topic:
    """An SNS topic in the mocked account."""

    def __init__(self, aws: AWS, name: str, arn: str) -> None:
        self.aws = aws
        self.name = name
        self.arn = arn

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"

    def publish(self, message: str | Mapping[str, Any], **kwargs: Any) -> str:
        text = message if isinstance(message, str) else json.dumps(message)
        message_id: str = self.aws.sns.publish(TopicArn=self.arn, Message=text, **kwargs)[
            "MessageId"
        ]
        return message_id

    def notify(
        self, function: LambdaFunction, *, filter_policy: Mapping[str, Any] | None = None
    ) -> TopicTrigger:
        """Subscribe `function` (protocol `lambda`) to this topic."""
        attributes = {} if filter_policy is None else {"FilterPolicy": json.dumps(filter_policy)}
        subscription = self.aws.sns.subscribe(
            TopicArn=self.arn,
            Protocol="lambda",
            Endpoint=function.config.function_arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        trigger = TopicTrigger(function, self.arn, subscription_arn=subscription)
        self.aws.hub.add(trigger)
        return trigger


class Rule:
    """An EventBridge rule with an event pattern."""

    def __init__(self, aws: AWS, name: str, bus: str, arn: str) -> None:
        self.aws = aws
        self.name = name
        self.bus = bus
        self.arn = arn

    def __repr__(self) -> str:
        return f"Rule({self.name!r}, bus={self.bus!r})"

    def notify(self, function: LambdaFunction) -> RuleTrigger:
        """Make `function` a target of this rule."""
        self.aws.events.put_targets(
            Rule=self.name,
            EventBusName=self.bus,
            Targets=[{"Id": function.name[:64], "Arn": function.config.function_arn}],
        )
        trigger = RuleTrigger(function, self.arn, rule=self.name, bus=self.bus)
        self.aws.hub.add(trigger)
        return trigger


__all__ = [
    "Bucket",
    "Queue",
    "Rule",
    "Table",
    "Topic",
    "check_bucket_name",
]
