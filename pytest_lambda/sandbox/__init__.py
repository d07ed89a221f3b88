"""Isolated execution environments: worker processes forked from a per-process zygote.

`isolation="process"` (the default) runs each execution environment in a worker
process: cold and warm starts, hard timeouts, a memory ceiling, Max Memory Used, crash
recovery and concurrency, as Lambda has them. Linux only; elsewhere LambdaFunction falls
back to the inline runner with a warning (see `supported()`).
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from collections.abc import Callable
from typing import TypeVar

from ..config import FunctionConfig
from .registry import PRELOAD_VARIABLE, configure, live_environments, shutdown_all

MEMORY_MECHANISM = "rss-monitor"


def supported() -> bool:
    """Whether this platform can run process isolation (fork, fd passing, /proc)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and hasattr(socket, "send_fds")
        and os.path.isdir("/proc/self/task")
    )


E = TypeVar("E")


def inline_fallback(inline: Callable[[FunctionConfig], E]) -> Callable[[FunctionConfig], E]:
    """Where workers cannot run, start inline environments instead, and say so."""

    def start(config: FunctionConfig) -> E:
        warnings.warn(
            f"pytest-lambda: isolation='process' needs Linux (fork, /proc); on "
            f"{sys.platform} {config.function_name} runs inline in the test process, "
            "without hard timeouts or a memory ceiling",
            RuntimeWarning,
            stacklevel=4,
        )
        return inline(config)

    return start


__all__ = [
    "MEMORY_MECHANISM",
    "PRELOAD_VARIABLE",
    "configure",
    "inline_fallback",
    "live_environments",
    "shutdown_all",
    "supported",
]
