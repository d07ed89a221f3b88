"""What the function layer needs of an execution environment, and how it gets them.

`ExecutionEnvironment` is the protocol both runners implement, `environment_class` picks
the runner for an isolation setting, and `EnvironmentPool` holds one function's
environments: warm ones waiting, busy ones counted against its reserved concurrency, as
Lambda scales a function out by environments that each serve one request at a time
(reusing a warm one when there is one, refusing with 429 a request that would take the
function past its reserved concurrency).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import ClassVar, Generic, Protocol, TypeVar

from ..config import FunctionConfig, Isolation
from ..patching import Patch
from ..runtime import InitOutcome, InvokeOutcome, InvokeRequest
from ..session import Session


class ExecutionEnvironment(Protocol):
    """One Lambda execution environment: Init once, then one request at a time."""

    # Whether the environment swaps the test process's own state (os.environ, sys.modules,
    # sys.stdout, ...) in for each call: such environments cannot serve requests side by
    # side, so callers run them one after another.
    shares_process: ClassVar[bool]

    def __init__(self, config: FunctionConfig, session: Session) -> None:
        """Start the environment (not yet initialised) with the session's variables."""

    @property
    def overlay(self) -> Mapping[str, str]:
        """The session's variables it started with (Session.overlay_variables)."""
        ...

    @property
    def alive(self) -> bool:
        """Whether it can still serve requests (False once closed)."""
        ...

    @property
    def needs_init(self) -> bool:
        """Whether its runtime must run Init before the next request: a new environment,
        or one whose runtime was lost (a timeout, an exit, a failed Init) and starts again
        in the same environment (its /tmp kept)."""
        ...

    def init(
        self, request_id: str, timeout_s: float, patches: tuple[Patch, ...] = ()
    ) -> InitOutcome:
        """Start the runtime and run Init, on the arrival of the request `request_id`,
        within `timeout_s` (`InitOutcome.timed_out` when it ran out), with the function's
        `patches` (as they are now) in place as its modules load."""
        ...

    def invoke(self, request: InvokeRequest) -> InvokeOutcome: ...

    def max_memory_used_mb(self) -> int: ...

    def close(self) -> None: ...


def environment_class(isolation: Isolation) -> type[ExecutionEnvironment]:
    """The runner for `isolation`: worker processes where the platform allows them.

    Elsewhere (not Linux) process isolation falls back to inline environments, which
    say so when they start.
    """
    if isolation == "inline":
        from .inline import InlineEnvironment

        return InlineEnvironment
    from . import process

    if process.supported():
        from .process.environment import ProcessEnvironment

        return ProcessEnvironment
    from .inline import FallbackInlineEnvironment

    return FallbackInlineEnvironment


E = TypeVar("E", bound=ExecutionEnvironment)


class Slot(Generic[E]):
    """A request's claim on the function's concurrency, and the environment serving it
    (None until a cold start creates one; set back to None when it is lost)."""

    __slots__ = ("environment", "generation")

    def __init__(self, environment: E | None, generation: int) -> None:
        self.environment = environment
        self.generation = generation


class EnvironmentPool(Generic[E]):
    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._idle: list[E] = []
        self._busy = 0
        self._generation = 0
        self._lock = threading.Lock()

    def acquire(self) -> Slot[E] | None:
        """A slot with the most recently used warm environment, or None when throttled."""
        with self._lock:
            if self._limit is not None and self._busy >= self._limit:
                return None
            self._busy += 1
            while self._idle:
                environment = self._idle.pop()
                if environment.alive:
                    return Slot(environment, self._generation)
            return Slot(None, self._generation)

    def release(self, slot: Slot[E]) -> None:
        environment = slot.environment
        with self._lock:
            self._busy -= 1
            keep = environment is not None and slot.generation == self._generation
            if keep and environment is not None:
                self._idle.append(environment)
        if environment is not None and not keep:
            # The function was closed while this request ran.
            environment.close()

    def reset(self, limit: int | None) -> None:
        """A new configuration: every environment is discarded (the next invoke is a cold
        start), and `limit` is the reserved concurrency from now on."""
        self.close()
        with self._lock:
            self._limit = limit

    def discard_idle(self, stale: Callable[[E], bool]) -> None:
        """Close the warm environments `stale` says no longer fit (the next request that
        would have used one is a cold start)."""
        with self._lock:
            dropped = [e for e in self._idle if stale(e)]
            self._idle = [e for e in self._idle if e not in dropped]
        for environment in dropped:
            environment.close()

    def close(self) -> None:
        """Close the warm environments; busy ones are closed when their request ends."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.close()

    @property
    def warm(self) -> int:
        with self._lock:
            return len(self._idle)
