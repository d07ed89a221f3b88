"""AWS CloudFormation custom resource requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, Variant, factory, new_uuid, register
from ._schema import STR, enum, obj

CLOUDFORMATION_SCHEMA = obj(
    {
        "RequestType": enum("Create", "Update", "Delete"),
        "ResponseURL": STR,
        "StackId": STR,
        "RequestId": STR,
        "LogicalResourceId": STR,
        "ResourceType": STR,
    },
    {
        # CloudFormation always sends it, but the samples in AWS's own docs and SDKs omit it.
        "ServiceToken": STR,
        "PhysicalResourceId": STR,
        "ResourceProperties": obj(),
        "OldResourceProperties": obj(),
    },
)


@factory
def cloudformation_custom_resource(
    *,
    request_type: str = "Create",
    resource_type: str = "Custom::MyResource",
    logical_id: str = "MyCustomResource",
    properties: Mapping[str, Any] | None = None,
    old_properties: Mapping[str, Any] | None = None,
    physical_id: str | None = None,
    stack: str = "my-stack",
    function: str = "my-custom-resource",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A Create/Update/Delete request; Update and Delete carry the PhysicalResourceId."""
    if request_type not in ("Create", "Update", "Delete"):
        raise ValueError(f"request_type must be Create, Update or Delete, not {request_type!r}")
    token = f"arn:aws:lambda:{region}:{account}:function:{function}"
    stack_id = f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/{new_uuid()}"
    request_id = new_uuid()
    event: Event = {
        "RequestType": request_type,
        "ServiceToken": token,
        "ResponseURL": f"https://cloudformation-custom-resource-response-{region.replace('-', '')}"
        f".s3.amazonaws.com/arn%3Aaws%3Acloudformation%3A{region}%3A{account}%3Astack/{stack}/"
        f"{request_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200",
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": token, **(properties or {"Key": "Value"})},
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id or f"{stack}-{logical_id}-{new_uuid()[:12]}"
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": token, **(old_properties or {})}
    return event


register(
    "cloudformation-custom-resource",
    "AWS CloudFormation custom resource request",
    CLOUDFORMATION_SCHEMA,
    cloudformation_custom_resource,
    (
        Variant("update", "an Update request", {"request_type": "Update",
                                               "old_properties": {"Key": "Old"}}),
        Variant("delete", "a Delete request", {"request_type": "Delete"}),
    ),
)
