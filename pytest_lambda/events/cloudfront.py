"""Lambda@Edge events from Amazon CloudFront (viewer/origin request and response)."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import Event, Variant, amz_id, factory, register
from ._schema import STR, arr, enum, obj, records, str_map

_HEADERS = str_map(arr(obj({"value": STR}, {"key": STR})))

CLOUDFRONT_SCHEMA = records(
    obj(
        {
            "cf": obj(
                {
                    "config": obj(
                        {"distributionId": STR},
                        {
                            "distributionDomainName": STR,
                            "eventType": enum(
                                "viewer-request", "viewer-response",
                                "origin-request", "origin-response",
                            ),
                            "requestId": STR,
                        },
                    ),
                },
                {
                    "request": obj(
                        {"uri": STR, "method": STR},
                        {"clientIp": STR, "querystring": STR, "headers": _HEADERS},
                    ),
                    "response": obj({"status": STR}, {"headers": _HEADERS}),
                },
            )
            # A request event carries the request; a response event its response, and
            # the request too, except in the console's modify-response-header template.
            | {"anyOf": [{"required": ["request"]}, {"required": ["response"]}]}
        }
    )
)


def _headers(values: Mapping[str, str]) -> dict[str, list[dict[str, str]]]:
    return {k.lower(): [{"key": k, "value": v}] for k, v in values.items()}


@factory
def cloudfront(
    *,
    event_type: str = "viewer-request",
    uri: str = "/picture.jpg",
    method: str = "GET",
    querystring: str = "",
    headers: Mapping[str, str] | None = None,
    status: str = "200",
    distribution_id: str = "EDFDVBD6EXAMPLE",
    client_ip: str = "203.0.113.178",
    include_request: bool = True,
) -> Event:
    """A Lambda@Edge event; *-response event types include the response, and the request
    unless `include_request=False` (the shape of the console's modify-response-header
    test event)."""
    if not include_request and not event_type.endswith("-response"):
        raise ValueError(
            f"include_request=False is for response events; {event_type!r} carries its request"
        )
    domain = "d111111abcdef8.cloudfront.net"
    request_headers = _headers(
        {"Host": domain, "User-Agent": "curl/8.5.0", "Accept": "*/*", **(headers or {})}
    )
    cf: Event = {
        "config": {
            "distributionDomainName": domain,
            "distributionId": distribution_id,
            "eventType": event_type,
            "requestId": amz_id(40) + "==",
        },
        "request": {
            "clientIp": client_ip,
            "headers": request_headers,
            "method": method,
            "querystring": querystring,
            "uri": uri,
        },
    }
    if event_type.endswith("-response"):
        cf["response"] = {
            "headers": _headers({"Content-Type": "image/jpeg", "Server": "AmazonS3"}),
            "status": status,
            "statusDescription": "OK" if status == "200" else "",
        }
        if not include_request:
            del cf["request"]
    return {"Records": [{"cf": cf}]}


register(
    "cloudfront",
    "Lambda@Edge event from Amazon CloudFront",
    CLOUDFRONT_SCHEMA,
    cloudfront,
    (
        Variant("origin-response", "an origin-response event", {"event_type": "origin-response"}),
        Variant(
            "modify-response-header",
            "a response event without the request, as the console's modify-response-header "
            "test event has it",
            {"event_type": "origin-response", "include_request": False},
        ),
    ),
)
