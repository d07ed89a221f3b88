"""Process isolation's settings and controls for the current session.

`configure(preload=..., inherit_imports=...)` (modules the fork server imports once; cold
starts forked from templates that keep what a function's Init imported),
`shutdown_all()`, `live_environments()`, `supported()` and `MEMORY_MECHANISM`; see
docs/process-isolation.md. The machinery itself is `pytest_lambda.environments.process`.
"""

from __future__ import annotations

from .environments.process import MEMORY_MECHANISM, supported
from .environments.process.registry import (
    INHERIT_VARIABLE,
    PRELOAD_VARIABLE,
    configure,
    live_environments,
    shutdown_all,
)

__all__ = [
    "INHERIT_VARIABLE",
    "MEMORY_MECHANISM",
    "PRELOAD_VARIABLE",
    "configure",
    "live_environments",
    "shutdown_all",
    "supported",
]
