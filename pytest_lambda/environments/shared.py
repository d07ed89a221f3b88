"""What both runners do alike: the environment's private /tmp, and the outcome of a request
that ended the runtime (a timeout, or the runtime exiting or being killed)."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Sequence

from ..errors import LambdaError
from ..logs import LogRecord
from ..patching import PatchError
from ..runtime import HandlerRuntime, InvokeOutcome, InvokeRequest, log_error, timed_out_log_line


class PrivateTmp:
    """An environment's /tmp: a directory of its own, kept across warm invokes and runtime
    restarts, removed with the environment, or when the environment is collected if
    nobody closed it."""

    def __init__(self, owner: object, function_name: str, parent: str | None = None) -> None:
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
