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
    "require_moto",
    "uninstall_guard",
]


def attach(session: Session) -> None:
    """What the AWS layer adds to every session: its guard, in this process (switched on
    while held) and in every environment, worker processes included."""
    from . import guard

    guard.attach(session)
    session.add_worker_hook(WORKER_HOOK)


MIN_MOTO = (5, 0)


def require_moto() -> None:
    """moto 5 or later, or a one-line HarnessError saying what to do (the `aws` account
    is built on moto 5's mock_aws and server)."""
    from importlib import metadata

    from ..errors import HarnessError

    try:
        version = metadata.version("moto")
    except metadata.PackageNotFoundError:
        raise HarnessError(
            "the aws fixture needs moto 5 or later, which is not installed: "
            "pip install 'moto[server]>=5'"
        ) from None
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if numbers < MIN_MOTO:
        raise HarnessError(
            f"the aws fixture needs moto 5 or later (its mock_aws), but moto {version} is "
            "installed: upgrade with pip install 'moto[server]>=5' (moto 5 replaced mock_s3, "
            "mock_dynamodb and the like with mock_aws; see docs/migrating.md), or keep "
            "moto 4 and do without the aws fixture"
        )


def __getattr__(name: str) -> Any:
    if name == "AWS":
        require_moto()
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
