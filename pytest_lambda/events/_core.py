"""Shared machinery for the event sources: clock, ids, the factory decorator and the registry.

Every timestamp is read from the clock at call time (never cached at import) so that
freezegun and time-machine freeze the events a test builds.
"""

from __future__ import annotations

import base64
import collections.abc
import functools
import hashlib
import inspect
import json
import os
import reprlib
import time
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ParamSpec, TypeVar

from ..errors import HarnessError

Event = dict[str, Any]
Schema = dict[str, Any]

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

P = ParamSpec("P")
R = TypeVar("R")


# -- clock ---------------------------------------------------------------------------------


def now() -> datetime:
    """The current UTC time, as the (possibly frozen) clock reports it."""
    return datetime.fromtimestamp(time.time(), tz=timezone.utc)


def epoch_ms(moment: datetime | None = None) -> int:
    return int((moment or now()).timestamp() * 1000)


def iso_ms(moment: datetime | None = None) -> str:
    """ISO 8601 with milliseconds and a Z, as S3, SNS and SES write eventTime/Timestamp."""
    m = moment or now()
    return m.strftime("%Y-%m-%dT%H:%M:%S.") + f"{m.microsecond // 1000:03d}Z"


def iso_s(moment: datetime | None = None) -> str:
    """ISO 8601 to the second with a Z, as EventBridge writes `time`."""
    return (moment or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def clf_time(moment: datetime | None = None) -> str:
    """Common Log Format time that API Gateway puts in requestContext.requestTime."""
    return (moment or now()).strftime("%d/%b/%Y:%H:%M:%S +0000")


# -- ids -------------------------------------------------------------------------------------


def new_uuid() -> str:
    return str(uuid.uuid4())


def hex_id(length: int) -> str:
    return (uuid.uuid4().hex * (length // 32 + 1))[:length]


def upper_hex(length: int) -> str:
    return hex_id(length).upper()


def digits(length: int) -> str:
    return str(uuid.uuid4().int)[:length].rjust(length, "1")


def amz_id(length: int) -> str:
    """A base64-ish id like API Gateway's extendedRequestId or S3's x-amz-id-2."""
    raw = base64.b64encode(os.urandom(length)).decode()
    return raw.replace("/", "x").replace("+", "y")[:length]


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def to_bytes(value: str | bytes | Mapping[str, Any] | list[Any]) -> bytes:
    """Plain Python payload -> bytes: str as UTF-8, bytes as is, dict/list as compact JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# A record a test hands to the streaming and queue factories (Kinesis, Firehose, Kafka, MQ):
# UTF-8 text, raw bytes, or JSON-able data.
Payload = str | bytes | dict[str, Any] | list[Any]


def b64_payload(payload: Payload) -> str:
    """A record's data as those sources deliver it: its bytes (see to_bytes), base64-encoded."""
    return b64(to_bytes(payload))


# -- factories -------------------------------------------------------------------------------


def accepted_keywords(func: Callable[..., Any]) -> list[str]:
    return [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


class EventArgumentError(HarnessError, TypeError):
    """An event factory, `load_event` or `validate_event` was given an argument it does not
    take, or one of the wrong type (a TypeError too, as Python's own would be)."""


_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40


def short_repr(value: Any) -> str:
    return _short.repr(value)


def check_keywords(name: str, given: Mapping[str, Any], accepted: list[str]) -> None:
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise EventArgumentError(
            f"{name}() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(accepted)}"
        )


def factory(func: Callable[P, R]) -> Callable[P, R]:
    """Mark an event factory: an unknown keyword, or an argument whose type is not the
    one its annotation names, raises EventArgumentError (a HarnessError and a TypeError)
    naming the argument, the value and the type expected; unknown keywords list the
    accepted ones.

    Python's own message names only the offender, or fails deep inside the factory; users
    generating events from a CLI or a fixture need to know what to fix.
    """
    accepted = accepted_keywords(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if args:
            raise EventArgumentError(f"{func.__name__}() takes keyword arguments only")
        check_keywords(func.__name__, kwargs, accepted)
        hints = _hints(func)
        for name, value in kwargs.items():
            hint = hints.get(name, Any)
            if not conforms(value, hint):
                expected = func.__annotations__.get(name, hint)
                raise EventArgumentError(
                    f"{func.__name__}(): {name} takes {expected}, got "
                    f"{type(value).__name__} {short_repr(value)}"
                )
        return func(*args, **kwargs)

    return wrapper


@functools.cache
def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except (NameError, TypeError):
        return {}


_SEQUENCES = (list, tuple, collections.abc.Sequence, collections.abc.Iterable)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def conforms(value: Any, hint: Any) -> bool:
    """Whether `value` is of the type the annotation `hint` names (the forms the factories
    use: classes, unions, Literal, lists, sequences, mappings; any other form passes)."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(conforms(value, argument) for argument in arguments)
    if origin is typing.Literal:
        return value in arguments
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in _SEQUENCES:
        if not isinstance(value, list | tuple):
            return False
        item = arguments[0] if arguments else Any
        return all(conforms(element, item) for element in value)
    if origin in _MAPPINGS:
        if not isinstance(value, Mapping):
            return False
        key, item = arguments if len(arguments) == 2 else (Any, Any)
        return all(conforms(k, key) and conforms(v, item) for k, v in value.items())
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


# -- registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A well-known shape of a kind: a sample file and the factory arguments that build it."""

    name: str
    description: str
    preset: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    schema: Schema
    factory: Callable[..., Any]
    variants: tuple[Variant, ...] = ()


REGISTRY: dict[str, Kind] = {}


def register(
    name: str,
    description: str,
    schema: Schema,
    make: Callable[..., Any],
    variants: tuple[Variant, ...] = (),
) -> None:
    if name in REGISTRY:
        raise RuntimeError(f"event kind {name!r} registered twice")
    REGISTRY[name] = Kind(name, description, schema, make, variants)
