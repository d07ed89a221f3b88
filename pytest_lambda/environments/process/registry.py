"""What a session owns for process isolation: the preload setting, the fork server (and
those retired by a change of settings), and every live environment, so that none outlives
the session."""

from __future__ import annotations

import os
import re
import threading
import warnings
import weakref
from collections.abc import Iterable
from typing import Protocol

from ...errors import HarnessError
from ...session import Resource, Session, Stage, current
from .server import ForkServer

PRELOAD_VARIABLE = "PYTEST_LAMBDA_PRELOAD"
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


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


class Sandbox:
    """The fork server(s) and live environments of one session."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: ForkServer | None = None
        self._retired: list[ForkServer] = []
        self._configured_preload: tuple[str, ...] | None = None
        self._environments: weakref.WeakSet[_Closable] = weakref.WeakSet()

    def configure(self, preload: Iterable[str] | str | None) -> None:
        with self._lock:
            self._configured_preload = None if preload is None else _parse_preload(preload)

    def preload_modules(self) -> tuple[str, ...]:
        if self._configured_preload is not None:
            return self._configured_preload
        return _parse_preload(os.environ.get(PRELOAD_VARIABLE, ""))

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
                server = self._server = ForkServer(preload, hook_modules)
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
        for environment in environments:
            environment.close()
        for server in servers:
            server.stop()


SANDBOX = Resource("fork server and its environments", Stage.ENVIRONMENTS, Sandbox.shutdown)


def sandbox(session: Session | None = None) -> Sandbox:
    """The process isolation state of `session` (the current one by default)."""
    return (session or current()).get(SANDBOX, Sandbox)


def configure(
    *, preload: Iterable[str] | str | None = None, session: Session | None = None
) -> None:
    """Settings of process isolation for the session (the current one by default).

    `preload`: modules the fork server imports once, before forking environments, so that
    handlers find them already imported (faster cold starts; their import cost then no
    longer shows in Init Duration, unlike in Lambda). None reads the PYTEST_LAMBDA_PRELOAD
    variable (names separated by spaces or commas). Environments started before the change
    keep running on the previous fork server.
    """
    sandbox(session).configure(preload)


def live_environments() -> int:
    """How many process environments of the current session are alive."""
    return sandbox().live_environments()


def shutdown_all() -> None:
    """Close every environment of the current session and stop its fork server(s).

    The session does it when it ends (the plugin's at the end of the test run, the
    default one at interpreter exit); functions start afresh if invoked again.
    """
    sandbox().shutdown()
