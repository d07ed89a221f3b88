"""What every front door shares: calling the integration (through `LambdaFunction.invoke`,
with the front door's own integration timeout), stage throttling, the size of a request,
and the answers a front door gives by itself.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError
from ..function import LambdaFunction
from ..invocation import Invocation
from .messages import HttpResponse

# Init may take up to 10 s before the handler's own timeout starts counting.
INIT_LIMIT_S = 10.0
MB = 1024 * 1024
# A request body Content-Type API Gateway, function URLs and ALB pass as text (anything
# else is base64-encoded when it reaches the function).
_TEXT_MARKERS = ("json", "xml", "javascript")


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or any(marker in media for marker in _TEXT_MARKERS)


def gateway_answer(
    status: int, body: str | bytes, headers: list[tuple[str, str]] | None = None
) -> HttpResponse:
    """An answer the front door gives itself, with no function involved."""
    data = body.encode() if isinstance(body, str) else body
    return HttpResponse(status, list(headers or []), data)


def new_request_id() -> str:
    return str(uuid.uuid4())


def apigw_id() -> str:
    """An id like API Gateway's x-amz-apigw-id / apigw-requestid (base64, 16 characters)."""
    return base64.b64encode(uuid.uuid4().bytes[:12]).decode().replace("/", "x").replace("+", "y")


@dataclass
class Outcome:
    """What calling the integration gave: the invocation, or nothing yet (the integration
    timed out first and the function is still running)."""

    invocation: Invocation | None
    pending: Future[Invocation] | None = None

    @property
    def timed_out(self) -> bool:
        return self.invocation is None

    @property
    def rejected(self) -> bool:
        """Lambda refused the call (throttled, event too large): no function ran."""
        invocation = self.invocation
        return invocation is not None and not invocation.ok and not invocation.served

    @property
    def failed(self) -> bool:
        invocation = self.invocation
        return invocation is not None and not invocation.ok


def call_integration(function: LambdaFunction, event: Any, timeout_s: float | None) -> Outcome:
    """Invoke `function` with `event`; stop waiting after `timeout_s` (None: wait).

    A function whose Init and timeout together fit in `timeout_s` is invoked on the caller's
    thread (the fast path); otherwise on a thread of its own, so that the front door can
    answer at its timeout while the function runs on, as it does behind API Gateway.
    """
    if timeout_s is None or function.config.timeout_s + INIT_LIMIT_S <= timeout_s:
        return Outcome(function.invoke(event))
    future: Future[Invocation] = Future()

    def run() -> None:
        try:
            future.set_result(function.invoke(event))
        except BaseException as e:
            future.set_exception(e)

    threading.Thread(target=run, name=f"integration-{function.name}", daemon=True).start()
    try:
        return Outcome(future.result(timeout=timeout_s))
    except FutureTimeout:
        return Outcome(None, future)


class Throttle:
    """A token bucket: `rate` requests a second on average, bursts of up to `burst`, as API
    Gateway throttles a stage or route."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate < 0 or burst < 0:
            raise HarnessError(
                f"throttle=(rate, burst) takes numbers of 0 or more, got ({rate!r}, {burst!r})"
            )
        self.rate = float(rate)
        self.burst = int(burst)
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def admit(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


def throttle_of(value: Throttle | tuple[float, int] | None) -> Throttle | None:
    if value is None or isinstance(value, Throttle):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return Throttle(value[0], value[1])
    raise HarnessError(f"throttle must be (rate per second, burst), got {value!r}")


def check_timeout(name: str, value: float, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise HarnessError(f"{name} must be a number of seconds above 0, got {value!r}")
    if maximum is not None and value > maximum:
        raise HarnessError(f"{name} must be at most {maximum:g} seconds, got {value!r}")
    return float(value)


def json_body(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
