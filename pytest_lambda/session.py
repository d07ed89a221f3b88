"""The run's process-wide state and its one owner, the Session.

Some things exist once per process while functions run: the fork server and its live
environments, the credential guard, moto's mock and its server, the outbound HTTP
forwarder, the listeners told of every invocation, the overlays of variables every new
environment gets, and the hooks every worker runs before Init. A Session owns them. A
resource is created on first use and registered with the stage at which it closes; the
session closes its resources stage by stage, in the order of `Stage`, when it ends.

The layers above register what they need here (the environments layer its fork server,
the AWS layer its guard, moto and worker-start hook) instead of keeping module globals,
so this module imports none of them.

The current session is the innermost open one. The pytest plugin opens one per test run
and keeps it in `config.stash`; a run started inside a test (pytester) opens a session
nested in it, which shares its parent's resources, hears only its own invocations and
closes only its own listeners and overlays. Outside pytest the first use opens a default
session, closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import enum
import os
import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .errors import HarnessError

if TYPE_CHECKING:
    from .config import FunctionConfig
    from .invocation import Invocation

T = TypeVar("T")
InvocationListener = Callable[["Invocation"], None]
VariablesOverlay = Callable[["FunctionConfig"], Mapping[str, str]]
Extension = Callable[["Session"], None]
# Called when the guard, released, is held again (see Session.hold_guard).
GuardHeld = Callable[[], None]

_WORKER_HOOK = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


class Stage(enum.IntEnum):
    """When a session closes a resource, first to last."""

    # Execution environments and their fork server: workers save coverage data as they
    # exit, and may still be talking to the servers closed later.
    ENVIRONMENTS = 1
    # Routing of AWS changes to functions: nothing is delivered once teardown starts.
    TRIGGERS = 2
    # In-process mocks (moto's), which the servers below answer from.
    MOCKS = 3
    # Loopback servers handlers talk to (moto's server, the outbound HTTP forwarder).
    SERVERS = 4
    # The host's credentials and library hooks, given back.
    GUARD = 5
    # The session's directory of temporary files (the environments' /tmp), removed last.
    FILES = 6


@dataclass(frozen=True, eq=False)
class Resource(Generic[T]):
    """A kind of process-wide resource: its name, the stage it closes at, how to close it."""

    name: str
    stage: Stage
    close: Callable[[T], None]

    def __repr__(self) -> str:
        return f"Resource({self.name!r}, {self.stage.name})"


class Session:
    """Owns the run's process-wide state (see the module's docstring)."""

    def __init__(self, parent: Session | None = None) -> None:
        self.parent = parent
        self.root: Session = self if parent is None else parent.root
        self.owner_pid = os.getpid()
        self._lock: threading.RLock = threading.RLock() if parent is None else parent.root._lock
        # Held by the root only; insertion order is creation order.
        self._resources: dict[Resource[Any], Any] = {}
        # Tuples, replaced whole on change: an invoke iterates them without a lock while
        # another thread may add or remove one.
        self._listeners: tuple[InvocationListener, ...] = ()
        self._overlays: tuple[VariablesOverlay, ...] = ()
        self._worker_hooks: tuple[str, ...] = ()
        # Counted on the root: the guard is one for the whole process (see hold_guard).
        # A lock of its own: an inline invoke takes it twice, and a plain lock is cheaper.
        self._guard_lock: threading.Lock = (
            threading.Lock() if parent is None else parent.root._guard_lock
        )
        self._guard_holds = 0
        self._on_guard_held: tuple[GuardHeld, ...] = ()
        # What os.environ held when the test being run started (set by the plugin around
        # a test that uses it): what the test itself sets after that, no function sees.
        self.test_variables: Mapping[str, str] | None = None
        # How many tests have started (counted by the plugin): a function kept across
        # tests checks its warm environments against each new test's variables.
        self.tests_started = 0

    def __repr__(self) -> str:
        kind = "root" if self.parent is None else "nested"
        names = ", ".join(resource.name for resource in self.root._resources)
        return f"<Session {kind}, resources: {names or 'none'}>"

    # -- invocation listeners ----------------------------------------------------------

    @property
    def listeners(self) -> tuple[InvocationListener, ...]:
        """Told of every invocation made while this session is current."""
        return self._listeners

    def add_listener(self, listener: InvocationListener) -> None:
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: InvocationListener) -> None:
        with self._lock:
            self._listeners = tuple(known for known in self._listeners if known != listener)

    # -- variables every new environment gets ------------------------------------------

    def add_overlay(self, overlay: VariablesOverlay) -> None:
        """Add variables to every environment started from now on, until removed."""
        with self._lock:
            self._overlays = (*self._overlays, overlay)

    def remove_overlay(self, overlay: VariablesOverlay) -> None:
        with self._lock:
            self._overlays = tuple(known for known in self._overlays if known != overlay)

    def overlay_variables(self, config: FunctionConfig) -> dict[str, str]:
        """What the overlays of this session and those it is nested in add for `config`."""
        variables: dict[str, str] = {}
        for session in self._lineage():
            for overlay in session._overlays:
                variables.update(overlay(config))
        return variables

    # -- what every worker runs before Init ---------------------------------------------

    def add_worker_hook(self, hook: str) -> None:
        """`module:function`, imported and called in every worker process before Init.

        A name, not a callable: workers are forked from a fork server that is a separate
        interpreter, so the hook travels with the worker's spec and is imported there.
        """
        if not isinstance(hook, str) or not _WORKER_HOOK.fullmatch(hook):
            raise HarnessError(f"a worker hook is named 'package.module:function', got {hook!r}")
        with self._lock:
            if hook not in self._worker_hooks:
                self._worker_hooks = (*self._worker_hooks, hook)

    def remove_worker_hook(self, hook: str) -> None:
        """Workers started from now on no longer run `hook`."""
        with self._lock:
            self._worker_hooks = tuple(h for h in self._worker_hooks if h != hook)

    @property
    def worker_hooks(self) -> tuple[str, ...]:
        hooks: dict[str, None] = {}
        for session in self._lineage():
            hooks.update(dict.fromkeys(session._worker_hooks))
        return tuple(hooks)

    # -- the guard: real AWS refused while anyone holds it -------------------------------

    def hold_guard(self) -> None:
        """Refuse requests to real AWS in this process until `release_guard()`.

        Held by a test that uses the plugin, by an active `aws` account, by an inline
        environment while it runs and by a worker process for its whole life. The holds
        are counted on the root; when the guard goes from released to held, the callbacks
        registered with `on_guard_held` run (the AWS layer's puts its refusal in place;
        what it does while the guard is released is its own business).
        """
        root = self.root
        with root._guard_lock:
            root._guard_holds += 1
            if root._guard_holds == 1:
                for callback in root._on_guard_held:
                    callback()

    def release_guard(self) -> None:
        root = self.root
        with root._guard_lock:
            if root._guard_holds == 0:
                raise HarnessError("release_guard() without a matching hold_guard()")
            root._guard_holds -= 1

    @property
    def guard_held(self) -> bool:
        return self.root._guard_holds > 0

    def on_guard_held(self, callback: GuardHeld) -> None:
        """Call `callback()` whenever the guard goes from released to held (now, if held)."""
        root = self.root
        with root._guard_lock:
            if callback in root._on_guard_held:
                return
            root._on_guard_held = (*root._on_guard_held, callback)
            if root._guard_holds:
                callback()

    # -- resources -----------------------------------------------------------------------

    def get(self, resource: Resource[T], start: Callable[[], T]) -> T:
        """The session's `resource`, started with `start()` on first use."""
        owned = self.root._resources
        try:
            return cast(T, owned[resource])
        except KeyError:
            pass
        with self._lock:
            if resource not in owned:
                owned[resource] = start()
            return cast(T, owned[resource])

    def find(self, resource: Resource[T]) -> T | None:
        """The session's `resource` if it was started, else None."""
        return cast("T | None", self.root._resources.get(resource))

    def close_resources(self, stages: Collection[Stage] | None = None) -> None:
        """Close the resources of the given stages (all by default), stage by stage.

        A nested session owns no resources (its root does), so this does nothing there:
        a run inside a test never shuts down what the outer run is using. Within a stage,
        the resource started last is closed first. A resource that fails to close does
        not keep the others open; its error is raised once all are closed.
        """
        if self.parent is not None:
            return
        with self._lock:
            closing = [
                (resource, value)
                for resource, value in reversed(self._resources.items())
                if stages is None or resource.stage in stages
            ]
            closing.sort(key=lambda item: item[0].stage)
            for resource, _ in closing:
                del self._resources[resource]
        failure: BaseException | None = None
        for resource, value in closing:
            try:
                resource.close(value)
            except BaseException as e:  # noqa: BLE001 - raised below, after the others
                failure = failure or e
        if failure is not None:
            raise failure

    def close(self) -> None:
        """End the session: its resources (a root's), then its listeners and overlays."""
        with _open_lock:
            while self in _open and _open[-1] is not self:
                _open[-1].close()
        try:
            self.close_resources()
        finally:
            with self._lock:
                self._listeners = ()
                self._overlays = ()
                self._worker_hooks = ()
                self.test_variables = None
                if self.parent is None:
                    # The resources closed above include what the callbacks put in place.
                    self._on_guard_held = ()
                    self._guard_holds = 0
            with _open_lock:
                if self in _open:
                    _open.remove(self)

    def _lineage(self) -> Iterator[Session]:
        """The root first, then each nested session down to this one."""
        chain = []
        session: Session | None = self
        while session is not None:
            chain.append(session)
            session = session.parent
        return reversed(chain)


# Open sessions, outermost first.
_open: list[Session] = []
_open_lock = threading.RLock()
# Called with every root session as it opens: how the layers above attach to it without
# this module importing them (the package's __init__ registers the AWS layer's here).
_extensions: list[Extension] = []


def on_open(extension: Extension) -> None:
    """Call `extension(session)` for every root session opened from now on."""
    with _open_lock:
        if extension not in _extensions:
            _extensions.append(extension)


def current() -> Session:
    """The innermost open session; the default one is opened on first use."""
    try:
        return _open[-1]
    except IndexError:
        return open_session()


def active() -> Session | None:
    """The innermost open session of this process, or None: never opens one.

    For code that runs whether or not the harness is in use (the guard's hooks in
    botocore and the socket module) and must not start a session by asking.
    """
    try:
        session = _open[-1]
    except IndexError:
        return None
    return session if session.root.owner_pid == os.getpid() else None


def open_session() -> Session:
    """Open a session, nested in the current one if there is one, and make it current."""
    with _open_lock:
        parent = _open[-1] if _open else None
        if parent is not None and parent.root.owner_pid != os.getpid():
            # Inherited through fork(): those sessions belong to the parent process.
            _open.clear()
            parent = None
        session = Session(parent)
        _open.append(session)
        extensions = list(_extensions) if parent is None else []
    for extend in extensions:
        extend(session)
    return session


def _close_all() -> None:
    """At interpreter exit: whatever sessions are still open, innermost first."""
    while _open:
        session = _open[-1]
        if session.root.owner_pid != os.getpid():
            return
        session.close()


atexit.register(_close_all)
