"""Execution-role permissions: the role's identity policy, checked on every handler call.

moto can enforce IAM (INITIAL_NO_AUTH_ACTION_COUNT), but it turns enforcement on for
every caller at once (the test's own setup calls too), checks most actions against
resource "*", ignores NotResource and answers AccessDenied for every service. So the
moto server's front door evaluates the policy of the calling function itself: the caller
is known from the access key the request is signed with (each function's environment is
given its own), the action and resource from the request (each service module says which
resources its calls act on), and a refused call gets the status, error code and message
that AWS returns.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..config import FunctionConfig
from ..policy import Policy, load_policy
from . import services
from .calls import Call, read_call


def access_key_for(config: FunctionConfig) -> str:
    """The access key id a function's environment gets: it tells the server who calls."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, f"{config.account_id}/{config.function_name}").hex
    return "ASIA" + digest[:16].upper()


@dataclass(frozen=True)
class Identity:
    config: FunctionConfig
    policy: Policy

    @property
    def principal(self) -> str:
        name = self.config.function_name
        return f"arn:aws:sts::{self.config.account_id}:assumed-role/{name}-role/{name}"


Denial = tuple[str, list[tuple[str, str]], bytes]


class PolicyGate:
    """Registered functions' policies, and the check run before moto sees a request."""

    def __init__(self) -> None:
        self._identities: dict[str, Identity] = {}
        self._lock = threading.Lock()

    def register(self, config: FunctionConfig) -> str:
        """The access key for `config`, its policy (if any) now enforced for that key."""
        key = access_key_for(config)
        policy = load_policy(config.role_policy)
        with self._lock:
            if policy is None:
                self._identities.pop(key, None)
            else:
                self._identities[key] = Identity(config, policy)
        return key

    def clear(self) -> None:
        with self._lock:
            self._identities.clear()

    def check(self, environ: dict[str, Any]) -> Denial | None:
        """None to let the request through, else the (status, headers, body) AWS answers."""
        if not self._identities:
            return None
        scope = _credential_scope(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return None
        key, region, service = scope
        identity = self._identities.get(key)
        if identity is None:
            return None
        call = read_call(environ, service)
        action = services.iam_action(call)
        context = {**_request_context(identity, region), **services.iam_context(call)}
        for resource in services.iam_resources(call, identity.config):
            decision = identity.policy.decide(action, resource, context)
            if decision != "allow":
                return _denied(call, identity, action, resource, decision)
        return None


def _credential_scope(authorization: str) -> tuple[str, str, str] | None:
    """The access key, Region and service a SigV4 request is signed for."""
    match = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", authorization)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _request_context(identity: Identity, region: str) -> dict[str, str]:
    """The global condition keys of a call from the function's role (over HTTPS, as
    Lambda's calls are; at the test's clock)."""
    now = datetime.now(timezone.utc)
    config = identity.config
    return {
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": (
            f"arn:aws:iam::{config.account_id}:role/{config.function_name}-role"
        ),
        "aws:PrincipalAccount": config.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
    }


def _denied(
    call: Call, identity: Identity, action: str, resource: str, decision: str
) -> Denial:
    shown = f'"{resource}"' if call.protocol == "rest-s3" else resource
    reason = (
        "with an explicit deny in an identity-based policy"
        if decision == "explicit-deny"
        else f"because no identity-based policy allows the {action} action"
    )
    message = (
        f"User: {identity.principal} is not authorized to perform: {action} on resource: "
        f"{shown} {reason}"
    )
    request_id = str(uuid.uuid4())
    if call.protocol == "json":
        body = json.dumps(
            {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
        )
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("x-amzn-RequestId", request_id),
        ]
        return "400 Bad Request", headers, body.encode()
    message_xml = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if call.protocol == "rest-s3":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{message_xml}</Message><RequestId>{request_id}</RequestId></Error>"
        )
    else:
        # SNS words an IAM refusal AuthorizationError; the other query services AccessDenied.
        code = "AuthorizationError" if call.service == "sns" else "AccessDenied"
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message_xml}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        )
    return (
        "403 Forbidden",
        [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
        (xml.encode()),
    )
