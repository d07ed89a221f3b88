"""AWS Config custom rule evaluations."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    amz_id,
    factory,
    hex_id,
    iso_ms,
    register,
)
from ._schema import BOOL, STR, obj

CONFIG_SCHEMA = obj(
    {"invokingEvent": STR, "resultToken": STR, "configRuleName": STR, "accountId": STR},
    {
        "ruleParameters": STR,
        "eventLeftScope": BOOL,
        "executionRoleArn": STR,
        "configRuleArn": STR,
        "configRuleId": STR,
        "version": STR,
        "evaluationMode": STR,
    },
)


@factory
def config(
    *,
    rule_name: str = "change-triggered-config-rule",
    resource_type: str = "AWS::EC2::Instance",
    resource_id: str = "i-0123456789abcdef0",
    configuration: Mapping[str, Any] | None = None,
    rule_parameters: Mapping[str, Any] | None = None,
    message_type: str = "ConfigurationItemChangeNotification",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A configuration-change (or ScheduledNotification) evaluation; invokingEvent is JSON text."""
    captured = iso_ms()
    invoking: dict[str, Any]
    if message_type == "ScheduledNotification":
        invoking = {
            "awsAccountId": account,
            "notificationCreationTime": captured,
            "messageType": "ScheduledNotification",
            "recordVersion": "1.0",
        }
    else:
        invoking = {
            "configurationItem": {
                "configurationItemCaptureTime": captured,
                "awsAccountId": account,
                "configurationItemStatus": "OK",
                "resourceId": resource_id,
                "ARN": f"arn:aws:ec2:{region}:{account}:instance/{resource_id}",
                "awsRegion": region,
                "availabilityZone": f"{region}a",
                "resourceType": resource_type,
                "tags": {"Foo": "Bar"},
                "relationships": [],
                "configuration": dict(configuration or {"instanceType": "t3.micro"}),
            },
            "notificationCreationTime": captured,
            "messageType": message_type,
            "recordVersion": "1.3",
        }
    rule_id = "config-rule-" + hex_id(6)
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(dict(rule_parameters or {"desiredInstanceType": "t3.micro"})),
        "resultToken": amz_id(64),
        "eventLeftScope": False,
        "executionRoleArn": f"arn:aws:iam::{account}:role/config-role",
        "configRuleArn": f"arn:aws:config:{region}:{account}:config-rule/{rule_id}",
        "configRuleName": rule_name,
        "configRuleId": rule_id,
        "accountId": account,
        "evaluationMode": "DETECTIVE",
    }


register(
    "config",
    "AWS Config custom rule evaluation",
    CONFIG_SCHEMA,
    config,
    (Variant("scheduled", "periodic evaluation", {"message_type": "ScheduledNotification"}),),
)
