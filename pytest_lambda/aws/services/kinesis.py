"""Amazon Kinesis Data Streams: what its calls act on for IAM (`aws.kinesis` is a client)."""

from __future__ import annotations

from ...config import FunctionConfig
from ..calls import Call
from .base import Service, arn_prefix


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    if "StreamARN" in p:
        return [str(p["StreamARN"])]
    if "StreamName" in p:
        return [f"{arn_prefix(config, 'kinesis')}stream/{p['StreamName']}"]
    return ["*"]


SERVICE = Service("kinesis", iam_resources=iam_resources)
