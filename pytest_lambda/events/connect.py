"""Amazon Connect contact flow invocations."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, factory, new_uuid, register
from ._schema import STR, obj, str_map

CONNECT_SCHEMA = obj(
    {
        "Name": {"const": "ContactFlowEvent"},
        "Details": obj(
            {"ContactData": obj({"ContactId": STR}, {"Channel": STR, "InstanceARN": STR})},
            {"Parameters": str_map(STR)},
        ),
    }
)


@factory
def connect(
    *,
    parameters: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
    channel: str = "VOICE",
    customer_number: str = "+12065550100",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """An 'Invoke AWS Lambda function' block in a contact flow."""
    contact_id = new_uuid()
    instance = f"arn:aws:connect:{region}:{account}:instance/{new_uuid()}"
    return {
        "Details": {
            "ContactData": {
                "Attributes": dict(attributes or {}),
                "Channel": channel,
                "ContactId": contact_id,
                "CustomerEndpoint": {"Address": customer_number, "Type": "TELEPHONE_NUMBER"},
                "Description": None,
                "InitialContactId": contact_id,
                "InitiationMethod": "INBOUND",
                "InstanceARN": instance,
                "LanguageCode": "en-US",
                "MediaStreams": {"Customer": {"Audio": None}},
                "Name": None,
                "PreviousContactId": contact_id,
                "Queue": {"ARN": f"{instance}/queue/{new_uuid()}", "Name": "BasicQueue"},
                "References": {},
                "SystemEndpoint": {"Address": "+12065550199", "Type": "TELEPHONE_NUMBER"},
            },
            "Parameters": dict(parameters or {"sentAttributeKey": "sentAttributeValue"}),
        },
        "Name": "ContactFlowEvent",
    }


register("connect", "Amazon Connect contact flow invocation", CONNECT_SCHEMA, connect)
