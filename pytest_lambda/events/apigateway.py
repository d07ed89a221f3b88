"""Amazon API Gateway: REST proxy (and HTTP API payload 1.0), HTTP API payload 2.0,
WebSocket routes and Lambda authorizers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    amz_id,
    clf_time,
    epoch_ms,
    factory,
    hex_id,
    new_uuid,
    now,
    register,
)
from ._http import (
    SOURCE_IP,
    Body,
    MultiValue,
    as_lists,
    cookie_list,
    encode_body,
    forwarded_headers,
    joined_values,
    last_values,
    merge_headers,
    query_string,
    resource_for,
)
from ._schema import (
    ARN,
    BOOL,
    HEADERS,
    INT,
    MULTI_HEADERS,
    OBJ,
    STR,
    arr,
    enum,
    nullable,
    obj,
)

DEFAULT_API_ID = "1234567890"
_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

_IDENTITY_FIELDS = (
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
)

# -- schemas ---------------------------------------------------------------------------------

_REST_CONTEXT = obj(
    {"requestId": STR},
    {
        "accountId": STR,
        "apiId": STR,
        "stage": STR,
        "httpMethod": STR,
        "path": STR,
        "resourcePath": STR,
        "resourceId": nullable(STR),
        "requestTimeEpoch": INT,
        "identity": obj({}, {"sourceIp": nullable(STR), "userAgent": nullable(STR)}),
        "authorizer": nullable(OBJ),
    },
)

REST_SCHEMA = obj(
    {"httpMethod": STR, "path": nullable(STR), "requestContext": _REST_CONTEXT},
    {
        "version": STR,
        "resource": nullable(STR),
        "headers": HEADERS,
        "multiValueHeaders": MULTI_HEADERS,
        # The SAM CLI's aws-proxy template quotes its {{{querystringparameters}}} placeholder,
        # so events generated from it carry a string here.
        "queryStringParameters": {"anyOf": [HEADERS, STR]},
        "multiValueQueryStringParameters": MULTI_HEADERS,
        "pathParameters": HEADERS,
        "stageVariables": HEADERS,
        "body": nullable(STR),
        "isBase64Encoded": BOOL,
    },
)

V2_CONTEXT = obj(
    {
        "http": obj(
            {"method": STR, "path": STR},
            {"protocol": STR, "sourceIp": STR, "userAgent": nullable(STR)},
        ),
    },
    {
        "accountId": STR,
        "apiId": STR,
        "domainName": STR,
        "domainPrefix": STR,
        "requestId": STR,
        "routeKey": STR,
        "stage": STR,
        "time": STR,
        "timeEpoch": INT,
        "authorizer": nullable(OBJ),
        "authentication": nullable(OBJ),
    },
)

V2_SCHEMA = obj(
    {"version": {"const": "2.0"}, "rawPath": STR, "requestContext": V2_CONTEXT},
    {
        "routeKey": STR,
        "rawQueryString": STR,
        "cookies": nullable(arr(STR)),
        "headers": HEADERS,
        "queryStringParameters": HEADERS,
        "pathParameters": HEADERS,
        "stageVariables": HEADERS,
        "body": nullable(STR),
        "isBase64Encoded": BOOL,
    },
)

WEBSOCKET_SCHEMA = obj(
    {
        "requestContext": obj(
            {
                "connectionId": STR,
                "eventType": enum("CONNECT", "MESSAGE", "DISCONNECT"),
                "routeKey": STR,
            },
            {
                "apiId": STR,
                "domainName": STR,
                "stage": STR,
                "requestId": STR,
                "messageId": nullable(STR),
                "connectedAt": INT,
                "requestTimeEpoch": INT,
                "messageDirection": STR,
                "identity": OBJ,
            },
        )
    },
    {
        "headers": HEADERS,
        "multiValueHeaders": MULTI_HEADERS,
        "body": nullable(STR),
        "isBase64Encoded": BOOL,
    },
)

AUTHORIZER_SCHEMA: dict[str, Any] = {
    "oneOf": [
        obj(
            {"type": {"const": "TOKEN"}, "authorizationToken": STR, "methodArn": ARN},
        ),
        obj(
            {"type": {"const": "REQUEST"}, "methodArn": ARN},
            {
                "version": STR,
                "identitySource": nullable({"type": ["string", "array"]}),
                "authorizationToken": STR,
                "headers": HEADERS,
                "multiValueHeaders": MULTI_HEADERS,
                "queryStringParameters": HEADERS,
                "pathParameters": HEADERS,
                "stageVariables": HEADERS,
                "requestContext": OBJ,
            },
        ),
        obj(
            {"type": {"const": "REQUEST"}, "routeArn": ARN, "version": {"const": "2.0"}},
            {
                "identitySource": nullable(arr(STR)),
                "routeKey": STR,
                "rawPath": STR,
                "rawQueryString": STR,
                "cookies": nullable(arr(STR)),
                "headers": HEADERS,
                "requestContext": OBJ,
            },
        ),
    ]
}

# -- factories -------------------------------------------------------------------------------


def _host(api_id: str, region: str) -> str:
    return f"{api_id}.execute-api.{region}.amazonaws.com"


def _identity(source_ip: str, user_agent: str) -> Event:
    identity: Event = dict.fromkeys(_IDENTITY_FIELDS)
    identity.update(sourceIp=source_ip, userAgent=user_agent)
    return dict(sorted(identity.items()))


@factory
def apigateway_rest(
    *,
    method: str = "GET",
    path: str = "/hello",
    body: Body = None,
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    resource: str | None = None,
    stage: str = "prod",
    stage_variables: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    api_id: str = DEFAULT_API_ID,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    source_ip: str = SOURCE_IP,
    version: str | None = None,
) -> Event:
    """A REST API proxy integration request; `version="1.0"` makes an HTTP API payload 1.0.

    headers/query take a str or a list of str per name; the plain maps keep the last value
    and the multi-value maps all of them, as API Gateway does. bytes bodies are sent as
    base64 with isBase64Encoded true.
    """
    moment = now()
    text, is_b64, content_type = encode_body(body)
    defaults = {
        "Accept": "*/*",
        "Host": _host(api_id, region),
        "User-Agent": _USER_AGENT,
        **forwarded_headers(source_ip),
    }
    multi_headers = merge_headers(defaults, headers, lower=False, content_type=content_type)
    multi_query = as_lists(query)
    resource = resource or resource_for(path, path_parameters)
    user_agent = last_values(multi_headers).get("User-Agent", _USER_AGENT)
    event: Event = {}
    if version is not None:
        event["version"] = version
    event.update(
        {
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": last_values(multi_headers),
            "multiValueHeaders": multi_headers,
            "queryStringParameters": last_values(multi_query) or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": dict(path_parameters) if path_parameters else None,
            "stageVariables": dict(stage_variables) if stage_variables else None,
            "requestContext": {
                "accountId": account,
                "apiId": api_id,
                "authorizer": dict(authorizer) if authorizer else None,
                "domainName": _host(api_id, region),
                "domainPrefix": api_id,
                "extendedRequestId": amz_id(16) + "=",
                "httpMethod": method,
                "identity": _identity(source_ip, user_agent),
                "path": f"/{stage}{path}",
                "protocol": "HTTP/1.1",
                "requestId": new_uuid(),
                "requestTime": clf_time(moment),
                "requestTimeEpoch": epoch_ms(moment),
                "resourceId": hex_id(6),
                "resourcePath": resource,
                "stage": stage,
            },
            "body": text,
            "isBase64Encoded": is_b64,
        }
    )
    if not authorizer:
        del event["requestContext"]["authorizer"]
    return event


def v2_event(
    *,
    method: str,
    path: str,
    body: Body,
    headers: Mapping[str, MultiValue] | None,
    query: Mapping[str, MultiValue] | None,
    cookies: Mapping[str, str] | list[str] | None,
    path_parameters: Mapping[str, str] | None,
    route_key: str,
    stage: str,
    api_id: str,
    domain_name: str,
    account: str,
    source_ip: str,
    authorizer: Mapping[str, Any] | None,
) -> Event:
    """Payload format 2.0, shared by HTTP APIs and function URLs."""
    moment = now()
    text, is_b64, content_type = encode_body(body)
    defaults = {
        "accept": "*/*",
        "content-length": str(len(text or "")),
        "host": domain_name,
        "user-agent": _USER_AGENT,
        **forwarded_headers(source_ip),
    }
    multi_headers = merge_headers(defaults, headers, lower=True, content_type=content_type)
    # Payload 2.0 moves cookies out of the headers into their own array.
    cookie_values = cookie_list(cookies)
    for header in multi_headers.pop("cookie", []):
        cookie_values.extend(c.strip() for c in header.split(";") if c.strip())
    multi_query = as_lists(query)
    plain_headers = joined_values(multi_headers)
    event: Event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query_string(multi_query),
    }
    if cookie_values:
        event["cookies"] = cookie_values
    event["headers"] = plain_headers
    if multi_query:
        event["queryStringParameters"] = joined_values(multi_query)
    context: Event = {"accountId": account, "apiId": api_id}
    if authorizer:
        context["authorizer"] = dict(authorizer)
    context.update(
        {
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": plain_headers.get("user-agent", _USER_AGENT),
            },
            "requestId": amz_id(14) + "=",
            "routeKey": route_key,
            "stage": stage,
            "time": clf_time(moment),
            "timeEpoch": epoch_ms(moment),
        }
    )
    event["requestContext"] = context
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_b64
    return event


@factory
def apigateway_http(
    *,
    method: str = "GET",
    path: str = "/hello",
    body: Body = None,
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    cookies: Mapping[str, str] | list[str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    route_key: str | None = None,
    stage: str = "$default",
    stage_variables: Mapping[str, str] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    api_id: str = DEFAULT_API_ID,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    source_ip: str = SOURCE_IP,
) -> Event:
    """An HTTP API request, payload format 2.0: rawPath, rawQueryString and cookies derived.

    route_key defaults to "<METHOD> <resource>" (the resource rebuilt from path_parameters).
    """
    route = route_key or f"{method} {resource_for(path, path_parameters)}"
    event = v2_event(
        method=method,
        path=path,
        body=body,
        headers=headers,
        query=query,
        cookies=cookies,
        path_parameters=path_parameters,
        route_key=route,
        stage=stage,
        api_id=api_id,
        domain_name=_host(api_id, region),
        account=account,
        source_ip=source_ip,
        authorizer=authorizer,
    )
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


@factory
def apigateway_websocket(
    *,
    event_type: str = "MESSAGE",
    route_key: str | None = None,
    body: Body = None,
    connection_id: str | None = None,
    headers: Mapping[str, MultiValue] | None = None,
    stage: str = "production",
    api_id: str = DEFAULT_API_ID,
    region: str = DEFAULT_REGION,
    source_ip: str = SOURCE_IP,
) -> Event:
    """A WebSocket API route event: CONNECT ($connect), MESSAGE ($default) or DISCONNECT."""
    moment = now()
    default_routes = {"CONNECT": "$connect", "DISCONNECT": "$disconnect", "MESSAGE": "$default"}
    if event_type not in default_routes:
        raise ValueError(f"event_type must be one of {sorted(default_routes)}, not {event_type!r}")
    route = route_key or default_routes[event_type]
    text, is_b64, _ = encode_body(body)
    context: Event = {
        "routeKey": route,
        "eventType": event_type,
        "extendedRequestId": amz_id(16) + "=",
        "requestTime": clf_time(moment),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": epoch_ms(moment) - 5000 if event_type != "CONNECT" else epoch_ms(moment),
        "requestTimeEpoch": epoch_ms(moment),
        "identity": {"sourceIp": source_ip},
        "requestId": amz_id(16) + "=",
        "domainName": _host(api_id, region),
        "connectionId": connection_id or amz_id(15) + "=",
        "apiId": api_id,
    }
    event: Event = {}
    if event_type == "MESSAGE":
        context["messageId"] = amz_id(15) + "="
    else:
        multi = merge_headers(
            {
                "Host": _host(api_id, region),
                "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
                "Sec-WebSocket-Key": amz_id(22) + "==",
                "Sec-WebSocket-Version": "13",
                **forwarded_headers(source_ip),
            },
            headers,
            lower=False,
        )
        if event_type == "DISCONNECT":
            context["disconnectStatusCode"] = 1001
            context["disconnectReason"] = "Going away"
        event["headers"] = last_values(multi)
        event["multiValueHeaders"] = multi
        context["identity"]["userAgent"] = None
    event["requestContext"] = context
    if event_type == "MESSAGE":
        event["body"] = text if text is not None else '{"action":"sendmessage","data":"hello"}'
    event["isBase64Encoded"] = is_b64
    return event


@factory
def apigateway_authorizer(
    *,
    type: str = "TOKEN",
    token: str = "allow",
    method: str = "GET",
    path: str = "/hello",
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    payload_version: str = "1.0",
    stage: str = "prod",
    api_id: str = DEFAULT_API_ID,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A Lambda authorizer request: TOKEN or REQUEST (REST, payload 1.0) or an HTTP API
    REQUEST authorizer with payload_version "2.0"."""
    if type not in ("TOKEN", "REQUEST"):
        raise ValueError(f"type must be 'TOKEN' or 'REQUEST', not {type!r}")
    method_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}{path}"
    if type == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
    if payload_version == "2.0":
        event = apigateway_http(
            method=method,
            path=path,
            headers={"authorization": token, **(headers or {})},
            query=query,
            api_id=api_id,
            region=region,
            account=account,
        )
        route_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/$default/{method}{path}"
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": route_arn,
            "identitySource": [token],
            **{k: v for k, v in event.items() if k not in ("version", "isBase64Encoded")},
        }
    rest = apigateway_rest(
        method=method,
        path=path,
        headers={"Authorization": token, **(headers or {})},
        query=query,
        stage=stage,
        api_id=api_id,
        region=region,
        account=account,
    )
    keep = (
        "resource", "path", "httpMethod", "headers", "multiValueHeaders",
        "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
        "stageVariables", "requestContext",
    )
    return {"type": "REQUEST", "methodArn": method_arn, **{k: rest[k] for k in keep}}


register(
    "apigateway-rest",
    "API Gateway REST API proxy request (also HTTP API payload 1.0)",
    REST_SCHEMA,
    apigateway_rest,
    (
        Variant(
            "multivalue-base64",
            "repeated headers and query parameters with a binary (base64) body",
            {
                "method": "POST",
                "path": "/upload",
                "headers": {"Accept": ["image/png", "image/*"], "Content-Type": "image/png"},
                "query": {"tag": ["a", "b"], "size": "large"},
                "body": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            },
        ),
        Variant(
            "path-parameters",
            "a resource with a path parameter",
            {"path": "/pets/42", "path_parameters": {"petId": "42"}},
        ),
        Variant("http-api-v1", "HTTP API request in payload format 1.0", {"version": "1.0"}),
    ),
)
register(
    "apigateway-http",
    "API Gateway HTTP API request, payload format 2.0",
    V2_SCHEMA,
    apigateway_http,
    (
        Variant(
            "post-cookies",
            "POST with a JSON body, query string and cookies",
            {
                "method": "POST",
                "path": "/orders",
                "body": {"item": "book", "quantity": 2},
                "query": {"expand": ["items", "customer"]},
                "cookies": {"session": "abc123", "theme": "dark"},
            },
        ),
    ),
)
register(
    "apigateway-websocket",
    "API Gateway WebSocket API route event",
    WEBSOCKET_SCHEMA,
    apigateway_websocket,
    (
        Variant("connect", "the $connect route", {"event_type": "CONNECT"}),
        Variant("disconnect", "the $disconnect route", {"event_type": "DISCONNECT"}),
    ),
)
register(
    "apigateway-authorizer",
    "API Gateway Lambda authorizer request (TOKEN, REQUEST or HTTP API v2)",
    AUTHORIZER_SCHEMA,
    apigateway_authorizer,
    (
        Variant("request", "REQUEST authorizer for a REST API", {"type": "REQUEST"}),
        Variant(
            "v2",
            "HTTP API REQUEST authorizer, payload format 2.0",
            {"type": "REQUEST", "payload_version": "2.0"},
        ),
    ),
)

