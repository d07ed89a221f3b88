"""The execution environments of one function: warm ones waiting, busy ones counted.

Lambda scales a function out by environments, each serving one request at a time,
reusing a warm one when there is one and refusing (429) a request that would take the
function past its reserved concurrency.
"""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar


class _Environment(Protocol):
    def close(self) -> None: ...


E = TypeVar("E", bound=_Environment)


class Slot(Generic[E]):
    """A request's claim on the function's concurrency, and the environment serving it
    (None until a cold start creates one; set back to None when it is lost)."""

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
                if getattr(environment, "alive", True):
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
