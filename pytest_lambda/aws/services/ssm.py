"""AWS Systems Manager Parameter Store: what its calls act on for IAM (`aws.ssm`)."""

from __future__ import annotations

from ...config import FunctionConfig
from ..calls import Call
from .base import Service, arn_prefix


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    names = [p["Name"]] if "Name" in p else list(p.get("Names", []))
    prefix = arn_prefix(config, "ssm")
    return [f"{prefix}parameter/{str(n).lstrip('/')}" for n in names] or ["*"]


SERVICE = Service("ssm", iam_resources=iam_resources)
