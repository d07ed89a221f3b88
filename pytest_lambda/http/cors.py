"""CORS as each front door does it.

REST APIs (SAM's `Cors`): SAM adds an OPTIONS method with a mock integration to every path
(samtranslator's swagger `add_cors`), answering 200 with the configured
Access-Control-Allow-* headers; the methods default to the path's methods plus OPTIONS,
upper case, sorted, comma-joined. Nothing is added to the functions' responses.

HTTP APIs (`CorsConfiguration`) and function URLs (`Cors`): the service answers a
preflight itself (an OPTIONS request with Origin and Access-Control-Request-Method), adds
the CORS headers to the function's responses for an allowed origin, and drops those the
function set ("Configure CORS for HTTP APIs", API Gateway developer guide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .messages import HttpRequest

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


@dataclass(frozen=True)
class Cors:
    """A CORS configuration (names as in HTTP APIs' CorsConfiguration)."""

    allow_origins: Sequence[str] = ("*",)
    allow_methods: Sequence[str] = ()
    allow_headers: Sequence[str] = ()
    expose_headers: Sequence[str] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def origin_allowed(self, origin: str) -> str | None:
        """The Access-Control-Allow-Origin value for this origin, or None."""
        if "*" in self.allow_origins:
            return "*"
        if origin in self.allow_origins:
            return origin
        return None


def rest_preflight_headers(cors: Cors, path_methods: Sequence[str]) -> list[tuple[str, str]]:
    """The mock OPTIONS integration's headers, as SAM's add_cors configures them."""
    methods = list(cors.allow_methods)
    if not methods:
        wanted = {m.upper() for m in path_methods}
        methods = list(ALL_METHODS) if "ANY" in wanted else sorted(wanted | {"OPTIONS"})
    headers = [("Content-Type", "application/json")]
    if cors.allow_headers:
        headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    headers.append(("Access-Control-Allow-Methods", ",".join(methods)))
    headers.append(("Access-Control-Allow-Origin", ",".join(cors.allow_origins)))
    if cors.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def preflight_headers(cors: Cors, request: HttpRequest) -> list[tuple[str, str]]:
    """What an HTTP API or function URL answers a preflight with (empty: origin refused)."""
    allowed = cors.origin_allowed(request.header("origin") or "")
    if allowed is None:
        return []
    headers = [("access-control-allow-origin", allowed)]
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    if cors.allow_methods:
        headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
    if cors.allow_headers:
        headers.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    return headers


def response_headers(
    cors: Cors, request: HttpRequest, headers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A function's response headers with the service's CORS headers in place of its own."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    origin = request.header("origin")
    if origin is None:
        return kept
    allowed = cors.origin_allowed(origin)
    if allowed is None:
        return kept
    kept.append(("access-control-allow-origin", allowed))
    if cors.allow_credentials:
        kept.append(("access-control-allow-credentials", "true"))
    if cors.expose_headers:
        kept.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    return kept
