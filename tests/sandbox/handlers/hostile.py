"""Handlers that attack the harness through what their process holds: the channel to the
test process (found among the worker's descriptors), its frames, its memory."""

import os
import pickle
import socket
import struct
import time


def _channel() -> socket.socket:
    """The worker's end of its channel to the test process: its one Unix stream socket."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            candidate = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        if candidate.family == socket.AF_UNIX and candidate.type == socket.SOCK_STREAM:
            return candidate
        candidate.close()
    raise RuntimeError("no channel socket found")


def stalled_frame(event, context):
    """A frame's length, then nothing: the test process must not wait for the rest."""
    _channel().sendall(struct.pack("!I", event.get("claimed", 1000)))
    time.sleep(60)


def junk_frame(event, context):
    """A frame of random bytes, or one whose length claims 4 GB, then a normal return."""
    data = os.urandom(event.get("size", 64))
    if event.get("huge"):
        data = struct.pack("!I", 0xFFFFFFFF) + data
    else:
        data = struct.pack("!I", len(data)) + data
    _channel().sendall(data)
    return "returned"


class _Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def pickle_frame(event, context):
    """A pickle that runs a command where it is loaded."""
    data = pickle.dumps(_Exploit(event["path"]))
    _channel().sendall(struct.pack("!I", len(data)) + data)
    return "returned"


def huge_response(event, context):
    return b"x" * (event["mb"] * 1024 * 1024)


def huge_error(event, context):
    raise ValueError("e" * (event["mb"] * 1024 * 1024))


def exit_while_a_child_holds_the_channel(event, context):
    """The worker exits; a forked child keeps its descriptors (the channel) open."""
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    os._exit(3)
