"""Application Load Balancer requests to a Lambda target group."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote_plus

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, Variant, factory, register
from ._http import (
    SOURCE_IP,
    Body,
    MultiValue,
    as_lists,
    encode_body,
    forwarded_headers,
    last_values,
    merge_headers,
)
from ._schema import BOOL, HEADERS, MULTI_HEADERS, STR, nullable, obj

ALB_SCHEMA = obj(
    {
        "requestContext": obj({"elb": obj({"targetGroupArn": STR})}),
        "httpMethod": STR,
        "path": STR,
    },
    {
        "queryStringParameters": HEADERS,
        "multiValueQueryStringParameters": MULTI_HEADERS,
        "headers": HEADERS,
        "multiValueHeaders": MULTI_HEADERS,
        "body": nullable(STR),
        "isBase64Encoded": BOOL,
    },
)


@factory
def alb(
    *,
    method: str = "GET",
    path: str = "/lambda",
    body: Body = None,
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    multi_value: bool = False,
    target_group: str = "lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    source_ip: str = SOURCE_IP,
) -> Event:
    """An ALB request; `multi_value=True` sends the multi-value maps instead of the plain ones.

    The load balancer passes query parameters URL-encoded as the client sent them, so the
    factory encodes the values it is given.
    """
    text, is_b64, content_type = encode_body(body)
    host = f"lambda-alb-123578498.{region}.elb.amazonaws.com"
    defaults = {
        "accept": "*/*",
        "connection": "keep-alive",
        "host": host,
        "user-agent": "curl/8.5.0",
        **forwarded_headers(source_ip),
    }
    multi_headers = merge_headers(defaults, headers, lower=True, content_type=content_type)
    multi_query = {
        quote_plus(k): [quote_plus(v) for v in vs] for k, vs in as_lists(query).items()
    }
    event: Event = {
        "requestContext": {
            "elb": {
                "targetGroupArn": f"arn:aws:elasticloadbalancing:{region}:{account}:"
                f"targetgroup/{target_group}"
            }
        },
        "httpMethod": method,
        "path": path,
    }
    if multi_value:
        event["multiValueQueryStringParameters"] = multi_query
        event["multiValueHeaders"] = multi_headers
    else:
        event["queryStringParameters"] = last_values(multi_query)
        event["headers"] = last_values(multi_headers)
    event["body"] = text or ""
    event["isBase64Encoded"] = is_b64
    return event


register(
    "alb",
    "Application Load Balancer request to a Lambda target",
    ALB_SCHEMA,
    alb,
    (
        Variant(
            "multi-value",
            "target group with multi-value headers enabled",
            {
                "multi_value": True,
                "query": {"tag": ["a", "b"]},
                "headers": {"accept": ["text/html", "application/json"]},
            },
        ),
    ),
)
