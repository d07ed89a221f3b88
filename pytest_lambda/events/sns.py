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
    topic_arn = f"arn:aws:sns:{region}:{account}:{topic}"
    subscription = f"{topic_arn}:{new_uuid()}"
    attributes = {
        name: {"Type": "Binary", "Value": b64(value)}
        if isinstance(value, bytes)
        else {"Type": "String", "Value": value}
        for name, value in (message_attributes or {}).items()
    }
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": new_uuid(),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": to_bytes(message).decode("utf-8"),
                    "Timestamp": iso_ms(),
                    "SignatureVersion": "1",
                    "Signature": amz_id(170) + "==",
                    "SigningCertUrl": f"{endpoint}/SimpleNotificationService-"
                    "9c6465fa7f48f5cacd23014631ec1136.pem",
                    "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn="
                    f"{subscription}",
                    "MessageAttributes": attributes,
                },
            }
        ]
    }


register("sns", "Amazon SNS notification", SNS_SCHEMA, sns)
