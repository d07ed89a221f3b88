"""A LambdaContext that has the real runtime's attributes, types and countdown."""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_FUNCTION_NAME = "test-function"


@dataclass
class CognitoIdentity:
    """`context.identity`: always present, both ids None unless invoked through Cognito."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class Client:
    """`context.client_context.client`: the mobile app that invoked the function."""

    installation_id: str | None = None
    app_title: str | None = None
    app_version_name: str | None = None
    app_version_code: str | None = None
    app_package_name: str | None = None


@dataclass
class ClientContext:
    """`context.client_context`: set only when the caller passed a client context."""

    custom: dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    client: Client | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClientContext:
        """Build it from the JSON the Invoke API's ClientContext header carries."""
        client = data.get("client")
        return cls(
            custom=data.get("custom"),
            env=data.get("env"),
            client=Client(**{k: client.get(k) for k in Client.__dataclass_fields__})
            if isinstance(client, Mapping)
            else None,
        )


def new_request_id() -> str:
    """A random (version 4) UUID string, as Lambda's request ids are.

    Formatted by hand from 16 random bytes: uuid.uuid4() costs more than the whole
    inline invoke budget allows.
    """
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


_VARIANT = "89ab"


def new_log_stream_name(version: str = "$LATEST", when: float | None = None) -> str:
    """`2026/11/27/[$LATEST]<32 hex>`, dated in UTC like Lambda's streams."""
    now = datetime.fromtimestamp(time.time() if when is None else when, tz=timezone.utc)
    return f"{now:%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def function_arn(
    name: str, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID
) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{name}"


class LambdaContext:
    """The context object a Python handler receives.

    Attribute for attribute what awslambdaric builds: the function's name, version,
    memory and log names are strings (the runtime reads them from the environment),
    `identity` is always a CognitoIdentity, `client_context` None unless given.
    The deadline is the construction time plus `timeout_s`; the countdown reads the wall
    clock on every call, so freezegun and time-machine move it as they move Lambda's.
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
        self.aws_request_id = aws_request_id or new_request_id()
        self.function_name = function_name
        self.function_version = function_version
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a string, always.
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.invoked_function_arn = invoked_function_arn or function_arn(
            function_name, region, account_id
        )
        self.log_group_name = log_group_name or f"/aws/lambda/{function_name}"
        self.log_stream_name = log_stream_name or new_log_stream_name(function_version)
        if identity is None:
            identity = CognitoIdentity()
        elif isinstance(identity, dict | Mapping):
            identity = CognitoIdentity(
                identity.get("cognito_identity_id", identity.get("cognitoIdentityId")),
                identity.get("cognito_identity_pool_id", identity.get("cognitoIdentityPoolId")),
            )
        self.identity = identity
        if client_context is not None and isinstance(client_context, Mapping):
            client_context = ClientContext.from_dict(client_context)
        self.client_context = client_context
        self.tenant_id = tenant_id
        self._deadline_ms = (
            deadline_ms if deadline_ms is not None else int(time.time() * 1000 + timeout_s * 1000)
        )

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, from the wall clock, never below 0."""
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg: object) -> None:
        """Write `str(msg)` to the function's log, with no newline added (as the runtime)."""
        for handler in logging.getLogger().handlers:
            sink = getattr(handler, "log_sink", None)
            if sink is not None:
                sink.write(str(msg))
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


__all__ = [
    "Client",
    "ClientContext",
    "CognitoIdentity",
    "LambdaContext",
]
