"""A function's proxy response turned into HTTP, as each front door reads it.

Payload format 1.0 (REST APIs, HTTP APIs' 1.0, ALB): an object with `statusCode`,
`headers`, `multiValueHeaders`, `body` (a string) and `isBase64Encoded`; the two header
maps are merged. REST APIs refuse any other key. Payload format 2.0 (HTTP APIs, function
URLs): the same with `cookies` (one Set-Cookie each); a response that is valid JSON
without `statusCode` is a 200 `application/json` response whose body is that JSON
("Create AWS Lambda proxy integrations for HTTP APIs", API Gateway developer guide).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..invocation import Invocation

_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_ALB_KEYS = _V1_KEYS | {"statusDescription"}


class Malformed(Exception):
    """The function's response is not a proxy response the front door can read."""


@dataclass
class Translated:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    base64: bool


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise Malformed("statusCode is a boolean")
    if isinstance(value, int):
        status = value
    elif isinstance(value, str) and value.strip().isdigit():
        status = int(value)
    else:
        raise Malformed(f"statusCode {value!r} is not an integer")
    if not 100 <= status <= 599:
        raise Malformed(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise Malformed(f"header {name!r} has a value that is not a string: {value!r}")


def _headers(response: Mapping[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    if not isinstance(single, Mapping) or not isinstance(multi, Mapping):
        raise Malformed("headers / multiValueHeaders must be objects")
    for name, value in single.items():
        headers.append((str(name), _header_value(name, value)))
    for name, values in multi.items():
        if not isinstance(values, list):
            raise Malformed(f"multiValueHeaders {name!r} must be a list")
        for value in values:
            pair = (str(name), _header_value(name, value))
            # The same name and value in both maps is sent once.
            if pair not in headers:
                headers.append(pair)
    return headers


def _body(response: Mapping[str, Any]) -> tuple[bytes, bool]:
    body = response.get("body")
    flagged = response.get("isBase64Encoded", False)
    if not isinstance(flagged, bool):
        raise Malformed("isBase64Encoded must be a boolean")
    if body is None:
        return b"", flagged
    if not isinstance(body, str):
        raise Malformed("body must be a string")
    return body.encode("utf-8"), flagged


def decode_base64(body: bytes) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("isBase64Encoded is true but the body is not base64") from None


def read_v1(result: Any, *, strict: bool, alb: bool = False) -> Translated:
    """A payload 1.0 response (or ALB's); `strict`: other keys are refused (REST APIs)."""
    if not isinstance(result, Mapping):
        raise Malformed("the response is not a JSON object")
    if strict:
        unknown = set(result) - (_ALB_KEYS if alb else _V1_KEYS)
        if unknown:
            raise Malformed(f"unexpected keys {sorted(unknown)}")
    if "statusCode" not in result:
        raise Malformed("statusCode is missing")
    status = _status(result["statusCode"])
    headers = _headers(result)
    body, flagged = _body(result)
    return Translated(status, headers, body, flagged)


def read_v2(invocation: Invocation) -> Translated:
    """A payload 2.0 response, with the inference for responses without statusCode."""
    result = invocation.result
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raw = invocation.response_payload or b"null"
        return Translated(200, [("content-type", "application/json")], raw, False)
    status = _status(result["statusCode"])
    headers = _headers(result)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise Malformed("cookies must be a list of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    body, flagged = _body(result)
    return Translated(status, headers, body, flagged)


def has_header(headers: list[tuple[str, str]], name: str) -> bool:
    wanted = name.lower()
    return any(key.lower() == wanted for key, _ in headers)
