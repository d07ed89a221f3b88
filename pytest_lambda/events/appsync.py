"""AWS AppSync: direct Lambda resolvers (single or batched), Lambda authorizers, Events API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, Variant, factory, new_uuid, register
from ._schema import ANY, STR, arr, nullable, obj, str_map

_HOST = "abcdefghijklmnopqrstuvwxyz.appsync-api.{region}.amazonaws.com"

_RESOLVER = obj(
    {},
    {
        "arguments": nullable(str_map(ANY)),
        "identity": ANY,
        "source": ANY,
        "request": nullable(obj({}, {"headers": nullable(str_map(ANY))})),
        "prev": ANY,
        "info": obj(
            {"fieldName": STR, "parentTypeName": STR},
            {"selectionSetList": arr(STR), "selectionSetGraphQL": STR, "variables": ANY},
        ),
        "stash": ANY,
        # A payload of the resolver's own making names the field at the top level.
        "fieldName": STR,
        "parentTypeName": STR,
        "typeName": STR,
    },
)
APPSYNC_SCHEMA: dict[str, Any] = {"anyOf": [_RESOLVER, arr(_RESOLVER, min_items=1)]}


def _resolver(
    field_name: str, parent_type: str, arguments: Mapping[str, Any], region: str,
    source: Mapping[str, Any] | None, names_at_top: bool,
) -> Event:
    if names_at_top:
        return {
            "parentTypeName": parent_type,
            "fieldName": field_name,
            "arguments": dict(arguments),
            "identity": None,
            "source": dict(source) if source is not None else None,
            "request": {"headers": {"content-type": "application/json",
                                    "host": _HOST.format(region=region)}},
            "prev": None,
        }
    return {
        "arguments": dict(arguments),
        "identity": None,
        "source": dict(source) if source is not None else None,
        "request": {
            "headers": {
                "content-type": "application/json",
                "host": _HOST.format(region=region),
                "x-amzn-requestid": new_uuid(),
            },
            "domainName": None,
        },
        "prev": None,
        "info": {
            "selectionSetList": ["id", "title"],
            "selectionSetGraphQL": "{\n  id\n  title\n}",
            "parentTypeName": parent_type,
            "fieldName": field_name,
            "variables": {},
        },
        "stash": {},
    }


@factory
def appsync(
    *,
    field_name: str = "getPost",
    parent_type: str = "Query",
    arguments: Mapping[str, Any] | None = None,
    batch_sources: list[dict[str, Any]] | None = None,
    region: str = DEFAULT_REGION,
    names_at_top: bool = False,
) -> Event | list[Event]:
    """A direct Lambda resolver request; batch_sources makes a BatchInvoke list, one per source.

    `names_at_top=True` gives the payload a resolver builds itself (a request mapping
    template or an APPSYNC_JS function invoking the Lambda data source): the field and
    its parent type at the top level, no `info`.
    """
    args = arguments if arguments is not None else {"id": "1"}
    if batch_sources is not None:
        return [
            _resolver(field_name, parent_type, args, region, s, names_at_top)
            for s in batch_sources
        ]
    return _resolver(field_name, parent_type, args, region, None, names_at_top)


APPSYNC_AUTHORIZER_SCHEMA = obj(
    {
        "authorizationToken": STR,
        "requestContext": obj(
            {"apiId": STR, "accountId": STR, "requestId": STR},
            {"queryString": STR, "operationName": nullable(STR), "variables": ANY},
        ),
    },
    {"requestHeaders": str_map(STR)},
)


@factory
def appsync_authorizer(
    *,
    token: str = "custom-authorized",
    query: str = "query GetPost { getPost(id: \"1\") { id title } }",
    operation_name: str | None = "GetPost",
    variables: Mapping[str, Any] | None = None,
    api_id: str = "abcdefghijklmnopqrstuvwxyz",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """An AppSync Lambda authorizer request (AWS_LAMBDA authorization)."""
    return {
        "authorizationToken": token,
        "requestContext": {
            "apiId": api_id,
            "accountId": account,
            "requestId": new_uuid(),
            "queryString": query,
            "operationName": operation_name,
            "variables": dict(variables or {}),
        },
        "requestHeaders": {
            "authorization": token,
            "content-type": "application/json",
            "host": f"{api_id}.appsync-api.{region}.amazonaws.com",
        },
    }


APPSYNC_EVENTS_SCHEMA = obj(
    {
        "info": obj(
            {
                "channel": obj({"path": STR}, {"segments": arr(STR)}),
                "channelNamespace": obj({"name": STR}),
                "operation": {"enum": ["PUBLISH", "SUBSCRIBE"]},
            }
        )
    },
    {
        "identity": ANY,
        "request": ANY,
        "events": nullable(arr(obj({"id": STR}, {"payload": ANY}))),
        "stash": ANY,
        "prev": ANY,
        "error": ANY,
        "outErrors": ANY,
    },
)


@factory
def appsync_events(
    *,
    channel: str = "/default/channel",
    operation: str = "PUBLISH",
    payloads: list[Any] | None = None,
    region: str = DEFAULT_REGION,
) -> Event:
    """An AppSync Events API handler request; PUBLISH carries the events, one per payload."""
    segments = [s for s in channel.split("/") if s]
    event: Event = {
        "identity": None,
        "result": None,
        "request": {
            "headers": {
                "content-type": "application/json",
                "host": f"abcdefghijklmnopqrstuvwxyz.appsync-api.{region}.amazonaws.com",
            },
            "domainName": None,
        },
        "info": {
            "channel": {"path": channel, "segments": segments},
            "channelNamespace": {"name": segments[0] if segments else "default"},
            "operation": operation,
        },
        "error": None,
        "prev": None,
        "stash": {},
        "outErrors": [],
    }
    if operation == "PUBLISH":
        items = payloads if payloads is not None else [{"event_1": "data_1"}]
        event["events"] = [{"payload": p, "id": new_uuid()} for p in items]
    else:
        event["events"] = None
    return event


register(
    "appsync",
    "AWS AppSync direct Lambda resolver request (single or batched)",
    APPSYNC_SCHEMA,
    appsync,
    (
        Variant(
            "batch",
            "BatchInvoke: a list of resolver requests",
            {"field_name": "author", "parent_type": "Post",
             "batch_sources": [{"id": "1", "authorId": "a1"}, {"id": "2", "authorId": "a2"}]},
        ),
        Variant(
            "names-at-top",
            "a payload the resolver builds: fieldName and parentTypeName at the top, no info",
            {"field_name": "locations", "parent_type": "Merchant", "names_at_top": True,
             "arguments": {"page": 2}},
        ),
    ),
)
register(
    "appsync-authorizer",
    "AWS AppSync Lambda authorizer request",
    APPSYNC_AUTHORIZER_SCHEMA,
    appsync_authorizer,
)
register(
    "appsync-events",
    "AWS AppSync Events API handler request",
    APPSYNC_EVENTS_SCHEMA,
    appsync_events,
)
