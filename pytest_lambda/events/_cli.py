"""Pure functions behind the `pytest-lambda events`, `generate-event` and `validate` commands."""

from __future__ import annotations

import inspect
import json
import types
import typing
from typing import Any, Union

from ._core import REGISTRY
from ._detect import detect_event_type
from ._validate import messages, unknown_kind


def list_kinds() -> list[tuple[str, str]]:
    """(kind, one-line description) for every kind, sorted by name."""
    return sorted((k.name, k.description) for k in REGISTRY.values())


def _options(hint: Any) -> tuple[Any, ...]:
    """The alternatives of a Union / Optional annotation, or the annotation itself."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _coerce(kind: str, name: str, raw: str, hint: Any) -> Any:
    options = _options(hint)
    bases = {typing.get_origin(o) or o for o in options}
    if raw.lower() in ("null", "none") and type(None) in bases:
        return None
    if bool in bases:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
    if int in bases:
        try:
            return int(raw)
        except ValueError:
            pass
    if bytes in bases and not bases & {str, dict, list}:
        return raw.encode("utf-8")
    structured = bases - {str, bytes, bool, int, type(None)}
    if structured:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            if str not in bases:
                raise ValueError(
                    f"{kind}: --{name.replace('_', '-')} needs JSON, got {raw!r}"
                ) from None
    if str in bases:
        return raw
    raise ValueError(f"{kind}: cannot read --{name.replace('_', '-')} from {raw!r}")


def generate(kind: str, fields: dict[str, str]) -> Any:
    """Build an event of `kind` from CLI strings: ints, bools and JSON lists/dicts are parsed
    into the factory's parameter types. Field names may use dashes and a leading '--'."""
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise unknown_kind(kind)
    make = REGISTRY[kind].factory
    hints = typing.get_type_hints(inspect.unwrap(make))
    kwargs: dict[str, Any] = {}
    for raw_name, raw in fields.items():
        name = raw_name.lstrip("-").replace("-", "_")
        kwargs[name] = _coerce(kind, name, raw, hints[name]) if name in hints else raw
    return make(**kwargs)


def validation_errors(event: Any, kind: str | None = None) -> list[str]:
    """Every violation, each naming its JSON path; [] when the event is valid."""
    if kind is None:
        kind = detect_event_type(event)
        if kind is None:
            return ["could not detect the event kind; pass kind= (see 'pytest-lambda events')"]
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise unknown_kind(kind)
    return messages(event, kind)
