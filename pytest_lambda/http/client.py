"""The test client: httpx's Client and AsyncClient with a transport of ours (as Starlette's
TestClient does), so a test sends HTTP and reads HTTP while every request goes through
`LambdaFunction.invoke`. No socket is opened. Each response is a `LambdaResponse`: an
httpx.Response with `.invocation`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx

from ..errors import HarnessError
from ..function import LambdaFunction
from ..invocation import Invocation
from .messages import HttpRequest, HttpResponse


class FrontDoor(ABC):
    """Something that answers HTTP in front of functions: an API, a function URL, a load
    balancer. `host` is the name clients use for it; `base_url` includes a REST API's stage."""

    kind: str
    name: str
    host: str

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @abstractmethod
    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request, invoking the route's function (and authorizer) as needed."""

    @abstractmethod
    def functions(self) -> list[LambdaFunction]:
        """Every function this front door may invoke (its routes' and authorizers')."""

    def describe(self) -> list[str]:
        """Lines naming what it serves (for the server's banner)."""
        return [f"{self.name} ({self.kind}) {self.base_url}"]

    def close(self) -> None:
        """Discard the execution environments of the functions it serves."""
        for function in self.functions():
            function.close()

    def client(self, **kwargs: Any) -> LambdaHttpClient:
        """A test client (an httpx.Client) for this front door alone."""
        return FrontDoors([self]).client(**kwargs)

    def async_client(self, **kwargs: Any) -> AsyncLambdaHttpClient:
        return FrontDoors([self]).async_client(**kwargs)


class LambdaResponse(httpx.Response):
    """An httpx.Response that knows the invocation behind it.

    `invocation`: the route's function's Invocation; None when the front door answered by
    itself (no route, a CORS preflight, a refused authorization, a throttled stage). When
    the integration timed out, it is the invocation the gateway stopped waiting for
    (reading it waits for the function to finish). `authorizer_invocation`: the Lambda
    authorizer's, when one ran for this request (not when its result was cached).
    """

    _answer: HttpResponse | None = None

    @property
    def invocation(self) -> Invocation | None:
        return self._answer.the_invocation() if self._answer is not None else None

    @property
    def authorizer_invocation(self) -> Invocation | None:
        return self._answer.authorizer_invocation if self._answer is not None else None


class FrontDoors:
    """Front doors by host: what the test client's transport and the server dispatch to."""

    def __init__(self, doors: Iterable[FrontDoor] = ()) -> None:
        self._by_host: dict[str, FrontDoor] = {}
        self._by_name: dict[str, FrontDoor] = {}
        for door in doors:
            self.add(door)

    def add(self, door: FrontDoor) -> None:
        if door.host in self._by_host:
            raise HarnessError(
                f"{door.name!r} and {self._by_host[door.host].name!r} have the same host "
                f"{door.host!r}; give one of them another api_id / url_id / name"
            )
        self._by_host[door.host] = door
        self._by_name[door.name] = door

    def __iter__(self) -> Iterator[FrontDoor]:
        return iter(self._by_host.values())

    def __len__(self) -> int:
        return len(self._by_host)

    def __getitem__(self, name: str) -> FrontDoor:
        found = self._by_name.get(name)
        if found is None:
            raise HarnessError(
                f"no front door named {name!r} (there are: {', '.join(self._by_name) or 'none'})"
            )
        return found

    def functions(self) -> list[LambdaFunction]:
        found: list[LambdaFunction] = []
        for door in self:
            for function in door.functions():
                if function not in found:
                    found.append(function)
        return found

    def close(self) -> None:
        for function in self.functions():
            function.close()

    def for_host(self, host: str) -> FrontDoor | None:
        return self._by_host.get(host.split(":", 1)[0].lower())

    def handle(self, request: HttpRequest) -> HttpResponse:
        door = self.for_host(request.host)
        if door is None:
            known = ", ".join(f"{d.name} ({d.base_url})" for d in self) or "none"
            raise HarnessError(
                f"no front door answers at host {request.host!r}; the client's front doors: "
                f"{known}. Use a relative URL with client.api(NAME), or one of their URLs"
            )
        return door.handle(request)

    def client(self, name: str | None = None, **kwargs: Any) -> LambdaHttpClient:
        """A test client; its base URL is front door `name`'s (or the only one's)."""
        base_url = kwargs.pop("base_url", None) or self._base_url(name)
        return LambdaHttpClient(self, base_url, **kwargs)

    def async_client(self, name: str | None = None, **kwargs: Any) -> AsyncLambdaHttpClient:
        base_url = kwargs.pop("base_url", None) or self._base_url(name)
        return AsyncLambdaHttpClient(self, base_url, **kwargs)

    def _base_url(self, name: str | None) -> str:
        if name is not None:
            return self[name].base_url
        doors = list(self)
        if len(doors) == 1:
            return doors[0].base_url
        # Several front doors: a relative URL cannot say which one is meant.
        return f"https://{_AMBIGUOUS}"


_AMBIGUOUS = "choose-a-front-door.invalid"


def _request(doors: FrontDoors, request: httpx.Request, body: bytes) -> HttpRequest:
    url = request.url
    if url.host == _AMBIGUOUS:
        names = ", ".join(door.name for door in doors)
        raise HarnessError(
            f"this client has several front doors ({names}): a relative URL does not say "
            "which; use client.api(NAME).get(...) or the door's full URL"
        )
    return HttpRequest(
        method=request.method,
        path=url.raw_path.split(b"?", 1)[0].decode("ascii"),
        query=url.query.decode("ascii"),
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
        body=body,
        host=url.host,
    )


def _response(answer: HttpResponse, request: httpx.Request) -> LambdaResponse:
    response = LambdaResponse(
        answer.status, headers=answer.headers, content=answer.body, request=request
    )
    response._answer = answer
    return response


class LambdaTransport(httpx.BaseTransport):
    def __init__(self, doors: FrontDoors) -> None:
        self.doors = doors

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return _response(self.doors.handle(_request(self.doors, request, body)), request)


class AsyncLambdaTransport(httpx.AsyncBaseTransport):
    """The same, off the event loop: each request is served on a worker thread, so that a
    test's other tasks run while a function does."""

    def __init__(self, doors: FrontDoors) -> None:
        self.doors = doors

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        translated = _request(self.doors, request, body)
        answer = await asyncio.to_thread(self.doors.handle, translated)
        return _response(answer, request)


class LambdaHttpClient(httpx.Client):
    """An httpx.Client in front of functions; responses are `LambdaResponse`s.

    `client.api(name)` is a client for one front door (by logical id or name);
    `client.front_doors` lists them.
    """

    def __init__(self, doors: FrontDoors, base_url: str, **kwargs: Any) -> None:
        super().__init__(transport=LambdaTransport(doors), base_url=base_url, **kwargs)
        self.front_doors = doors

    def api(self, name: str) -> LambdaHttpClient:
        """A client for one of the front doors (a template's logical id, or its name)."""
        return LambdaHttpClient(self.front_doors, self.front_doors[name].base_url)

    def async_client(self, **kwargs: Any) -> AsyncLambdaHttpClient:
        """An httpx.AsyncClient on the same front doors and base URL."""
        return AsyncLambdaHttpClient(self.front_doors, str(self.base_url), **kwargs)

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return _as_lambda(super().request(method, url, **kwargs))

    def get(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("GET", url, **kwargs)

    def head(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return self.request("DELETE", url, **kwargs)


class AsyncLambdaHttpClient(httpx.AsyncClient):
    """An httpx.AsyncClient in front of functions; responses are `LambdaResponse`s."""

    def __init__(self, doors: FrontDoors, base_url: str, **kwargs: Any) -> None:
        super().__init__(transport=AsyncLambdaTransport(doors), base_url=base_url, **kwargs)
        self.front_doors = doors

    def api(self, name: str) -> AsyncLambdaHttpClient:
        return AsyncLambdaHttpClient(self.front_doors, self.front_doors[name].base_url)

    async def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> LambdaResponse:
        return _as_lambda(await super().request(method, url, **kwargs))


def _as_lambda(response: httpx.Response) -> LambdaResponse:
    if not isinstance(response, LambdaResponse):
        raise HarnessError("the response did not come from a front door")
    return response


def front_doors(*doors: FrontDoor | Mapping[str, FrontDoor]) -> FrontDoors:
    collected = FrontDoors()
    for door in doors:
        if isinstance(door, Mapping):
            for item in door.values():
                collected.add(item)
        else:
            collected.add(door)
    return collected
