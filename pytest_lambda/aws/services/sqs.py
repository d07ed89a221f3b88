"""Amazon SQS: queues, an event source mapping that polls them for a function, and what
SQS calls act on for IAM. No moto hook: Lambda polls SQS, and so does the trigger."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...config import FunctionConfig
from ...errors import HarnessError
from ...events.sqs import sqs_record_from_message
from ...function import LambdaFunction
from ...invocation import Invocation
from ..calls import Call
from ..triggers import Trigger
from .base import Account, Service, arn_prefix, check_name

_QUEUE = re.compile(r"[a-zA-Z0-9_-]{1,80}")


# -- create helper and handle -------------------------------------------------------------


def create_queue(
    aws: Account,
    name: str,
    fifo: bool = False,
    *,
    visibility_timeout: int | None = None,
    attributes: Mapping[str, str] | None = None,
) -> Queue:
    """Create an SQS queue (a FIFO queue's name gets its `.fifo` suffix if missing)."""
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    if not fifo and name.endswith(".fifo"):
        raise HarnessError(f"queue name {name!r} ends with .fifo: pass fifo=True")
    base = name[: -len(".fifo")] if fifo else name
    check_name("queue", base, _QUEUE, "1 to 80 letters, digits, '-' or '_'")
    attrs = dict(attributes or {})
    if fifo:
        attrs.setdefault("FifoQueue", "true")
        attrs.setdefault("ContentBasedDeduplication", "true")
    if visibility_timeout is not None:
        attrs["VisibilityTimeout"] = str(visibility_timeout)
    url = aws.client("sqs").create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return Queue(aws, name, url, aws.region)


class Queue:
    """An SQS queue in the mocked account."""

    def __init__(self, aws: Account, name: str, url: str, region: str) -> None:
        self.aws = aws
        self.name = name
        self.url = url
        self.region = region
        self.arn = f"arn:aws:sqs:{region}:{aws.account_id}:{name}"

    def __repr__(self) -> str:
        return f"Queue({self.name!r})"

    def send(self, body: str | Mapping[str, Any], **kwargs: Any) -> str:
        text = body if isinstance(body, str) else json.dumps(body)
        sent = self.aws.client("sqs", self.region).send_message(
            QueueUrl=self.url, MessageBody=text, **kwargs
        )
        message_id: str = sent["MessageId"]
        return message_id

    def attribute(self, name: str) -> str:
        value: str = self.aws.client("sqs", self.region).get_queue_attributes(
            QueueUrl=self.url, AttributeNames=[name]
        )["Attributes"][name]
        return value

    def notify(
        self,
        function: LambdaFunction,
        *,
        batch_size: int = 10,
        report_batch_item_failures: bool = True,
        deliver_waiting: bool = True,
    ) -> QueueTrigger:
        """Let `function` consume this queue as an event source mapping would (and, with
        `deliver_waiting`, at once take the messages already there)."""
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
            sqs=self.aws.client("sqs", self.region),
            batch_size=batch_size,
            report_batch_item_failures=report_batch_item_failures,
        )
        self.aws.hub.add(trigger)
        if deliver_waiting:
            self.aws.hub.drain()
        return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class QueueTrigger(Trigger):
    kind = "sqs"

    queue_url: str = ""
    sqs: Any = field(default=None, repr=False)
    batch_size: int = 10
    report_batch_item_failures: bool = True
    failed_message_ids: list[str] = field(default_factory=list, init=False)

    def poll(self) -> int:
        """One pass of the event source mapping over the visible messages; invokes made."""
        delivered = 0
        seen: set[str] = set()
        while True:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(self.batch_size, 10),
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            received = [m for m in received if m["MessageId"] not in seen]
            if not received:
                return delivered
            seen.update(m["MessageId"] for m in received)
            records = [sqs_record_from_message(m, queue_arn=self.source_arn) for m in received]
            invocation = self.deliver({"Records": records})
            delivered += 1
            failed = self._failed_ids(invocation, [m["MessageId"] for m in received])
            self.failed_message_ids.extend(failed)
            done = [m for m in received if m["MessageId"] not in failed]
            if done:
                # Failed messages are left alone: they return to the queue when their
                # visibility timeout runs out, as with a real event source mapping.
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done)
                    ],
                )

    def _failed_ids(self, invocation: Invocation, ids: Sequence[str]) -> set[str]:
        if not invocation.ok:
            return set(ids)
        if not self.report_batch_item_failures or not isinstance(invocation.result, dict):
            return set()
        failures = invocation.result.get("batchItemFailures") or []
        reported = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        if not all(isinstance(i, str) and i in ids for i in reported):
            # An empty or unknown itemIdentifier fails the whole batch, as Lambda documents.
            return set(ids)
        return {i for i in reported if isinstance(i, str)}


# -- IAM -----------------------------------------------------------------------------------


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    url = p.get("QueueUrl")
    name = urlsplit(str(url)).path.rstrip("/").rsplit("/", 1)[-1] if url else p.get("QueueName")
    return [f"{arn_prefix(config, 'sqs')}{name}"] if name else ["*"]


SERVICE = Service("sqs", iam_resources=iam_resources)
