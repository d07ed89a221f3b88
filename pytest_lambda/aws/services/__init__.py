"""AWS services, one module per service, as moto lays out its backends (see README.md).

Each module holds all the harness knows of its service: the create helper behind
`aws.bucket(...)` and the like, the resource handle it returns, the trigger its `notify()`
adds, the moto hook that sees the service's changes, and the IAM resources its calls act
on. This package gathers them for the rest of the AWS layer: the moto server's permission
check asks `iam_action`/`iam_resources`, the `aws` fixture installs the moto hooks.
"""

from __future__ import annotations

import threading

from ...config import FunctionConfig
from ..calls import Call
from . import dynamodb, eventbridge, kinesis, logs, s3, secretsmanager, sns, sqs, ssm
from .base import HookPoints, Service

SERVICES: dict[str, Service] = {
    module.SERVICE.name: module.SERVICE
    for module in (dynamodb, eventbridge, kinesis, logs, s3, secretsmanager, sns, sqs, ssm)
}

# IAM action prefixes that differ from the SigV4 signing name of services without a
# module of their own.
_ACTION_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
_hooks_lock = threading.Lock()


def iam_action(call: Call) -> str:
    """The IAM action a call needs (`service:Operation` unless its service says otherwise)."""
    service = SERVICES.get(call.service)
    if service is not None and service.iam_action is not None:
        return service.iam_action(call)
    return f"{_ACTION_PREFIX.get(call.service, call.service)}:{call.operation}"


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    """The ARNs a call acts on, as IAM evaluates them ("*" where the harness knows none)."""
    service = SERVICES.get(call.service)
    return service.iam_resources(call, config) if service is not None else ["*"]


def iam_context(call: Call) -> dict[str, str]:
    """The service's condition keys the call sets (s3:prefix, ...), for Condition blocks."""
    service = SERVICES.get(call.service)
    if service is None or service.iam_context is None:
        return {}
    return service.iam_context(call)


def install_moto_hooks() -> None:
    """Wrap each service's change point in moto (once per moto import)."""
    with _hooks_lock:
        for service in SERVICES.values():
            if service.install_moto_hook is not None:
                service.install_moto_hook()


def hook_points() -> HookPoints:
    """The moto attributes the triggers depend on (for a test that guards moto upgrades)."""
    points: HookPoints = []
    for service in SERVICES.values():
        if service.hook_points is not None:
            points.extend(service.hook_points())
    return points
