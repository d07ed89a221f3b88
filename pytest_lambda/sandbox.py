"""Process isolation's settings and controls for the current session.

`configure(preload=...)` (modules the fork server imports once, for faster cold starts),
`shutdown_all()`, `live_environments()`, `supported()` and `MEMORY_MECHANISM`; see
docs/process-isolation.md. The machinery itself is `pytest_lambda.environments.process`.
"""

from __future__ import annotations

from .environments.process import MEMORY_MECHANISM, supported
from .environments.process.registry import (
    PRELOAD_VARIABLE,
    configure,
    live_environments,
    shutdown_all,
)

__all__ = [
    "MEMORY_MECHANISM",
    "PRELOAD_VARIABLE",
    "configure",
    "live_environments",
    "shutdown_all",
    "supported",
]
