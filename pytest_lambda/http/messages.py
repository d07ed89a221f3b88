"""An HTTP request as a front door receives it, and the answer it gives back.

Plain data, independent of any HTTP library: the test client's transport and the
loopback server both turn their requests into an `HttpRequest` and write out the
`HttpResponse` a front door returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from ..invocation import Invocation

# The client address the front doors report when the request does not say (the test
# client has no socket); the loopback server gives the real peer's.
DEFAULT_SOURCE_IP = "198.51.100.7"


@dataclass
class HttpRequest:
    """One request: `path` and `query` exactly as sent (percent-encoded), `host` the name
    the client asked for (it picks the front door)."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    host: str = ""
    source_ip: str = DEFAULT_SOURCE_IP

    def header(self, name: str) -> str | None:
        """The last value of a header (names compare case-insensitively), or None."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's parameters, decoded, in order (blank values kept)."""
        return parse_qsl(self.query, keep_blank_values=True)

    def grouped_headers(self, *, lower: bool) -> dict[str, list[str]]:
        return _grouped(((k.lower() if lower else k), v) for k, v in self.headers)

    def grouped_query(self) -> dict[str, list[str]]:
        return _grouped(self.query_pairs())


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        # Header names differ only in case are one header: the first spelling is kept.
        for existing in grouped:
            if existing.lower() == key.lower():
                key = existing
                break
        grouped.setdefault(key, []).append(value)
    return grouped


@dataclass
class HttpResponse:
    """A front door's answer. `invocation` is the route's function's Invocation (None when
    the front door answered by itself: no route, CORS preflight, refused authorization);
    `pending` holds an invocation still running after the integration timed out."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    invocation: Invocation | None = None
    pending: Future[Invocation] | None = None
    authorizer_invocation: Invocation | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)

    def the_invocation(self) -> Invocation | None:
        """The invocation, waiting for it when API Gateway stopped waiting first."""
        if self.invocation is None and self.pending is not None:
            self.invocation = self.pending.result()
        return self.invocation
