"""Handler string -> callable, failing exactly as the Python runtime's bootstrap fails."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from .errors import ErrorKind, LambdaError

Handler = Callable[[Any, Any], Any]


class InitError(Exception):
    """The Init phase failed; `error` is what the runtime posts to /init/error."""

    def __init__(self, error: LambdaError) -> None:
        super().__init__(str(error))
        self.error = error


def _init_error(error_type: str, message: str, trace: list[str] | None = None) -> InitError:
    return InitError(
        LambdaError.build(ErrorKind.INIT, error_type, message, stack_trace=trace or ())
    )


def split_handler(handler: str) -> tuple[str, str]:
    """`src/app.handler` -> (`src/app`, `handler`), with the runtime's error for no dot."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise _init_error("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    return module_name, function_name


def load_handler(handler: str) -> Handler:
    """Import the handler's module (the code directory must already be on sys.path).

    Exceptions raised by the module itself at import time propagate unchanged: the
    caller classifies them as the runtime does (type name, message, user frames).
    """
    module_name, function_name = split_handler(handler)
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise _init_error(
                "Runtime.BuiltInModuleConflict",
                f"Cannot use built-in module {module_name} as a handler module",
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise _init_error(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise _init_error(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}", trace
        ) from None
    try:
        function: Handler = getattr(module, function_name)
    except AttributeError:
        raise _init_error(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        ) from None
    return function
