"""Moto-backed AWS for tests (`aws` fixture), credential safety, execution-role permissions.

Submodules load on first use: a worker process imports `pytest_lambda.aws.guard` before a
handler's Init and must not pay for moto or boto3 it may never use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fixture import AWS
    from .guard import RealAWSCallBlocked, install_guard, install_in_worker, uninstall_guard
    from .policy import load_policy

_WHERE = {
    "AWS": "fixture",
    "RealAWSCallBlocked": "guard",
    "install_guard": "guard",
    "uninstall_guard": "guard",
    "install_in_worker": "guard",
    "load_policy": "policy",
}

__all__ = [
    "AWS",
    "RealAWSCallBlocked",
    "install_guard",
    "install_in_worker",
    "load_policy",
    "uninstall_guard",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
