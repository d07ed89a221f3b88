"""Validation against the per-kind JSON Schemas, with errors that name kind, path and value."""

from __future__ import annotations

import functools
import reprlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import HarnessError
from ._core import REGISTRY, EventArgumentError, Schema, short_repr
from ._schema import document


class EventValidationError(ValueError):
    """An event does not have the shape AWS sends for its kind.

    `kind` is the kind checked (or None when it could not be detected), `path` a JSON path
    like `$.Records[0].s3.object.key`, `value` the offending value.
    """

    def __init__(self, message: str, *, kind: str | None, path: str, value: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.path = path
        self.value = value


class UnknownEventError(HarnessError, LookupError):
    """No event kind or sample of that name."""


_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


def json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += f"[{part!r}]"
    return path


def unknown_kind(name: str) -> HarnessError:
    import difflib

    if not isinstance(name, str):
        return EventArgumentError(
            f"an event kind is a string like 's3-put', got {type(name).__name__} "
            f"{short_repr(name)}; 'pytest-lambda events' lists them"
        )
    close = difflib.get_close_matches(name, list(REGISTRY), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ";"
    return UnknownEventError(
        f"unknown event kind {name!r}{hint} Run 'pytest-lambda events' to list them."
    )


def schema_for(kind: str) -> Schema:
    """The JSON Schema (Draft 2020-12) of a kind, as a fresh dict."""
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise unknown_kind(kind)
    spec = REGISTRY[kind]
    return document(kind, spec.description, spec.schema)


@functools.cache
def validator(kind: str) -> Draft202012Validator:
    # Compiling a validator costs far more than running it; one per kind for the process.
    return Draft202012Validator(schema_for(kind))


Parts = tuple[str | int, ...]


@dataclass(frozen=True)
class Violation:
    """One thing wrong with an event: where (`parts`, as a JSON path by `path`), what, and the
    offending value (None, with `missing` set, when the property is absent)."""

    parts: Parts
    problem: str
    # Not compared: one path holds one value, and values (dicts, lists) need not hash.
    value: Any = field(default=None, compare=False)
    missing: bool = False
    # The problem already says what the value is ("got an object"): the value follows.
    described: bool = False

    @property
    def path(self) -> str:
        return json_path(self.parts)

    def message(self, kind: str) -> str:
        """`<kind> event invalid at <path>: <what is wrong>[; got <value>]`."""
        text = f"{kind} event invalid at {self.path}: {self.problem}"
        if self.missing:
            return text
        if self.described:
            return f"{text}: {_short.repr(self.value)}"
        return f"{text}; got {_short.repr(self.value)}"

    def sort_key(self) -> tuple[tuple[tuple[int, int, str], ...], str]:
        # Array indexes compare as numbers: $.Records[2] before $.Records[10].
        return (
            tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.parts),
            self.problem,
        )


def _problem(error: ValidationError) -> str:
    """jsonschema's message without the leading repr of the value, which is shown apart."""
    reason: str = error.message
    shown = repr(error.instance)
    if reason.startswith(shown + " "):
        reason = "value " + reason[len(shown) + 1 :]
    return reason if len(reason) <= 160 else reason[:157] + "..."


_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _expected_types(schema: Any) -> list[str] | None:
    """The JSON types a schema (or an anyOf/oneOf of plain type schemas) accepts."""
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        kinds = schema["type"]
        return [kinds] if isinstance(kinds, str) else list(kinds)
    for combinator in ("anyOf", "oneOf"):
        if set(schema) == {combinator}:
            found: list[str] = []
            for option in schema[combinator]:
                kinds = _expected_types(option)
                if kinds is None:
                    return None
                found.extend(kinds)
            return found
    return None


def _type_mismatch(error: ValidationError, parts: Parts) -> str | None:
    """A type error in plain words: `body must be a string (JSON-encode it), got an object`."""
    if error.validator not in ("type", "anyOf", "oneOf"):
        return None
    expected = _expected_types(error.schema)
    got = _JSON_TYPES.get(type(error.instance))
    if not expected or got is None or _json_type_in(error.instance, expected):
        # The value has a type the schema accepts: what is wrong is something else.
        return None
    # null stands for "absent" where it is allowed; the type to give is the other one.
    named = [kind for kind in dict.fromkeys(expected) if kind != "null"] or ["null"]
    wanted = " or ".join(
        kind if kind == "null" else _JSON_TYPES.get(_TYPE_OF.get(kind, str), kind)
        for kind in named
    )
    hint = " (JSON-encode it)" if named == ["string"] and got in ("an object", "an array") else ""
    return f"{_name(parts)} must be {wanted}{hint}, got {got}"


def _json_type_in(value: Any, kinds: list[str]) -> bool:
    if isinstance(value, bool):
        return "boolean" in kinds
    if isinstance(value, int) and "integer" in kinds:
        return True
    if isinstance(value, int | float):
        return "number" in kinds
    return any(isinstance(value, _TYPE_OF.get(kind, ())) for kind in kinds)


_TYPE_OF: dict[str, Any] = {
    "null": type(None),
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": float,
}


def _name(parts: Parts) -> str:
    """How the value at `parts` is called in a message: its key, or `Records[0]`."""
    if not parts:
        return "the event"
    last = parts[-1]
    if isinstance(last, int):
        owner = next((p for p in reversed(parts[:-1]) if isinstance(p, str)), "item")
        return f"{owner}[{last}]"
    return last


def violations(error: ValidationError) -> list[Violation]:
    """The violations one error stands for; a missing property is reported at its own path.

    jsonschema yields a `required` error per missing property, but the error names the
    property only in its message, so each one is expanded to every missing property of the
    object and the caller drops the repeats.
    """
    parts: Parts = tuple(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        if missing:
            return [
                Violation((*parts, name), f"required property {name!r} is missing", missing=True)
                for name in missing
            ]
    mismatch = _type_mismatch(error, parts)
    if mismatch is not None:
        return [Violation(parts, mismatch, error.instance, described=True)]
    return [Violation(parts, _problem(error), error.instance)]


def all_violations(event: Any, kind: str) -> list[Violation]:
    """Every violation once, sorted by path."""
    found = {v for error in validator(kind).iter_errors(event) for v in violations(error)}
    return sorted(found, key=Violation.sort_key)


def check(event: Any, kind: str) -> None:
    error = best_match(validator(kind).iter_errors(event))
    if error is not None:
        violation = violations(error)[0]
        raise EventValidationError(
            violation.message(kind), kind=kind, path=violation.path, value=violation.value
        )


def messages(event: Any, kind: str) -> list[str]:
    return [v.message(kind) for v in all_violations(event, kind)]
