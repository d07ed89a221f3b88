"""AWS IoT: IoT button and 1-Click devices, registry events and custom authorizer requests.

The events share the coarse kind `iot`; `subtype` picks the documented shape.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._core import DEFAULT_ACCOUNT, Event, Variant, epoch_ms, factory, iso_ms, new_uuid, register
from ._schema import BOOL, INT, STR, arr, enum, obj, str_map

_BUTTON = obj({"serialNumber": STR, "clickType": enum("SINGLE", "DOUBLE", "LONG")},
              {"batteryVoltage": STR})
_ONE_CLICK = obj({"deviceEvent": obj(), "deviceInfo": obj({"deviceId": STR})},
                 {"placementInfo": obj()})
_REGISTRY = obj({"eventType": STR, "eventId": STR, "timestamp": INT},
                {"operation": STR, "accountId": STR})
_AUTHORIZER = obj(
    {"token": STR},
    {"signatureVerified": BOOL, "protocols": arr(STR), "protocolData": obj(),
     "connectionMetadata": obj({}, {"id": STR})},
)
_PREPROVISION = obj({"claimCertificateId": STR, "certificateId": STR, "templateArn": STR},
                    {"certificatePem": STR, "clientId": STR, "parameters": str_map(STR)})
IOT_SCHEMA = {"anyOf": [_BUTTON, _ONE_CLICK, _REGISTRY, _AUTHORIZER, _PREPROVISION]}

SUBTYPES = ("button", "1-click", "registry", "custom-authorizer")


@factory
def iot(
    *,
    subtype: str = "button",
    serial_number: str = "G030JF055364XVRB",
    click_type: str = "SINGLE",
    thing_name: str = "MyThing",
    attributes: Mapping[str, str] | None = None,
    token: str = "aToken",
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """An IoT event: subtype "button", "1-click", "registry" (THING_EVENT CREATED) or
    "custom-authorizer"."""
    if subtype == "button":
        return {"serialNumber": serial_number, "clickType": click_type, "batteryVoltage": "1705mV"}
    if subtype == "1-click":
        return {
            "deviceEvent": {"buttonClicked": {"clickType": click_type, "reportedTime": iso_ms()}},
            "deviceInfo": {
                "attributes": dict(attributes or {}),
                "type": "button",
                "deviceId": serial_number,
                "remainingLife": 99.5,
            },
            "placementInfo": {
                "projectName": "my-project",
                "placementName": "my-placement",
                "attributes": {"location": "Seattle"},
                "devices": {"myButton": serial_number},
            },
        }
    if subtype == "registry":
        return {
            "eventType": "THING_EVENT",
            "eventId": new_uuid(),
            "timestamp": epoch_ms(),
            "operation": "CREATED",
            "accountId": account,
            "thingId": new_uuid(),
            "thingName": thing_name,
            "versionNumber": 1,
            "thingTypeName": None,
            "attributes": dict(attributes or {"attribute1": "value1"}),
        }
    if subtype == "custom-authorizer":
        return {
            "token": token,
            "signatureVerified": False,
            "protocols": ["tls", "mqtt"],
            "protocolData": {
                "tls": {"serverName": "example-ats.iot.us-east-1.amazonaws.com"},
                "mqtt": {"username": "myUserName", "password": "bXlQYXNzd29yZA==",
                         "clientId": thing_name},
            },
            "connectionMetadata": {"id": new_uuid()},
        }
    raise ValueError(f"subtype must be one of {', '.join(SUBTYPES)}, not {subtype!r}")


register(
    "iot",
    "AWS IoT event (button, 1-Click, registry event or custom authorizer)",
    IOT_SCHEMA,
    iot,
    tuple(Variant(s, f"IoT {s} event", {"subtype": s}) for s in SUBTYPES[1:]),
)
