"""Amazon SNS notifications delivered to a Lambda subscription."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    amz_id,
    b64,
    factory,
    iso_ms,
    new_uuid,
    register,
    to_bytes,
)
from ._schema import ARN, STR, nullable, obj, records, str_map

_RECORD = obj(
    {
        "EventSource": {"const": "aws:sns"},
        "EventVersion": STR,
        "EventSubscriptionArn": STR,
        "Sns": obj(
            {
                "Type": STR,
                "MessageId": STR,
                "TopicArn": ARN,
                "Message": STR,
                "Timestamp": STR,
            },
            {
                "Subject": nullable(STR),
                "SignatureVersion": STR,
                "Signature": STR,
                "SigningCertUrl": STR,
                "SigningCertURL": STR,
                "UnsubscribeUrl": STR,
                "UnsubscribeURL": STR,
                "MessageAttributes": str_map(obj({"Type": STR, "Value": STR})),
            },
        ),
    }
)
SNS_SCHEMA = records(_RECORD)


def sns_record(
    *,
    message: str,
    topic_arn: str,
    subscription_arn: str | None = None,
    message_id: str | None = None,
    subject: str | None = None,
    message_attributes: Mapping[str, Mapping[str, str]] | None = None,
) -> Event:
    """One SNS notification record as delivered to a `lambda` subscription.

    `message_attributes` are as SNS delivers them: {name: {"Type": ..., "Value": ...}}.
    The sns factory builds its record here, and so do the `aws` fixture's topic triggers.
    """
    region = topic_arn.split(":")[3]
    subscription = subscription_arn or f"{topic_arn}:{new_uuid()}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription,
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id or new_uuid(),
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_ms(),
            "SignatureVersion": "1",
            "Signature": amz_id(170) + "==",
            "SigningCertUrl": f"{endpoint}/SimpleNotificationService-"
            "9c6465fa7f48f5cacd23014631ec1136.pem",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription}",
            "MessageAttributes": {
                name: {"Type": value["Type"], "Value": value["Value"]}
                for name, value in (message_attributes or {}).items()
            },
        },
    }


@factory
def sns(
    *,
    message: str | dict[str, Any] | list[Any] = "Hello from SNS!",
    subject: str | None = "TestInvoke",
    topic: str = "sns-lambda",
    message_attributes: Mapping[str, str | bytes] | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """One SNS notification (Lambda gets one record per invocation); dict messages are JSON."""
    attributes = {
        name: {"Type": "Binary", "Value": b64(value)}
        if isinstance(value, bytes)
        else {"Type": "String", "Value": value}
        for name, value in (message_attributes or {}).items()
    }
    record = sns_record(
        message=to_bytes(message).decode("utf-8"),
        topic_arn=f"arn:aws:sns:{region}:{account}:{topic}",
        subject=subject,
        message_attributes=attributes,
    )
    return {"Records": [record]}


register("sns", "Amazon SNS notification", SNS_SCHEMA, sns)
