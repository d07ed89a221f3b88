"""Changes in the mocked AWS -> the event Lambda would receive, delivered synchronously.

Writes are seen where they happen, inside moto's backends, so a write from the test's
in-process clients and one from a handler through the moto server (inline or in a worker
process) are caught alike: each service module wraps the point in moto where its changes
show (see services/) and queues a record, built by the events package, for each trigger
that matches. SQS is polled, as Lambda's event source mapping polls it. The queue is
delivered on the test's thread right after each AWS call the test makes and after each
invoke, so by the time `put_object` returns to the test the triggered function has run.

This module is what all services share: the Trigger base class, the hub of one `aws`
fixture (its triggers and the records waiting), and the session's routing of moto's
changes to the active hub.
"""

from __future__ import annotations

import collections
import os
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from ..errors import HarnessError
from ..function import LambdaFunction
from ..invocation import Invocation
from ..session import Resource, Session, Stage, current

# Lambda stops a recursive loop between functions and queues/topics/buckets after about
# 16 invocations; past this many deliveries in one drain the harness stops the test.
MAX_DELIVERIES_PER_CHANGE = 64

Record = dict[str, Any]


@dataclass
class Trigger:
    """A function subscribed to a source; `.invocations` and `.events` grow as it fires."""

    function: LambdaFunction
    source_arn: str
    invocations: list[Invocation] = field(default_factory=list, init=False)
    events: list[dict[str, Any]] = field(default_factory=list, init=False)

    # The event kind of what it delivers (events.validate_event checks them against it).
    kind: ClassVar[str] = ""

    @property
    def records_per_event(self) -> int:
        """How many queued records one event carries at most."""
        return 1

    def event_of(self, records: list[Record]) -> dict[str, Any]:
        """The event one invoke receives for these records."""
        return {"Records": records}

    def kind_of(self, event: dict[str, Any]) -> str | None:
        """The event kind of an event it delivered (None: a payload of the user's own)."""
        return self.kind

    def poll(self) -> int:
        """Fetch and deliver what the source holds (sources Lambda polls); invokes made."""
        return 0

    def deliver(self, event: dict[str, Any]) -> Invocation:
        self.events.append(event)
        invocation = self.function.invoke(event)
        self.invocations.append(invocation)
        return invocation

    @property
    def last(self) -> Invocation:
        """The latest invocation (AssertionError if the trigger never fired)."""
        __tracebackhide__ = True
        if not self.invocations:
            raise AssertionError(f"{self.function.name} was never triggered by {self.source_arn}")
        return self.invocations[-1]


_T = TypeVar("_T", bound=Trigger)


class TriggerHub:
    """The triggers of one `aws` fixture and the records waiting for delivery."""

    def __init__(self) -> None:
        self.triggers: list[Trigger] = []
        self._pending: collections.deque[tuple[Trigger, Record]] = collections.deque()
        self._draining = False

    def add(self, trigger: Trigger) -> None:
        self.triggers.append(trigger)

    def of(self, kind: type[_T]) -> list[_T]:
        return [t for t in self.triggers if isinstance(t, kind)]

    def queue(self, trigger: Trigger, record: Record) -> None:
        """Called from moto, on whatever thread serves the request."""
        self._pending.append((trigger, record))

    def drain(self) -> None:
        """Deliver what is queued, and what polled sources hold, on the calling thread."""
        if self._draining:
            return
        self._draining = True
        try:
            delivered = 0
            while True:
                batch = self._next_batch()
                if batch is None:
                    delivered += sum(trigger.poll() for trigger in self.triggers)
                    if not self._pending:
                        break
                    continue
                trigger, records = batch
                trigger.deliver(trigger.event_of(records))
                delivered += 1
                if delivered > MAX_DELIVERIES_PER_CHANGE:
                    raise HarnessError(
                        f"more than {MAX_DELIVERIES_PER_CHANGE} trigger deliveries followed one "
                        f"change (last: {trigger.function.name} from {trigger.source_arn}); a "
                        "function is probably re-triggering itself. Lambda stops such loops too"
                    )
        finally:
            self._draining = False

    def _next_batch(self) -> tuple[Trigger, list[Record]] | None:
        if not self._pending:
            return None
        trigger, record = self._pending.popleft()
        records = [record]
        limit = trigger.records_per_event
        while len(records) < limit and self._pending and self._pending[0][0] is trigger:
            records.append(self._pending.popleft()[1])
        return trigger, records


class Routing:
    """Where moto's changes go: the hub of the active `aws` fixture, if any."""

    def __init__(self) -> None:
        self.hub: TriggerHub | None = None
        self._listening: Session | None = None

    def activate(self, hub: TriggerHub, session: Session) -> None:
        """Route changes to `hub`, and deliver after every invoke made in `session`."""
        self.deactivate()
        self.hub = hub
        session.add_listener(self._after_invoke)
        self._listening = session

    def deactivate(self) -> None:
        self.hub = None
        if self._listening is not None:
            self._listening.remove_listener(self._after_invoke)
            self._listening = None

    def _after_invoke(self, invocation: Invocation) -> None:
        hub = self.hub
        if hub is not None and threading.current_thread() is threading.main_thread():
            hub.drain()


ROUTING = Resource("trigger routing", Stage.TRIGGERS, Routing.deactivate)


def routing(session: Session | None = None) -> Routing:
    return (session or current()).get(ROUTING, Routing)


def active_hub() -> TriggerHub | None:
    """The hub moto's changes go to now (None: no `aws` fixture is active)."""
    found = current().find(ROUTING)
    return found.hub if found is not None else None


def after_call(**kwargs: Any) -> None:
    """botocore `after-call` handler: deliver what the test's AWS call set off."""
    hub = active_hub()
    if (
        hub is not None
        and threading.current_thread() is threading.main_thread()
        # Inside an inline handler: deliver after its invoke, as Lambda does asynchronously.
        and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    ):
        hub.drain()

