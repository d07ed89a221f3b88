"""`pytest-lambda serve`: the front doors on a real loopback HTTP server, for curl and
browsers (like `sam local start-api`, without Docker).

A threaded stdlib server; functions stay warm between requests; each request's logs and
REPORT lines are written to the terminal as it completes; a change to a function's code
(its code directory and layers) or to the template discards the environments (the next
request is a cold start, with the new code), or rebuilds the front doors when the template
changed. Ctrl-C stops the server and discards every environment: no process is left.

Which front door answers: the one whose host the request names (`curl -H "Host: ..."`);
else the one whose name starts the path (`/MyApi/...`, the name removed); else the first
API with a route for the request; else the first front door. A REST API is served at the
root as well as under its stage (`/hello` and `/Prod/hello`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from ..invocation import Invocation, display_logs
from .apigateway import RestApi, _Api
from .client import FrontDoor, FrontDoors
from .messages import HttpRequest, HttpResponse

_WATCH_INTERVAL_S = 0.5


class Server:
    """The loopback server. `build` makes the front doors (called again when the template
    changes); `watched` names the extra files whose change rebuilds them."""

    def __init__(
        self,
        build: Callable[[], FrontDoors],
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        watched: tuple[Path, ...] = (),
        reload: bool = True,
        out: TextIO | None = None,
    ) -> None:
        self._build = build
        self.doors = build()
        self._watched_files = watched
        self._reload = reload
        self._out = out or sys.stderr
        self._write_lock = threading.Lock()
        self._doors_lock = threading.RLock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                server.serve_one(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def write(self, text: str) -> None:
        with self._write_lock:
            self._out.write(text)
            self._out.flush()

    def banner(self) -> None:
        lines = [f"pytest-lambda serve: listening on {self.url} (Ctrl-C to stop)"]
        for door in self.doors:
            for line in door.describe():
                lines.append(f"  {line}")
        self.write("\n".join(lines) + "\n")

    # -- requests ---------------------------------------------------------------------------

    def pick(self, request: HttpRequest) -> tuple[FrontDoor, HttpRequest]:
        with self._doors_lock:
            doors = list(self.doors)
        by_host = self.doors.for_host(request.host)
        if by_host is not None:
            return by_host, request
        for door in doors:
            prefix = f"/{door.name}"
            if request.path == prefix or request.path.startswith(prefix + "/"):
                below = dataclasses.replace(request, path=request.path[len(prefix) :] or "/")
                return door, _as_for(door, below)
        for door in doors:
            if isinstance(door, _Api):
                below = _as_for(door, request)
                path = door._stage_path(below)
                if path is not None and door.router.match(request.method, path) is not None:
                    return door, below
        door = doors[0]
        return door, _as_for(door, request)

    def serve_one(self, handler: BaseHTTPRequestHandler) -> None:
        started = time.perf_counter()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        target = urlsplit(handler.path)
        request = HttpRequest(
            method=handler.command,
            path=target.path or "/",
            query=target.query,
            headers=list(handler.headers.items()),
            body=body,
            host=handler.headers.get("Host", ""),
            source_ip=handler.client_address[0],
        )
        shown_path = handler.path
        try:
            door, request = self.pick(request)
            answer = door.handle(request)
        except Exception as e:  # a broken request must not stop the server
            answer = HttpResponse(500, [("Content-Type", "text/plain")], f"{e}\n".encode())
        for invocation in (answer.authorizer_invocation, answer.the_invocation()):
            if invocation is not None:
                self._log_invocation(invocation)
        elapsed = (time.perf_counter() - started) * 1000
        self.write(
            f'{request.source_ip} "{handler.command} {shown_path}" {answer.status} '
            f"({elapsed:.1f} ms)\n"
        )
        handler.send_response(answer.status)
        for name, value in answer.headers:
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(answer.body)

    def _log_invocation(self, invocation: Invocation) -> None:
        self.write(display_logs(invocation.logs))

    # -- reload -----------------------------------------------------------------------------

    def _snapshot(self) -> dict[Path, float]:
        paths: list[Path] = list(self._watched_files)
        with self._doors_lock:
            for function in self.doors.functions():
                paths.append(function.config.code_path)
                paths.extend(Path(layer) for layer in function.config.layers)
        seen: dict[Path, float] = {}
        for root in paths:
            for path in _files(root):
                with contextlib.suppress(OSError):
                    seen[path] = path.stat().st_mtime
        return seen

    def _watch(self) -> None:
        before = self._snapshot()
        while not self._stop.wait(_WATCH_INTERVAL_S):
            now = self._snapshot()
            if now == before:
                continue
            changed = sorted(str(p) for p in set(now) | set(before) if now.get(p) != before.get(p))
            template_changed = any(Path(c) in self._watched_files for c in changed)
            shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
            try:
                if template_changed:
                    rebuilt = self._build()
                    with self._doors_lock:
                        old, self.doors = self.doors, rebuilt
                    old.close()
                    self.write(f"pytest-lambda serve: {shown} changed: front doors rebuilt\n")
                else:
                    with self._doors_lock:
                        self.doors.close()
                    self.write(
                        f"pytest-lambda serve: {shown} changed: environments discarded, the "
                        "next request is a cold start\n"
                    )
            except Exception as e:
                self.write(f"pytest-lambda serve: reload failed: {e}\n")
            before = self._snapshot()

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C), then close everything."""
        watcher = None
        if self._reload:
            watcher = threading.Thread(target=self._watch, name="serve-reload", daemon=True)
            watcher.start()
        self.banner()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
            if watcher is not None:
                watcher.join(timeout=2)

    def close(self) -> None:
        self._stop.set()
        self.httpd.server_close()
        with self._doors_lock:
            self.doors.close()


def _as_for(door: FrontDoor, request: HttpRequest) -> HttpRequest:
    """The request as the door expects it: a REST API's stage is added when missing."""
    path = request.path
    if isinstance(door, RestApi):
        prefix = f"/{door.stage}"
        if not (path == prefix or path.startswith(prefix + "/")):
            path = prefix + path
    return dataclasses.replace(request, host=door.host, path=path)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [
            d
            for d in subdirectories
            if not d.startswith(".") and d not in ("__pycache__", "node_modules")
        ]
        for name in files:
            if name.endswith((".py", ".json", ".yaml", ".yml", ".txt", ".cfg", ".toml")):
                yield Path(directory) / name
