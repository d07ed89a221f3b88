"""An Application Load Balancer with Lambda target groups ("Lambda functions as targets",
Elastic Load Balancing user guide): listener rules by path pattern (and method) in
priority order, each forwarding to one function; multi-value headers when the target
group enables them; request bodies and response JSON up to 1 MB.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError
from ..events import alb as alb_event
from ..events._core import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..function import LambdaFunction
from .base import MB, call_integration, gateway_answer, is_text
from .client import FrontDoor
from .messages import HttpRequest, HttpResponse
from .proxy import Malformed, decode_base64, read_v1

MAX_BODY_BYTES = 1 * MB


def _elb_page(status: int, reason: str) -> bytes:
    # The load balancer's own error page (Server: awselb/2.0).
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()


BAD_GATEWAY = _elb_page(502, "Bad Gateway")
NOT_FOUND = _elb_page(404, "Not Found")
TOO_LARGE = _elb_page(413, "Request Entity Too Large")


@dataclass
class TargetGroup:
    """A Lambda target group: its function, and whether multi-value headers are on."""

    function: LambdaFunction
    multi_value_headers: bool = False
    name: str = ""


@dataclass
class _Rule:
    patterns: Sequence[str]
    methods: Sequence[str]
    target: TargetGroup


class LoadBalancer(FrontDoor):
    """An ALB listener. `targets`: a function (every request), or rules as
    `{"/api/*": function_or_target_group}` (path patterns with `*` and `?`, optionally
    prefixed with methods: `"GET,HEAD /api/*"`), tried in order; `default`: where
    requests no rule matches go (none: the listener's fixed 404)."""

    kind = "alb"

    def __init__(
        self,
        targets: LambdaFunction | TargetGroup | Mapping[str, LambdaFunction | TargetGroup],
        *,
        default: LambdaFunction | TargetGroup | None = None,
        multi_value_headers: bool = False,
        name: str = "LoadBalancer",
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        self.name = name
        self.region = region
        self.account = account
        self.host = f"{name.lower()[:20]}-123578498.{region}.elb.amazonaws.com"
        self.rules: list[_Rule] = []

        def group(target: LambdaFunction | TargetGroup) -> TargetGroup:
            if isinstance(target, TargetGroup):
                return target
            if isinstance(target, LambdaFunction):
                return TargetGroup(target, multi_value_headers)
            raise HarnessError(f"{name}: a target must be a LambdaFunction, got {target!r}")

        if isinstance(targets, Mapping):
            for key, target in targets.items():
                methods, _, pattern = key.strip().rpartition(" ")
                self.rules.append(
                    _Rule(
                        [p for p in pattern.split(",") if p],
                        [m.upper() for m in methods.split(",") if m],
                        group(target),
                    )
                )
        else:
            default = targets if default is None else default
        self.default = group(default) if default is not None else None

    def functions(self) -> list[LambdaFunction]:
        found: list[LambdaFunction] = []
        groups = [rule.target for rule in self.rules]
        if self.default is not None:
            groups.append(self.default)
        for target in groups:
            if target.function not in found:
                found.append(target.function)
        return found

    def describe(self) -> list[str]:
        lines = [f"{self.name} (alb) {self.base_url}"]
        for rule in self.rules:
            methods = ",".join(rule.methods)
            lines.append(
                f"  {methods} {','.join(rule.patterns)} -> {rule.target.function.name}".replace(
                    "   ", "  "
                )
            )
        if self.default is not None:
            lines.append(f"  default -> {self.default.function.name}")
        return lines

    def _target(self, request: HttpRequest) -> TargetGroup | None:
        for rule in self.rules:
            if rule.methods and request.method not in rule.methods:
                continue
            if any(fnmatch.fnmatchcase(request.path or "/", p) for p in rule.patterns):
                return rule.target
        return self.default

    def _page(self, status: int, page: bytes) -> HttpResponse:
        return gateway_answer(
            status, page, [("Server", "awselb/2.0"), ("Content-Type", "text/html")]
        )

    def handle(self, request: HttpRequest) -> HttpResponse:
        target = self._target(request)
        if target is None:
            return gateway_answer(404, b"", [("Server", "awselb/2.0")])
        if len(request.body) > MAX_BODY_BYTES:
            return self._page(413, TOO_LARGE)
        body: str | bytes | None = None
        if request.body:
            text = is_text(request.header("content-type"))
            body = request.body.decode("utf-8", errors="replace") if text else request.body
        group_id = hashlib.sha256(target.function.name.encode()).hexdigest()[:16]
        event: dict[str, Any] = alb_event(
            method=request.method,
            path=request.path or "/",
            body=body,
            headers=request.grouped_headers(lower=True),
            multi_value=target.multi_value_headers,
            target_group=f"{(target.name or target.function.name)[:32]}/{group_id}",
            region=self.region,
            account=self.account,
            source_ip=request.source_ip,
        )
        # The load balancer passes query parameters as the client encoded them.
        raw: dict[str, list[str]] = {}
        for pair in request.query.split("&") if request.query else []:
            key, _, value = pair.partition("=")
            raw.setdefault(key, []).append(value)
        if target.multi_value_headers:
            event["multiValueQueryStringParameters"] = raw
        else:
            event["queryStringParameters"] = {k: v[-1] for k, v in raw.items()}
        invocation = call_integration(target.function, event, None).invocation
        assert invocation is not None
        response = self._translate(invocation, target)
        response.invocation = invocation
        return response

    def _translate(self, invocation: Any, target: TargetGroup) -> HttpResponse:
        if not invocation.ok:
            return self._page(502, BAD_GATEWAY)
        if (
            invocation.response_payload is not None
            and len(invocation.response_payload) > MAX_BODY_BYTES
        ):
            return self._page(502, BAD_GATEWAY)
        try:
            translated = read_v1(invocation.result, strict=False, alb=True)
            data = decode_base64(translated.body) if translated.base64 else translated.body
        except Malformed:
            return self._page(502, BAD_GATEWAY)
        headers = [("Server", "awselb/2.0"), *translated.headers]
        return HttpResponse(translated.status, headers, data)
