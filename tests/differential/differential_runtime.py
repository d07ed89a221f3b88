"""The real side of the differential test: awslambdaric behind a small fake Runtime API.

`RuntimeClientEnvironment` starts `python -m awslambdaric <handler>` (the same interpreter
as the tests) the way Lambda starts its bootstrap: the variables Lambda sets, the code
directory as the working directory, `AWS_LAMBDA_RUNTIME_API` pointing at a loopback HTTP
server that plays the Runtime API, and `_LAMBDA_TELEMETRY_LOG_FD` set, so the runtime
writes every log record as one frame (type 4 bytes | length 4 bytes | timestamp in µs
8 bytes | UTF-8 payload, big-endian), which Lambda turns into one CloudWatch event.

The frames, stdout and stderr all go to one append-only file: the runtime and the
function write to it in program order, so their interleaving is exactly what the process
did, and reading it never blocks the runtime. Each Runtime API call marks a boundary in
that file (Init ends at the first `/next`, an invoke at the next `/next` or at the
runtime's exit: output written after the response, such as a "coroutine was never
awaited" warning, still belongs to it).

What the platform itself answers (the runtime exiting or crashing) is modelled from the
documented wording: `Runtime.ExitError` with `exit status N` or `signal: <name>`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_RUNTIME_PATH = "/2018-06-01/runtime"
# No scenario takes long; a runtime that stops answering fails the test instead of hanging it.
_WAIT_LIMIT_S = 30.0

# The frame types awslambdaric writes start with these three bytes (0xA55A00xx).
_FRAME_MAGIC = b"\xa5\x5a\x00"
_FRAME_HEADER_BYTES = 16

# Lambda's platform is written in Go and names a runtime's fatal signal as Go does.
_GO_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGPIPE: "broken pipe",
    signal.SIGTERM: "terminated",
}


@dataclass(frozen=True)
class Record:
    """One CloudWatch event: a telemetry frame, or one line of stdout/stderr."""

    text: str
    # The frame type (0xA55A0003 and so on); None for a line of stdout/stderr.
    frame_type: int | None = None


@dataclass
class RuntimeInvoke:
    """What the Invoke API answered for one request, and the function's log records."""

    request_id: str
    status_code: int = 200
    response: bytes | None = None
    content_type: str | None = None
    # The error payload as the Invoke API returns it (key order kept), or None.
    error: dict[str, Any] | None = None
    # Records written during Init (only for the invoke that started the environment).
    init_records: list[Record] | None = None
    records: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class _Dispatch:
    request_id: str
    body: bytes
    headers: dict[str, str]
    timeout_ms: int


@dataclass(frozen=True)
class _Call:
    """A call the runtime made to the Runtime API."""

    kind: str  # "next", "response", "error", "init_error"
    request_id: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class _RuntimeAPIHandler(BaseHTTPRequestHandler):
    # HTTP/1.1: curl (inside the runtime's C client) keeps connections alive and may send
    # `Expect: 100-continue`, which only an HTTP/1.1 server answers.
    protocol_version = "HTTP/1.1"
    server: _RuntimeAPIServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""

    def do_GET(self) -> None:
        if self.path != f"{_RUNTIME_PATH}/invocation/next":
            self._reply(404, {"errorMessage": f"unknown path {self.path}"})
            return
        self.server.calls.put(_Call("next"))
        dispatch = self.server.dispatches.get()
        if dispatch is None:
            self._reply(410, {"errorMessage": "the environment is shutting down"})
            return
        deadline_ms = int(time.time() * 1000) + dispatch.timeout_ms
        headers = {
            "Lambda-Runtime-Aws-Request-Id": dispatch.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Content-Type": "application/json",
            **dispatch.headers,
        }
        self._reply(200, dispatch.body, headers)

    def do_POST(self) -> None:
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        parts = self.path[len(_RUNTIME_PATH) :].strip("/").split("/")
        if parts == ["init", "error"]:
            call = _Call("init_error", "", body, headers)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            call = _Call(parts[2], parts[1], body, headers)
        else:
            self._reply(404, {"errorMessage": f"unknown path {self.path}"})
            return
        self.server.calls.put(call)
        self._reply(202, {"status": "OK"})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
                chunks.append(chunk)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _reply(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _RuntimeAPIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RuntimeAPIHandler)
        self.calls: queue.Queue[_Call] = queue.Queue()
        self.dispatches: queue.Queue[_Dispatch | None] = queue.Queue()
        self.closing = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # At shutdown the runtime is killed while its `/next` is still waiting: no noise.
        if not self.closing:
            super().handle_error(request, client_address)

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"


class RuntimeClientEnvironment:
    """One execution environment run by awslambdaric: Init on the first invoke, then warm."""

    def __init__(
        self,
        handler: str,
        code_dir: str,
        variables: Mapping[str, str],
        *,
        timeout_s: int,
    ) -> None:
        self.handler = handler
        self.code_dir = code_dir
        self.variables = dict(variables)
        self.timeout_ms = timeout_s * 1000
        self._server = _RuntimeAPIServer()
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._server_thread.start()
        fd, path = tempfile.mkstemp(prefix="awslambdaric-log-")
        os.close(fd)
        self._log_fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        os.unlink(path)
        self._log_offset = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._processes: list[subprocess.Popen[bytes]] = []
        self._init_failed: RuntimeInvoke | None = None
        self.exit_detail: str | None = None

    @property
    def runtime_api(self) -> str:
        return self._server.address

    def invoke(self, body: bytes, headers: Mapping[str, str]) -> RuntimeInvoke:
        """One request through the Runtime API, as the Invoke API would answer it."""
        request_id = str(uuid.uuid4())
        init_records: list[Record] | None = None
        if self._process is None:
            init_records = self._start()
            if self.exit_detail is not None or self._init_failed is not None:
                return self._failed_init(request_id, init_records)
        elif self.exit_detail is not None:
            raise RuntimeError("the runtime is gone: a scenario cannot invoke it again")
        self._server.dispatches.put(_Dispatch(request_id, body, dict(headers), self.timeout_ms))
        outcome = RuntimeInvoke(request_id, init_records=init_records)
        while True:
            call = self._next_call()
            if call is None:
                # The runtime died during the request: the platform answers for it.
                if outcome.response is None and outcome.error is None:
                    outcome.error = _exit_error(request_id, self.exit_detail or "")
                break
            if call.kind == "next":
                break
            if call.kind == "response" and call.request_id == request_id:
                outcome.response = call.body
                outcome.content_type = call.headers.get("content-type")
            elif call.kind == "error" and call.request_id == request_id:
                outcome.error = json.loads(call.body)
            else:
                raise RuntimeError(f"unexpected Runtime API call during an invoke: {call}")
        outcome.records = self._take_records()
        return outcome

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Release GET /next requests still waiting for work, then stop the server.
        self._server.closing = True
        for _ in range(4):
            self._server.dispatches.put(None)
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(OSError):
            os.close(self._log_fd)

    def __enter__(self) -> RuntimeClientEnvironment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> list[Record]:
        """Start the runtime and run Init: until its first `/next`, an init error or an exit."""
        environment = {
            **self.variables,
            "AWS_LAMBDA_RUNTIME_API": self.runtime_api,
            "_LAMBDA_TELEMETRY_LOG_FD": str(self._log_fd),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", self.handler],
            cwd=self.code_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log_fd,
            stderr=self._log_fd,
            pass_fds=(self._log_fd,),
            start_new_session=True,
        )
        self._processes.append(self._process)
        while True:
            call = self._next_call()
            if call is None or call.kind == "next":
                break
            if call.kind == "init_error":
                self._init_failed = RuntimeInvoke("", error=json.loads(call.body))
            else:
                raise RuntimeError(f"unexpected Runtime API call during Init: {call}")
        return self._take_records()

    def _failed_init(self, request_id: str, init_records: list[Record]) -> RuntimeInvoke:
        """Lambda runs a failed Init again within the request that started it ("suppressed
        init", as the developer guide's execution environment lifecycle describes it): a
        second runtime, whose output belongs to the invoke; its failure is the invoke's
        answer (the payload it posted to /init/error, or the platform's for its exit)."""
        self._process = None
        self._init_failed = None
        self.exit_detail = None
        records = self._start()
        if self._init_failed is not None:
            error = self._init_failed.error
        elif self.exit_detail is not None:
            error = _exit_error(request_id, self.exit_detail)
        else:
            raise RuntimeError("Init failed once, then succeeded: no scenario does that")
        return RuntimeInvoke(request_id, error=error, init_records=init_records, records=records)

    def _next_call(self) -> _Call | None:
        """The runtime's next Runtime API call, or None once it has exited."""
        assert self._process is not None
        deadline = time.monotonic() + _WAIT_LIMIT_S
        while time.monotonic() < deadline:
            try:
                return self._server.calls.get(timeout=0.01)
            except queue.Empty:
                pass
            status = self._process.poll()
            if status is not None:
                # Calls made just before the exit (an init error) come first.
                try:
                    return self._server.calls.get_nowait()
                except queue.Empty:
                    self.exit_detail = _exit_detail(status)
                    return None
        raise RuntimeError(f"the runtime made no Runtime API call in {_WAIT_LIMIT_S:.0f} s")

    def _take_records(self) -> list[Record]:
        """The records written since the last boundary (the end of a phase)."""
        size = os.fstat(self._log_fd).st_size
        data = os.pread(self._log_fd, size - self._log_offset, self._log_offset)
        self._log_offset = size
        return split_records(data)


def split_records(data: bytes) -> list[Record]:
    """One phase's frames and stdout/stderr text -> CloudWatch events, in writing order.

    A frame is one event, whatever it holds. Plain output is cut into one event per line,
    as Lambda cuts a runtime's stdout. A line still open when a frame arrives is completed
    by the text after the frame, and one still open at the end of the phase is an event
    of its own: that is what a line reader on stdout does (how Lambda's does it is not
    documented).
    """
    records: list[Record] = []
    position = 0
    text = b""
    while position < len(data):
        if data.startswith(_FRAME_MAGIC, position) and len(data) - position >= _FRAME_HEADER_BYTES:
            frame_type = int.from_bytes(data[position : position + 4], "big")
            length = int.from_bytes(data[position + 4 : position + 8], "big")
            start = position + _FRAME_HEADER_BYTES
            records.append(Record(data[start : start + length].decode("utf-8"), frame_type))
            position = start + length
            continue
        next_frame = data.find(_FRAME_MAGIC, position)
        end = len(data) if next_frame < 0 else next_frame
        text += data[position:end]
        *lines, text = text.split(b"\n")
        records.extend(Record(line.decode("utf-8", "backslashreplace")) for line in lines)
        position = end
    if text:
        records.append(Record(text.decode("utf-8", "backslashreplace")))
    return records


def _exit_detail(returncode: int) -> str:
    if returncode < 0:
        number = -returncode
        try:
            return f"signal: {_GO_SIGNAL_NAMES[signal.Signals(number)]}"
        except (KeyError, ValueError):
            return f"signal: signal {number}"
    return f"exit status {returncode}"


def _exit_error(request_id: str, detail: str) -> dict[str, Any]:
    """The platform's payload for a runtime that exited: Runtime.ExitError."""
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {detail}",
    }
