"""The outbound forwarder reads what a worker sends, so what a handler that found its port
sends too: a length it claims is not allocated, a connection that stalls is closed."""

from __future__ import annotations

import socket
import struct

import pytest

from pytest_lambda.aws import outbound
from pytest_lambda.session import Session


@pytest.fixture
def forwarder(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(outbound, "READ_TIMEOUT_S", 0.5)
    session = Session()
    server = outbound.Forwarder(session)
    yield server
    server.stop()


def connect(forwarder: outbound.Forwarder) -> socket.socket:
    host, _, port = forwarder.address.partition("/")[0].rpartition(":")
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(10)
    return sock


@pytest.mark.parametrize("claimed", [(2**32 - 1, 0), (10, 2**32 - 1)])
def test_a_claimed_length_is_not_believed(forwarder, claimed: tuple[int, int]) -> None:
    with connect(forwarder) as sock:
        sock.sendall(struct.pack("!II", *claimed) + b'{"token": "x"}')
        # The forwarder gives up on the connection instead of waiting for 4 GB.
        assert sock.recv(1) == b""


def test_a_stalled_connection_is_closed(forwarder) -> None:
    with connect(forwarder) as sock:
        sock.sendall(struct.pack("!II", 100, 0))
        assert sock.recv(1) == b""


def test_a_header_that_is_not_the_forwarders_is_refused(forwarder) -> None:
    with connect(forwarder) as sock:
        header = b'["not", "an", "object"]'
        sock.sendall(struct.pack("!II", len(header), 0) + header)
        assert sock.recv(1) == b""
