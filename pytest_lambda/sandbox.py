"""Process isolation's settings and controls for the current session.

`configure(preload=..., containment=...)` (modules the fork server imports once, for
faster cold starts; how an environment's processes are kept together), `shutdown_all()`,
`live_environments()`, `supported()`, `containment_mechanism()`, `cgroups_available()` and
`MEMORY_MECHANISM`; see docs/process-isolation.md. The machinery itself is
`pytest_lambda.environments.process`.
"""

from __future__ import annotations

from .environments.process import MEMORY_MECHANISM, supported
from .environments.process.registry import (
    CONTAINMENT_VARIABLE,
    PRELOAD_VARIABLE,
    cgroups_available,
    configure,
    containment_mechanism,
    live_environments,
    shutdown_all,
)

__all__ = [
    "CONTAINMENT_VARIABLE",
    "MEMORY_MECHANISM",
    "PRELOAD_VARIABLE",
    "cgroups_available",
    "configure",
    "containment_mechanism",
    "live_environments",
    "shutdown_all",
    "supported",
]
