"""A template's Parameters: overrides in SAM's syntax, defaults, types and constraints.

Values are what `Ref` gives: strings (CloudFormation turns a Number into a string where
it is referenced), lists for the list types.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError

# Pseudo parameters a test may set (SAM CLI lets --parameter-overrides set them too);
# AWS::Region and AWS::AccountId follow the function's region and account settings.
OVERRIDABLE_PSEUDO = ("AWS::StackName",)
_LONG_FORM = re.compile(r"ParameterKey=(?P<key>[^,]*),ParameterValue=(?P<value>.*)", re.DOTALL)


def parse_overrides(value: Any) -> dict[str, str]:
    """Parameter overrides from a mapping, or SAM's `--parameter-overrides` syntax.

    SAM accepts `Key=Value Key2="a value"` and `ParameterKey=Key,ParameterValue=Value`,
    separated by spaces, in one string or several.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        parsed = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise HarnessError(f"parameter_overrides keys must be names, got {key!r}")
            parsed[key] = _as_text(item, key)
        return parsed
    if isinstance(value, str):
        items = _split(value)
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        items = [item for text in value for item in _split(text)]
    else:
        raise HarnessError(
            "parameter_overrides must be a mapping of names to values, or SAM's syntax "
            f"'Key=Value Key2=Value2', got {value!r}"
        )
    parsed = {}
    for item in items:
        long_form = _LONG_FORM.fullmatch(item)
        if long_form is not None:
            parsed[long_form["key"]] = long_form["value"]
            continue
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise HarnessError(
                f"parameter override {item!r} is not Key=Value (or "
                "ParameterKey=Key,ParameterValue=Value)"
            )
        parsed[key] = text
    return parsed


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as e:
        raise HarnessError(f"parameter overrides {text!r} cannot be read: {e}") from None


def _as_text(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, Sequence) and all(isinstance(v, str | int | float) for v in value):
        return ",".join(str(v) for v in value)
    raise HarnessError(
        f"parameter override {key!r} must be a string, a number or a list of them, got {value!r}"
    )


@dataclass(frozen=True)
class Unset:
    """A parameter with no Default and no override: an error only where it is used."""

    name: str
    reason: str


def parameter_values(
    declared: Mapping[str, Any], overrides: Mapping[str, str], shown: str
) -> dict[str, Any]:
    """Each declared parameter's value (or Unset), overrides checked against the template."""
    unknown = [key for key in overrides if key not in declared and key not in OVERRIDABLE_PSEUDO]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, list(declared), n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        known = ", ".join(declared) or "none"
        raise HarnessError(
            f"template {shown!r} declares no parameter {', '.join(hints)}; its parameters: {known}"
        )
    values: dict[str, Any] = {}
    for name, definition in declared.items():
        if not isinstance(definition, Mapping):
            raise HarnessError(
                f"template {shown!r}: parameter {name!r} must be a mapping with a Type, got "
                f"{definition!r}"
            )
        kind = str(definition.get("Type", "String"))
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in definition and definition["Default"] is not None:
            raw = _as_text(definition["Default"], name)
            if kind.startswith("AWS::SSM::Parameter::Value<"):
                values[name] = Unset(
                    name,
                    f"its value is read from SSM parameter {raw!r} at deploy time; pass "
                    f"parameter_overrides={{{name!r}: ...}} with the value",
                )
                continue
        else:
            values[name] = Unset(
                name,
                f"it has no Default; give it one or pass parameter_overrides={{{name!r}: ...}}",
            )
            continue
        _check_constraints(name, definition, raw, shown)
        values[name] = _typed(kind, raw)
    return values


def _typed(kind: str, raw: str) -> Any:
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in raw.split(",")] if raw else []
    return raw


def _check_constraints(name: str, definition: Mapping[str, Any], value: str, shown: str) -> None:
    where = f"template {shown!r}: parameter {name}={value!r}"
    allowed = definition.get("AllowedValues")
    if isinstance(allowed, list) and value not in [_as_text(a, name) for a in allowed]:
        raise HarnessError(
            f"{where} is not one of its AllowedValues ({', '.join(map(str, allowed))})"
        )
    pattern = definition.get("AllowedPattern")
    if isinstance(pattern, str) and not re.fullmatch(pattern, value):
        raise HarnessError(f"{where} does not match its AllowedPattern {pattern!r}")
    kind = str(definition.get("Type", "String"))
    if kind == "Number":
        try:
            number = float(value)
        except ValueError:
            raise HarnessError(f"{where} is not a Number") from None
        for bound, fits in (("MinValue", number.__ge__), ("MaxValue", number.__le__)):
            if bound in definition and not fits(float(definition[bound])):
                raise HarnessError(f"{where} breaks its {bound} {definition[bound]}")
    length = len(value)
    for bound, shortest in (("MinLength", True), ("MaxLength", False)):
        if bound in definition:
            limit = int(definition[bound])
            if (length < limit) if shortest else (length > limit):
                raise HarnessError(f"{where} breaks its {bound} {limit}")
