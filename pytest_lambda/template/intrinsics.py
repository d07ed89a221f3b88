"""CloudFormation's intrinsic functions and conditions, resolved the way CloudFormation
resolves them, over what a template's `Scope` knows: parameter values, pseudo parameters,
conditions, mappings, and what `Ref` and `Fn::GetAtt` give for each resource.

Values are resolved where they are read, so a value nobody reads (an output naming an API
the harness does not create) costs nothing and fails nothing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import HarnessError


class _NoValue:
    """`Ref: AWS::NoValue`: the property (or list item) is left out."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class Where:
    """Where a value is read, for errors: the file, the resource and the property."""

    file: str
    resource: str | None
    prop: str

    def describe(self) -> str:
        if self.resource is None:
            return f"template {self.file!r}: {self.prop}"
        return f"template {self.file!r}: resource {self.resource!r}, property {self.prop}"

    def error(self, problem: str) -> HarnessError:
        return HarnessError(f"{self.describe()}: {problem}")

    def at(self, suffix: str) -> Where:
        joined = f"{self.prop}{suffix}" if suffix.startswith("[") else f"{self.prop}.{suffix}"
        return Where(self.file, self.resource, joined)


class Scope(Protocol):
    """What the resolver needs of a template."""

    def ref(self, name: str, where: Where) -> Any:
        """A parameter's value, a pseudo parameter, or what Ref gives for a resource."""
        ...

    def get_att(self, logical_id: str, attribute: str, where: Where) -> Any: ...

    def condition(self, name: str, where: Where) -> bool: ...

    def mapping(self, name: str, where: Where) -> Mapping[str, Any]: ...


_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def resolve(self, value: Any, where: Where) -> Any:
        """`value` with every intrinsic function in it resolved (NO_VALUE left out)."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                (key,) = value
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                    return self._intrinsic(key, value[key], where)
                if key == "Condition" and isinstance(value[key], str):
                    return self._scope.condition(value[key], where)
            resolved: dict[str, Any] = {}
            for key, item in value.items():
                result = self.resolve(item, where.at(str(key)))
                if result is not NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            items = [self.resolve(item, where.at(f"[{i}]")) for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def condition(self, definition: Any, where: Where) -> bool:
        """A condition's truth (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)."""
        if isinstance(definition, bool):
            return definition
        if not isinstance(definition, Mapping) or len(definition) != 1:
            raise where.error(
                f"a condition must be one of Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
                f"Condition, got {definition!r}"
            )
        ((key, args),) = definition.items()
        if key == "Condition":
            return self._scope.condition(self._text(args, where, key), where)
        if key == "Fn::Equals":
            left, right = self._pair(args, where, key)
            same: bool = _comparable(self.resolve(left, where)) == _comparable(
                self.resolve(right, where)
            )
            return same
        if key == "Fn::Not":
            items = self._list(args, where, key, 1, 1)
            return not self.condition(items[0], where)
        if key in ("Fn::And", "Fn::Or"):
            items = self._list(args, where, key, 2, 10)
            truths = (self.condition(item, where) for item in items)
            return all(truths) if key == "Fn::And" else any(truths)
        raise where.error(f"{key} is not a condition function")

    # -- the functions -------------------------------------------------------------------

    def _intrinsic(self, key: str, args: Any, where: Where) -> Any:
        handler = _FUNCTIONS.get(key)
        if handler is None:
            if key in _CONDITIONS:
                return self.condition({key: args}, where)
            raise where.error(
                f"{key} is not an intrinsic function the harness knows (supported: Ref, "
                f"{', '.join(sorted(_FUNCTIONS))}); pass the value as an override"
            )
        return handler(self, args, where)

    def _ref(self, args: Any, where: Where) -> Any:
        return self._scope.ref(self._text(args, where, "Ref"), where)

    def _get_att(self, args: Any, where: Where) -> Any:
        if isinstance(args, str):
            args = args.split(".", 1)
        items = self._list(args, where, "Fn::GetAtt", 2, 2)
        logical_id = self._text(items[0], where, "Fn::GetAtt")
        attribute = self._text(self.resolve(items[1], where), where, "Fn::GetAtt")
        return self._scope.get_att(logical_id, attribute, where)

    def _sub(self, args: Any, where: Where) -> str:
        variables: Mapping[str, Any] = {}
        if isinstance(args, list):
            text, variables = self._pair(args, where, "Fn::Sub")
            if not isinstance(variables, Mapping):
                raise where.error(f"Fn::Sub's second item must be a mapping, got {variables!r}")
        else:
            text = args
        text = self._text(text, where, "Fn::Sub")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = self.resolve(variables[name], where)
            elif "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                value = self._scope.get_att(logical_id, attribute, where)
            else:
                value = self._scope.ref(name, where)
            return self._scalar(value, where, f"Fn::Sub's ${{{name}}}")

        return _SUB_VARIABLE.sub(substitute, text)

    def _join(self, args: Any, where: Where) -> str:
        delimiter, items = self._pair(args, where, "Fn::Join")
        delimiter = self._text(delimiter, where, "Fn::Join")
        values = self.resolve(items, where)
        if not isinstance(values, list):
            raise where.error(f"Fn::Join needs a list of values, got {values!r}")
        return delimiter.join(self._scalar(v, where, "Fn::Join") for v in values)

    def _select(self, args: Any, where: Where) -> Any:
        index, items = self._pair(args, where, "Fn::Select")
        position = self.resolve(index, where)
        values = self.resolve(items, where)
        try:
            number = int(position)
        except (TypeError, ValueError):
            raise where.error(f"Fn::Select's index must be a number, got {position!r}") from None
        if not isinstance(values, list) or not 0 <= number < len(values):
            raise where.error(f"Fn::Select index {number} is outside the list {values!r}")
        return values[number]

    def _split(self, args: Any, where: Where) -> list[str]:
        delimiter, text = self._pair(args, where, "Fn::Split")
        return self._text(self.resolve(text, where), where, "Fn::Split").split(
            self._text(delimiter, where, "Fn::Split")
        )

    def _if(self, args: Any, where: Where) -> Any:
        name, when_true, when_false = self._list(args, where, "Fn::If", 3, 3)
        chosen = (
            when_true
            if self._scope.condition(self._text(name, where, "Fn::If"), where)
            else (when_false)
        )
        return self.resolve(chosen, where)

    def _find_in_map(self, args: Any, where: Where) -> Any:
        name, top, second = (
            self.resolve(item, where) for item in self._list(args, where, "Fn::FindInMap", 3, 3)
        )
        mapping = self._scope.mapping(self._text(name, where, "Fn::FindInMap"), where)
        level = mapping.get(top)
        if not isinstance(level, Mapping) or second not in level:
            raise where.error(f"Fn::FindInMap: mapping {name!r} has no [{top!r}][{second!r}]")
        return self.resolve(level[second], where)

    def _base64(self, args: Any, where: Where) -> str:
        text = self._text(self.resolve(args, where), where, "Fn::Base64")
        return base64.b64encode(text.encode()).decode()

    def _get_azs(self, args: Any, where: Where) -> list[str]:
        region = self.resolve(args, where) or self._scope.ref("AWS::Region", where)
        return [f"{region}{zone}" for zone in "abc"]

    def _import_value(self, args: Any, where: Where) -> Any:
        name = self.resolve(args, where)
        raise where.error(
            f"Fn::ImportValue {name!r} reads another stack's export, which a local run cannot "
            "know; pass the value as an override (env=..., or the setting it feeds)"
        )

    def _to_json_string(self, args: Any, where: Where) -> str:
        return json.dumps(self.resolve(args, where), separators=(",", ":"))

    # -- helpers -------------------------------------------------------------------------

    def _text(self, value: Any, where: Where, function: str) -> str:
        if not isinstance(value, str):
            raise where.error(f"{function} expects a string here, got {value!r}")
        return value

    def _scalar(self, value: Any, where: Where, function: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise where.error(f"{function} needs a string, got {value!r}")

    def _list(self, args: Any, where: Where, function: str, low: int, high: int) -> list[Any]:
        if not isinstance(args, list) or not low <= len(args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise where.error(f"{function} takes a list of {count} items, got {args!r}")
        return args

    def _pair(self, args: Any, where: Where, function: str) -> tuple[Any, Any]:
        first, second = self._list(args, where, function, 2, 2)
        return first, second


def _comparable(value: Any) -> Any:
    # Fn::Equals compares what the template states: `true` and "true" are the same value.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


_FUNCTIONS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": Resolver._base64,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::ToJsonString": Resolver._to_json_string,
}
_CONDITIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")


def referenced_id(raw: Any) -> str | None:
    """The logical id a `Ref` or `Fn::GetAtt` names, as written (None for anything else)."""
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "Ref" and isinstance(value, str):
            return value
        if key == "Fn::GetAtt":
            if isinstance(value, str):
                return value.split(".", 1)[0]
            if isinstance(value, list) and value and isinstance(value[0], str):
                return value[0]
    return None
