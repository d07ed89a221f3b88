"""Helpers shared by the HTTP-shaped events (API Gateway, ALB, function URLs, VPC Lattice)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, urlencode

from ._core import b64, hex_id, now

# A header or query parameter given by a test: one value, or several for a repeated name.
MultiValue = str | list[str]
Body = str | bytes | dict[str, Any] | list[Any] | None

# The client address the HTTP factories put in X-Forwarded-For and sourceIp by default.
SOURCE_IP = "198.51.100.7"


def trace_id() -> str:
    """An X-Ray trace header value as API Gateway and ALB add it (X-Amzn-Trace-Id)."""
    return f"Root=1-{int(now().timestamp()):08x}-{hex_id(24)}"


def forwarded_headers(source_ip: str) -> dict[str, str]:
    """The headers API Gateway and ALB add to every request they pass on, in their order."""
    return {
        "X-Amzn-Trace-Id": trace_id(),
        "X-Forwarded-For": source_ip,
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }


def as_lists(values: Mapping[str, MultiValue] | None) -> dict[str, list[str]]:
    return {k: [v] if isinstance(v, str) else list(v) for k, v in (values or {}).items()}


def last_values(multi: Mapping[str, list[str]]) -> dict[str, str]:
    """REST APIs and ALB keep the last value of a repeated header/parameter in the plain map."""
    return {k: v[-1] for k, v in multi.items() if v}


def joined_values(multi: Mapping[str, list[str]]) -> dict[str, str]:
    """HTTP APIs (payload 2.0) and function URLs join repeated values with commas."""
    return {k: ",".join(v) for k, v in multi.items()}


def query_string(multi: Mapping[str, list[str]], *, encode: bool = True) -> str:
    if encode:
        return urlencode([(k, v) for k, vs in multi.items() for v in vs])
    return "&".join(f"{k}={v}" for k, vs in multi.items() for v in vs)


def encode_body(body: Body) -> tuple[str | None, bool, str | None]:
    """-> (body as sent to Lambda, isBase64Encoded, implied content-type or None).

    bytes are binary and so base64-encoded; dict/list are JSON text.
    """
    if body is None:
        return None, False, None
    if isinstance(body, bytes):
        return b64(body), True, "application/octet-stream"
    if isinstance(body, str):
        return body, False, None
    return json.dumps(body), False, "application/json"


def merge_headers(
    defaults: Mapping[str, str],
    given: Mapping[str, MultiValue] | None,
    *,
    lower: bool,
    content_type: str | None = None,
) -> dict[str, list[str]]:
    """Given headers replace defaults case-insensitively, as HTTP header names are.

    `content_type` (the one `encode_body` implies) joins the defaults last, so a given
    Content-Type still wins; `lower` lowercases every name, defaults' included.
    """
    if content_type:
        defaults = {**defaults, "content-type" if lower else "Content-Type": content_type}
    given_lists = as_lists(given)
    taken = {k.lower() for k in given_lists}
    merged = {k: [v] for k, v in defaults.items() if k.lower() not in taken}
    merged.update(given_lists)
    if lower:
        return {k.lower(): v for k, v in merged.items()}
    return merged


def cookie_list(cookies: Mapping[str, str] | list[str] | None) -> list[str]:
    if cookies is None:
        return []
    if isinstance(cookies, list):
        return list(cookies)
    return [f"{k}={v}" for k, v in cookies.items()]


def resource_for(path: str, path_parameters: Mapping[str, str] | None) -> str:
    """Rebuild the resource template ('/pets/{id}') from a concrete path and its parameters."""
    if not path_parameters:
        return path
    by_value = {quote_plus(v, safe=""): k for k, v in path_parameters.items()}
    by_value.update({v: k for k, v in path_parameters.items()})
    parts = path.split("/")
    return "/".join("{" + by_value[p] + "}" if p in by_value else p for p in parts)
