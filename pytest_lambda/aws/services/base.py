"""What every service module provides, and what its handles need from the `aws` fixture."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ...config import FunctionConfig
from ...errors import HarnessError
from ..calls import Call
from ..triggers import TriggerHub

HookPoints = list[tuple[str, Any]]


@dataclass(frozen=True)
class Service:
    """One AWS service as the AWS layer knows it (see the services README).

    `name` is the SigV4 signing name its requests carry. `iam_resources(call, config)`
    lists the ARNs a call acts on as IAM evaluates them ("*" where AWS checks none);
    `iam_action(call)` is only needed where the action is not `<name>:<Operation>` (S3's
    REST API). `install_moto_hook()` wraps the point in moto where the service's changes
    can be seen, to trigger functions; `hook_points()` names those moto attributes, so
    that a moto upgrade that moves one fails a test instead of silently dropping events.
    `iam_context(call)` gives the service's condition keys a call sets (s3:prefix, ...).
    """

    name: str
    iam_resources: Callable[[Call, FunctionConfig], list[str]]
    iam_action: Callable[[Call], str] | None = None
    install_moto_hook: Callable[[], None] | None = None
    hook_points: Callable[[], HookPoints] | None = None
    iam_context: Callable[[Call], dict[str, str]] | None = None


class Account(Protocol):
    """What a service's create helper and handles use of the `aws` fixture (`AWS`)."""

    region: str
    account_id: str
    hub: TriggerHub

    def client(self, name: str, region: str | None = None) -> Any: ...

    def resource(self, name: str, region: str | None = None) -> Any: ...


def check_name(kind: str, name: object, pattern: re.Pattern[str], rule: str) -> str:
    """The name, or a HarnessError naming the rule AWS would refuse it by."""
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise HarnessError(f"{kind} name {name!r} would be refused by AWS: {rule}")
    return name


# Set on the wrappers put into moto: asked of moto itself, since moto imported afresh (a
# pytester run in the same process drops the modules it imported) has none yet.
_HOOK_MARK = "__pytest_lambda_hook__"


def is_hooked(point: object) -> bool:
    return bool(getattr(point, _HOOK_MARK, False))


def mark_hooked(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    setattr(wrapper, _HOOK_MARK, True)
    return wrapper


def arn_prefix(config: FunctionConfig, service: str) -> str:
    """The ARN prefix of `service` resources in the function's Region and account."""
    return f"arn:aws:{service}:{config.region}:{config.account_id}:"
