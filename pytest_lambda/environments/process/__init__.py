"""Isolated execution environments: worker processes forked from a per-session fork server.

`isolation="process"` (the default) runs each execution environment in a worker
process: cold and warm starts, hard timeouts, a memory ceiling, Max Memory Used, crash
recovery and concurrency, as Lambda has them. Linux only; elsewhere LambdaFunction falls
back to inline environments with a warning (see `supported()`).

- environment.py: ProcessEnvironment, the test process's side of one worker;
- server.py and zygote.py: the fork server, seen from the test process and from inside;
- worker.py: what a forked worker does (set up, run the hooks, Init, serve requests);
- channel.py: the messages between the two ends (the worker's checked, never unpickled);
- containment.py: which processes belong to an environment (cgroups, else the process
  tree), frozen and killed together; memory.py: their memory, each page counted once;
- registry.py: what a session owns (settings, fork servers, cgroups, live environments).
"""

from __future__ import annotations

import os
import socket
import sys

# The worker's resident set plus its other processes' proportional share (memory.py).
MEMORY_MECHANISM = "pss-monitor"


def supported() -> bool:
    """Whether this platform can run process isolation (fork, fd passing, /proc)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and hasattr(socket, "send_fds")
        and os.path.isdir("/proc/self/task")
    )
