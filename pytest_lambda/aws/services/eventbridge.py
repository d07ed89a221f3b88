"""Amazon EventBridge: rules with event patterns, functions as their targets, and what
EventBridge calls act on for IAM. Its API (and SigV4 signing name) is `events`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ...config import FunctionConfig
from ...errors import HarnessError
from ...events.eventbridge import eventbridge_event, scheduled
from ...function import LambdaFunction
from ..calls import Call
from ..triggers import Record, Trigger, TriggerHub, active_hub
from .base import Account, HookPoints, Service, arn_prefix, check_name, is_hooked, mark_hooked

_RULE = re.compile(r"[.\-_A-Za-z0-9]{1,64}")


# -- create helper and handle -------------------------------------------------------------


def create_rule(
    aws: Account, name: str, pattern: Mapping[str, Any], *, bus: str = "default"
) -> Rule:
    """Create an EventBridge rule matching `pattern` on `bus`."""
    check_name("rule", name, _RULE, "1 to 64 of letters, digits, '.', '-', '_'")
    if not isinstance(pattern, Mapping) or not pattern:
        raise HarnessError(
            f"rule {name!r}: the event pattern must be a non-empty dict like "
            f"{{'source': ['my.app']}}, got {pattern!r}"
        )
    events = aws.client("events")
    if bus != "default":
        existing = events.list_event_buses(NamePrefix=bus)["EventBuses"]
        if not any(b["Name"] == bus for b in existing):
            events.create_event_bus(Name=bus)
    arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))[
        "RuleArn"
    ]
    return Rule(aws, name, bus, arn)


class Rule:
    """An EventBridge rule with an event pattern."""

    def __init__(self, aws: Account, name: str, bus: str, arn: str) -> None:
        self.aws = aws
        self.name = name
        self.bus = bus
        self.arn = arn

    def __repr__(self) -> str:
        return f"Rule({self.name!r}, bus={self.bus!r})"

    def notify(self, function: LambdaFunction, *, targeted: bool = False) -> RuleTrigger:
        """Make `function` a target of this rule (`targeted`: the rule already has it as a
        target, with whatever Input it gives, as a deployed template's rule does)."""
        if not targeted:
            self.aws.client("events").put_targets(
                Rule=self.name,
                EventBusName=self.bus,
                Targets=[{"Id": function.name[:64], "Arn": function.config.function_arn}],
            )
        trigger = RuleTrigger(function, self.arn, rule=self.name, bus=self.bus)
        self.aws.hub.add(trigger)
        return trigger


def schedule(
    aws: Account,
    function: LambdaFunction,
    name: str,
    arn: str,
    *,
    payload: Any = None,
) -> ScheduleTrigger:
    """A schedule that invokes `function` when the test fires it (nothing runs on a clock).

    `payload` is what the schedule's target sends (its Input); None: the event a scheduled
    EventBridge rule sends.
    """
    trigger = ScheduleTrigger(
        function, arn, name=name, payload=payload, region=aws.region, account=aws.account_id
    )
    aws.hub.add(trigger)
    return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class RuleTrigger(Trigger):
    kind = "eventbridge"

    rule: str = ""
    bus: str = "default"

    def event_of(self, records: list[Record]) -> dict[str, Any]:
        # A rule's target gets the event itself, one per invoke.
        return records[0]

    def kind_of(self, event: dict[str, Any]) -> str | None:
        # A target with an Input of its own gets that JSON instead of the event.
        return self.kind if "detail-type" in event else None

    def record(self, event: Mapping[str, Any]) -> Record:
        """The event as a target receives it, from moto's (which keeps `time` as epoch
        seconds until it delivers)."""
        moment = event.get("time")
        return eventbridge_event(
            source=event["source"],
            detail_type=event["detail-type"],
            detail=event.get("detail", {}),
            resources=event.get("resources", []),
            region=event["region"],
            account=event["account"],
            event_id=event.get("id"),
            time=datetime.fromtimestamp(float(moment), tz=timezone.utc)
            if isinstance(moment, int | float)
            else None,
        )


@dataclass
class ScheduleTrigger(Trigger):
    """A rate/cron schedule: `fire()` delivers what the schedule would at its next run."""

    kind = "scheduled"

    name: str = ""
    payload: Any = None
    region: str = ""
    account: str = ""

    def kind_of(self, event: dict[str, Any]) -> str | None:
        return self.kind if self.payload is None else None

    def fire(self, event: Any = None) -> Any:
        """Invoke the function as the schedule would (with `event`, if given); the
        Invocation."""
        if event is None:
            event = self.payload
        if event is None:
            event = scheduled(rule=self.name, region=self.region, account=self.account)
            event["resources"] = [self.source_arn]
        return self.deliver(event)


def _matched(hub: TriggerHub, rule: Any, event: Mapping[str, Any]) -> None:
    for target in rule.targets:
        for trigger in hub.of(RuleTrigger):
            if trigger.rule != rule.name or target["Arn"] != trigger.function.config.function_arn:
                continue
            payload = json.loads(target["Input"]) if "Input" in target else trigger.record(event)
            hub.queue(trigger, payload)


# -- moto hook ----------------------------------------------------------------------------


def install_moto_hook() -> None:
    """Wrap moto's delivery of a rule to its targets: Lambda targets go to the hub, after
    moto's own event pattern matching."""
    from moto.events.models import Rule as MotoRule

    if is_hooked(MotoRule.send_to_targets):
        return
    send_to_targets = MotoRule.send_to_targets

    def rule_send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        hub = active_hub()
        if hub is not None and self.event_pattern.matches_event(event):
            _matched(hub, self, event)
        targets = self.targets
        # moto raises for Lambda targets it cannot deliver to; the hub delivers those.
        self.targets = [t for t in targets if ":lambda:" not in t["Arn"]]
        try:
            send_to_targets(self, event, transform_input)
        finally:
            self.targets = targets

    MotoRule.send_to_targets = mark_hooked(rule_send_to_targets)  # type: ignore[method-assign]


def hook_points() -> HookPoints:
    from moto.events.models import Rule as MotoRule

    return [("Rule.send_to_targets", MotoRule.send_to_targets)]


# -- IAM -----------------------------------------------------------------------------------


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    prefix = arn_prefix(config, "events")
    if call.operation == "PutEvents":
        buses = {e.get("EventBusName") or "default" for e in p.get("Entries", [])}
        return [b if b.startswith("arn:") else f"{prefix}event-bus/{b}" for b in sorted(buses)]
    if "Name" in p and "Rule" in call.operation:
        return [f"{prefix}rule/{p['Name']}"]
    return ["*"]


SERVICE = Service(
    "events",
    iam_resources=iam_resources,
    install_moto_hook=install_moto_hook,
    hook_points=hook_points,
)
