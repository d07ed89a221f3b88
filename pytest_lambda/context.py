"""A LambdaContext that has the real runtime's attributes, types and countdown."""

from __future__ import annotations

import logging
import os
import random
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from .errors import HarnessError

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_FUNCTION_NAME = "test-function"


class CognitoIdentity:
    """`context.identity`: always present, both ids None unless invoked through Cognito.

    Like the runtime's: `__slots__` (no `__dict__`), the same repr.
    """

    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(
        self, cognito_identity_id: str | None = None, cognito_identity_pool_id: str | None = None
    ) -> None:
        self.cognito_identity_id = cognito_identity_id
        self.cognito_identity_pool_id = cognito_identity_pool_id

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client:
    """`context.client_context.client`: the mobile app that invoked the function."""

    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __init__(
        self,
        installation_id: str | None = None,
        app_title: str | None = None,
        app_version_name: str | None = None,
        app_version_code: str | None = None,
        app_package_name: str | None = None,
    ) -> None:
        self.installation_id = installation_id
        self.app_title = app_title
        self.app_version_name = app_version_name
        self.app_version_code = app_version_code
        self.app_package_name = app_package_name

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext:
    """`context.client_context`: set only when the caller passed a client context."""

    __slots__ = ["custom", "env", "client"]

    def __init__(
        self,
        custom: dict[str, Any] | None = None,
        env: dict[str, Any] | None = None,
        client: Client | None = None,
    ) -> None:
        self.custom = custom
        self.env = env
        self.client = client

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}([custom={self.custom},env={self.env},client={self.client}])"
        )


def _from_header(cls: type[_Slotted], data: Mapping[str, Any]) -> _Slotted:
    """An object of `cls` with each of its slots read from `data` (None when absent), as the
    runtime builds its context objects from the Runtime API's headers."""
    obj = cls.__new__(cls)
    for name in cls.__slots__:
        setattr(obj, name, data.get(name, None))
    return obj


_Slotted = TypeVar("_Slotted", CognitoIdentity, Client, ClientContext)

# The W3C trace-context fields `context.w3c()` passes on; others are dropped.
W3C_FIELDS = ("traceparent", "tracestate", "baggage")


def client_context_from_header(
    data: Mapping[str, Any] | None,
) -> tuple[ClientContext | None, dict[str, str]]:
    """The client context and W3C trace context, from the Invoke API's client-context JSON.

    As the runtime does it: `w3c` is taken out first (only its string values of the W3C
    fields are kept), then `custom`, `env` and `client` are read; nothing else survives.
    """
    if data is None:
        return None, {}
    data = dict(data)
    w3c: dict[str, str] = {}
    raw = data.pop("w3c", None)
    if isinstance(raw, Mapping):
        w3c = {name: raw[name] for name in W3C_FIELDS if isinstance(raw.get(name), str)}
    client_context = _from_header(ClientContext, data)
    client: Any = client_context.client
    if client is not None:
        client_context.client = _from_header(Client, client)
    return client_context, w3c


_NO_W3C: dict[str, str] = {}


def identity_from_header(data: Mapping[str, Any] | None) -> CognitoIdentity:
    identity = CognitoIdentity()
    if data is not None:
        identity.cognito_identity_id = data.get("cognitoIdentityId")
        identity.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")
    return identity


# The harness's own random numbers (ids): a generator of its own, seeded from the
# system's and seeded again in every forked process, so that neither a test's
# random.seed() nor a fork repeats them, without a system call per id.
_RANDOM = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_RANDOM.seed)


def random_hex(digits: int) -> str:
    """`digits` random hexadecimal digits (an even number)."""
    return _RANDOM.getrandbits(digits * 4).to_bytes(digits // 2, "big").hex()


def new_request_id() -> str:
    """A random (version 4) UUID string, as Lambda's request ids are.

    Formatted by hand: uuid.uuid4() costs more than the whole inline invoke budget allows.
    """
    n = (_RANDOM.getrandbits(128) & _UUID_RANDOM_BITS) | _UUID_VERSION_4
    h = n.to_bytes(16, "big").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# A version 4 UUID: version 4, variant 10, the other 122 bits random.
_UUID_RANDOM_BITS = 0xFFFFFFFF_FFFF_0FFF_3FFF_FFFFFFFFFFFF
_UUID_VERSION_4 = 0x00000000_0000_4000_8000_000000000000


def new_log_stream_name(version: str = "$LATEST", when: float | None = None) -> str:
    """`2026/11/27/[$LATEST]<32 hex>`, dated in UTC like Lambda's streams."""
    now = datetime.fromtimestamp(time.time() if when is None else when, tz=timezone.utc)
    return f"{now:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def function_arn(
    name: str, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID
) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


def _check_context_settings(
    *, timeout_s: object, deadline_ms: object, texts: Mapping[str, object]
) -> None:
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise HarnessError(
            f"LambdaContext(timeout_s=...) takes a number of seconds, got "
            f"{type(timeout_s).__name__} {timeout_s!r}"
        )
    if deadline_ms is not None and (
        isinstance(deadline_ms, bool) or not isinstance(deadline_ms, int)
    ):
        raise HarnessError(
            f"LambdaContext(deadline_ms=...) takes milliseconds since the epoch (an int), got "
            f"{type(deadline_ms).__name__} {deadline_ms!r}"
        )
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise HarnessError(
                f"LambdaContext({name}=...) takes a string, got {type(value).__name__} {value!r}"
            )


class LambdaContext:
    """The context object a Python handler receives.

    Attribute for attribute what awslambdaric builds: the function's name, version,
    memory and log names are strings (the runtime reads them from the environment),
    `identity` is always a CognitoIdentity, `client_context` None unless given, `w3c()`
    the W3C trace context the caller sent in the client context.

    Built in a test, the deadline is the construction time plus `timeout_s` (the countdown
    starts when the object is made). Passed to `LambdaFunction.invoke(context=...)`, it
    supplies what a caller can send with an invoke (request id, identity, client context
    with its W3C trace context, tenant id, a qualified `invoked_function_arn`); the
    function's own name, memory, version and log names, and the deadline (the invoke's
    start plus the function's timeout), are the function's, as in Lambda. The countdown
    reads the wall clock on every call, so freezegun and time-machine move it as they move
    Lambda's.
    """

    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    function_name: str
    memory_limit_in_mb: str
    function_version: str
    invoked_function_arn: str
    identity: CognitoIdentity
    client_context: ClientContext | None
    tenant_id: str | None

    def __init__(
        self,
        *,
        timeout_s: float = 3,
        aws_request_id: str | None = None,
        function_name: str = DEFAULT_FUNCTION_NAME,
        function_version: str = "$LATEST",
        memory_limit_in_mb: str | int = "128",
        invoked_function_arn: str | None = None,
        log_group_name: str | None = None,
        log_stream_name: str | None = None,
        identity: CognitoIdentity | Mapping[str, Any] | None = None,
        client_context: ClientContext | Mapping[str, Any] | None = None,
        tenant_id: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        deadline_ms: int | None = None,
    ) -> None:
        _check_context_settings(
            timeout_s=timeout_s,
            deadline_ms=deadline_ms,
            texts={
                "aws_request_id": aws_request_id,
                "function_name": function_name,
                "function_version": function_version,
                "invoked_function_arn": invoked_function_arn,
                "log_group_name": log_group_name,
                "log_stream_name": log_stream_name,
                "tenant_id": tenant_id,
                "region": region,
                "account_id": account_id,
            },
        )
        self.aws_request_id = aws_request_id or new_request_id()
        self.function_name = function_name
        self.function_version = function_version
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a string, always.
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        # A caller may invoke a qualified ARN (an alias or a version): that one is passed on.
        self._qualified_arn = invoked_function_arn
        self.invoked_function_arn = invoked_function_arn or function_arn(
            function_name, region, account_id
        )
        self.log_group_name = log_group_name or f"/aws/lambda/{function_name}"
        self.log_stream_name = log_stream_name or new_log_stream_name(function_version)
        if identity is None:
            identity = CognitoIdentity()
        elif isinstance(identity, Mapping):
            identity = CognitoIdentity(
                identity.get("cognito_identity_id", identity.get("cognitoIdentityId")),
                identity.get("cognito_identity_pool_id", identity.get("cognitoIdentityPoolId")),
            )
        self.identity = identity
        self._w3c: dict[str, str] = {}
        if isinstance(client_context, Mapping):
            client_context, self._w3c = client_context_from_header(client_context)
        self.client_context = client_context
        self.tenant_id = tenant_id
        self._deadline_ms = (
            deadline_ms if deadline_ms is not None else int(time.time() * 1000 + timeout_s * 1000)
        )

    @classmethod
    def _for_request(
        cls,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: Mapping[str, Any] | None,
        identity: Mapping[str, Any] | None,
        tenant_id: str | None,
    ) -> LambdaContext:
        """The context the runtime builds for one request, from the Runtime API's headers
        and, read afresh each time, the function's variables."""
        context = cls.__new__(cls)
        context.aws_request_id = request_id
        (
            context.log_group_name,
            context.log_stream_name,
            context.function_name,
            context.memory_limit_in_mb,
            context.function_version,
        ) = _context_variables()
        context.invoked_function_arn = invoked_function_arn
        context.tenant_id = tenant_id
        if client_context is None:
            context.client_context = None
            # Never handed out: w3c() returns a copy.
            context._w3c = _NO_W3C
        else:
            context.client_context, context._w3c = client_context_from_header(client_context)
        context.identity = identity_from_header(identity)
        context._qualified_arn = None
        context._deadline_ms = deadline_ms
        return context

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, from the wall clock, never below 0."""
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (traceparent, tracestate, baggage) the caller sent."""
        return dict(self._w3c)

    def log(self, msg: object) -> None:
        """Write `str(msg)` to the function's log as one record, with no newline added."""
        for handler in logging.getLogger().handlers:
            sink = getattr(handler, "log_sink", None)
            if sink is not None:
                sink.log(str(msg))
                return
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )


_CONTEXT_VARIABLES = (
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
)
_CONTEXT_KEYS = tuple(os.environ.encodekey(name) for name in _CONTEXT_VARIABLES)


class _ReadVariables:
    """The context's variables as last read, to skip decoding them again when unchanged."""

    raw: tuple[Any, ...] = ()
    values: tuple[Any, ...] = ()


def _context_variables() -> tuple[Any, ...]:
    """The variables the runtime reads for every request's context (None when unset),
    read from os.environ's own mapping: os.environ.get would decode each one each time."""
    get = os.environ._data.get  # type: ignore[attr-defined]
    group, stream, name, memory, version = _CONTEXT_KEYS
    raw = (get(group), get(stream), get(name), get(memory), get(version))
    if raw != _ReadVariables.raw:
        decode = os.environ.decodevalue
        _ReadVariables.values = tuple(None if value is None else decode(value) for value in raw)
        _ReadVariables.raw = raw
    return _ReadVariables.values


def caller_headers(context: LambdaContext) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """What a caller's context sends with an invoke: the client context (with its W3C trace
    context) and the Cognito identity, as the Runtime API hands them to the runtime."""
    client_context: dict[str, Any] | None = None
    if context.client_context is not None:
        given = context.client_context
        client = given.client
        client_context = {
            "custom": given.custom,
            "env": given.env,
            "client": None
            if client is None
            else {name: getattr(client, name) for name in Client.__slots__},
        }
    w3c = context.w3c()
    if w3c:
        client_context = {**(client_context or {}), "w3c": w3c}
    identity = context.identity
    headers_identity = None
    if identity.cognito_identity_id is not None or identity.cognito_identity_pool_id is not None:
        headers_identity = {
            "cognitoIdentityId": identity.cognito_identity_id,
            "cognitoIdentityPoolId": identity.cognito_identity_pool_id,
        }
    return client_context, headers_identity


def qualified_arn(context: LambdaContext) -> str | None:
    """The ARN the caller invoked, when the context names one explicitly."""
    return context._qualified_arn


__all__ = [
    "Client",
    "ClientContext",
    "CognitoIdentity",
    "LambdaContext",
]
