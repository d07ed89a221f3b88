"""moto in server mode on a loopback port, sharing the backends of the in-process mock.

Handlers reach AWS through it in both isolation modes (AWS_ENDPOINT_URL points there),
so a handler in a worker process and the test's own in-process clients read and write
the same state. Requests from a function whose execution role has a policy are checked
against it before moto sees them.

The HTTP side is a small HTTP/1.1 server of its own rather than werkzeug's development
server, a measured exception to using the library: werkzeug closes the connection after
every response, and even switched to HTTP/1.1 (moto's request handler with keep-alive)
its per-request parsing cost 0.7-1.2 ms more per S3 GetObject than this server in the
same runs, which put a handler's GetObject over the 3 ms target. Here botocore's pooled
connections stay open (one thread per connection) and a response is one write.
"""

from __future__ import annotations

import contextlib
import io
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from email.utils import formatdate
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from moto.core.request import (
    PRESERVED_HEADER_NAMES_ENVIRON_KEY,
    environ_key_for_header,
    should_preserve_original_header_name,
)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from ..session import Resource, Stage
from .permissions import PolicyGate

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_MAX_LINE = 65536
_NO_BODY_STATUSES = (204, 304)


def _backend_app(service: str) -> Any:
    app = create_backend_app(service)  # type: ignore[arg-type]
    # moto turns Flask's debug mode on, which builds a class on every request to improve
    # an error message about form encodings; errors still reach the log without it.
    app.debug = False
    return app


class _FastDispatcher(DomainDispatcherApplication):
    """moto's dispatcher with its host -> backend lookup memoised.

    moto lists its own package directory on every request to resolve the backend; the
    answer for a given host never changes.
    """

    @lru_cache(maxsize=256)  # noqa: B019 - one dispatcher per process, never collected
    def get_backend_for_host(self, host: str | None) -> Any:
        return super().get_backend_for_host(host)


class _BadRequest(Exception):
    pass


class _Connection(socketserver.StreamRequestHandler):
    """One client connection: requests are served in turn until the client closes it."""

    disable_nagle_algorithm = True
    server: _HTTPServer

    def handle(self) -> None:
        self.server.connections.add(self.connection)
        try:
            while self._serve_one():
                pass
        except (OSError, _BadRequest):
            pass
        finally:
            self.server.connections.discard(self.connection)

    def _serve_one(self) -> bool:
        """Serve the next request; False when the connection is done."""
        line = self.rfile.readline(_MAX_LINE)
        if not line:
            return False
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            raise _BadRequest(line) from None
        headers = self._read_headers()
        environ = self._environ(method, target, version, headers)
        keep_alive = _keep_alive(version, environ.get("HTTP_CONNECTION", ""))
        if environ.get("HTTP_EXPECT", "").lower() == "100-continue" and version == "HTTP/1.1":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self._read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        self.wfile.write(_respond(self.server.app, environ, method, keep_alive))
        return keep_alive

    def _read_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n"):
                return headers
            if not line:
                raise _BadRequest("connection closed in the headers")
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise _BadRequest(line)
            headers.append((name.strip(), value.strip()))

    def _environ(
        self, method: str, target: str, version: str, headers: list[tuple[str, str]]
    ) -> dict[str, Any]:
        path, _, query = target.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            # WSGI strings carry bytes as latin-1; the request line was decoded so already.
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": target,
            "RAW_URI": target,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
        }
        # As moto's own request handler: headers spelled with '_' are dropped (WSGI cannot
        # tell them from '-'), except S3 metadata, kept under its original spelling.
        preserved: dict[str, str] = {}
        plain = {environ_key_for_header(n) for n, _ in headers if "_" not in n}
        for name, value in headers:
            key = environ_key_for_header(name)
            if "_" in name:
                if not should_preserve_original_header_name(name) or key in plain:
                    continue
                preserved.setdefault(key, name)
            if key in environ and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                value = f"{environ[key]},{value}"
            environ[key] = value
        environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
        return environ

    def _read_body(self, environ: dict[str, Any]) -> bytes:
        if "chunked" in environ.pop("HTTP_TRANSFER_ENCODING", "").lower():
            return self._read_chunked()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise _BadRequest("bad Content-Length") from None
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            raise _BadRequest("connection closed in the body")
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_line = self.rfile.readline(_MAX_LINE)
            try:
                size = int(size_line.split(b";", 1)[0], 16)
            except ValueError:
                raise _BadRequest(size_line) from None
            if size == 0:
                while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: nothing moto reads
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE)


def _keep_alive(version: str, connection: str) -> bool:
    tokens = {token.strip().lower() for token in connection.split(",")}
    if version == "HTTP/1.1":
        return "close" not in tokens
    return "keep-alive" in tokens


def _respond(app: WSGIApp, environ: dict[str, Any], method: str, keep_alive: bool) -> bytes:
    """The whole response to one request, ready to be written at once."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return written.append

    try:
        result = app(environ, start_response)
        try:
            written.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
    except Exception:
        traceback.print_exc()
        status, headers, written = "500 Internal Server Error", [], [b"moto failed"]
    body = b"".join(written)
    code = int(status.split(None, 1)[0])
    lines = [f"HTTP/1.1 {status}", f"Date: {formatdate(usegmt=True)}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    names = {name.lower() for name, _ in headers}
    if "content-length" not in names and code not in _NO_BODY_STATUSES and code >= 200:
        lines.append(f"Content-Length: {len(body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if method == "HEAD" or code in _NO_BODY_STATUSES:
        return head
    return head + body


class _HTTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Connection)

    def close_connections(self) -> None:
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class MotoServer:
    """moto's backends over HTTP on 127.0.0.1 at a port the OS picks."""

    def __init__(self) -> None:
        self.gate = PolicyGate()
        self._moto = _FastDispatcher(_backend_app)
        self._server = _HTTPServer(self._app)
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
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)


MOTO_SERVER = Resource("moto server", Stage.SERVERS, MotoServer.stop)
