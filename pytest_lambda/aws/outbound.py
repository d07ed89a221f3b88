"""Handlers' outbound HTTP through `requests`, sent by worker processes to the test process.

Inline, a handler's `requests` calls run in the test process, so whatever mocks them
there (`lambda_responses`, a test's own `responses` mock, moto's) answers them. A worker
process gets the same: the import hook of `guard.install_in_worker()` replaces
`HTTPAdapter.send` when `requests` loads with a forwarder that sends the prepared request
(method, URL, headers, body and the send arguments) to a loopback port of the test
process, where the Forwarder (a resource of the session) replays it with
`HTTPAdapter().send`. The test process's answer travels back (status, headers, undecoded
body, or the exception, such as `responses`' ConnectionError for an unregistered URL) and
becomes the handler's own Response or exception.
Forwarding the request rather than copying a registry keeps callbacks, matchers and
`calls` recording exact.

Wire format, both ways, one exchange per connection: 8 bytes (two big-endian lengths),
a JSON header, then the raw body. The forwarder's port is loopback, and a handler could
find it: what arrives there is read as a worker's messages are (a header of a bounded
size, a body kept only as it arrives, a connection that stalls closed), and what is not a
forwarded request is refused by closing the connection.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import socket
import struct
import threading
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from ..config import MAX_MEMORY_MB
from ..environments.process.channel import receive_exactly
from ..session import Resource, Session, Stage

# The variable that gives a worker the test process's address ("host:port/token"); the
# worker removes it from its environment before Init.
VARIABLE = "_PYTEST_LAMBDA_OUTBOUND"
_FRAME = struct.Struct("!II")
# What the forwarder reads of a connection: a header of at most this size, a body no
# larger than a function can hold, each read within this many seconds.
MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = MAX_MEMORY_MB << 20
READ_TIMEOUT_S = 30.0
_CHUNK = 1 << 20


def _send(sock: socket.socket, header: Mapping[str, Any], body: bytes) -> None:
    encoded = json.dumps(header).encode()
    sock.sendall(_FRAME.pack(len(encoded), len(body)) + encoded + body)


def _receive(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    try:
        header_size, body_size = _FRAME.unpack(receive_exactly(sock, _FRAME.size))
        header = json.loads(receive_exactly(sock, header_size))
        return header, bytes(receive_exactly(sock, body_size))
    except EOFError:
        raise ConnectionError("pytest-lambda: the test process closed the connection") from None


def _json_able(value: Any) -> Any:
    """`value` as JSON can carry it (tuples and sets as lists), or raise TypeError."""
    if isinstance(value, tuple | list | set | frozenset):
        items = [_json_able(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, Mapping):
        return {str(k): _json_able(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} cannot travel as JSON")


# -- worker side ------------------------------------------------------------------------


def forward_from(adapters: ModuleType, address: str) -> None:
    """Make every `HTTPAdapter.send` of this process go through the test process."""

    def send(
        self: Any,
        request: Any,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Any:
        send_arguments = {
            "stream": stream,
            "timeout": _optional(timeout),
            "verify": verify,
            "cert": _optional(cert),
            "proxies": _optional(proxies),
        }
        return _forward(self, request, send_arguments, address)

    adapters.HTTPAdapter.send = send


def _optional(value: Any) -> Any:
    """JSON for what JSON can carry; anything else (a urllib3 Timeout) as the default."""
    try:
        return _json_able(value)
    except TypeError:
        return None


def _forward(adapter: Any, request: Any, send_arguments: dict[str, Any], address: str) -> Any:
    body = request.body
    if body is not None and not isinstance(body, str | bytes):
        # A file or a generator (a streamed upload): the test process gets it whole.
        body = body.read() if hasattr(body, "read") else b"".join(body)
        request.body = body
    header = {
        "token": address.partition("/")[2],
        "method": request.method,
        "url": request.url,
        "headers": dict(request.headers),
        "body": None if body is None else type(body).__name__,
        "send": send_arguments,
        "retries": _retry_settings(adapter.max_retries),
    }
    data = body.encode("utf-8") if isinstance(body, str) else body or b""
    host, _, port = address.partition("/")[0].rpartition(":")
    with socket.create_connection((host, int(port))) as sock:
        _send(sock, header, data)
        answer, content = _receive(sock)
    if "error" in answer:
        raise _rebuild_error(answer["error"], request)
    return adapter.build_response(request, _raw_response(answer, content, request))


def _retry_settings(retry: Any) -> dict[str, Any]:
    """The adapter's urllib3 Retry as keyword arguments (the mock decides retries by it)."""
    settings = {}
    code = type(retry).__init__.__code__
    for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
        if name in ("self", "history") or not hasattr(retry, name):
            continue
        with contextlib.suppress(TypeError):
            settings[name] = _json_able(getattr(retry, name))
    return settings


class _HeadersOnly:
    """Stands for the http.client response behind urllib3's: requests reads cookies from
    its `msg`, and urllib3 asks whether it is closed (the body is already all here)."""

    def __init__(self, msg: Any) -> None:
        self.msg = msg

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        return None


def _raw_response(answer: Mapping[str, Any], content: bytes, request: Any) -> Any:
    import http.client

    from urllib3 import HTTPHeaderDict, HTTPResponse

    headers = HTTPHeaderDict()
    message = http.client.HTTPMessage()
    for name, value in answer["headers"]:
        headers.add(name, value)
        message[name] = value
    return HTTPResponse(
        body=io.BytesIO(content),
        headers=headers,
        status=answer["status"],
        reason=answer["reason"],
        preload_content=False,
        decode_content=True,
        original_response=_HeadersOnly(message),  # type: ignore[arg-type]
        request_method=request.method,
        request_url=request.url,
    )


def _rebuild_error(error: Mapping[str, Any], request: Any) -> BaseException:
    """The exception the test process's send raised, as this process's own class."""
    import requests

    rebuilt: BaseException | None = None
    try:
        found: Any = importlib.import_module(error["module"])
        for part in error["qualname"].split("."):
            found = getattr(found, part)
        if isinstance(found, type) and issubclass(found, BaseException):
            rebuilt = found(*error["args"])
    except Exception:
        rebuilt = None
    if rebuilt is None:
        rebuilt = requests.exceptions.ConnectionError(f"{error['qualname']}: {error['message']}")
    if isinstance(rebuilt, requests.RequestException):
        rebuilt.request = request
    return rebuilt


# -- test side ----------------------------------------------------------------------------


class _Refused(Exception):
    """What arrived is not a forwarded request."""


def _receive_request(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """A forwarded request, read as untrusted: lengths are checked, the body is kept only
    as it arrives (never allocated at the size it claims)."""
    header_size, body_size = _FRAME.unpack(_read_up_to(sock, _FRAME.size))
    if header_size > MAX_HEADER_BYTES or body_size > MAX_BODY_BYTES:
        raise _Refused(f"lengths {header_size}, {body_size} over the limits")
    try:
        header = json.loads(_read_up_to(sock, header_size))
    except ValueError:
        raise _Refused("a header that is not JSON") from None
    if not isinstance(header, dict):
        raise _Refused("a header that is not an object")
    return header, _read_up_to(sock, body_size)


def _read_up_to(sock: socket.socket, size: int) -> bytes:
    received = bytearray()
    while len(received) < size:
        chunk = sock.recv(min(size - len(received), _CHUNK))
        if not chunk:
            raise _Refused("the connection closed early")
        received += chunk
    return bytes(received)


class Forwarder:
    """Replays forwarded requests through this process's `HTTPAdapter.send`, with the
    session's guard held: a handler's request is a handler's, whatever the test does."""

    def __init__(self, session: Session) -> None:
        import secrets
        import socketserver

        token = secrets.token_hex(16)

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(READ_TIMEOUT_S)
                try:
                    header, body = _receive_request(self.request)
                except (_Refused, OSError):
                    return
                if not secrets.compare_digest(str(header.get("token", "")), token):
                    return
                session.hold_guard()
                try:
                    answer, content = _replay(header, body)
                except (KeyError, TypeError, ValueError, AttributeError):
                    # A header made by hand, not by the worker's forwarder.
                    return
                finally:
                    session.release_guard()
                _send(self.request, answer, content)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self.address = f"{host!s}:{port}/{token}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="pytest-lambda-outbound", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _replay(header: Mapping[str, Any], body: bytes) -> tuple[dict[str, Any], bytes]:
    from requests import PreparedRequest
    from requests.adapters import HTTPAdapter
    from requests.structures import CaseInsensitiveDict
    from urllib3.util.retry import Retry

    request = PreparedRequest()
    request.method = header["method"]
    request.url = header["url"]
    request.headers = CaseInsensitiveDict(header["headers"])
    if header["body"] == "str":
        request.body = body.decode("utf-8")
    elif header["body"] == "bytes":
        request.body = body
    send = dict(header["send"])
    for name in ("timeout", "cert"):
        if isinstance(send[name], list):
            send[name] = tuple(send[name])
    adapter = HTTPAdapter(max_retries=Retry(**header["retries"]))
    try:
        response = adapter.send(request, **send)
        return _answer(response)
    except Exception as e:
        return {"error": _describe_error(e)}, b""
    finally:
        adapter.close()


def _answer(response: Any) -> tuple[dict[str, Any], bytes]:
    raw = response.raw
    # The body is sent whole: a chunked framing header would no longer describe it.
    pairs = [
        (name, value)
        for name, value in (raw.headers.items() if raw is not None else response.headers.items())
        if name.lower() != "transfer-encoding"
    ]
    if raw is None or getattr(response, "_content_consumed", False):
        # A response callback read it already: what is left is the decoded content.
        content = response.content
        pairs = [(n, v) for n, v in pairs if n.lower() != "content-encoding"]
    else:
        content = raw.read(decode_content=False)
    answer = {"status": response.status_code, "reason": response.reason, "headers": pairs}
    return answer, content


def _describe_error(error: Exception) -> dict[str, Any]:
    try:
        args = _json_able(error.args)
    except TypeError:
        args = [str(error)]
    return {
        "module": type(error).__module__,
        "qualname": type(error).__qualname__,
        "args": args,
        "message": str(error),
    }


FORWARDER = Resource("outbound HTTP forwarder", Stage.SERVERS, Forwarder.stop)


def take_address() -> str | None:
    """In a worker: the test process's address, removed from the handler's environment."""
    return os.environ.pop(VARIABLE, None)
