"""Amazon CloudWatch Logs: what its calls act on for IAM (the basic execution role's
actions are logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents)."""

from __future__ import annotations

from ...config import FunctionConfig
from ..calls import Call
from .base import Service, arn_prefix


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    if "logGroupName" not in p:
        return ["*"]
    group = f"{arn_prefix(config, 'logs')}log-group:{p['logGroupName']}"
    if "logStreamName" in p:
        return [f"{group}:log-stream:{p['logStreamName']}"]
    return [group]


SERVICE = Service("logs", iam_resources=iam_resources)
