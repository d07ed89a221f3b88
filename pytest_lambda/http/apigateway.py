"""API Gateway's REST APIs and HTTP APIs in front of functions (Lambda proxy integrations).

Each request is routed, authorized, turned into the event the API sends (built by the
events package's factories, so it is the event a test could build by hand and validates
against its kind's schema), sent through `LambdaFunction.invoke`, and the function's
answer turned back into HTTP, or API Gateway's own answer given:

REST APIs answer a missing route with 403 Missing Authentication Token, a function error
or malformed response with 502, a call Lambda refused with 500, the 29 s integration
timeout with 504; HTTP APIs with 404, 500, 500 and 503 (at 30 s). The exact bodies are
the constants below; docs/http.md gives the source of each.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import HarnessError
from ..events import apigateway_http, apigateway_rest
from ..events._core import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..function import LambdaFunction
from . import cors as cors_
from .authorizers import AuthorizationRequest, Authorizer, Decision
from .base import (
    MB,
    Outcome,
    Throttle,
    apigw_id,
    call_integration,
    check_timeout,
    gateway_answer,
    is_text,
    new_request_id,
    throttle_of,
)
from .client import FrontDoor
from .messages import HttpRequest, HttpResponse
from .proxy import Malformed, Translated, decode_base64, has_header, read_v1, read_v2
from .routing import Match, RouteKey, Router

REST_INTEGRATION_TIMEOUT_S = 29.0
HTTP_INTEGRATION_TIMEOUT_S = 30.0
# REST APIs may raise the 29 s default for Regional APIs (June 2024); HTTP APIs cannot.
MAX_REST_INTEGRATION_TIMEOUT_S = 900.0
MAX_REQUEST_BYTES = 10 * MB

REST_MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
REST_INTERNAL_ERROR = b'{"message": "Internal server error"}'
REST_TIMED_OUT = b'{"message": "Endpoint request timed out"}'
TOO_MANY_REQUESTS = b'{"message":"Too Many Requests"}'
REST_TOO_LONG = b'{"message":"Request Too Long"}'
UNAUTHORIZED = b'{"message":"Unauthorized"}'
REST_AUTHORIZER_ERROR = b'{"message": null}'
REST_DENIED = b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
REST_NOT_AUTHORIZED = b'{"Message":"User is not authorized to access this resource"}'
HTTP_NOT_FOUND = b'{"message":"Not Found"}'
HTTP_INTERNAL_ERROR = b'{"message":"Internal Server Error"}'
HTTP_UNAVAILABLE = b'{"message":"Service Unavailable"}'
HTTP_FORBIDDEN = b'{"message":"Forbidden"}'
HTTP_TOO_LARGE = b'{"message":"Request Entity Too Large"}'


@dataclass
class Route:
    """What a route sends its requests to, and how it is protected.

    `authorizer`: the name of one of the API's authorizers (None: the API's default one;
    "NONE": no authorizer). `scopes`: the authorization scopes a JWT must carry one of.
    `payload_format`: HTTP APIs' "1.0" or "2.0" (default: the API's).
    """

    function: LambdaFunction | None
    authorizer: str | None = None
    scopes: Sequence[str] = ()
    payload_format: Literal["1.0", "2.0"] | None = None
    integration_timeout_s: float | None = None
    # A REST API's mock integration (SAM's CORS preflight): the API answers by itself.
    mock: MockIntegration | None = None


@dataclass(frozen=True)
class MockIntegration:
    """What a mock integration answers: a status, headers and a body."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


RouteTarget = LambdaFunction | Route


@dataclass
class _Api(FrontDoor):
    """What REST and HTTP APIs share: routes, authorizers, stage, limits."""

    routes: Mapping[str, RouteTarget]
    name: str = ""
    stage: str = ""
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    cors: cors_.Cors | None = None
    authorizers: Mapping[str, Authorizer] = field(default_factory=dict)
    default_authorizer: str | None = None
    integration_timeout_s: float = 0.0
    throttle: Throttle | tuple[float, int] | None = None
    api_id: str | None = None
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT

    def __post_init__(self) -> None:
        self.router: Router[Route] = Router()
        for key, target in self.routes.items():
            route = target if isinstance(target, Route) else Route(target)
            if route.mock is None and not isinstance(route.function, LambdaFunction):
                raise HarnessError(
                    f"route {key!r} of {self.name!r} goes to {route.function!r}: give a "
                    "LambdaFunction (or a Route holding one)"
                )
            self.router.add(RouteKey.parse(key), route)
        for route in self._routes():
            name = route.authorizer or self.default_authorizer
            if name not in (None, "NONE") and name not in self.authorizers:
                raise HarnessError(
                    f"a route of {self.name!r} names authorizer {name!r}, which is not one of "
                    f"its authorizers ({', '.join(self.authorizers) or 'none'})"
                )
        self._throttle = throttle_of(self.throttle)
        self.api_id = self.api_id or _api_id(self.name)
        self.host = f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    def _routes(self) -> list[Route]:
        return [self.router.match_key(key) for key in self.router.keys]

    def functions(self) -> list[LambdaFunction]:
        found: list[LambdaFunction] = []
        for route in self._routes():
            if route.function is not None and route.function not in found:
                found.append(route.function)
        for authorizer in self.authorizers.values():
            for function in authorizer.functions():
                if function not in found:
                    found.append(function)
        return found

    def describe(self) -> list[str]:
        lines = [f"{self.name} ({self.kind}) {self.base_url}"]
        for key in self.router.keys:
            route = self.router.match_key(key)
            target = route.function.name if route.function is not None else "mock"
            lines.append(f"  {key.text} -> {target}")
        return lines

    def _stage_path(self, request: HttpRequest) -> str | None:
        """The request's path below the stage (None: not under this API's stage)."""
        if self.stage in ("", "$default"):
            return request.path or "/"
        prefix = f"/{self.stage}"
        if request.path == prefix:
            return "/"
        if request.path.startswith(prefix + "/"):
            return request.path[len(prefix) :]
        return None

    def _authorize(
        self, route: Route, match: Match[Route], request: HttpRequest, path: str, fmt: str
    ) -> Decision | None:
        name = route.authorizer or self.default_authorizer
        if name in (None, "NONE"):
            return None
        authorizer = self.authorizers[name]
        method_arn = (
            f"arn:aws:execute-api:{self.region}:{self.account}:{self.api_id}/"
            f"{self.stage or '$default'}/{request.method}{path}"
        )

        def request_event(identity: list[str] | str | None) -> dict[str, Any]:
            return self._authorizer_request_event(request, match, path, method_arn, identity, fmt)

        ask = AuthorizationRequest(
            request=request,
            method_arn=method_arn,
            stage_variables=self.stage_variables,
            context_values={"stage": self.stage, "httpMethod": request.method},
            payload_format=fmt,
            scopes=route.scopes,
            request_event=request_event,
            token_event=lambda token: {
                "type": "TOKEN",
                "methodArn": method_arn,
                "authorizationToken": token,
            },
        )
        return authorizer.authorize(ask)

    def _authorizer_request_event(
        self,
        request: HttpRequest,
        match: Match[Route],
        path: str,
        method_arn: str,
        identity: list[str] | str | None,
        fmt: str,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _event_fields(
        self,
        request: HttpRequest,
        match: Match[Route],
        authorizer: Mapping[str, Any] | None,
        *,
        lower_headers: bool,
        stage: str | None = None,
    ) -> dict[str, Any]:
        """What every proxy event of this API says of the request, whatever its format."""
        return {
            "method": request.method,
            "headers": request.grouped_headers(lower=lower_headers),
            "query": request.grouped_query(),
            "path_parameters": match.path_parameters or None,
            "stage": stage if stage is not None else self.stage,
            "stage_variables": dict(self.stage_variables) or None,
            "authorizer": authorizer,
            "api_id": str(self.api_id),
            "region": self.region,
            "account": self.account,
            "source_ip": request.source_ip,
        }

    def _call(self, route: Route, event: Any) -> Outcome:
        assert route.function is not None
        timeout = route.integration_timeout_s or self.integration_timeout_s
        return call_integration(route.function, event, timeout)


def _api_id(name: str) -> str:
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()
    return "".join(c for c in digest if c.isalnum())[:10]


@dataclass
class RestApi(_Api):
    """A REST API: routes such as `{"GET /orders/{id}": function}` with Lambda proxy
    integrations, served under its stage (`https://<id>.execute-api.<region>.amazonaws.com/
    <stage>/...`).

    `binary_media_types`: request Content-Types (`image/png`, `*/*`) sent to the function
    base64-encoded, and Accept/Content-Type values for which a base64 response is decoded.
    `integration_timeout_s`: API Gateway's 29 s by default (Regional APIs may raise it).
    """

    stage: str = "Prod"
    binary_media_types: Sequence[str] = ()
    integration_timeout_s: float = REST_INTEGRATION_TIMEOUT_S
    kind: str = "rest"

    def __post_init__(self) -> None:
        self.name = self.name or "RestApi"
        super().__post_init__()
        if self.cors is not None:
            self._add_cors_routes(self.cors)
        check_timeout(
            "integration_timeout_s", self.integration_timeout_s, MAX_REST_INTEGRATION_TIMEOUT_S
        )

    @property
    def base_url(self) -> str:
        return f"https://{self.host}/{self.stage}"

    def _add_cors_routes(self, cors: cors_.Cors) -> None:
        """An OPTIONS mock on every path without one, as SAM's Cors adds them."""
        paths: dict[str, list[str]] = {}
        for key in self.router.keys:
            paths.setdefault(key.path, []).append(key.method)
        for path, methods in paths.items():
            if "OPTIONS" in methods:
                continue
            headers = tuple(cors_.rest_preflight_headers(cors, methods))
            mock = MockIntegration(200, headers, b"{}\n")
            self.router.add(RouteKey("OPTIONS", path), Route(None, authorizer="NONE", mock=mock))

    def _answer(
        self,
        status: int,
        body: bytes,
        error_type: str | None = None,
        extra: Sequence[tuple[str, str]] = (),
    ) -> HttpResponse:
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", new_request_id())]
        if error_type is not None:
            headers.append(("x-amzn-ErrorType", error_type))
        headers.extend(extra)
        return gateway_answer(status, body, headers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        if len(request.body) > MAX_REQUEST_BYTES:
            return self._answer(413, REST_TOO_LONG)
        path = self._stage_path(request)
        if path is None:
            return self._answer(403, REST_MISSING_TOKEN, "MissingAuthenticationTokenException")
        match = self.router.match(request.method, path)
        if match is None:
            return self._answer(403, REST_MISSING_TOKEN, "MissingAuthenticationTokenException")
        if self._throttle is not None and not self._throttle.admit():
            return self._answer(429, TOO_MANY_REQUESTS, "TooManyRequestsException")
        route = match.target
        decision = self._authorize(route, match, request, path, "1.0")
        authorizer_context = None
        if decision is not None:
            refused = self._refusal(decision)
            if refused is not None:
                refused.authorizer_invocation = decision.invocation
                return refused
            authorizer_context = decision.context
        if route.mock is not None:
            mock = route.mock
            response = gateway_answer(mock.status, mock.body, list(mock.headers))
            response.authorizer_invocation = decision.invocation if decision else None
            return response
        event = self._event(request, match, path, authorizer_context)
        outcome = self._call(route, event)
        response = self._translate(request, outcome)
        if decision is not None:
            response.authorizer_invocation = decision.invocation
        return response

    def _refusal(self, decision: Decision) -> HttpResponse | None:
        if decision.verdict == "allow":
            return None
        if decision.verdict == "unauthorized":
            return self._answer(401, UNAUTHORIZED, "UnauthorizedException")
        if decision.verdict == "deny":
            return self._answer(403, REST_DENIED, "AccessDeniedException")
        if decision.verdict in ("not-authorized", "scope"):
            return self._answer(403, REST_NOT_AUTHORIZED, "AccessDeniedException")
        return self._answer(500, REST_AUTHORIZER_ERROR, "AuthorizerConfigurationException")

    def _binary(self, content_type: str | None) -> bool:
        if not self.binary_media_types or content_type is None:
            return False
        media = content_type.split(";", 1)[0].strip().lower()
        return any(fnmatch.fnmatchcase(media, t.lower()) for t in self.binary_media_types)

    def _event(
        self,
        request: HttpRequest,
        match: Match[Route],
        path: str,
        authorizer: Mapping[str, Any] | None,
        version: str | None = None,
        stage: str | None = None,
    ) -> dict[str, Any]:
        body: str | bytes | None = None
        if request.body:
            if self._binary(request.header("content-type")):
                body = request.body
            else:
                body = request.body.decode("utf-8", errors="replace")
        return apigateway_rest(
            path=path,
            body=body,
            resource=match.key.path,
            version=version,
            **self._event_fields(request, match, authorizer, lower_headers=False, stage=stage),
        )

    def _authorizer_request_event(
        self,
        request: HttpRequest,
        match: Match[Route],
        path: str,
        method_arn: str,
        identity: list[str] | str | None,
        fmt: str,
    ) -> dict[str, Any]:
        event = self._event(request, match, path, None)
        keep = (
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext",
        )
        return {"type": "REQUEST", "methodArn": method_arn, **{k: event[k] for k in keep}}

    def _decodes(self, request: HttpRequest, headers: list[tuple[str, str]]) -> bool:
        """A base64 body is decoded when its Content-Type is binary and the client accepts
        it (SAM CLI's reading of API Gateway's contentHandling for proxy responses)."""
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        if content_type is None or not self._binary(content_type):
            return False
        media = content_type.split(";", 1)[0].strip().lower()
        accept = request.header("accept") or "*/*"
        accepted = [a.split(";", 1)[0].strip().lower() for a in accept.split(",")]
        return any(fnmatch.fnmatchcase(media, a) for a in accepted)

    def _translate(self, request: HttpRequest, outcome: Outcome) -> HttpResponse:
        invocation = outcome.invocation
        if invocation is None:
            response = self._answer(504, REST_TIMED_OUT, "InternalServerErrorException")
            response.pending = outcome.pending
            return response
        if outcome.rejected:
            response = self._answer(500, REST_INTERNAL_ERROR, "InternalServerErrorException")
        elif not invocation.ok:
            response = self._answer(502, REST_INTERNAL_ERROR, "InternalServerErrorException")
        else:
            try:
                translated = read_v1(invocation.result, strict=True)
                response = self._http(request, translated)
            except Malformed:
                response = self._answer(502, REST_INTERNAL_ERROR, "InternalServerErrorException")
        response.invocation = invocation
        return response

    def _http(self, request: HttpRequest, translated: Translated) -> HttpResponse:
        body = translated.body
        if translated.base64 and self._decodes(request, translated.headers):
            body = decode_base64(body)
        headers = list(translated.headers)
        if not has_header(headers, "content-type"):
            headers.append(("Content-Type", "application/json"))
        headers.append(("x-amzn-RequestId", new_request_id()))
        headers.append(("x-amz-apigw-id", apigw_id()))
        return HttpResponse(translated.status, headers, body)


@dataclass
class HttpApi(_Api):
    """An HTTP API: routes such as `{"GET /orders/{id}": function}`, `ANY /{proxy+}` or
    `$default`, payload format 2.0 by default (per route: `Route(..., payload_format=
    "1.0")`). The `$default` stage serves at the root; a named stage under `/<stage>`.

    `cors`: the API's CorsConfiguration: API Gateway answers preflight requests and adds
    the headers to responses. `integration_timeout_s`: 30 s, the most HTTP APIs allow.
    """

    stage: str = "$default"
    payload_format: Literal["1.0", "2.0"] = "2.0"
    integration_timeout_s: float = HTTP_INTEGRATION_TIMEOUT_S
    kind: str = "http"

    def __post_init__(self) -> None:
        self.name = self.name or "HttpApi"
        if self.payload_format not in ("1.0", "2.0"):
            raise HarnessError(
                f"payload_format must be '1.0' or '2.0', got {self.payload_format!r}"
            )
        super().__post_init__()
        check_timeout(
            "integration_timeout_s", self.integration_timeout_s, HTTP_INTEGRATION_TIMEOUT_S
        )

    @property
    def base_url(self) -> str:
        if self.stage in ("", "$default"):
            return f"https://{self.host}"
        return f"https://{self.host}/{self.stage}"

    def _answer(
        self, status: int, body: bytes, extra: Sequence[tuple[str, str]] = ()
    ) -> HttpResponse:
        headers = [("content-type", "application/json"), ("apigw-requestid", apigw_id())]
        headers.extend(extra)
        return gateway_answer(status, body, headers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        if len(request.body) > MAX_REQUEST_BYTES:
            return self._answer(413, HTTP_TOO_LARGE)
        if self.cors is not None and cors_.is_preflight(request):
            headers = cors_.preflight_headers(self.cors, request)
            headers.append(("apigw-requestid", apigw_id()))
            return gateway_answer(204, b"", headers)
        path = self._stage_path(request)
        match = self.router.match(request.method, path) if path is not None else None
        if match is None or path is None:
            return self._finish(request, self._answer(404, HTTP_NOT_FOUND))
        if self._throttle is not None and not self._throttle.admit():
            return self._finish(request, self._answer(429, TOO_MANY_REQUESTS))
        route = match.target
        fmt = route.payload_format or self.payload_format
        decision = self._authorize(route, match, request, path, fmt)
        authorizer_context = None
        if decision is not None:
            refused = self._refusal(decision)
            if refused is not None:
                refused.authorizer_invocation = decision.invocation
                return self._finish(request, refused)
            authorizer_context = decision.context
        event = self._event(request, match, path, authorizer_context, fmt)
        outcome = self._call(route, event)
        response = self._translate(outcome, fmt)
        if decision is not None:
            response.authorizer_invocation = decision.invocation
        return self._finish(request, response)

    def _finish(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if self.cors is not None:
            response.headers = cors_.response_headers(self.cors, request, response.headers)
        return response

    def _refusal(self, decision: Decision) -> HttpResponse | None:
        if decision.verdict == "allow":
            return None
        challenge = (
            [("www-authenticate", decision.www_authenticate)] if decision.www_authenticate else []
        )
        if decision.verdict == "unauthorized":
            return self._answer(401, UNAUTHORIZED, challenge)
        if decision.verdict in ("deny", "not-authorized", "scope"):
            return self._answer(403, HTTP_FORBIDDEN, challenge)
        return self._answer(500, HTTP_INTERNAL_ERROR)

    def _body(self, request: HttpRequest) -> str | bytes | None:
        if not request.body:
            return None
        if is_text(request.header("content-type")):
            return request.body.decode("utf-8", errors="replace")
        return request.body

    def _event(
        self,
        request: HttpRequest,
        match: Match[Route],
        path: str,
        authorizer: Mapping[str, Any] | None,
        fmt: str,
    ) -> dict[str, Any]:
        if fmt == "1.0":
            event = apigateway_rest(
                path=request.path,
                body=self._body(request),
                resource=match.key.path,
                version="1.0",
                **self._event_fields(request, match, authorizer, lower_headers=False),
            )
            event["requestContext"]["path"] = request.path
            return event
        return apigateway_http(
            path=request.path,
            body=self._body(request),
            route_key=match.key.text,
            **self._event_fields(request, match, authorizer, lower_headers=True),
        ) | ({"rawQueryString": request.query} if request.query else {})

    def _authorizer_request_event(
        self,
        request: HttpRequest,
        match: Match[Route],
        path: str,
        method_arn: str,
        identity: list[str] | str | None,
        fmt: str,
    ) -> dict[str, Any]:
        event = self._event(request, match, path, None, fmt)
        return {
            "version": "1.0" if fmt == "1.0" else "2.0",
            "type": "REQUEST",
            # Payload format 1.0 names the ARN as REST APIs do.
            ("methodArn" if fmt == "1.0" else "routeArn"): method_arn,
            "identitySource": identity,
            **{k: v for k, v in event.items() if k not in ("version", "body", "isBase64Encoded")},
        }

    def _translate(self, outcome: Outcome, fmt: str) -> HttpResponse:
        invocation = outcome.invocation
        if invocation is None:
            response = self._answer(503, HTTP_UNAVAILABLE)
            response.pending = outcome.pending
            return response
        if not invocation.ok:
            response = self._answer(500, HTTP_INTERNAL_ERROR)
        else:
            try:
                translated = (
                    read_v2(invocation)
                    if fmt == "2.0"
                    else read_v1(invocation.result, strict=False)
                )
                body = decode_base64(translated.body) if translated.base64 else translated.body
                headers = list(translated.headers)
                if not has_header(headers, "content-type"):
                    headers.append(("content-type", "text/plain; charset=utf-8"))
                headers.append(("apigw-requestid", apigw_id()))
                response = HttpResponse(translated.status, headers, body)
            except Malformed:
                response = self._answer(500, HTTP_INTERNAL_ERROR)
        response.invocation = invocation
        return response
