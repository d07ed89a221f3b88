"""Credential safety: no request reaches real AWS from a test that uses pytest-lambda or
from a handler, and nothing changes for the tests that do not use it.

The guard refuses at the point of sending, whatever credentials a client holds and
whenever it was built: botocore's requests (a `before-send` handler that every client
gets, and its endpoint's send, the last step before the network), and any HTTP or socket
client's connection to an AWS host (name resolution, `socket.connect`, proxy tunnels).
The error names the host, or the service and operation, and says how to fix it.

It is held, not installed (see `Session.hold_guard`): by the plugin around each test that
uses it (ini `lambda_guard`), by an active `aws` account, by an inline environment while
it runs, by the outbound forwarder while it replays a worker's request, and by a worker
process for its whole life. The socket and http.client hooks are put in place when it
is held and taken away at the end of the test (`Guard.settle`); botocore's are added when
botocore loads (watched from the plugin's start, so that a client built while conftest.py
is imported gets them). All of them do nothing while the guard is not held.

A test that uses the plugin also sees the host's AWS setup hidden (`Guard.enter`): fake
credentials, no profile, no endpoint override, the shared config and credentials files
pointed at the null device (nothing can be planted there), no instance metadata. Every
environment starts that way too (`safe_variables`).

Importing this module is cheap on purpose (no botocore): a worker imports it before
Init, and the Init Duration it reports must reflect the handler's own imports.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ..config import FunctionConfig
from ..context import DEFAULT_REGION
from ..errors import HarnessError
from ..patching import on_import
from ..session import Resource, Session, Stage, active, current, open_session
from ..variables import FAKE_CREDENTIALS
from . import outbound

# Variables through which botocore finds real credentials, profiles, a credential
# endpoint or another endpoint; all are hidden while a test is guarded.
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

# The DNS suffixes of every AWS partition (botocore's partitions.json: dnsSuffix and
# dualStackDnsSuffix), plus on.aws (function URLs). FIPS endpoints are names under them.
AWS_DOMAINS = (
    "amazonaws.com",
    "api.aws",
    "on.aws",
    "amazonaws.com.cn",
    "api.amazonwebservices.com.cn",
    "amazonaws.eu",
    "api.amazonwebservices.eu",
    "c2s.ic.gov",
    "api.aws.ic.gov",
    "sc2s.sgov.gov",
    "api.aws.scloud",
    "cloud.adc-e.uk",
    "api.cloud-aws.adc-e.uk",
    "csp.hci.ic.gov",
    "api.aws.hci.ic.gov",
)
# Where EC2 and ECS hand out the host's role credentials.
_METADATA_ADDRESSES = ("169.254.169.254", "169.254.170.2", "fd00:ec2::254")

_TEST_ADVICE = (
    "Tests never reach real AWS: use the `aws` fixture (moto-backed; create what the test "
    "needs with aws.bucket(...), aws.table(...), aws.queue(...)) or wrap the code in moto's "
    "mock_aws(); a suite that must reach AWS sets lambda_guard = off (ini) or runs with "
    "-p no:lambda"
)


class RealAWSCallBlocked(HarnessError):
    """A test or a handler tried to send a request to a real AWS endpoint."""


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


def is_aws_host(host: str | bytes | None) -> bool:
    """Whether `host` is an AWS service endpoint (any partition) or the metadata service."""
    if host is None:
        return False
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = host.strip("[]").rstrip(".").lower()
    if name in _METADATA_ADDRESSES:
        return True
    return any(name == domain or name.endswith("." + domain) for domain in AWS_DOMAINS)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_variables() -> dict[str, str]:
    """What a guarded test and every environment get instead of the host's AWS files.

    The null device is an empty config that no other user and no handler can plant a
    file at (botocore treats it as a missing file).
    """
    return {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _held() -> bool:
    session = active()
    return session is not None and session.guard_held


def _blocked(what: str) -> RealAWSCallBlocked:
    return RealAWSCallBlocked(f"pytest-lambda blocked a request to real AWS: {what}. {_advice[0]}")


# -- botocore -----------------------------------------------------------------------------


def block_real_aws(request: Any, event_name: str = "", **kwargs: Any) -> None:
    """botocore `before-send` handler: refuse a request to a non-loopback endpoint.

    botocore calls every before-send handler and sends the first response one returns, so
    while moto's in-process mock may answer (an `aws` fixture's, or a user's own
    `mock_aws()`), the guard steps aside: moto answers what it serves, and what it does
    not serve reaches the endpoint's send, refused there. Otherwise raising here stops
    the call even if the mock the harness keeps started between tests answered it.
    """
    if not _held():
        return
    url = str(getattr(request, "url", ""))
    if is_loopback_url(url) or _moto_may_answer():
        return
    parts = event_name.split(".")
    service = parts[1] if len(parts) > 1 else "unknown service"
    operation = parts[2] if len(parts) > 2 else "unknown operation"
    raise _blocked(f"{service} {operation} ({urlsplit(url).netloc or url})")


def _moto_may_answer() -> bool:
    """Whether a started moto mock may answer: an `aws` fixture's, or a user's own.

    The harness keeps its own mock started while consecutive tests use `aws` (starting it
    costs ~14 ms): that one answers only while an account is active. Works with moto 4
    (a user's own mock_s3 and the like) as with moto 5, importing nothing from it.
    """
    moto_models: Any = sys.modules.get("moto.core.models")
    stubber = getattr(moto_models, "botocore_stubber", None)
    if stubber is None or not getattr(stubber, "enabled", False):
        return False
    session = active()
    guard = session.find(GUARD) if session is not None else None
    if guard is not None and guard.accounts_active:
        return True
    started = getattr(getattr(moto_models, "MockAWS", None), "_nested_count", None)
    if started is None:
        return True  # moto 4: the harness never starts its mocks
    return int(started) > (guard.harness_mocks if guard is not None else 0)


def _guard_botocore_handlers(handlers: ModuleType) -> None:
    builtin: list[Any] = handlers.BUILTIN_HANDLERS
    if not any(entry[1] is block_real_aws for entry in builtin):
        builtin.append(("before-send", block_real_aws))


def _guard_botocore_endpoint(endpoint: ModuleType) -> None:
    """The endpoint's send: what no before-send handler answered goes to the network here."""
    cls: Any = endpoint.Endpoint
    original = cls._send
    if getattr(original, "_pytest_lambda_guard", False):
        return

    def _send(self: Any, request: Any) -> Any:
        if _held() and not is_loopback_url(str(request.url)):
            raise _blocked(
                f"{self._endpoint_prefix} request ({urlsplit(str(request.url)).netloc})"
            )
        return original(self, request)

    _send._pytest_lambda_guard = True  # type: ignore[attr-defined]
    cls._send = _send


def watch_botocore() -> None:
    """Guard botocore when it loads (now, if it has): every client built from then on gets
    the before-send handler, and every client's send is checked, whatever its age."""
    on_import("botocore.handlers", _guard_botocore_handlers)
    on_import("botocore.endpoint", _guard_botocore_endpoint)


# -- sockets and HTTP clients ---------------------------------------------------------------


class _Refusal:
    """The socket-level hooks: put in place when the guard is first held, taken away at
    the end of the test (or of the session), doing nothing while the guard is not held.

    An inline invoke made outside a guarded test holds the guard for the call, thousands
    of times a second: it finds the hooks in place and pays two identity checks.
    """

    def __init__(self) -> None:
        # (owner, name) -> (the original, our wrapper of it)
        self._wrapped: dict[tuple[Any, str], tuple[Any, Any]] = {}
        # What in_place() compares, kept apart: it runs on every inline invoke.
        self._connect: Any = None
        self._resolve: Any = None
        self._tunnels = False

    def in_place(self) -> bool:
        """Whether the hooks are in place: the ones others replace (pytest-socket does, at
        every test) are still ours, and none is missing from a module loaded since."""
        return (
            socket.socket.connect is self._connect
            and socket.getaddrinfo is self._resolve
            and self._tunnels == ("http.client" in sys.modules)
        )

    def _slots(self) -> list[tuple[Any, str, Callable[[Any], Any]]]:
        slots: list[tuple[Any, str, Callable[[Any], Any]]] = [
            (socket, "getaddrinfo", _checked_first_argument),
            (socket, "gethostbyname", _checked_first_argument),
            (socket, "gethostbyname_ex", _checked_first_argument),
            (socket.socket, "connect", _checked_address),
            (socket.socket, "connect_ex", _checked_address),
        ]
        http_client = sys.modules.get("http.client")
        if http_client is not None:
            slots.append((http_client.HTTPConnection, "set_tunnel", _checked_tunnel))
        return slots

    def install(self) -> None:
        for owner, name, make in self._slots():
            current = getattr(owner, name)
            known = self._wrapped.get((owner, name))
            if known is not None and current is known[1]:
                continue
            if known is not None and current is known[0]:
                setattr(owner, name, known[1])
                continue
            if getattr(current, "_pytest_lambda_guard", False):
                continue
            wrapper = make(current)
            wrapper._pytest_lambda_guard = True
            self._wrapped[(owner, name)] = (current, wrapper)
            setattr(owner, name, wrapper)
        self._connect = self._wrapped[(socket.socket, "connect")][1]
        self._resolve = self._wrapped[(socket, "getaddrinfo")][1]
        self._tunnels = "http.client" in sys.modules

    def uninstall(self) -> None:
        """Put the originals back, unless someone replaced ours since (then theirs stays,
        and ours inside it does nothing while the guard is not held)."""
        for (owner, name), (original, wrapper) in self._wrapped.items():
            if getattr(owner, name) is wrapper:
                setattr(owner, name, original)


def _refuse_host(host: Any, how: str) -> None:
    if _held() and is_aws_host(host if isinstance(host, str | bytes) else None):
        name = host.decode() if isinstance(host, bytes) else host
        raise _blocked(f"{how} {name}")


def _checked_first_argument(original: Callable[..., Any]) -> Callable[..., Any]:
    def checked(host: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_host(host, "a connection to")
        return original(host, *args, **kwargs)

    return checked


def _checked_address(original: Callable[..., Any]) -> Callable[..., Any]:
    def checked(self: Any, address: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(address, tuple) and address:
            _refuse_host(address[0], "a connection to")
        return original(self, address, *args, **kwargs)

    return checked


def _checked_tunnel(original: Callable[..., Any]) -> Callable[..., Any]:
    def checked(self: Any, host: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_host(str(host).rpartition(":")[0] if ":" in str(host) else host, "a tunnel to")
        return original(self, host, *args, **kwargs)

    return checked


# -- the guard of a session -------------------------------------------------------------------


class Guard:
    """The guard's state in one process (a resource of the session's root)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._refusal = _Refusal()
        # Active `aws` accounts: moto's mock may answer AWS endpoints while there is one.
        self.accounts_active = 0
        # How many of moto's mocks the harness itself keeps started (see mocking.py).
        self.harness_mocks = 0
        # Guarded views of the process's variables (see enter()), and what they hid.
        self._views = 0
        self._saved: dict[str, str | None] = {}
        self._saved_boto3_session: Any = None
        self._installed = False
        self.closed = False

    @property
    def fixture_active(self) -> bool:
        return self.accounts_active > 0

    def held(self) -> None:
        """The guard is held again: the socket-level hooks are put in place (if they are
        not), and left, doing nothing once it is released, until `settle()`."""
        if not self._refusal.in_place():
            self._refusal.install()

    def refresh(self) -> None:
        """Put the socket-level hooks in place again (a module they patch has loaded)."""
        self._refusal.install()

    def settle(self) -> None:
        """Take the socket-level hooks away unless the guard is held: between tests, so
        that a test that does not use the plugin finds the standard library's own."""
        if not self._session.guard_held:
            self._refusal.uninstall()

    def enter(self) -> None:
        """Hold the guard, and give the process a guarded test's view of AWS: the host's
        credentials, profiles, endpoint and files hidden, a region if none is set in the
        environment, boto3's default session anew."""
        with self._lock:
            self._views += 1
            first = self._views == 1
        if first:
            replacements: dict[str, str | None] = dict.fromkeys(_CREDENTIAL_SOURCES)
            replacements.update(FAKE_CREDENTIALS)
            replacements.update(safe_variables())
            if not os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION"):
                # The hidden config may have been where the region came from: a guarded
                # test gets the harness's default, on a developer's machine as in CI.
                replacements["AWS_DEFAULT_REGION"] = DEFAULT_REGION
            for name, value in replacements.items():
                self._saved[name] = os.environ.get(name)
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            boto3: Any = sys.modules.get("boto3")
            if boto3 is not None:
                # It may have been built from the host's setup, credentials and all.
                self._saved_boto3_session = boto3.DEFAULT_SESSION
                boto3.DEFAULT_SESSION = None
        self._session.hold_guard()

    def exit(self) -> None:
        """Undo one enter(); the last one gives the host's variables back."""
        with self._lock:
            if self._views == 0:
                return
            self._views -= 1
            last = self._views == 0
        self._session.release_guard()
        if last:
            self._restore()

    def _restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            boto3.DEFAULT_SESSION = self._saved_boto3_session
        self._saved_boto3_session = None

    def install(self) -> None:
        """Enter once for good, until the session closes (install_guard())."""
        if not self._installed:
            self._installed = True
            self.enter()

    def close(self) -> None:
        """The host's variables come back and the hooks go, whoever still holds them."""
        while self._views:
            self.exit()
        self._installed = False
        self._refusal.uninstall()
        self.closed = True


GUARD = Resource("credential guard", Stage.GUARD, Guard.close)
# What the AWS layer starts in the test process, all closed by uninstall_guard().
_AWS_STAGES = (Stage.TRIGGERS, Stage.MOCKS, Stage.SERVERS, Stage.GUARD)


def guard(session: Session | None = None) -> Guard:
    """The guard of `session` (the current one by default), created on first use."""
    session = session or current()
    return session.get(GUARD, lambda: Guard(session.root))


def attach(session: Session) -> None:
    """What the guard adds to every session: its hooks whenever the guard is held, and its
    variables in every environment (with the forwarder's address for worker processes)."""
    session.on_guard_held(_WhenHeld(session))
    session.add_overlay(_safe_overlay)
    session.add_overlay(lambda config: _outbound_variables(session, config))


class _WhenHeld:
    """Tells the session's guard that it is held (the session's Guard, created on first use
    and again after the session closed its resources)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._guard: Guard | None = None

    def __call__(self) -> None:
        if self._guard is None or self._guard.closed:
            self._guard = guard(self._session)
        self._guard.held()


def _safe_overlay(config: FunctionConfig) -> Mapping[str, str]:
    return safe_variables()


def _outbound_variables(session: Session, config: FunctionConfig) -> Mapping[str, str]:
    """Where a worker sends its `requests` calls (inline handlers send from here)."""
    if config.isolation != "process":
        return {}
    forwarder = session.get(outbound.FORWARDER, lambda: outbound.Forwarder(session))
    return {outbound.VARIABLE: forwarder.address}


def install_guard() -> Guard:
    """Guard the current session until uninstall_guard() (idempotent)."""
    found = guard()
    found.install()
    return found


def uninstall_guard() -> None:
    """Undo install_guard(), and stop what the AWS layer started with it: the host's
    variables come back, the hooks go, moto and the forwarder stop."""
    current().close_resources(_AWS_STAGES)


def install_in_worker() -> None:
    """For a worker process before Init: the guard held for the process's life (botocore
    guarded when the handler imports it), and its `requests` calls sent to the test
    process (see `outbound`).

    Cheap: imports nothing heavy. The worker's variables already come from
    function_variables() and the session's overlays (fake credentials, config files on
    the null device, the mocked endpoint when `aws` is on, the forwarder's address).
    """
    watch_botocore()
    on_import("http.client", _guard_tunnels)
    open_session().hold_guard()
    address = outbound.take_address()
    if address is not None:
        on_import("requests.adapters", lambda adapters: outbound.forward_from(adapters, address))


def _guard_tunnels(http_client: ModuleType) -> None:
    session = active()
    if session is not None and session.guard_held:
        guard(session).refresh()
