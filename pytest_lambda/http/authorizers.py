"""Authorizers: Lambda authorizers (TOKEN and REQUEST; IAM policy or simple responses)
run as functions through the same engine as the routes, their results cached by identity
source for their TTL; JWT and Cognito user pool authorizers checking a token in the gateway.

An authorizer says allow (with what the integration sees in requestContext.authorizer),
or one of the refusals; each API words the refusal its own way.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import HarnessError
from ..function import LambdaFunction
from ..invocation import Invocation
from .jwt import JwtRefused, claims_as_strings, verify
from .messages import HttpRequest

Verdict = Literal["allow", "unauthorized", "deny", "not-authorized", "error", "scope"]


@dataclass
class Decision:
    """`verdict`: allow; unauthorized (401: no identity, a refused token, or the authorizer
    raised "Unauthorized"); deny (an explicit Deny); not-authorized (no statement allows
    it; simple response false); error (the authorizer failed or answered malformed);
    scope (a JWT without the route's scopes)."""

    verdict: Verdict
    context: dict[str, Any] = field(default_factory=dict)
    invocation: Invocation | None = None
    www_authenticate: str | None = None


@dataclass
class AuthorizationRequest:
    """What an API hands its authorizer for one request."""

    request: HttpRequest
    method_arn: str
    stage_variables: Mapping[str, str]
    context_values: Mapping[str, str]
    payload_format: str
    scopes: Sequence[str]
    # Builds the REQUEST authorizer's event (the API knows its own request shape).
    request_event: Callable[[list[str] | str | None], dict[str, Any]]
    token_event: Callable[[str], dict[str, Any]]


class Authorizer:
    name: str = "authorizer"

    def authorize(self, ask: AuthorizationRequest) -> Decision:
        raise NotImplementedError

    def functions(self) -> list[LambdaFunction]:
        return []


def parse_identity_source(source: str) -> tuple[str, str]:
    """`method.request.header.Authorization` (REST) or `$request.header.Authorization`
    (HTTP API) -> ("header", "Authorization"); querystring, stageVariables and context too."""
    text = source.strip()
    for prefix, kind in (
        ("method.request.header.", "header"),
        ("method.request.querystring.", "querystring"),
        ("$request.header.", "header"),
        ("$request.querystring.", "querystring"),
        ("stageVariables.", "stageVariables"),
        ("$stageVariables.", "stageVariables"),
        ("context.", "context"),
        ("$context.", "context"),
    ):
        if text.startswith(prefix) and len(text) > len(prefix):
            return kind, text[len(prefix) :]
    raise HarnessError(
        f"identity source {source!r} is not one API Gateway takes: use "
        "method.request.header.NAME / method.request.querystring.NAME (REST APIs), "
        "$request.header.NAME / $request.querystring.NAME (HTTP APIs), stageVariables.NAME "
        "or context.NAME"
    )


def identity_values(
    sources: Sequence[tuple[str, str]], ask: AuthorizationRequest
) -> list[str] | None:
    """The identity sources' values, or None when one is missing or empty (API Gateway
    then answers 401 without calling the authorizer)."""
    values = []
    request = ask.request
    for kind, name in sources:
        value: str | None
        if kind == "header":
            found = request.header_values(name)
            value = ",".join(found) if found else None
        elif kind == "querystring":
            found = [v for k, v in request.query_pairs() if k == name]
            value = ",".join(found) if found else None
        elif kind == "stageVariables":
            value = ask.stage_variables.get(name)
        else:
            value = ask.context_values.get(name)
        if not value:
            return None
        values.append(value)
    return values


class LambdaAuthorizer(Authorizer):
    """A Lambda authorizer.

    `type`: "TOKEN" (REST APIs: the one identity source's value is `authorizationToken`)
    or "REQUEST" (the request's headers, query, path, stage variables and context).
    `identity_source`: one or more sources (`method.request.header.Authorization`,
    `$request.header.Authorization`, ...); a request missing one is refused with 401
    without calling the function. `ttl_s`: how long a result is cached for the same
    identity values (0: never). `payload_format`: "1.0" (REST, and HTTP APIs' 1.0) or
    "2.0" (HTTP APIs). `simple_responses`: the function answers `{"isAuthorized": bool,
    "context": {...}}` (HTTP APIs, payload 2.0) instead of an IAM policy.
    `token_validation`: a regular expression a TOKEN must match, else 401 without a call.
    """

    def __init__(
        self,
        function: LambdaFunction,
        *,
        type: Literal["TOKEN", "REQUEST"] = "TOKEN",
        identity_source: str | Sequence[str] = "method.request.header.Authorization",
        ttl_s: int = 300,
        payload_format: Literal["1.0", "2.0"] = "1.0",
        simple_responses: bool = False,
        token_validation: str | None = None,
        name: str | None = None,
    ) -> None:
        if type not in ("TOKEN", "REQUEST"):
            raise HarnessError(f"LambdaAuthorizer type must be 'TOKEN' or 'REQUEST', got {type!r}")
        if payload_format not in ("1.0", "2.0"):
            raise HarnessError(
                f"LambdaAuthorizer payload_format must be '1.0' or '2.0', got {payload_format!r}"
            )
        if simple_responses and payload_format != "2.0":
            raise HarnessError(
                "LambdaAuthorizer simple_responses=True needs payload_format='2.0' (HTTP APIs "
                "accept simple responses only from 2.0 authorizers)"
            )
        if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or not 0 <= ttl_s <= 3600:
            raise HarnessError(f"LambdaAuthorizer ttl_s must be 0-3600 seconds, got {ttl_s!r}")
        self.function = function
        self.type = type
        raw = [identity_source] if isinstance(identity_source, str) else list(identity_source)
        self.identity_sources = [parse_identity_source(s) for s in raw if s]
        if type == "TOKEN" and (
            len(self.identity_sources) != 1 or self.identity_sources[0][0] != "header"
        ):
            raise HarnessError(
                f"a TOKEN authorizer takes one header as its identity source, got {raw!r}"
            )
        self.raw_identity_sources = raw
        self.ttl_s = ttl_s
        self.payload_format = payload_format
        self.simple_responses = simple_responses
        self.token_validation = token_validation
        self.name = name or function.name
        self._cache: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LambdaAuthorizer({self.function.name!r}, type={self.type!r})"

    def functions(self) -> list[LambdaFunction]:
        return [self.function]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def authorize(self, ask: AuthorizationRequest) -> Decision:
        values = identity_values(self.identity_sources, ask)
        if values is None and (self.type == "TOKEN" or self.ttl_s > 0 or self.identity_sources):
            return Decision("unauthorized")
        if self.type == "TOKEN" and self.token_validation is not None:
            import re

            if values is None or re.fullmatch(self.token_validation, values[0]) is None:
                return Decision("unauthorized")
        key = tuple(values or ())
        cached = self._cached(key)
        invocation = None
        if cached is None:
            if self.type == "TOKEN":
                assert values is not None
                event = ask.token_event(values[0])
            else:
                identity: list[str] | str | None = values
                if self.payload_format == "1.0":
                    identity = ",".join(values) if values else None
                event = ask.request_event(identity)
            invocation = self.function.invoke(event)
            if not invocation.ok:
                message = invocation.error.message if invocation.error is not None else ""
                verdict: Verdict = "unauthorized" if message == "Unauthorized" else "error"
                return Decision(verdict, invocation=invocation)
            answer = invocation.result
            if not isinstance(answer, Mapping):
                return Decision("error", invocation=invocation)
            cached = dict(answer)
            if self.ttl_s > 0 and values is not None:
                with self._lock:
                    self._cache[key] = (time.monotonic() + self.ttl_s, cached)
        decision = self._evaluate(cached, ask)
        decision.invocation = invocation
        return decision

    def _cached(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        if self.ttl_s <= 0:
            return None
        with self._lock:
            found = self._cache.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._cache[key]
                return None
            return found[1]

    def _evaluate(self, answer: Mapping[str, Any], ask: AuthorizationRequest) -> Decision:
        context = answer.get("context") or {}
        if not isinstance(context, Mapping):
            return Decision("error")
        if self.simple_responses:
            authorized = answer.get("isAuthorized")
            if not isinstance(authorized, bool):
                return Decision("error")
            if not authorized:
                return Decision("not-authorized")
            return Decision("allow", {"lambda": dict(context)})
        policy = answer.get("policyDocument")
        principal = answer.get("principalId")
        if not isinstance(policy, Mapping) or (
            self.payload_format == "1.0" and not isinstance(principal, str | int)
        ):
            return Decision("error")
        verdict = evaluate_policy(policy, ask.method_arn)
        if verdict is None:
            return Decision("error")
        if verdict != "allow":
            return Decision(verdict)
        if ask.payload_format == "2.0" or self.payload_format == "2.0":
            return Decision("allow", {"lambda": dict(context)})
        passed: dict[str, Any] = {"principalId": str(principal)}
        passed.update({k: _context_value(v) for k, v in context.items()})
        return Decision("allow", passed)


def _context_value(value: Any) -> Any:
    # REST APIs pass the authorizer's context to the integration as strings.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def evaluate_policy(policy: Mapping[str, Any], method_arn: str) -> Verdict | None:
    """allow, deny (an explicit Deny matches), not-authorized (no Allow matches), or None
    when the policy is malformed."""
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            return None
        effect = str(statement.get("Effect", ""))
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        resources = [resources] if isinstance(resources, str) else list(resources)
        if effect not in ("Allow", "Deny"):
            return None
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(a)) or a == "*" for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(method_arn, str(r)) for r in resources):
            continue
        if effect == "Deny":
            return "deny"
        allowed = True
    return "allow" if allowed else "not-authorized"


class JwtAuthorizer(Authorizer):
    """A JWT authorizer (HTTP APIs), or a Cognito user pool authorizer (REST APIs:
    `cognito=True`, no audience check, claims in requestContext.authorizer.claims).

    Tokens from `mint_jwt` (signed with the harness's test key) are accepted, and tokens
    signed with any of `keys` (joserfc keys, e.g. the public half of the test's own key).
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str | Sequence[str] = (),
        identity_source: str = "$request.header.Authorization",
        keys: Sequence[Any] = (),
        cognito: bool = False,
        name: str = "JwtAuthorizer",
    ) -> None:
        self.issuer = issuer
        self.audiences = [audience] if isinstance(audience, str) else list(audience)
        if not cognito and not self.audiences:
            raise HarnessError(
                "JwtAuthorizer needs audience= (API Gateway requires at least one audience "
                "for a JWT authorizer)"
            )
        kind, header = parse_identity_source(identity_source)
        if kind != "header":
            raise HarnessError(
                f"a JWT authorizer reads its token from a header, got {identity_source!r}"
            )
        self.header = header
        self.keys = list(keys)
        self.cognito = cognito
        self.name = name

    def __repr__(self) -> str:
        return f"JwtAuthorizer(issuer={self.issuer!r})"

    def authorize(self, ask: AuthorizationRequest) -> Decision:
        token = ask.request.header(self.header)
        if not token:
            return Decision("unauthorized")
        try:
            verified = verify(
                token,
                issuer=self.issuer,
                audiences=self.audiences,
                required_scopes=ask.scopes,
                keys=self.keys,
                check_audience=not self.cognito,
            )
        except JwtRefused as refused:
            scope = " ".join(ask.scopes)
            challenge = (
                f'Bearer scope="{scope}" error="'
                f'{"insufficient_scope" if refused.scope else "invalid_token"}" '
                f'error_description="{refused.description}"'
            )
            return Decision(
                "scope" if refused.scope else "unauthorized", www_authenticate=challenge
            )
        claims = claims_as_strings(verified.claims)
        if self.cognito:
            return Decision("allow", {"claims": claims})
        return Decision("allow", {"jwt": {"claims": claims, "scopes": verified.scopes or None}})
