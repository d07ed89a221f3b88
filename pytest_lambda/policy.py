"""IAM identity policies: parsing a document into statements, and deciding one request.

Pure: no AWS library is imported, so checking a function's `role_policy` when it is
configured costs nothing. Where the decision is enforced (the moto server's front door,
for the calls a handler makes) is the AWS layer's business.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import HarnessError

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
