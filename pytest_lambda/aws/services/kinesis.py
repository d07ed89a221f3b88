"""Amazon Kinesis Data Streams: streams, an event source mapping that reads their shards
for a function, and what Kinesis calls act on for IAM. No moto hook: Lambda polls a
stream's shards, and so does the trigger."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...config import FunctionConfig
from ...errors import HarnessError
from ...events.kinesis import kinesis_record
from ...function import LambdaFunction
from ..calls import Call
from ..triggers import Trigger
from .base import Account, Service, arn_prefix, check_name

_STREAM = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
STARTING_POSITIONS = ("LATEST", "TRIM_HORIZON")


# -- create helper and handle -------------------------------------------------------------


def create_stream(aws: Account, name: str, shards: int = 1) -> Stream:
    """Create a provisioned stream with `shards` shards."""
    check_name("stream", name, _STREAM, "1 to 128 of letters, digits, '_', '-' and '.'")
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise HarnessError(f"stream {name!r}: shards must be a whole number, 1 or more")
    aws.client("kinesis").create_stream(StreamName=name, ShardCount=shards)
    return Stream(aws, name)


class Stream:
    """A Kinesis data stream in the mocked account."""

    def __init__(self, aws: Account, name: str) -> None:
        self.aws = aws
        self.name = name
        summary = aws.client("kinesis").describe_stream_summary(StreamName=name)
        self.arn: str = summary["StreamDescriptionSummary"]["StreamARN"]

    def __repr__(self) -> str:
        return f"Stream({self.name!r})"

    def put(self, data: bytes | str, partition_key: str = "1") -> str:
        """Put one record; its sequence number."""
        body = data.encode() if isinstance(data, str) else data
        sent = self.aws.client("kinesis").put_record(
            StreamName=self.name, Data=body, PartitionKey=partition_key
        )
        sequence: str = sent["SequenceNumber"]
        return sequence

    def notify(
        self,
        function: LambdaFunction,
        *,
        batch_size: int = 100,
        starting_position: str = "LATEST",
    ) -> StreamRecordsTrigger:
        """Let `function` read this stream as an event source mapping would: from now on
        (LATEST) or from the oldest record kept (TRIM_HORIZON)."""
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or not 1 <= batch_size <= 10_000
        ):
            raise HarnessError(
                f"batch_size for stream {self.name!r} must be 1 to 10,000, got {batch_size!r}"
            )
        if starting_position not in STARTING_POSITIONS:
            raise HarnessError(
                f"starting_position for stream {self.name!r} must be one of "
                f"{', '.join(STARTING_POSITIONS)}, got {starting_position!r}"
            )
        client = self.aws.client("kinesis")
        shards = client.list_shards(StreamName=self.name)["Shards"]
        iterators = {
            shard["ShardId"]: client.get_shard_iterator(
                StreamName=self.name,
                ShardId=shard["ShardId"],
                ShardIteratorType=starting_position,
            )["ShardIterator"]
            for shard in shards
        }
        trigger = StreamRecordsTrigger(
            function,
            self.arn,
            kinesis=client,
            batch_size=batch_size,
            region=self.aws.region,
            account=self.aws.account_id,
            iterators=iterators,
        )
        self.aws.hub.add(trigger)
        return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class StreamRecordsTrigger(Trigger):
    kind = "kinesis"

    kinesis: Any = field(default=None, repr=False)
    batch_size: int = 100
    region: str = ""
    account: str = ""
    iterators: dict[str, str] = field(default_factory=dict, repr=False)

    def poll(self) -> int:
        """Read each shard from where the mapping left off; one invoke per batch."""
        delivered = 0
        for shard_id, iterator in list(self.iterators.items()):
            while True:
                answer = self.kinesis.get_records(ShardIterator=iterator, Limit=self.batch_size)
                self.iterators[shard_id] = iterator = answer["NextShardIterator"]
                if not answer["Records"]:
                    break
                records = [
                    kinesis_record(
                        data=record["Data"],
                        partition_key=record["PartitionKey"],
                        sequence_number=record["SequenceNumber"],
                        arrival_timestamp=record["ApproximateArrivalTimestamp"].timestamp(),
                        shard_id=shard_id,
                        stream_arn=self.source_arn,
                        region=self.region,
                        account=self.account,
                    )
                    for record in answer["Records"]
                ]
                self.deliver({"Records": records})
                delivered += 1
        return delivered


# -- IAM -----------------------------------------------------------------------------------


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    if "StreamARN" in p:
        return [str(p["StreamARN"])]
    if "StreamName" in p:
        return [f"{arn_prefix(config, 'kinesis')}stream/{p['StreamName']}"]
    return ["*"]


SERVICE = Service("kinesis", iam_resources=iam_resources)
