"""Moto-backed AWS for tests, credential safety, triggers and execution-role permissions.

- account.py: `AWS`, the mocked account of one test (the plugin's `aws` fixture);
- guard.py and outbound.py: no request reaches real AWS; handlers' `requests` calls in
  workers are answered in the test process;
- mocking.py and moto_server.py: moto's in-process mock, and moto over HTTP for handlers;
- triggers.py: changes in moto -> the functions subscribed to them;
- stack.py: `aws.deploy()`, a template's resources created and its events wired;
- calls.py and permissions.py: a handler's AWS call as the server reads it, checked
  against its function's role policy;
- services/: one module per AWS service (see its README).

Submodules load on first use: a worker process imports `pytest_lambda.aws.guard` before a
handler's Init and must not pay for moto or boto3 it may never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..policy import load_policy
    from ..session import Session
    from .account import AWS
    from .guard import RealAWSCallBlocked, install_guard, install_in_worker, uninstall_guard
    from .stack import Stack, StackResource

# What every worker runs before Init: the guard (see guard.install_in_worker).
WORKER_HOOK = "pytest_lambda.aws.guard:install_in_worker"

__all__ = [
    "AWS",
    "RealAWSCallBlocked",
    "Stack",
    "StackResource",
    "attach",
    "install_guard",
    "install_in_worker",
    "load_policy",
    "uninstall_guard",
]


def attach(session: Session) -> None:
    """What the AWS layer adds to every session: its guard, in every worker process."""
    session.add_worker_hook(WORKER_HOOK)


def __getattr__(name: str) -> Any:
    if name == "AWS":
        from . import account

        return account.AWS
    if name in ("RealAWSCallBlocked", "install_guard", "uninstall_guard", "install_in_worker"):
        from . import guard

        return getattr(guard, name)
    if name in ("Stack", "StackResource"):
        from . import stack

        return getattr(stack, name)
    if name == "load_policy":
        from .. import policy

        return policy.load_policy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
