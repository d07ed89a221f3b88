"""Routes and how API Gateway picks one for a request.

A route is a method (or ANY) and a resource path with `{name}` and greedy `{name+}`
variables, or HTTP APIs' `$default`. Of the routes that match, the most specific wins:
segment by segment a literal beats a variable, which beats a greedy variable, and an
exact method beats ANY ("Routing API requests", API Gateway developer guide); `$default`
catches what nothing else does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

from ..errors import HarnessError

T = TypeVar("T")
DEFAULT_ROUTE = "$default"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
_VARIABLE = re.compile(r"^\{([A-Za-z0-9._-]+)(\+?)\}$")
_LITERAL, _VARIABLE_RANK, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class RouteKey:
    """`GET /orders/{id}`, `ANY /{proxy+}` or `$default`."""

    method: str
    path: str

    @classmethod
    def parse(cls, key: str) -> RouteKey:
        text = key.strip()
        if text == DEFAULT_ROUTE:
            return cls("ANY", DEFAULT_ROUTE)
        method, _, path = text.partition(" ")
        method = method.upper()
        path = path.strip()
        if method not in METHODS or not path.startswith("/"):
            raise HarnessError(
                f"route {key!r} is not a route key: give 'METHOD /path' (METHOD one of "
                f"{', '.join(sorted(METHODS))}, path variables as {{name}} or a last "
                "greedy {name+}), or '$default'"
            )
        _segments(path, key)
        return cls(method, path)

    @property
    def text(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Segment:
    rank: int
    value: str  # the literal, or the variable's name


def _segments(path: str, key: str) -> tuple[_Segment, ...]:
    parts = path.split("/")[1:]
    if parts == [""]:
        return ()
    segments = []
    for index, part in enumerate(parts):
        found = _VARIABLE.match(part)
        if found is None:
            if "{" in part or "}" in part:
                raise HarnessError(
                    f"route {key!r}: segment {part!r} mixes a variable with text; API Gateway "
                    "takes a whole segment as {name}"
                )
            segments.append(_Segment(_LITERAL, part))
        elif found.group(2):
            if index != len(parts) - 1:
                raise HarnessError(
                    f"route {key!r}: the greedy variable {part} must be the last segment"
                )
            segments.append(_Segment(_GREEDY, found.group(1)))
        else:
            segments.append(_Segment(_VARIABLE_RANK, found.group(1)))
    return tuple(segments)


@dataclass(frozen=True)
class Match(Generic[T]):
    key: RouteKey
    target: T
    path_parameters: dict[str, str]


class Router(Generic[T]):
    """Routes to targets; `match` gives the most specific route for a method and path."""

    def __init__(self, routes: Iterable[tuple[RouteKey, T]] = ()) -> None:
        self._routes: list[tuple[RouteKey, tuple[_Segment, ...], T]] = []
        self._default: tuple[RouteKey, T] | None = None
        for key, target in routes:
            self.add(key, target)

    def add(self, key: RouteKey, target: T) -> None:
        if key.path == DEFAULT_ROUTE:
            self._default = (key, target)
            return
        if any(existing == key for existing, _, _ in self._routes):
            raise HarnessError(f"route {key.text!r} is defined twice")
        self._routes.append((key, _segments(key.path, key.text), target))

    @property
    def keys(self) -> list[RouteKey]:
        found = [key for key, _, _ in self._routes]
        if self._default is not None:
            found.append(self._default[0])
        return found

    def match_key(self, key: RouteKey) -> T:
        """The target of a route given by its key."""
        if self._default is not None and self._default[0] == key:
            return self._default[1]
        for existing, _, target in self._routes:
            if existing == key:
                return target
        raise KeyError(key.text)

    def match(self, method: str, path: str) -> Match[T] | None:
        parts = _request_parts(path)
        best: tuple[tuple[int, ...], Match[T]] | None = None
        for key, segments, target in self._routes:
            if key.method not in (method, "ANY"):
                continue
            bound = _bind(segments, parts)
            if bound is None:
                continue
            rank = (*(s.rank for s in segments), 3, 1 if key.method == "ANY" else 0)
            if best is None or rank < best[0]:
                best = (rank, Match(key, target, bound))
        if best is not None:
            return best[1]
        if self._default is not None:
            return Match(self._default[0], self._default[1], {})
        return None


def _request_parts(path: str) -> list[str]:
    if path in ("", "/"):
        return []
    trimmed = path[1:] if path.startswith("/") else path
    if trimmed.endswith("/"):
        trimmed = trimmed[:-1]
    return trimmed.split("/")


def _bind(segments: tuple[_Segment, ...], parts: list[str]) -> dict[str, str] | None:
    bound: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.rank == _GREEDY:
            rest = parts[index:]
            if not rest or rest == [""]:
                return None
            bound[segment.value] = unquote("/".join(rest))
            return bound
        if index >= len(parts):
            return None
        part = parts[index]
        if segment.rank == _LITERAL:
            if part != segment.value:
                return None
        else:
            if part == "":
                return None
            bound[segment.value] = unquote(part)
    if len(parts) != len(segments):
        return None
    return bound
