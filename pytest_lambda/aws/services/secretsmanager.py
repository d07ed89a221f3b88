"""AWS Secrets Manager: what its calls act on for IAM (`aws.secretsmanager` is a client).

A secret's ARN ends in a random suffix AWS adds; the harness names the secret without it.
"""

from __future__ import annotations

from ...config import FunctionConfig
from ..calls import Call
from .base import Service, arn_prefix


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    secret = p.get("SecretId") or p.get("Name")
    if not secret:
        return ["*"]
    if str(secret).startswith("arn:"):
        return [str(secret)]
    return [f"{arn_prefix(config, 'secretsmanager')}secret:{secret}"]


SERVICE = Service("secretsmanager", iam_resources=iam_resources)
