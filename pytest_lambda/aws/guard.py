"""Credential safety: no test and no handler reaches real AWS while pytest-lambda is active.

In the test process the guard is a resource of the session (`install_guard()`): real
credentials hidden, botocore's requests to non-loopback endpoints refused, and the
variables every environment gets. In a worker process, `install_in_worker()` (the worker
hook the AWS layer registers on every session) does the same before the handler's Init.

Importing this module is cheap on purpose (no botocore): a worker imports it before
Init, and the Init Duration it reports must reflect the handler's own imports. The
botocore hook (and in a worker the `requests` forwarder of `outbound`) is added when that
library loads.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import ipaddress
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ..config import FunctionConfig
from ..errors import HarnessError
from ..session import Resource, Session, Stage, current
from ..variables import FAKE_CREDENTIALS
from . import outbound

# Variables through which botocore finds real credentials, profiles or a credential
# endpoint; all are hidden while the guard is installed.
_CREDENTIAL_SOURCES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
)


def _no_config_file() -> str:
    """A path that does not exist: botocore treats a missing config file as empty."""
    return os.path.join(tempfile.gettempdir(), "pytest-lambda-no-aws-config", "absent")


def safe_variables() -> dict[str, str]:
    """What the test process and every handler get instead of the host's AWS setup."""
    return {
        "AWS_CONFIG_FILE": _no_config_file(),
        "AWS_SHARED_CREDENTIALS_FILE": _no_config_file(),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


class RealAWSCallBlocked(HarnessError):
    """A test or a handler tried to send a request to a real AWS endpoint."""


_TEST_ADVICE = (
    "Tests never reach real AWS: use the `aws` fixture (moto-backed; create what the test "
    "needs with aws.bucket(...), aws.table(...), aws.queue(...)) or wrap the test in moto's "
    "mock_aws()"
)
_COMMAND_LINE_ADVICE = (
    "`pytest-lambda invoke` sends the function's AWS calls to moto (--aws moto, the "
    "default), through AWS_ENDPOINT_URL: this one bypassed it; pass --aws real to call real "
    "AWS with your credentials"
)
# What a refusal tells the user to do: tests and the command line differ.
_advice = [_TEST_ADVICE]
# The worker hook the command line adds, so that refusals in workers speak to its user.
COMMAND_LINE_HOOK = "pytest_lambda.aws.guard:use_command_line_advice"


def use_command_line_advice() -> None:
    """Refusals from now on address a user of `pytest-lambda invoke` (a worker hook)."""
    _advice[0] = _COMMAND_LINE_ADVICE


@contextlib.contextmanager
def command_line_advice() -> Iterator[None]:
    """While it lasts, refusals here and in workers started meanwhile address a user of
    `pytest-lambda invoke`, not a test."""
    session = current()
    saved = _advice[0]
    _advice[0] = _COMMAND_LINE_ADVICE
    session.add_worker_hook(COMMAND_LINE_HOOK)
    try:
        yield
    finally:
        session.remove_worker_hook(COMMAND_LINE_HOOK)
        _advice[0] = saved


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def block_real_aws(request: Any, event_name: str = "", **kwargs: Any) -> None:
    """botocore `before-send` handler: refuse any request to a non-loopback endpoint.

    botocore calls every before-send handler and sends the first response one returns, so
    when moto's in-process mock serves this URL for the `aws` fixture or a user's own
    `mock_aws()`, the guard steps aside and moto answers; otherwise raising here stops the
    call even if moto's handler already answered it.
    """
    url = str(getattr(request, "url", ""))
    if is_loopback_url(url):
        return
    if _moto_serves(request) and _moto_may_answer():
        return
    parts = event_name.split(".")
    service = parts[1] if len(parts) > 1 else "unknown service"
    operation = parts[2] if len(parts) > 2 else "unknown operation"
    raise RealAWSCallBlocked(
        f"pytest-lambda blocked a request to real AWS: {service} {operation} "
        f"({urlsplit(url).netloc or url}). {_advice[0]}"
    )


def _moto_may_answer() -> bool:
    """Whether a mock moto runs may answer: an `aws` fixture's, or a user's own mock_aws().

    The harness keeps its own mock started for the session once an `aws` fixture has run
    (starting it costs ~14 ms per test): that one answers only while a fixture is active.
    """
    guard = current().find(GUARD)
    if guard is not None and guard.fixture_active:
        return True
    moto_models: Any = sys.modules.get("moto.core.models")
    started = int(moto_models.MockAWS._nested_count) if moto_models is not None else 0
    return started > (guard.harness_mocks if guard is not None else 0)


def _moto_serves(request: Any) -> bool:
    """Whether moto's in-process mock is on and answers this URL (as its stubber decides)."""
    moto_models = sys.modules.get("moto.core.models")
    stubber = getattr(moto_models, "botocore_stubber", None)
    if stubber is None or not getattr(stubber, "enabled", False):
        return False
    from moto import backend_index
    from moto.core.utils import get_equivalent_url_in_aws_domain

    parsed, _ = get_equivalent_url_in_aws_domain(str(request.url))
    url = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
    return any(pattern.match(url) for _, pattern in backend_index.backend_url_patterns)


def _add_to_botocore(handlers_module: ModuleType) -> None:
    builtin: list[Any] = handlers_module.BUILTIN_HANDLERS
    if not any(entry[1] is block_real_aws for entry in builtin):
        builtin.append(("before-send", block_real_aws))


def _remove_from_botocore() -> None:
    handlers_module = sys.modules.get("botocore.handlers")
    if handlers_module is not None:
        handlers_module.BUILTIN_HANDLERS[:] = [
            entry for entry in handlers_module.BUILTIN_HANDLERS if entry[1] is not block_real_aws
        ]


Patch = Callable[[ModuleType], None]


class _PatchingLoader(importlib.abc.Loader):
    """Runs a module as its own loader would, then patches it."""

    def __init__(self, loader: importlib.abc.Loader, patch: Patch) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._patch(module)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches modules when (and only if) they load: botocore's handlers get the guard,
    a worker's `requests` adapter its forwarder."""

    def __init__(self) -> None:
        self.patches: dict[str, Patch] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        patch = self.patches.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
        return None


def _patch_on_import(name: str, patch: Patch) -> None:
    """Patch module `name` now if it is loaded, else when it loads."""
    module = sys.modules.get(name)
    if module is not None:
        patch(module)
        return
    hook = next((f for f in sys.meta_path if isinstance(f, _PatchOnImport)), None)
    if hook is None:
        hook = _PatchOnImport()
        sys.meta_path.insert(0, hook)
    hook.patches[name] = patch


def _guard_botocore() -> None:
    _patch_on_import("botocore.handlers", _add_to_botocore)
    boto3: Any = sys.modules.get("boto3")
    if boto3 is not None:
        # The default session was built before the guard (and may hold real credentials).
        boto3.DEFAULT_SESSION = None


def install_in_worker() -> None:
    """For a worker process before Init: guard botocore when the handler imports it, and
    send its `requests` calls to the test process (see `outbound`).

    Cheap: imports nothing heavy. The worker's variables already come from
    function_variables() and the session's overlays (fake credentials, config files
    pointed away, the mocked endpoint when `aws` is on, the test process's outbound
    address).
    """
    _guard_botocore()
    address = outbound.take_address()
    if address is not None:
        _patch_on_import(
            "requests.adapters", lambda adapters: outbound.forward_from(adapters, address)
        )


class Guard:
    """The guard in the test process, a resource of the session's root."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._saved: dict[str, str | None] = {}
        # Set by the `aws` fixture while it is active: moto may answer AWS endpoints.
        self.fixture_active = False
        # How many of moto's mocks the harness itself keeps started (see mocking.py).
        self.harness_mocks = 0
        replacements: dict[str, str | None] = dict.fromkeys(_CREDENTIAL_SOURCES)
        replacements.update(FAKE_CREDENTIALS)
        replacements.update(safe_variables())
        for name, value in replacements.items():
            self._saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _guard_botocore()
        session.add_overlay(self._safe_variables)
        session.add_overlay(self._outbound_variables)

    def _safe_variables(self, config: FunctionConfig) -> Mapping[str, str]:
        return safe_variables()

    def _outbound_variables(self, config: FunctionConfig) -> Mapping[str, str]:
        """Where a worker sends its `requests` calls (inline handlers send from here)."""
        if config.isolation != "process":
            return {}
        forwarder = self._session.get(outbound.FORWARDER, outbound.Forwarder)
        return {outbound.VARIABLE: forwarder.address}

    def uninstall(self) -> None:
        """The host's variables come back, botocore and the import hooks are unhooked."""
        self._session.remove_overlay(self._outbound_variables)
        self._session.remove_overlay(self._safe_variables)
        _remove_from_botocore()
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _PatchOnImport)]
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            boto3.DEFAULT_SESSION = None


GUARD = Resource("credential guard", Stage.GUARD, Guard.uninstall)
# What the AWS layer starts in the test process, all closed by uninstall_guard().
_AWS_STAGES = (Stage.TRIGGERS, Stage.MOCKS, Stage.SERVERS, Stage.GUARD)


def install_guard() -> Guard:
    """Hide real credentials and block real AWS for the session (idempotent)."""
    session = current()
    return session.get(GUARD, lambda: Guard(session.root))


def uninstall_guard() -> None:
    """Undo install_guard(), and stop what the AWS layer started with it: the host's
    variables come back, botocore is unhooked, moto and the forwarder stop."""
    current().close_resources(_AWS_STAGES)

