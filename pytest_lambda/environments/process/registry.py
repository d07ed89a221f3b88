"""What a session owns for process isolation: the preload and containment settings, the
fork server (and those retired by a change of settings), the session's cgroups, and every
live environment, so that none outlives the session."""

from __future__ import annotations

import os
import re
import threading
import warnings
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

from ...errors import HarnessError
from ...session import Resource, Session, Stage, current
from ..shared import session_directory
from .containment import CHOICES, Group, Plan, expected_mechanism
from .server import ForkServer

PRELOAD_VARIABLE = "PYTEST_LAMBDA_PRELOAD"
CONTAINMENT_VARIABLE = "PYTEST_LAMBDA_CONTAINMENT"
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# configure()'s "leave this setting as it is".
_UNCHANGED: Any = object()


class _Closable(Protocol):
    def close(self) -> None: ...


def _parse_preload(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    parsed = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    for name in parsed:
        if not _MODULE_NAME.fullmatch(name):
            raise HarnessError(
                f"preload names modules to import once in the fork server, like 'boto3' or "
                f"'botocore.session'; {name!r} is not a module name"
            )
    return parsed


def _parse_containment(choice: object, source: str) -> str:
    if choice not in CHOICES:
        raise HarnessError(
            f"{source}={choice!r} is not a containment mechanism; choose one of "
            f"{', '.join(CHOICES)} (auto: cgroups where this machine lets the test process "
            "make them, else the process tree)"
        )
    return str(choice)


class Sandbox:
    """The fork server(s), the containment plan and live environments of one session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lock = threading.RLock()
        self._server: ForkServer | None = None
        self._retired: list[ForkServer] = []
        self._configured_preload: tuple[str, ...] | None = None
        self._configured_containment: str | None = None
        self._plan: Plan | None = None
        self._environments: weakref.WeakSet[_Closable] = weakref.WeakSet()

    def configure(self, preload: Any = _UNCHANGED, containment: Any = _UNCHANGED) -> None:
        with self._lock:
            if preload is not _UNCHANGED:
                self._configured_preload = None if preload is None else _parse_preload(preload)
            if containment is not _UNCHANGED:
                self._configured_containment = (
                    None if containment is None else _parse_containment(containment, "containment")
                )

    def preload_modules(self) -> tuple[str, ...]:
        if self._configured_preload is not None:
            return self._configured_preload
        return _parse_preload(os.environ.get(PRELOAD_VARIABLE, ""))

    def containment_choice(self) -> str:
        if self._configured_containment is not None:
            return self._configured_containment
        return _parse_containment(
            os.environ.get(CONTAINMENT_VARIABLE, "auto") or "auto", CONTAINMENT_VARIABLE
        )

    def plan(self) -> Plan:
        """How environments are contained (cgroups looked for once per session)."""
        with self._lock:
            if self._plan is None:
                self._plan = Plan.detect()
            return self._plan

    def new_group(self) -> Group:
        """A new environment's group of processes, by the containment chosen now."""
        with self._lock:
            return self.plan().group(self.containment_choice())

    def describe_containment(self) -> str:
        return self.plan().describe(self.containment_choice())

    def expected_containment(self) -> str:
        """The mechanism environments will get, without making cgroups to find out."""
        with self._lock:
            if self._plan is not None:
                return self._plan.mechanism(self.containment_choice())
        return expected_mechanism(self.containment_choice())

    def fork_server(self, worker_hooks: tuple[str, ...]) -> ForkServer:
        """The running fork server (started on first use, or again when settings change).

        The modules of the worker hooks are imported by the fork server too, so that a
        worker's hooks cost nothing at its cold start.
        """
        with self._lock:
            preload = self.preload_modules()
            hook_modules = tuple(dict.fromkeys(hook.partition(":")[0] for hook in worker_hooks))
            server = self._server
            if server is not None and server.owner_pid != os.getpid():
                # Inherited through fork(): that server belongs to the parent process.
                server = self._server = None
            if server is not None and (
                not server.alive or (server.preload, server.hook_modules) != (preload, hook_modules)
            ):
                self._retired.append(server)
                server = self._server = None
            if server is None:
                server = self._server = ForkServer(
                    preload,
                    hook_modules,
                    session_dir=session_directory(self._session),
                    cgroups=self.plan().session_dirs,
                )
                if server.preload_errors:
                    warnings.warn(
                        "pytest-lambda could not preload: " + "; ".join(server.preload_errors),
                        RuntimeWarning,
                        stacklevel=2,
                    )
            return server

    def track(self, environment: _Closable) -> None:
        with self._lock:
            self._environments.add(environment)

    def untrack(self, environment: _Closable) -> None:
        with self._lock:
            self._environments.discard(environment)

    def live_environments(self) -> int:
        with self._lock:
            return len(self._environments)

    def shutdown(self) -> None:
        """Close every environment and stop the fork server(s); safe to call again.

        If the test process dies without it (SIGKILL), the fork server sees its control
        socket close and kills the environments itself.
        """
        with self._lock:
            environments = list(self._environments)
            servers = [*self._retired, *([self._server] if self._server is not None else [])]
            self._retired.clear()
            self._server = None
            plan, self._plan = self._plan, None
        for environment in environments:
            environment.close()
        for server in servers:
            server.stop()
        if plan is not None:
            plan.close()


SANDBOX = Resource("fork server and its environments", Stage.ENVIRONMENTS, Sandbox.shutdown)


def sandbox(session: Session | None = None) -> Sandbox:
    """The process isolation state of `session` (the current one by default)."""
    session = session or current()
    return session.get(SANDBOX, lambda: Sandbox(session.root))


def configure(
    *,
    preload: Iterable[str] | str | None = _UNCHANGED,
    containment: str | None = _UNCHANGED,
    session: Session | None = None,
) -> None:
    """Settings of process isolation for the session (the current one by default); a
    setting not given stays as it is.

    `preload`: modules the fork server imports once, before forking environments, so that
    handlers find them already imported (faster cold starts; their import cost then no
    longer shows in Init Duration, unlike in Lambda). None reads the PYTEST_LAMBDA_PRELOAD
    variable (names separated by spaces or commas). Environments started before the change
    keep running on the previous fork server.

    `containment`: how an environment's processes are kept together (see
    docs/process-isolation.md): "auto" (cgroups where this machine lets the test process
    make them, else the process tree), "cgroup" (the same: it falls back where there are
    none) or "process-tree". None reads the PYTEST_LAMBDA_CONTAINMENT variable (default
    auto). Environments started afterwards use it.
    """
    sandbox(session).configure(preload, containment)


def containment_mechanism() -> str:
    """How the current session contains the environments it starts now: "cgroup-v2",
    "cgroup-v1" or "process-tree" (with the memory cgroup's part, where there is one)."""
    return sandbox().describe_containment()


def cgroups_available() -> bool:
    """Whether this machine lets the test process make the cgroups environments need."""
    return sandbox().plan().cgroups_available


def live_environments() -> int:
    """How many process environments of the current session are alive."""
    return sandbox().live_environments()


def shutdown_all() -> None:
    """Close every environment of the current session and stop its fork server(s).

    The session does it when it ends (the plugin's at the end of the test run, the
    default one at interpreter exit); functions start afresh if invoked again.
    """
    sandbox().shutdown()
