"""The process-wide state of the sandbox: the fork server, the preload list, and every
live environment, so that none outlives the test session."""

from __future__ import annotations

import atexit
import os
import re
import threading
import warnings
import weakref
from collections.abc import Iterable
from typing import Protocol

from ..errors import HarnessError
from .server import ForkServer

PRELOAD_VARIABLE = "PYTEST_LAMBDA_PRELOAD"
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class _Closable(Protocol):
    def close(self) -> None: ...


_lock = threading.RLock()
_server: ForkServer | None = None
_retired: list[ForkServer] = []
_configured_preload: tuple[str, ...] | None = None
_environments: weakref.WeakSet[_Closable] = weakref.WeakSet()
_atexit_registered = False


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


def configure(*, preload: Iterable[str] | str | None = None) -> None:
    """Settings of the sandbox for this process.

    `preload`: modules the fork server imports once, before forking environments, so that
    handlers find them already imported (faster cold starts; their import cost then no
    longer shows in Init Duration, unlike in Lambda). None reads the PYTEST_LAMBDA_PRELOAD
    variable (names separated by spaces or commas). Environments started before the change
    keep running on the previous fork server.
    """
    global _configured_preload
    with _lock:
        _configured_preload = None if preload is None else _parse_preload(preload)


def preload_modules() -> tuple[str, ...]:
    if _configured_preload is not None:
        return _configured_preload
    return _parse_preload(os.environ.get(PRELOAD_VARIABLE, ""))


def fork_server() -> ForkServer:
    """The running fork server of this process (started on first use)."""
    global _server, _atexit_registered
    with _lock:
        preload = preload_modules()
        server = _server
        if server is not None and server.owner_pid != os.getpid():
            # Inherited through fork(): that server belongs to the parent process.
            server = _server = None
        if server is not None and (not server.alive or server.preload != preload):
            _retired.append(server)
            server = _server = None
        if server is None:
            server = _server = ForkServer(preload)
            if server.preload_errors:
                warnings.warn(
                    "pytest-lambda could not preload: " + "; ".join(server.preload_errors),
                    RuntimeWarning,
                    stacklevel=2,
                )
            if not _atexit_registered:
                atexit.register(shutdown_all)
                _atexit_registered = True
        return server


def track(environment: _Closable) -> None:
    with _lock:
        _environments.add(environment)


def untrack(environment: _Closable) -> None:
    with _lock:
        _environments.discard(environment)


def live_environments() -> int:
    with _lock:
        return len(_environments)


def shutdown_all() -> None:
    """Close every environment and stop the fork server(s). Safe to call more than once.

    The pytest plugin calls it when the session ends; an atexit hook calls it too. If the
    process dies without it (SIGKILL), the fork server sees its control socket close and
    kills the environments itself.
    """
    global _server
    with _lock:
        environments = list(_environments)
        servers = [*_retired, *([_server] if _server is not None else [])]
        _retired.clear()
        _server = None
    for environment in environments:
        environment.close()
    for server in servers:
        server.stop()
