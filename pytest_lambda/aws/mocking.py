"""moto's in-process mock, started once per session, and the boto3 clients that talk to it.

Starting moto's mock registers ~1,300 URL patterns (14 ms) and boto3 takes ~7 ms per
client: both are done once per session instead of once per test. Between tests the
backends are reset; the guard keeps the mock from answering outside an `aws` fixture.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore import handlers as botocore_handlers
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.model_instances import reset_model_data

from ..session import Resource, Stage
from .guard import Guard
from .triggers import after_call


class MotoMock:
    """The session's moto mock and boto3 session, and the clients built from it."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        # The guard already set fake credentials; moto would swap in its own.
        self._mock = mock_aws(config={"core": {"mock_credentials": False}})
        self._mock.start()
        guard.harness_mocks = 1
        # Clients built from here deliver triggers after each call the test makes.
        if not any(entry[1] is after_call for entry in botocore_handlers.BUILTIN_HANDLERS):
            botocore_handlers.BUILTIN_HANDLERS.append(("after-call", after_call))
        boto3.DEFAULT_SESSION = None
        self._boto3 = boto3.session.Session()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str) -> Any:
        """A client for `service`; clients stay valid across the resets between tests."""
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._boto3.client(service, region_name=region)
            return self._clients[key]

    def resource(self, service: str, region: str) -> Any:
        with self._lock:
            key = (f"resource:{service}", region)
            if key not in self._clients:
                self._clients[key] = self._boto3.resource(service, region_name=region)
            return self._clients[key]

    def reset(self) -> None:
        """Fresh state in every backend, for the server's requests too."""
        BackendDict.reset()
        reset_model_data()

    def stop(self) -> None:
        self._mock.stop()
        self._guard.harness_mocks = 0
        botocore_handlers.BUILTIN_HANDLERS[:] = [
            entry for entry in botocore_handlers.BUILTIN_HANDLERS if entry[1] is not after_call
        ]


MOTO_MOCK = Resource("moto's in-process mock", Stage.MOCKS, MotoMock.stop)
