"""An AWS API call as the moto server's front door reads it from the HTTP request: the
service, the operation, its parameters and the protocol they came in."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, unquote

# "json": X-Amz-Target with a JSON body (DynamoDB, SQS, Kinesis, ...); "query": Action=
# form parameters (SNS, ...); "rest-s3": S3's REST API; "rest": other REST APIs, whose
# operation is not identified.
Protocol = Literal["json", "query", "rest-s3", "rest"]


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: Mapping[str, Any]
    protocol: Protocol


def read_call(environ: dict[str, Any], service: str) -> Call:
    """The call in a WSGI request signed for `service` (the body is put back for moto)."""
    body = _body(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        params = json.loads(body or b"{}")
        return Call(service, target.rsplit(".", 1)[-1], params, "json")
    if service == "s3":
        return Call(service, "", _s3_params(environ), "rest-s3")
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    form.update({k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()})
    if "Action" in form:
        return Call(service, form["Action"], form, "query")
    return Call(service, "*", {}, "rest")


def _body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    data: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def _s3_params(environ: dict[str, Any]) -> dict[str, Any]:
    path = unquote(environ.get("PATH_INFO", "/")).lstrip("/")
    bucket, _, key = path.partition("/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return {
        "method": environ.get("REQUEST_METHOD", "GET"),
        "bucket": bucket,
        "key": key,
        "query": set(query),
        "query_values": {name: values[0] for name, values in query.items()},
        "copy": "HTTP_X_AMZ_COPY_SOURCE" in environ,
    }
