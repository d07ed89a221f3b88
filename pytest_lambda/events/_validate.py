"""Validation against the per-kind JSON Schemas, with errors that name kind, path and value."""

from __future__ import annotations

import functools
import reprlib
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ..errors import HarnessError
from ._core import REGISTRY, Schema
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


def unknown_kind(name: str) -> UnknownEventError:
    import difflib

    close = difflib.get_close_matches(name, list(REGISTRY), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ";"
    return UnknownEventError(
        f"unknown event kind {name!r}{hint} Run 'pytest-lambda events' to list them."
    )


def schema_for(kind: str) -> Schema:
    """The JSON Schema (Draft 2020-12) of a kind, as a fresh dict."""
    if kind not in REGISTRY:
        raise unknown_kind(kind)
    spec = REGISTRY[kind]
    return document(kind, spec.description, spec.schema)


@functools.cache
def validator(kind: str) -> Draft202012Validator:
    # Compiling a validator costs far more than running it; one per kind for the process.
    return Draft202012Validator(schema_for(kind))


def _located(error: ValidationError) -> tuple[str, Any, str]:
    """-> (path, value, reason); a missing property is reported at its own path."""
    parts = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        if missing:
            return json_path([*parts, missing[0]]), None, "required property is missing"
    return json_path(parts), error.instance, error.message


def _describe(kind: str, error: ValidationError) -> tuple[str, str, Any]:
    path, value, reason = _located(error)
    shown = "<missing>" if error.validator == "required" else _short.repr(value)
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return f"{kind} event invalid at {path}: {shown} ({reason})", path, value


def errors_for(event: Any, kind: str) -> list[ValidationError]:
    return sorted(validator(kind).iter_errors(event), key=lambda e: list(map(str, e.path)))


def check(event: Any, kind: str) -> None:
    error = best_match(validator(kind).iter_errors(event))
    if error is not None:
        message, path, value = _describe(kind, error)
        raise EventValidationError(message, kind=kind, path=path, value=value)


def messages(event: Any, kind: str) -> list[str]:
    return [_describe(kind, e)[0] for e in errors_for(event, kind)]
