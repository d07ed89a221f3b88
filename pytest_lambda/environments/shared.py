"""What both runners do alike: the environment's private /tmp, and the outcome of a request
that ended the environment (a timeout, or the runtime exiting or being killed)."""

from __future__ import annotations

import shutil
import tempfile
import weakref

from ..errors import LambdaError
from ..patching import PatchError
from ..runtime import (
    InvokeOutcome,
    InvokeRequest,
    LogBuffer,
    format_error_log,
    timed_out_log_line,
)


class PrivateTmp:
    """An environment's /tmp: a directory of its own, kept across warm invokes, removed
    with the environment, or when the environment is collected if nobody closed it."""

    def __init__(self, owner: object, function_name: str, parent: str | None = None) -> None:
        self.path = tempfile.mkdtemp(prefix=f"lambda-{function_name}-tmp-", dir=parent)
        self._remove = weakref.finalize(owner, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._remove()


def timed_out(
    request: InvokeRequest, timeout_s: float, log: LogBuffer, duration_ms: float
) -> InvokeOutcome:
    """The platform stopped the function at its timeout: its log line, Sandbox.Timedout,
    and the environment is gone (the next invoke is a cold start)."""
    log.write(timed_out_log_line(request.request_id, timeout_s))
    error = LambdaError.timeout(request.request_id, timeout_s)
    return InvokeOutcome("timeout", None, error, log.take(), duration_ms, environment_lost=True)


def lost(error: LambdaError, log: LogBuffer, duration_ms: float) -> InvokeOutcome:
    """The runtime exited or was killed (`error` says how): the environment is gone."""
    return InvokeOutcome("error", None, error, log.take(), duration_ms, environment_lost=True)


def patch_failed(request: InvokeRequest, error: PatchError, log: LogBuffer) -> InvokeOutcome:
    """A patch of the function could not be applied before its request: the invoke fails
    with the reason, as a handler error would, and the environment stays."""
    lambda_error = LambdaError.from_exception(error, request_id=request.request_id)
    log.write(format_error_log(lambda_error.payload))
    return InvokeOutcome("error", None, lambda_error, log.take(), 0.0)
