"""IAM identity policies: parsing a document into statements, and deciding one request.

Pure: no AWS library is imported, so checking a function's `role_policy` when it is
configured costs nothing. Where the decision is enforced (the moto server's front door,
for the calls a handler makes) is the AWS layer's business. AWS managed policies are
read, by name or ARN, from the copy of their documents that moto ships (the file is
read, moto is not imported). Conditions are evaluated against the request's context
keys, with IAM's rules for missing keys, `...IfExists`, `ForAllValues:`/`ForAnyValue:`.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
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
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": BASIC_EXECUTION,
}
MANAGED_POLICY_ARN_PREFIX = "arn:aws:iam::aws:policy/"

_ACTION = re.compile(r"\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+")


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


# A request's context keys (aws:RequestedRegion, s3:prefix, ...): a value or a list.
Context = Mapping[str, Any]


@dataclass(frozen=True)
class Condition:
    """One key of one operator of a Condition block, e.g. StringLike s3:prefix ["a/*"]."""

    operator: str
    key: str
    values: tuple[str, ...]
    if_exists: bool
    quantifier: str  # "", "ForAllValues" or "ForAnyValue"

    def holds(self, context: Context) -> bool:
        present = _context_values(context, self.key)
        if self.operator == "Null":
            wanted = self.values[0].lower() == "true"
            return (present is None) == wanted
        compare, negated = _OPERATORS[self.operator]
        if present is None:
            if self.quantifier == "ForAllValues":
                return True
            if self.quantifier == "ForAnyValue":
                return False
            # IAM: a missing key matches nothing, so a negated operator holds.
            return self.if_exists or negated
        values = [_substitute(v, context) for v in self.values]

        def matches(item: str) -> bool:
            return any(compare(item, value) for value in values)

        if self.quantifier == "ForAllValues":
            hit = all(matches(item) for item in present)
        elif self.quantifier == "ForAnyValue":
            hit = any(matches(item) for item in present)
        else:
            hit = any(matches(item) for item in present)
        return not hit if negated else hit


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    not_action: bool
    resources: tuple[re.Pattern[str], ...]
    not_resource: bool
    conditions: tuple[Condition, ...] = ()

    def applies(self, action: str, resource: str, context: Context | None = None) -> bool:
        action_hit = any(p.fullmatch(action) for p in self.actions) != self.not_action
        resource_hit = any(p.fullmatch(resource) for p in self.resources) != self.not_resource
        if not (action_hit and resource_hit):
            return False
        return all(condition.holds(context or {}) for condition in self.conditions)


@dataclass(frozen=True)
class Policy:
    """An identity-based policy: an explicit Deny wins, then any Allow, else implicit deny."""

    statements: tuple[Statement, ...]

    def decide(self, action: str, resource: str, context: Context | None = None) -> str:
        """ "allow", "explicit-deny" or "implicit-deny"."""
        applicable = [s for s in self.statements if s.applies(action, resource, context)]
        if any(not s.allow for s in applicable):
            return "explicit-deny"
        return "allow" if applicable else "implicit-deny"


def load_policy(value: Any, *, source: str | None = None) -> Policy | None:
    """The role policy from a preset name, an AWS managed policy (by name or ARN), a JSON
    string, a path to a JSON file, a dict or a list of these; None means no role checks
    (every call allowed). `source` names where the value came from, for errors."""
    if value is None:
        return None
    shown = source or "role_policy"
    if isinstance(value, str) and value in PRESETS:
        return _parse(PRESETS[value], source or f"preset {value!r}")
    if isinstance(value, list | tuple):
        statements: list[Statement] = []
        for document in value:
            policy = load_policy(document, source=source)
            if policy is not None:
                statements.extend(policy.statements)
        return Policy(tuple(statements))
    if isinstance(value, Mapping):
        return _parse(value, shown)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        return _parse(_json(value, shown), shown)
    if isinstance(value, str) and (
        value.startswith(MANAGED_POLICY_ARN_PREFIX) or value in managed_policies()
    ):
        return _parse(managed_policy(value, shown), f"AWS managed policy {value!r}")
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        if not path.is_file():
            raise HarnessError(
                f"{shown}: {os.fspath(value)!r} is neither a preset "
                f"({', '.join(sorted(p for p in PRESETS if not p.startswith('arn:')))}), an AWS "
                "managed policy, a JSON policy document nor a file that exists"
            )
        return _parse(_json(path.read_text(encoding="utf-8"), str(path)), str(path))
    raise HarnessError(
        f"{shown} must be a policy document (dict or JSON string), a path to one, a "
        f"preset or AWS managed policy name, or a list of these, got {type(value).__name__} "
        f"{value!r}"
    )


@functools.lru_cache(maxsize=1)
def managed_policies() -> dict[str, Any]:
    """AWS managed policies by name and by ARN, from moto's copy of them (read once)."""
    spec = importlib.util.find_spec("moto")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        return {}
    data = Path(next(iter(locations))) / "iam" / "aws_managed_policies.py"
    if not data.is_file():
        return {}
    text = data.read_text(encoding="utf-8")
    raw = json.loads(text[text.index('"""') + 3 : text.rindex('"""')])
    found: dict[str, Any] = {}
    for name, entry in raw.items():
        document = entry.get("Document")
        if isinstance(document, Mapping):
            found[name] = document
            found[f"{MANAGED_POLICY_ARN_PREFIX.rstrip('/')}{entry.get('Path', '/')}{name}"] = (
                document
            )
    return found


def managed_policy(name: str, source: str = "role_policy") -> Any:
    """The document of an AWS managed policy, by name or ARN."""
    if name in PRESETS:
        return PRESETS[name]
    found = managed_policies().get(name)
    if found is None:
        raise HarnessError(
            f"{source}: {name!r} is not an AWS managed policy the harness knows (moto ships "
            "the documents it reads); check the name, or pass the policy's document"
        )
    return found


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
            f"{_origin(source)} must be a JSON object with a 'Statement' element, "
            f"got {document!r}"
        )
    raw = document["Statement"]
    raw_statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(raw_statements, list) or not raw_statements:
        raise HarnessError(f"{_origin(source)}: 'Statement' must be a non-empty list")
    return Policy(tuple(_statement(s, source, i) for i, s in enumerate(raw_statements)))


def _origin(source: str) -> str:
    # A template location already says which file, resource and property.
    return source if source.startswith("template ") else f"role_policy from {source}"


def _statement(raw: Any, source: str, index: int) -> Statement:
    where = f"{_origin(source)}, Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise HarnessError(f"{where} must be an object, got {raw!r}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise HarnessError(f"{where}: Effect must be 'Allow' or 'Deny', got {raw.get('Effect')!r}")
    if "Principal" in raw or "NotPrincipal" in raw:
        raise HarnessError(
            f"{where}: an identity-based policy cannot name a Principal (IAM refuses it: "
            "'Policy document should not specify a principal')"
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
        conditions=_conditions(raw.get("Condition"), where),
    )


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise HarnessError(f"{where}: Condition must be an object of operators, got {raw!r}")
    conditions = []
    for full_operator, block in raw.items():
        quantifier, _, operator = str(full_operator).rpartition(":")
        if_exists = operator.endswith("IfExists") and operator != "Null"
        base = operator[: -len("IfExists")] if if_exists else operator
        if quantifier not in ("", "ForAllValues", "ForAnyValue") or (
            base not in _OPERATORS and base != "Null"
        ):
            known = ", ".join(sorted([*_OPERATORS, "Null"]))
            raise HarnessError(
                f"{where}: condition operator {full_operator!r} is unknown; IAM's are {known} "
                "(with IfExists, and ForAllValues:/ForAnyValue: before them)"
            )
        if not isinstance(block, Mapping) or not block:
            raise HarnessError(
                f"{where}: Condition {full_operator} must map condition keys to values, got "
                f"{block!r}"
            )
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            if not items or not all(isinstance(v, str | int | float | bool) for v in items):
                raise HarnessError(
                    f"{where}: Condition {full_operator} {key}: values must be strings, "
                    f"numbers or booleans, got {values!r}"
                )
            conditions.append(
                Condition(
                    base,
                    str(key),
                    tuple(_condition_text(v) for v in items),
                    if_exists,
                    quantifier,
                )
            )
    return tuple(conditions)


def _condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _context_values(context: Context, key: str) -> list[str] | None:
    """The request's values for a condition key (keys compare without case)."""
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            if value is None:
                return None
            items = value if isinstance(value, list | tuple) else [value]
            return [_condition_text(item) for item in items]
    return None


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def _substitute(value: str, context: Context) -> str:
    """Policy variables (${aws:username}, ${*}) in a condition value."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _ESCAPES:
            return _ESCAPES[name]
        found = _context_values(context, name)
        return found[0] if found else match.group(0)

    return _VARIABLE.sub(replace, value)


def _like(item: str, pattern: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case=ignore_case).fullmatch(item) is not None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _numeric(test: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def compare(item: str, value: str) -> bool:
        left, right = _number(item), _number(value)
        return left is not None and right is not None and test(left, right)

    return compare


def _moment(text: str) -> datetime | None:
    number = _number(text)
    if number is not None:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _date(test: Callable[[datetime, datetime], bool]) -> Callable[[str, str], bool]:
    def compare(item: str, value: str) -> bool:
        left, right = _moment(item), _moment(value)
        return left is not None and right is not None and test(left, right)

    return compare


def _in_network(item: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(item) in ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False


def _binary(item: str, value: str) -> bool:
    try:
        return base64.b64decode(item) == base64.b64decode(value)
    except ValueError:
        return False


def _equal(item: str, value: str) -> bool:
    return item == value


def _equal_ignore_case(item: str, value: str) -> bool:
    return item.lower() == value.lower()


def _bool(item: str, value: str) -> bool:
    return item.lower() == value.lower()


# operator -> (comparison of one request value with one policy value, negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_equal, False),
    "StringNotEquals": (_equal, True),
    "StringEqualsIgnoreCase": (_equal_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_equal_ignore_case, True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
    "DateEquals": (_date(lambda a, b: a == b), False),
    "DateNotEquals": (_date(lambda a, b: a == b), True),
    "DateLessThan": (_date(lambda a, b: a < b), False),
    "DateLessThanEquals": (_date(lambda a, b: a <= b), False),
    "DateGreaterThan": (_date(lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_date(lambda a, b: a >= b), False),
    "Bool": (_bool, False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
    "ArnEquals": (_like, False),
    "ArnLike": (_like, False),
    "ArnNotEquals": (_like, True),
    "ArnNotLike": (_like, True),
}


def _element(raw: Mapping[str, Any], name: str, where: str) -> tuple[list[str], bool]:
    present = [key for key in (name, f"Not{name}") if key in raw]
    if len(present) != 1:
        raise HarnessError(f"{where} must have exactly one of {name} or Not{name}")
    value = raw[present[0]]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise HarnessError(f"{where}: {present[0]} must be a string or a list of strings")
    return values, present[0] != name
