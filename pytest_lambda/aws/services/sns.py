"""Amazon SNS: topics, `lambda` subscriptions that invoke functions, and what SNS calls act
on for IAM."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...config import FunctionConfig
from ...events.sns import sns_record
from ...function import LambdaFunction
from ..calls import Call
from ..triggers import Record, Trigger, TriggerHub, active_hub
from .base import Account, HookPoints, Service, arn_prefix, check_name, is_hooked, mark_hooked

_TOPIC = re.compile(r"[a-zA-Z0-9_-]{1,256}")


# -- create helper and handle -------------------------------------------------------------


def create_topic(aws: Account, name: str, fifo: bool = False) -> Topic:
    """Create an SNS topic."""
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    base = name[: -len(".fifo")] if fifo else name
    check_name("topic", base, _TOPIC, "1 to 256 letters, digits, '-' or '_'")
    attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    arn = aws.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return Topic(aws, name, arn)


class Topic:
    """An SNS topic in the mocked account."""

    def __init__(self, aws: Account, name: str, arn: str) -> None:
        self.aws = aws
        self.name = name
        self.arn = arn

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"

    def publish(self, message: str | Mapping[str, Any], **kwargs: Any) -> str:
        text = message if isinstance(message, str) else json.dumps(message)
        published = self.aws.client("sns").publish(TopicArn=self.arn, Message=text, **kwargs)
        message_id: str = published["MessageId"]
        return message_id

    def subscribe(
        self, protocol: str, endpoint: str, attributes: Mapping[str, str] | None = None
    ) -> str:
        """Subscribe an endpoint that is not a function (a queue, an address); its ARN."""
        arn: str = self.aws.client("sns").subscribe(
            TopicArn=self.arn,
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=dict(attributes or {}),
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return arn

    def notify(
        self,
        function: LambdaFunction,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_policy_scope: str | None = None,
    ) -> TopicTrigger:
        """Subscribe `function` (protocol `lambda`) to this topic."""
        attributes = {} if filter_policy is None else {"FilterPolicy": json.dumps(filter_policy)}
        if filter_policy_scope is not None:
            attributes["FilterPolicyScope"] = filter_policy_scope
        subscription = self.aws.client("sns").subscribe(
            TopicArn=self.arn,
            Protocol="lambda",
            Endpoint=function.config.function_arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        trigger = TopicTrigger(function, self.arn, subscription_arn=subscription)
        self.aws.hub.add(trigger)
        return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class TopicTrigger(Trigger):
    kind = "sns"

    subscription_arn: str = ""

    def record(
        self,
        message: str,
        message_id: str,
        subject: str | None,
        attributes: Mapping[str, Mapping[str, str]] | None,
    ) -> Record:
        return sns_record(
            message=message,
            topic_arn=self.source_arn,
            subscription_arn=self.subscription_arn,
            message_id=message_id,
            subject=subject,
            message_attributes=attributes,
        )


def _published(
    hub: TriggerHub,
    subscription: Any,
    message: str,
    message_id: str,
    subject: str | None,
    attributes: Mapping[str, Any] | None,
) -> bool:
    """Queue the delivery if the subscription is one of the hub's (True), else False."""
    for trigger in hub.of(TopicTrigger):
        if trigger.subscription_arn == subscription.arn:
            hub.queue(trigger, trigger.record(message, message_id, subject, attributes))
            return True
    return False


# -- moto hook ----------------------------------------------------------------------------


def install_moto_hook() -> None:
    """Wrap moto's delivery to a subscription: `lambda` ones reach the hub, after moto's
    own filter policy matching."""
    from moto.sns.models import Subscription

    if is_hooked(Subscription.publish):
        return
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
        hub = active_hub()
        if hub is not None and self.protocol == "lambda":
            matcher = self._filter_policy_matcher
            if matcher is not None and not matcher.matches(message_attributes, message):
                return
            if _published(hub, self, message, message_id, subject, message_attributes):
                return
        publish(self, message, message_id, subject, message_attributes, *args, **kwargs)

    Subscription.publish = mark_hooked(subscription_publish)  # type: ignore[method-assign]


def hook_points() -> HookPoints:
    from moto.sns.models import Subscription

    return [("Subscription.publish", Subscription.publish)]


# -- IAM -----------------------------------------------------------------------------------


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    arn = p.get("TopicArn") or p.get("TargetArn")
    if arn:
        return [str(arn)]
    return [f"{arn_prefix(config, 'sns')}{p['Name']}"] if "Name" in p else ["*"]


SERVICE = Service(
    "sns",
    iam_resources=iam_resources,
    install_moto_hook=install_moto_hook,
    hook_points=hook_points,
)
