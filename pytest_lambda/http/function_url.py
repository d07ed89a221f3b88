"""Lambda function URLs: `https://<url-id>.lambda-url.<region>.on.aws`, every method and
path to one function, payload format 2.0 ("Invoking Lambda function URLs", Lambda
developer guide). No integration timeout of their own: the function's timeout applies.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from ..errors import ErrorKind, HarnessError
from ..events import function_url as function_url_event
from ..events._core import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..function import LambdaFunction
from . import cors as cors_
from .base import MB, call_integration, gateway_answer, is_text, new_request_id
from .client import FrontDoor
from .messages import HttpRequest, HttpResponse
from .proxy import Malformed, decode_base64, has_header, read_v2

# The function's error as a function URL reports it (aws-lambda-cpp#200).
URL_INTERNAL_ERROR = b"Internal Server Error"
URL_FORBIDDEN = b'{"Message":"Forbidden"}'
# The Invoke API's throttling error, passed on.
URL_THROTTLED = (
    b'{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User",'
    b'"message":"Rate Exceeded."}'
)
MAX_REQUEST_BYTES = 6 * MB


class FunctionUrl(FrontDoor):
    """A function's URL. `auth_type`: "NONE", or "AWS_IAM" (a request without a SigV4
    Authorization header is refused with 403; signatures are not checked). `cors`: the
    URL's Cors configuration (the service answers preflight requests)."""

    kind = "url"

    def __init__(
        self,
        function: LambdaFunction,
        *,
        auth_type: Literal["NONE", "AWS_IAM"] = "NONE",
        cors: cors_.Cors | None = None,
        url_id: str | None = None,
        name: str | None = None,
    ) -> None:
        if not isinstance(function, LambdaFunction):
            raise HarnessError(f"FunctionUrl takes a LambdaFunction, got {function!r}")
        if auth_type not in ("NONE", "AWS_IAM"):
            raise HarnessError(f"auth_type must be 'NONE' or 'AWS_IAM', got {auth_type!r}")
        self.function = function
        self.auth_type = auth_type
        self.cors = cors
        self.name = name or f"{function.name}Url"
        self.region = function.config.region or DEFAULT_REGION
        self.account = DEFAULT_ACCOUNT
        self.url_id = url_id or hashlib.sha256(function.name.encode()).hexdigest()[:32]
        self.host = f"{self.url_id}.lambda-url.{self.region}.on.aws"

    def functions(self) -> list[LambdaFunction]:
        return [self.function]

    def describe(self) -> list[str]:
        return [f"{self.name} (function URL) {self.base_url} -> {self.function.name}"]

    def _headers(self, content_type: str = "application/json") -> list[tuple[str, str]]:
        return [("Content-Type", content_type), ("x-amzn-RequestId", new_request_id())]

    def handle(self, request: HttpRequest) -> HttpResponse:
        if self.cors is not None and cors_.is_preflight(request):
            return gateway_answer(200, b"", cors_.preflight_headers(self.cors, request))
        response = self._serve(request)
        if self.cors is not None:
            response.headers = cors_.response_headers(self.cors, request, response.headers)
        return response

    def _serve(self, request: HttpRequest) -> HttpResponse:
        signed = (request.header("authorization") or "").startswith("AWS4-HMAC-SHA256")
        if self.auth_type == "AWS_IAM" and not signed:
            return gateway_answer(403, URL_FORBIDDEN, self._headers())
        if len(request.body) > MAX_REQUEST_BYTES:
            message = {
                "Message": f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                "InvokeFunction operation"
            }
            return gateway_answer(413, json.dumps(message).encode(), self._headers())
        body: str | bytes | None = None
        if request.body:
            text = is_text(request.header("content-type"))
            body = request.body.decode("utf-8", errors="replace") if text else request.body
        event: dict[str, Any] = function_url_event(
            method=request.method,
            path=request.path or "/",
            body=body,
            headers=request.grouped_headers(lower=True),
            query=request.grouped_query(),
            url_id=self.url_id,
            iam_caller=self.auth_type == "AWS_IAM",
            region=self.region,
            account=self.account,
            source_ip=request.source_ip,
        )
        if request.query:
            event["rawQueryString"] = request.query
        invocation = call_integration(self.function, event, None).invocation
        assert invocation is not None
        if invocation.error is not None and invocation.error.kind is ErrorKind.THROTTLED:
            response = gateway_answer(429, URL_THROTTLED, self._headers())
        elif not invocation.ok:
            response = gateway_answer(502, URL_INTERNAL_ERROR, self._headers("text/plain"))
        else:
            try:
                translated = read_v2(invocation)
                data = decode_base64(translated.body) if translated.base64 else translated.body
                headers = list(translated.headers)
                if not has_header(headers, "content-type"):
                    headers.append(("Content-Type", "application/json"))
                headers.append(("x-amzn-RequestId", invocation.request_id))
                response = HttpResponse(translated.status, headers, data)
            except Malformed:
                response = gateway_answer(502, URL_INTERNAL_ERROR, self._headers("text/plain"))
        response.invocation = invocation
        return response
