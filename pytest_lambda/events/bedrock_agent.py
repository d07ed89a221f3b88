"""Amazon Bedrock Agents action group invocations (OpenAPI schema or function details)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import Event, Variant, factory, register
from ._schema import STR, arr, obj, str_map

_PARAMETER = obj({"name": STR, "type": STR, "value": STR})

BEDROCK_AGENT_SCHEMA = obj(
    {
        "messageVersion": STR,
        "agent": obj({"name": STR, "id": STR, "alias": STR, "version": STR}),
        "sessionId": STR,
    },
    {
        "actionGroup": STR,
        # The first Bedrock Agents payloads listed the action group(s) in an array.
        "actionGroups": arr(obj()),
        "inputText": STR,
        "apiPath": STR,
        "httpMethod": STR,
        "function": STR,
        "parameters": arr(_PARAMETER),
        "requestBody": obj({}, {"content": str_map(obj({}, {"properties": arr(_PARAMETER)}))}),
        "sessionAttributes": str_map(STR),
        "promptSessionAttributes": str_map(STR),
    },
)


def _parameters(values: Mapping[str, Any]) -> list[dict[str, str]]:
    types = {bool: "boolean", int: "integer", float: "number"}
    return [
        {"name": k, "type": types.get(type(v), "string"), "value": str(v)}
        for k, v in values.items()
    ]


@factory
def bedrock_agent(
    *,
    action_group: str = "ClaimManagementActionGroup",
    api_path: str = "/claims/{claimId}",
    http_method: str = "GET",
    function: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    body: Mapping[str, Any] | None = None,
    input_text: str = "What is the status of claim ABC12345?",
    session_attributes: Mapping[str, str] | None = None,
) -> Event:
    """An action group request; give `function` for function details instead of OpenAPI."""
    event: Event = {
        "messageVersion": "1.0",
        "agent": {"name": "insurance-agent", "id": "8ZXY0W8P1H", "alias": "TSTALIASID",
                  "version": "DRAFT"},
        "inputText": input_text,
        "sessionId": "123456789012345",
        "actionGroup": action_group,
    }
    params = _parameters(parameters if parameters is not None else {"claimId": "ABC12345"})
    if function is not None:
        event["function"] = function
    else:
        event["apiPath"] = api_path
        event["httpMethod"] = http_method
    event["parameters"] = params
    if body is not None and function is None:
        event["requestBody"] = {
            "content": {"application/json": {"properties": _parameters(body)}}
        }
    event["sessionAttributes"] = dict(session_attributes or {})
    event["promptSessionAttributes"] = {}
    return event


register(
    "bedrock-agent",
    "Amazon Bedrock Agents action group invocation",
    BEDROCK_AGENT_SCHEMA,
    bedrock_agent,
    (
        Variant(
            "function",
            "action group defined with function details",
            {"action_group": "VacationsActionGroup", "function": "submitVacationRequest",
             "parameters": {"startDate": "2030-03-15", "endDate": "2030-03-20"}},
        ),
    ),
)
