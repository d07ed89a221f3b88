"""Changes in the mocked AWS -> the event Lambda would receive, delivered synchronously.

Writes are seen where they happen, inside moto's backends, so a write from the test's
in-process clients and one from a handler through the moto server (inline or in a worker
process) are caught alike: S3 notifications, DynamoDB stream records, SNS deliveries to a
`lambda` subscription and EventBridge rule matches are queued from moto's own code paths
(the event names, filter policies and rule patterns are moto's). SQS is polled, as
Lambda's event source mapping polls it. The queue is delivered on the test's thread right
after each AWS call the test makes and after each invoke, so by the time `put_object`
returns to the test the triggered function has run.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote_plus

from .errors import HarnessError
from .invoke import (
    Invocation,
    LambdaFunction,
    add_invocation_listener,
    remove_invocation_listener,
)

# Lambda stops a recursive loop between functions and queues/topics/buckets after about
# 16 invocations; past this many deliveries in one drain the harness stops the test.
MAX_DELIVERIES_PER_CHANGE = 64

S3_EVENT_TYPES = (
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
)


def _iso_ms(moment: float | None = None) -> str:
    m = datetime.fromtimestamp(time.time() if moment is None else moment, tz=timezone.utc)
    return m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z"


@dataclass
class Trigger:
    """A function subscribed to a source; `.invocations` and `.events` grow as it fires."""

    function: LambdaFunction
    source_arn: str
    invocations: list[Invocation] = field(default_factory=list, init=False)
    events: list[dict[str, Any]] = field(default_factory=list, init=False)

    def _deliver(self, event: dict[str, Any]) -> Invocation:
        self.events.append(event)
        invocation = self.function.invoke(event)
        self.invocations.append(invocation)
        return invocation

    @property
    def last(self) -> Invocation:
        """The latest invocation (AssertionError if the trigger never fired)."""
        __tracebackhide__ = True
        if not self.invocations:
            raise AssertionError(f"{self.function.name} was never triggered by {self.source_arn}")
        return self.invocations[-1]


@dataclass
class S3Trigger(Trigger):
    bucket: str = ""
    event_types: tuple[str, ...] = ()
    prefix: str = ""
    suffix: str = ""
    configuration_id: str = ""

    def matches(self, event_name: str, key: str) -> bool:
        if not (key.startswith(self.prefix) and key.endswith(self.suffix)):
            return False
        return any(
            event_name == pattern
            or (pattern.endswith(":*") and event_name.startswith(pattern[:-1]))
            for pattern in self.event_types
        )


@dataclass
class StreamTrigger(Trigger):
    table: str = ""
    batch_size: int = 100


@dataclass
class QueueTrigger(Trigger):
    queue_url: str = ""
    region: str = ""
    batch_size: int = 10
    report_batch_item_failures: bool = True
    failed_message_ids: list[str] = field(default_factory=list, init=False)


@dataclass
class TopicTrigger(Trigger):
    subscription_arn: str = ""


@dataclass
class RuleTrigger(Trigger):
    rule: str = ""
    bus: str = "default"


Record = dict[str, Any]
_T = TypeVar("_T", bound=Trigger)


class TriggerHub:
    """The triggers of one `aws` fixture and the records waiting for delivery."""

    def __init__(self, sqs_client: Callable[[str], Any]) -> None:
        self._sqs_client = sqs_client
        self.triggers: list[Trigger] = []
        self._pending: collections.deque[tuple[Trigger, Record]] = collections.deque()
        self._draining = False
        self._sequencer = itertools.count(int(time.time() * 1000) << 16)

    def add(self, trigger: Trigger) -> None:
        self.triggers.append(trigger)

    # -- called from moto, on whatever thread serves the request ------------------------

    def s3_changed(self, event_name: str, bucket: Any, key: Any) -> None:
        for trigger in self._of(S3Trigger):
            if trigger.bucket == bucket.name and trigger.matches(event_name, key.name):
                self._pending.append((trigger, self._s3_record(trigger, event_name, bucket, key)))

    def _s3_record(self, trigger: S3Trigger, event_name: str, bucket: Any, key: Any) -> Record:
        obj: dict[str, Any] = {"key": quote_plus(key.name, safe="/")}
        if not event_name.startswith("s3:ObjectRemoved"):
            obj["size"] = key.size
            obj["eTag"] = key.etag.strip('"')
        if getattr(bucket, "is_versioned", False) and key.version_id not in (None, "null"):
            obj["versionId"] = key.version_id
        obj["sequencer"] = f"{next(self._sequencer):016X}"
        return {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": bucket.region_name,
            "eventTime": _iso_ms(),
            "eventName": event_name[len("s3:") :],
            "userIdentity": {"principalId": "AWS:AIDAPYTESTLAMBDA00000"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": base64.b64encode(os.urandom(48)).decode(),
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": trigger.configuration_id,
                "bucket": {
                    "name": bucket.name,
                    "ownerIdentity": {"principalId": "A3PYTESTLAMBDAOWNER"},
                    "arn": f"arn:aws:s3:::{bucket.name}",
                },
                "object": obj,
            },
        }

    def stream_changed(self, table: Any, record: Mapping[str, Any]) -> None:
        triggers = [t for t in self._of(StreamTrigger) if t.table == table.name]
        if not triggers:
            return
        stream = dict(record["dynamodb"])
        stream["ApproximateCreationDateTime"] = int(time.time())
        ordered = {
            key: stream[key]
            for key in (
                "ApproximateCreationDateTime",
                "Keys",
                "NewImage",
                "OldImage",
                "SequenceNumber",
                "SizeBytes",
                "StreamViewType",
            )
            if key in stream
        }
        for trigger in triggers:
            self._pending.append(
                (
                    trigger,
                    {
                        "eventID": uuid.uuid4().hex,
                        "eventName": record["eventName"],
                        "eventVersion": "1.1",
                        "eventSource": "aws:dynamodb",
                        "awsRegion": table.region_name,
                        "dynamodb": ordered,
                        "eventSourceARN": trigger.source_arn,
                    },
                )
            )

    def sns_published(
        self,
        subscription: Any,
        message: str,
        message_id: str,
        subject: str | None,
        attributes: Mapping[str, Any] | None,
    ) -> bool:
        """Queue the delivery if the subscription is one of ours (True), else False."""
        for trigger in self._of(TopicTrigger):
            if trigger.subscription_arn == subscription.arn:
                region = trigger.source_arn.split(":")[3]
                self._pending.append(
                    (
                        trigger,
                        _sns_record(trigger, region, message, message_id, subject, attributes),
                    )
                )
                return True
        return False

    def rule_matched(self, rule: Any, event: Mapping[str, Any]) -> None:
        for target in rule.targets:
            for trigger in self._of(RuleTrigger):
                if (
                    trigger.rule == rule.name
                    and target["Arn"] == trigger.function.config.function_arn
                ):
                    payload = json.loads(target["Input"]) if "Input" in target else _event(event)
                    self._pending.append((trigger, payload))

    # -- delivery, on the test's thread ---------------------------------------------------

    def drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            delivered = 0
            while True:
                batch = self._next_batch()
                if batch is None:
                    delivered += self._poll_queues()
                    if not self._pending:
                        break
                    continue
                trigger, records = batch
                if isinstance(trigger, RuleTrigger):
                    trigger._deliver(records[0])
                else:
                    trigger._deliver({"Records": records})
                delivered += 1
                if delivered > MAX_DELIVERIES_PER_CHANGE:
                    raise HarnessError(
                        f"more than {MAX_DELIVERIES_PER_CHANGE} trigger deliveries followed one "
                        f"change (last: {trigger.function.name} from {trigger.source_arn}); a "
                        "function is probably re-triggering itself. Lambda stops such loops too"
                    )
        finally:
            self._draining = False

    def _next_batch(self) -> tuple[Trigger, list[Record]] | None:
        if not self._pending:
            return None
        trigger, record = self._pending.popleft()
        records = [record]
        limit = trigger.batch_size if isinstance(trigger, StreamTrigger) else 1
        while len(records) < limit and self._pending and self._pending[0][0] is trigger:
            records.append(self._pending.popleft()[1])
        return trigger, records

    def _poll_queues(self) -> int:
        delivered = 0
        for trigger in self._of(QueueTrigger):
            delivered += _poll(trigger, self._sqs_client(trigger.region))
        return delivered

    def _of(self, kind: type[_T]) -> list[_T]:
        return [t for t in self.triggers if isinstance(t, kind)]


def _event(event: Mapping[str, Any]) -> Record:
    """The event as a target receives it (moto keeps `time` as epoch seconds internally)."""
    delivered = dict(event)
    if isinstance(delivered.get("time"), int | float):
        moment = datetime.fromtimestamp(delivered["time"], tz=timezone.utc)
        delivered["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered


def _sns_record(
    trigger: TopicTrigger,
    region: str,
    message: str,
    message_id: str,
    subject: str | None,
    attributes: Mapping[str, Any] | None,
) -> Record:
    signature = base64.b64encode(hashlib.sha256(message.encode()).digest() * 8).decode()
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": trigger.subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": _iso_ms(),
            "Signature": signature,
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
            "SimpleNotificationService-0000000000000000000000.pem",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {
                name: {"Type": value["Type"], "Value": value["Value"]}
                for name, value in (attributes or {}).items()
            },
            "Type": "Notification",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={trigger.subscription_arn}",
            "TopicArn": trigger.source_arn,
            "Subject": subject,
        },
    }


def _poll(trigger: QueueTrigger, sqs: Any) -> int:
    """One pass of the event source mapping over the visible messages; invokes made."""
    delivered = 0
    seen: set[str] = set()
    while True:
        received = sqs.receive_message(
            QueueUrl=trigger.queue_url,
            MaxNumberOfMessages=min(trigger.batch_size, 10),
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        received = [m for m in received if m["MessageId"] not in seen]
        if not received:
            return delivered
        seen.update(m["MessageId"] for m in received)
        records = [_sqs_record(trigger, m) for m in received]
        invocation = trigger._deliver({"Records": records})
        delivered += 1
        failed = _failed_ids(trigger, invocation, [m["MessageId"] for m in received])
        trigger.failed_message_ids.extend(failed)
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            # Failed messages are left alone: they return to the queue when their
            # visibility timeout runs out, as with a real event source mapping.
            sqs.delete_message_batch(
                QueueUrl=trigger.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )


def _failed_ids(trigger: QueueTrigger, invocation: Invocation, ids: Sequence[str]) -> set[str]:
    if not invocation.ok:
        return set(ids)
    if not trigger.report_batch_item_failures or not isinstance(invocation.result, dict):
        return set()
    failures = invocation.result.get("batchItemFailures") or []
    reported = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
    if not all(isinstance(i, str) and i in ids for i in reported):
        # An empty or unknown itemIdentifier fails the whole batch, as Lambda documents.
        return set(ids)
    return {i for i in reported if isinstance(i, str)}


def _sqs_record(trigger: QueueTrigger, message: Mapping[str, Any]) -> Record:
    attributes = {
        name: _sqs_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
    }
    record: Record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            k: v for k, v in message.get("Attributes", {}).items() if k != "AWSTraceHeader"
        },
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update(
        {
            "eventSource": "aws:sqs",
            "eventSourceARN": trigger.source_arn,
            "awsRegion": trigger.region,
        }
    )
    return record


def _sqs_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    converted["stringListValues"] = list(value.get("StringListValues", []))
    converted["binaryListValues"] = [
        base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])
    ]
    converted["dataType"] = value["DataType"]
    return converted


# -- the moto hook points -------------------------------------------------------------

_active: TriggerHub | None = None
_HOOK_MARK = "__pytest_lambda_hook__"
_hooks_lock = threading.Lock()


def activate(hub: TriggerHub | None) -> None:
    """Route moto's changes to `hub` (None: to nobody)."""
    global _active
    if hub is not None:
        _install_moto_hooks()
        if _active is None:
            add_invocation_listener(_after_invoke)
    else:
        remove_invocation_listener(_after_invoke)
    _active = hub


def _after_invoke(invocation: Invocation) -> None:
    hub = _active
    if hub is not None and threading.current_thread() is threading.main_thread():
        hub.drain()


def after_call(**kwargs: Any) -> None:
    """botocore `after-call` handler: deliver what the test's AWS call set off."""
    hub = _active
    if (
        hub is not None
        and threading.current_thread() is threading.main_thread()
        # Inside an inline handler: deliver after its invoke, as Lambda does asynchronously.
        and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    ):
        hub.drain()


def _install_moto_hooks() -> None:
    """Wrap moto's own notification points once per process; they forward to the active hub.

    These are moto 5 internals; tests/aws/test_aws_triggers.py checks each one exists so
    a moto upgrade that moves them fails loudly instead of silently dropping events.
    """
    with _hooks_lock:
        from moto.dynamodb.models.table import StreamShard
        from moto.events.models import Rule
        from moto.s3 import notifications
        from moto.sns.models import Subscription

        # Asked of moto itself, not of a flag: moto imported afresh (a pytester run in
        # the same process drops the modules it imported) has no hooks yet.
        if getattr(notifications.send_event, _HOOK_MARK, False):
            return
        send_event = notifications.send_event

        def s3_send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
            send_event(account_id, event_name, bucket, key)
            hub = _active
            if hub is not None:
                hub.s3_changed(str(getattr(event_name, "value", event_name)), bucket, key)

        setattr(s3_send_event, _HOOK_MARK, True)
        notifications.send_event = s3_send_event

        stream_add = StreamShard.add

        def add(self: Any, old: Any, new: Any) -> None:
            stream_add(self, old, new)
            hub = _active
            if hub is not None and self.items:
                hub.stream_changed(self.table, self.items[-1].to_json())

        StreamShard.add = add  # type: ignore[method-assign]

        publish = Subscription.publish

        def subscription_publish(
            self: Any,
            message: str,
            message_id: str,
            subject: str | None = None,
            message_attributes: dict[str, Any] | None = None,
            *args: Any,
            **kwargs: Any,
        ) -> None:
            hub = _active
            if hub is not None and self.protocol == "lambda":
                matcher = self._filter_policy_matcher
                if matcher is not None and not matcher.matches(message_attributes, message):
                    return
                if hub.sns_published(self, message, message_id, subject, message_attributes):
                    return
            publish(self, message, message_id, subject, message_attributes, *args, **kwargs)

        Subscription.publish = subscription_publish  # type: ignore[method-assign]

        send_to_targets = Rule.send_to_targets

        def rule_send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
            hub = _active
            if hub is not None and self.event_pattern.matches_event(event):
                hub.rule_matched(self, event)
            targets = self.targets
            # moto raises for Lambda targets it cannot deliver to; the hub delivers those.
            self.targets = [t for t in targets if ":lambda:" not in t["Arn"]]
            try:
                send_to_targets(self, event, transform_input)
            finally:
                self.targets = targets

        Rule.send_to_targets = rule_send_to_targets  # type: ignore[method-assign,assignment]


def hook_points() -> Iterable[tuple[str, Any]]:
    """The moto attributes the triggers depend on (for a test that guards moto upgrades)."""
    from moto.dynamodb.models.table import StreamShard
    from moto.events.models import Rule
    from moto.s3 import notifications
    from moto.sns.models import Subscription

    return [
        ("moto.s3.notifications.send_event", notifications.send_event),
        ("StreamShard.add", StreamShard.add),
        ("Subscription.publish", Subscription.publish),
        ("Rule.send_to_targets", Rule.send_to_targets),
    ]
