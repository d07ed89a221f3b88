"""Execution-role permissions: the role's identity policy, checked on every handler call.

moto can enforce IAM (INITIAL_NO_AUTH_ACTION_COUNT), but it turns enforcement on for
every caller at once (the test's own setup calls too), checks most actions against
resource "*", ignores NotResource and answers AccessDenied for every service. So the
moto server's front door evaluates the policy of the calling function itself: the caller
is known from the access key the request is signed with (each function's environment is
given its own), the action and resource from the request, and a refused call gets the
status, error code and message that AWS returns.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import FunctionConfig
from ..errors import HarnessError

# The console's "basic Lambda permissions" role (AWSLambdaBasicExecutionRole).
BASIC_EXECUTION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}
PRESETS: dict[str, dict[str, Any]] = {
    "basic-execution": BASIC_EXECUTION,
    "AWSLambdaBasicExecutionRole": BASIC_EXECUTION,
}

_ACTION = re.compile(r"\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+")


def _wildcard(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    not_action: bool
    resources: tuple[re.Pattern[str], ...]
    not_resource: bool

    def applies(self, action: str, resource: str) -> bool:
        action_hit = any(p.fullmatch(action) for p in self.actions) != self.not_action
        resource_hit = any(p.fullmatch(resource) for p in self.resources) != self.not_resource
        return action_hit and resource_hit


@dataclass(frozen=True)
class Policy:
    """An identity-based policy: an explicit Deny wins, then any Allow, else implicit deny."""

    statements: tuple[Statement, ...]

    def decide(self, action: str, resource: str) -> str:
        """ "allow", "explicit-deny" or "implicit-deny"."""
        applicable = [s for s in self.statements if s.applies(action, resource)]
        if any(not s.allow for s in applicable):
            return "explicit-deny"
        return "allow" if applicable else "implicit-deny"


def load_policy(value: Any) -> Policy | None:
    """The role policy from a preset name, a JSON string, a path to a JSON file, a dict or a
    list of documents; None means the role allows everything."""
    if value is None:
        return None
    if isinstance(value, str) and value in PRESETS:
        return _parse(PRESETS[value], f"preset {value!r}")
    if isinstance(value, list | tuple):
        statements: list[Statement] = []
        for document in value:
            policy = load_policy(document)
            if policy is not None:
                statements.extend(policy.statements)
        return Policy(tuple(statements))
    if isinstance(value, Mapping):
        return _parse(value, "role_policy")
    if isinstance(value, str) and value.lstrip().startswith("{"):
        return _parse(_json(value, "role_policy"), "role_policy")
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        if not path.is_file():
            raise HarnessError(
                f"role_policy={os.fspath(value)!r} is neither a preset "
                f"({', '.join(sorted(PRESETS))}), a JSON policy document nor a file that exists"
            )
        return _parse(_json(path.read_text(encoding="utf-8"), str(path)), str(path))
    raise HarnessError(
        f"role_policy must be a policy document (dict or JSON string), a path to one, a "
        f"preset name or a list of these, got {type(value).__name__} {value!r}"
    )


def _json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise HarnessError(
            f"role_policy from {source} is not valid JSON: {e} (a policy document is a JSON "
            f"object with a Statement list)"
        ) from None


def _parse(document: Any, source: str) -> Policy:
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise HarnessError(
            f"role_policy from {source} must be a JSON object with a 'Statement' element, "
            f"got {document!r}"
        )
    raw = document["Statement"]
    raw_statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(raw_statements, list) or not raw_statements:
        raise HarnessError(f"role_policy from {source}: 'Statement' must be a non-empty list")
    return Policy(tuple(_statement(s, source, i) for i, s in enumerate(raw_statements)))


def _statement(raw: Any, source: str, index: int) -> Statement:
    where = f"role_policy from {source}, Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise HarnessError(f"{where} must be an object, got {raw!r}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise HarnessError(f"{where}: Effect must be 'Allow' or 'Deny', got {raw.get('Effect')!r}")
    if "Principal" in raw or "NotPrincipal" in raw:
        raise HarnessError(
            f"{where}: an identity-based policy cannot name a Principal (IAM refuses it: "
            "'Policy document should not specify a principal')"
        )
    if "Condition" in raw:
        raise HarnessError(
            f"{where}: Condition is not supported by the harness; remove it or split the "
            "statement so the test does not depend on it"
        )
    actions, not_action = _element(raw, "Action", where)
    for action in actions:
        if not _ACTION.fullmatch(action):
            raise HarnessError(
                f"{where}: action {action!r} is invalid; write 'service:Operation' "
                "(wildcards * and ? allowed) or '*'"
            )
    resources, not_resource = _element(raw, "Resource", where)
    return Statement(
        allow=raw["Effect"] == "Allow",
        actions=tuple(_wildcard(a, ignore_case=True) for a in actions),
        not_action=not_action,
        resources=tuple(_wildcard(r, ignore_case=False) for r in resources),
        not_resource=not_resource,
    )


def _element(raw: Mapping[str, Any], name: str, where: str) -> tuple[list[str], bool]:
    present = [key for key in (name, f"Not{name}") if key in raw]
    if len(present) != 1:
        raise HarnessError(f"{where} must have exactly one of {name} or Not{name}")
    value = raw[present[0]]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise HarnessError(f"{where}: {present[0]} must be a string or a list of strings")
    return values, present[0] != name


# -- who is calling, and what they ask --------------------------------------------------


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


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    params: Mapping[str, Any]
    protocol: str  # "json", "query" or "rest-s3" (anything else: "rest")


# IAM action prefixes that differ from the SigV4 signing name.
_ACTION_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}


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

    def check(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """None to let the request through, else the (status, headers, body) AWS answers."""
        if not self._identities:
            return None
        scope = _credential_scope(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return None
        key, service = scope
        identity = self._identities.get(key)
        if identity is None:
            return None
        call = _read_call(environ, service)
        action = f"{_ACTION_PREFIX.get(service, service)}:{call.operation}"
        if call.protocol == "rest-s3":
            action = _s3_action(call)
        for resource in _resources(call, identity.config):
            decision = identity.policy.decide(action, resource)
            if decision != "allow":
                return _denied(call, identity, action, resource, decision)
        return None


def _credential_scope(authorization: str) -> tuple[str, str] | None:
    match = re.search(r"Credential=([^/]+)/\d{8}/[^/]+/([^/]+)/aws4_request", authorization)
    return (match.group(1), match.group(2)) if match else None


def _read_call(environ: dict[str, Any], service: str) -> Call:
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
    import io

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
        "copy": "HTTP_X_AMZ_COPY_SOURCE" in environ,
    }


# Bucket and object subresources -> the IAM action, per HTTP method.
_S3_BUCKET_SUB = {
    "versions": "ListBucketVersions",
    "uploads": "ListBucketMultipartUploads",
    "notification": "{m}BucketNotification",
    "policy": "{m}BucketPolicy",
    "tagging": "{m}BucketTagging",
    "versioning": "{m}BucketVersioning",
    "location": "GetBucketLocation",
    "cors": "{m}BucketCORS",
    "acl": "{m}BucketAcl",
}
_S3_OBJECT_SUB = {
    "tagging": "{m}ObjectTagging",
    "acl": "{m}ObjectAcl",
    "retention": "{m}ObjectRetention",
}
_S3_VERB = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Get", "POST": "Put"}


def _s3_action(call: Call) -> str:
    p = call.params
    method, query = p["method"], p["query"]
    verb = _S3_VERB.get(method, "Get")
    if not p["bucket"]:
        return "s3:ListAllMyBuckets"
    subresources = _S3_OBJECT_SUB if p["key"] else _S3_BUCKET_SUB
    for name, action in subresources.items():
        if name in query:
            return "s3:" + action.format(m=verb)
    if p["key"]:
        if method in ("GET", "HEAD"):
            return "s3:GetObjectVersion" if "versionId" in query else "s3:GetObject"
        if method == "DELETE":
            if "uploadId" in query:
                return "s3:AbortMultipartUpload"
            return "s3:DeleteObjectVersion" if "versionId" in query else "s3:DeleteObject"
        return "s3:PutObject"
    if method in ("GET", "HEAD"):
        return "s3:ListBucket"
    if method == "POST" and "delete" in query:
        return "s3:DeleteObject"
    return "s3:DeleteBucket" if method == "DELETE" else "s3:CreateBucket"


def _resources(call: Call, config: FunctionConfig) -> list[str]:
    """The ARNs the call acts on, as IAM evaluates them ("*" when AWS checks no resource)."""
    region, account, p = config.region, config.account_id, call.params
    prefix = f"arn:aws:{call.service}:{region}:{account}:"
    if call.protocol == "rest-s3":
        if not p["bucket"]:
            return ["*"]
        if p["key"]:
            return [f"arn:aws:s3:::{p['bucket']}/{p['key']}"]
        if p["method"] == "POST" and "delete" in p["query"]:
            return [f"arn:aws:s3:::{p['bucket']}/*"]
        return [f"arn:aws:s3:::{p['bucket']}"]
    if call.service == "dynamodb":
        if "StreamArn" in p:
            return [str(p["StreamArn"])]
        tables = [p["TableName"]] if "TableName" in p else list(p.get("RequestItems", {}))
        for item in p.get("TransactItems", []):
            tables.extend(v["TableName"] for v in item.values() if "TableName" in v)
        return [f"{prefix}table/{t}" for t in tables] or ["*"]
    if call.service == "sqs":
        url = p.get("QueueUrl")
        name = urlsplit(str(url)).path.rstrip("/").rsplit("/", 1)[-1] if url else p.get("QueueName")
        return [f"{prefix}{name}"] if name else ["*"]
    if call.service == "sns":
        arn = p.get("TopicArn") or p.get("TargetArn")
        if arn:
            return [str(arn)]
        return [f"{prefix}{p['Name']}"] if "Name" in p else ["*"]
    if call.service == "kinesis":
        if "StreamARN" in p:
            return [str(p["StreamARN"])]
        return [f"{prefix}stream/{p['StreamName']}"] if "StreamName" in p else ["*"]
    if call.service == "events":
        if call.operation == "PutEvents":
            buses = {e.get("EventBusName") or "default" for e in p.get("Entries", [])}
            return [b if b.startswith("arn:") else f"{prefix}event-bus/{b}" for b in sorted(buses)]
        if "Name" in p and "Rule" in call.operation:
            return [f"{prefix}rule/{p['Name']}"]
        return ["*"]
    if call.service == "secretsmanager":
        secret = p.get("SecretId") or p.get("Name")
        if not secret:
            return ["*"]
        return [secret if str(secret).startswith("arn:") else f"{prefix}secret:{secret}"]
    if call.service == "ssm":
        names = [p["Name"]] if "Name" in p else list(p.get("Names", []))
        return [f"{prefix}parameter/{str(n).lstrip('/')}" for n in names] or ["*"]
    if call.service == "logs" and "logGroupName" in p:
        group = f"{prefix}log-group:{p['logGroupName']}"
        if "logStreamName" in p:
            return [f"{group}:log-stream:{p['logStreamName']}"]
        return [group]
    return ["*"]


def _denied(
    call: Call, identity: Identity, action: str, resource: str, decision: str
) -> tuple[str, list[tuple[str, str]], bytes]:
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
