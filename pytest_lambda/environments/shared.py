"""What both runners do alike: the session's directory and each environment's private /tmp
in it, the outcome of a request that ended the runtime (a timeout, or the runtime exiting
or being killed), and the refusal of what the runtime may not post back (over the Invoke
API's payload limit)."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import stat
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ErrorKind, LambdaError
from ..logs import LogRecord
from ..patching import PatchError
from ..retention import owned_name, sweep
from ..runtime import (
    MAX_RESPONSE_BYTES,
    HandlerRuntime,
    InvokeOutcome,
    InvokeRequest,
    log_error,
    timed_out_log_line,
)
from ..session import Resource, Session, Stage

_SESSION_PREFIX = "session-"


class SessionDirectory:
    """The session's directory in the temporary directory, where its environments' /tmp
    directories go: `pytest-lambda-of-<user>/session-<pid>-<start>-<random>`.

    Removed when the session ends. When the test process dies first (a handler's
    `os._exit` in an inline environment, a signal, a kill), the fork server removes it if
    the session had one, and otherwise the next session does as it makes its own: it
    removes every session directory whose process is gone (pytest's tmp_path retention
    is the model).
    """

    def __init__(self) -> None:
        for _ in range(5):
            parent = _user_directory()
            if parent is None:
                self.path = tempfile.mkdtemp(prefix="pytest-lambda-")
                return
            sweep(parent, _SESSION_PREFIX, _remove_tree)
            path = parent / owned_name(_SESSION_PREFIX)
            try:
                path.mkdir(mode=0o700)
            except FileNotFoundError:
                # Another session removed the (empty) parent meanwhile.
                continue
            self.path = str(path)
            return
        self.path = tempfile.mkdtemp(prefix="pytest-lambda-")

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            # Left if another session still uses it.
            os.rmdir(os.path.dirname(self.path))


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _user_directory() -> Path | None:
    """`pytest-lambda-of-<user>` in the temporary directory, the user's own (as pytest's
    `pytest-of-<user>`): None if it is someone else's or not a plain directory."""
    try:
        user = getpass.getuser()
    except (ImportError, KeyError, OSError):
        user = "unknown"
    parent = Path(tempfile.gettempdir()) / f"pytest-lambda-of-{user}"
    try:
        parent.mkdir(mode=0o700, exist_ok=True)
        info = parent.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    return parent


SESSION_DIRECTORY = Resource("session directory", Stage.FILES, SessionDirectory.close)


def session_directory(session: Session) -> str:
    """The session's directory (made on first use, removed when the session ends)."""
    return session.get(SESSION_DIRECTORY, SessionDirectory).path


class PrivateTmp:
    """An environment's /tmp: a directory of its own, kept across warm invokes and runtime
    restarts, removed with the environment, or when the environment is collected if
    nobody closed it."""

    def __init__(self, owner: object, function_name: str, parent: str) -> None:
        self.path = tempfile.mkdtemp(prefix=f"lambda-{function_name}-tmp-", dir=parent)
        self._remove = weakref.finalize(owner, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._remove()


def timed_out(
    request: InvokeRequest, timeout_s: float, records: Sequence[LogRecord], duration_ms: float
) -> InvokeOutcome:
    """The platform stopped the function at its timeout: its log line, Sandbox.Timedout,
    and the runtime is gone (the next request runs Init again)."""
    line = LogRecord(timed_out_log_line(request.request_id, timeout_s), "platform", "invoke")
    error = LambdaError.timeout(request.request_id, timeout_s)
    return InvokeOutcome(
        "timeout", None, error, duration_ms, [*records, line], environment_lost=True
    )


def lost(error: LambdaError, records: Sequence[LogRecord], duration_ms: float) -> InvokeOutcome:
    """The runtime exited or was killed (`error` says how): the next request runs Init again."""
    return InvokeOutcome("error", None, error, duration_ms, records, environment_lost=True)


def patch_failed(
    request: InvokeRequest, error: PatchError, runtime: HandlerRuntime
) -> InvokeOutcome:
    """A patch of the function could not be applied before its request: the invoke fails
    with the reason, logged as a handler error would be, and the runtime stays."""
    lambda_error = LambdaError.from_exception(error, request_id=request.request_id)
    log_error(runtime.sink, lambda_error.payload, runtime.encoder)
    return InvokeOutcome("error", None, lambda_error, 0.0)


def refuse_oversized(outcome: InvokeOutcome) -> InvokeOutcome:
    """The outcome as the caller gets it when the runtime posted more than the Invoke API
    accepts: a response, or an error payload, over 6 MB is Function.ResponseSizeTooLarge
    (a worker applies this before sending, so that only the size crosses to the test
    process)."""
    size: int | None = None
    if outcome.response is not None:
        if len(outcome.response) > MAX_RESPONSE_BYTES:
            size = len(outcome.response)
    elif outcome.error is not None:
        size = oversized_payload(outcome.error.payload)
    if size is None:
        return outcome
    return InvokeOutcome(
        "error",
        None,
        response_too_large(size),
        outcome.duration_ms,
        outcome.records,
        outcome.environment_lost,
    )


def response_too_large(size: int) -> LambdaError:
    return LambdaError.sandbox(
        ErrorKind.PAYLOAD_TOO_LARGE,
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({size} bytes) exceeded maximum allowed "
        f"payload size ({MAX_RESPONSE_BYTES} bytes).",
    )


# JSON writes a character in at most 6 bytes (a \u escape): below this many characters an
# error payload is under the limit without encoding it to find out.
_SURELY_SMALL_CHARACTERS = MAX_RESPONSE_BYTES // 6 - 1024
_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def oversized_payload(payload: dict[str, Any]) -> int | None:
    """The size of an error payload as the runtime posts it (JSON, UTF-8) if it is over
    the Invoke API's limit, else None."""
    characters = 0
    for value in payload.values():
        if isinstance(value, str):
            characters += len(value)
        elif isinstance(value, list):
            characters += sum(len(item) if isinstance(item, str) else 64 for item in value)
        else:
            characters += 64
    if characters < _SURELY_SMALL_CHARACTERS:
        return None
    size = len(_PAYLOAD_ENCODER.encode(payload).encode("utf-8", "surrogatepass"))
    return size if size > MAX_RESPONSE_BYTES else None
