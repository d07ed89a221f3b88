"""Process isolation's settings and controls for the current session.

`configure(preload=..., containment=..., inherit_imports=...)` (modules the fork server
imports once; how an environment's processes are kept together; cold starts forked from
templates that keep what a function's Init imported), `shutdown_all()`,
`live_environments()`, `supported()`, `containment_mechanism()`, `cgroups_available()` and
`MEMORY_MECHANISM`; see docs/process-isolation.md. The machinery itself is
`pytest_lambda.environments.process`.
"""

from __future__ import annotations

from .environments.process import MEMORY_MECHANISM, supported
from .environments.process.registry import (
    CONTAINMENT_VARIABLE,
    INHERIT_VARIABLE,
    PRELOAD_VARIABLE,
    cgroups_available,
    configure,
    containment_mechanism,
    live_environments,
    shutdown_all,
)

__all__ = [
    "CONTAINMENT_VARIABLE",
    "INHERIT_VARIABLE",
    "MEMORY_MECHANISM",
    "PRELOAD_VARIABLE",
    "cgroups_available",
    "configure",
    "containment_mechanism",
    "live_environments",
    "shutdown_all",
    "supported",
]
