"""moto in server mode on a loopback port, sharing the backends of the in-process mock.

Handlers reach AWS through it in both isolation modes (AWS_ENDPOINT_URL points there),
so a handler in a worker process and the test's own in-process clients read and write
the same state. Requests from a function whose execution role has a policy are checked
against it before moto sees them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from .policy import PolicyGate

StartResponse = Callable[..., Any]


class _QuietRequestHandler(MotoRequestHandler):
    """No access log: one line per AWS call would flood the test's output (and cost time)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _FastDispatcher(DomainDispatcherApplication):
    """moto's dispatcher with its host -> backend lookup memoised.

    moto lists its own package directory on every request to resolve the backend; the
    answer for a given host never changes, and caching it takes a handler's S3 GetObject
    from ~4 ms to ~2 ms.
    """

    @lru_cache(maxsize=256)  # noqa: B019 - one dispatcher per process, never collected
    def get_backend_for_host(self, host: str | None) -> Any:
        return super().get_backend_for_host(host)


class MotoServer:
    """A threaded WSGI server on 127.0.0.1 at a port the OS picks."""

    def __init__(self) -> None:
        self.gate = PolicyGate()
        self._moto = _FastDispatcher(create_backend_app)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="pytest-lambda-moto", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        denied = self.gate.check(environ)
        if denied is not None:
            status, headers, body = denied
            start_response(status, headers)
            return [body]
        result: Iterable[bytes] = self._moto(environ, start_response)
        return result

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


_server: MotoServer | None = None
_lock = threading.Lock()


def get_server() -> MotoServer:
    """The session's server, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = MotoServer()
        return _server


def stop_server() -> None:
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None
