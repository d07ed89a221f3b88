"""How a failed invocation is classified, and the exact payloads the Lambda runtime returns."""

from __future__ import annotations

import enum
import os
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any


class HarnessError(Exception):
    """The harness was used wrongly (bad configuration, bad input); never a handler failure."""


class FunctionIsolationWarning(UserWarning):
    """A test changed its own process (a variable, a name in a module) where the function
    it invokes cannot see it: the function has its own variables and modules."""


class ErrorKind(str, enum.Enum):
    """Why an invocation failed, coarse enough to gate CI on."""

    UNHANDLED = "unhandled"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    INIT = "init"
    MARSHAL = "marshal"
    UNMARSHAL = "unmarshal"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    EXIT = "exit"
    PERMISSION = "permission"
    THROTTLED = "throttled"


# Init errors that most often mean the code directory is not where the handler lives.
CODE_NOT_FOUND_ERRORS = ("Runtime.ImportModuleError", "Runtime.HandlerNotFound")

# Error codes AWS answers with when the execution role forbids a call (SNS says
# AuthorizationError where the others say AccessDenied[Exception]).
_PERMISSION_ERROR_CODES = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError"})


@dataclass(frozen=True)
class LambdaError:
    """A failure as the Invoke API reports it: `payload` is the exact response body."""

    kind: ErrorKind
    error_type: str
    message: str
    stack_trace: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.error_type}: {self.message}"

    @classmethod
    def build(
        cls,
        kind: ErrorKind,
        error_type: str,
        message: str,
        *,
        request_id: str = "",
        stack_trace: Sequence[str] = (),
    ) -> LambdaError:
        """An error in the runtime's payload shape (message, type, request id, stack trace)."""
        trace = list(stack_trace)
        payload = {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": trace,
        }
        return cls(kind, error_type, message, trace, payload)

    @classmethod
    def sandbox(cls, kind: ErrorKind, error_type: str, message: str) -> LambdaError:
        """Errors raised by the Lambda service itself carry only errorType and errorMessage."""
        payload = {"errorType": error_type, "errorMessage": message}
        return cls(kind, error_type, message, [], payload)

    @classmethod
    def from_exception(
        cls, exc: BaseException, *, request_id: str, kind: ErrorKind | None = None
    ) -> LambdaError:
        """Classify an exception raised by user code, as the runtime reports it."""
        if kind is None:
            kind = ErrorKind.PERMISSION if _is_permission_error(exc) else ErrorKind.UNHANDLED
        return cls.build(
            kind,
            type(exc).__name__,
            str(exc),
            request_id=request_id,
            stack_trace=user_stack_trace(exc.__traceback__),
        )

    @classmethod
    def timeout(cls, request_id: str, timeout_s: float) -> LambdaError:
        return cls.sandbox(
            ErrorKind.TIMEOUT,
            "Sandbox.Timedout",
            f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
        )

    @classmethod
    def out_of_memory(cls, request_id: str) -> LambdaError:
        return cls.runtime_exit(request_id, "signal: killed", kind=ErrorKind.OUT_OF_MEMORY)

    @classmethod
    def runtime_exit(
        cls, request_id: str, detail: str, *, kind: ErrorKind = ErrorKind.EXIT
    ) -> LambdaError:
        """`detail` is `exit status N` or `signal: <name>`, as the platform words it.

        An exit during an on-demand Init is reported for the request that started it.
        """
        return cls.sandbox(
            kind,
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited with error: {detail}",
        )

    @property
    def report_error_type(self) -> str:
        """The `Error Type` the REPORT line shows (OOM kills are told apart from exits there)."""
        if self.kind is ErrorKind.OUT_OF_MEMORY:
            return "Runtime.OutOfMemory"
        return self.error_type


def _is_permission_error(exc: BaseException) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = response.get("Error", {}).get("Code")
    return code in _PERMISSION_ERROR_CODES


def user_stack_trace(tb: TracebackType | None) -> list[str]:
    """The runtime's `stackTrace`: `traceback.format_list` entries from the first user frame.

    The runtime formats (file, line, function, source) tuples, which carry no column
    positions: no caret lines, whatever Python prints for the same traceback. It drops its
    own frames at the top of the traceback and keeps everything below (library frames the
    user's code called included); when every frame is its own (the handler object is not
    callable), it keeps them all. The harness's frames stand where the runtime's would.
    """
    frames = [
        (frame.filename, frame.lineno, frame.name, frame.line) for frame in traceback.extract_tb(tb)
    ]
    for first_user_frame, frame in enumerate(frames):
        if not frame[0].startswith(_HARNESS_ROOT):
            frames = frames[first_user_frame:]
            break
    return traceback.format_list(frames)  # type: ignore[arg-type]


_HARNESS_ROOT = os.path.dirname(os.path.abspath(__file__)) + os.sep
