"""Messages between the test process and a worker: a 4-byte length, then a pickle.

Both ends are the same interpreter running the same harness, so pickle is safe here and
the cheapest encoding there is for the dataclasses the runtime exchanges.
"""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

_HEADER = struct.Struct("!I")
# Small messages go out in one sendall; big ones skip the copy of header + body.
_COALESCE_LIMIT = 64 * 1024


def send_message(sock: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    header = _HEADER.pack(len(data))
    if len(data) <= _COALESCE_LIMIT:
        sock.sendall(header + data)
    else:
        sock.sendall(header)
        sock.sendall(data)


def receive_exactly(sock: socket.socket, size: int) -> bytearray:
    """`size` bytes from the socket; EOFError when the other end closes first."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        count = sock.recv_into(view[received:], size - received)
        if count == 0:
            raise EOFError("the other end closed the channel")
        received += count
    return buffer


def receive_message(sock: socket.socket) -> Any:
    """The next message; EOFError when the other end is gone."""
    (size,) = _HEADER.unpack(receive_exactly(sock, _HEADER.size))
    return pickle.loads(receive_exactly(sock, size))
