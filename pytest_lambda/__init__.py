"""pytest-lambda: run AWS Lambda Python handlers in tests the way Lambda runs them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import session as _session
from .aws import attach as _attach_aws
from .config import FunctionConfig
from .context import ClientContext, CognitoIdentity, LambdaContext
from .errors import ErrorKind, HarnessError, LambdaError
from .function import LambdaFunction
from .invocation import Invocation
from .limits import Limits
from .logs import LogRecord

# The package is where the layers are put together: every session gets what the AWS
# layer adds to it (the guard in every worker), without the layers below importing it.
_session.on_open(_attach_aws)

if TYPE_CHECKING:
    from . import events
    from .events import EventValidationError, detect_event_type, load_event, validate_event
    from .notices import RuntimeVersionWarning, TemplateWarning

# The events package brings in jsonschema and boto3's DynamoDB types: it is imported on
# first use, so that neither pytest's start-up nor an execution environment's Init pays
# for it when no event is built.
_LAZY = {
    "events": "",
    "EventValidationError": "EventValidationError",
    "detect_event_type": "detect_event_type",
    "load_event": "load_event",
    "validate_event": "validate_event",
}


# The warning classes are pytest warnings: imported on first use, like the events package,
# so that an execution environment's process never imports pytest.
_NOTICES = ("RuntimeVersionWarning", "TemplateWarning")


def __getattr__(name: str) -> Any:
    # Looked up in sys.modules at every access, not cached here: a pytest run inside a
    # test (pytester) imports these modules afresh and drops them after, and a cached
    # class would then no longer be the one the harness raises or warns with.
    import importlib

    if name in _NOTICES:
        return getattr(importlib.import_module(".notices", __name__), name)
    if name in _LAZY:
        module = importlib.import_module(".events", __name__)
        return getattr(module, _LAZY[name]) if _LAZY[name] else module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ClientContext",
    "CognitoIdentity",
    "ErrorKind",
    "EventValidationError",
    "FunctionConfig",
    "HarnessError",
    "Invocation",
    "LambdaContext",
    "LambdaError",
    "LambdaFunction",
    "Limits",
    "LogRecord",
    "RuntimeVersionWarning",
    "TemplateWarning",
    "detect_event_type",
    "events",
    "load_event",
    "validate_event",
]
