"""pytest-lambda: run AWS Lambda Python handlers in tests the way Lambda runs them."""

from __future__ import annotations

from .config import FunctionConfig
from .context import ClientContext, CognitoIdentity, LambdaContext
from .errors import ErrorKind, HarnessError, LambdaError
from .invoke import Invocation, LambdaFunction

__all__ = [
    "ClientContext",
    "CognitoIdentity",
    "ErrorKind",
    "FunctionConfig",
    "HarnessError",
    "Invocation",
    "LambdaContext",
    "LambdaError",
    "LambdaFunction",
]
