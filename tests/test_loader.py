"""loader: handler string -> callable, failing as the runtime's bootstrap fails."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind
from pytest_lambda.loader import InitError, load_handler, split_handler


@pytest.fixture
def on_path(handlers_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """tests/handlers importable, and whatever the test imports from it forgotten after."""
    monkeypatch.syspath_prepend(str(handlers_dir))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.mark.parametrize(
    ("handler", "parts"),
    [
        ("app.handler", ("app", "handler")),
        ("pkg.mod.handler", ("pkg.mod", "handler")),
        ("src/app.handler", ("src/app", "handler")),
        ("a.b.c.d", ("a.b.c", "d")),
    ],
)
def test_split_handler_splits_at_the_last_dot(handler: str, parts: tuple[str, str]) -> None:
    assert split_handler(handler) == parts


def test_split_handler_without_a_dot() -> None:
    with pytest.raises(InitError) as raised:
        split_handler("handler")
    error = raised.value.error
    assert error.kind is ErrorKind.INIT
    assert error.error_type == "Runtime.MalformedHandlerName"
    assert error.message == "Bad handler 'handler': not enough values to unpack (expected 2, got 1)"
    assert str(raised.value) == f"Runtime.MalformedHandlerName: {error.message}"


@pytest.mark.usefixtures("on_path")
@pytest.mark.parametrize(
    ("handler", "module"),
    [("pkg.mod.handler", "pkg.mod"), ("src/app.handler", "src.app"), ("app.echo", None)],
)
def test_load_handler_returns_the_function(handler: str, module: str | None) -> None:
    function = load_handler(handler)
    assert callable(function)
    assert function.__name__ == handler.rsplit(".", 1)[1]
    if module is not None:
        assert function({}, None) == {"module": module}


@pytest.mark.usefixtures("on_path")
@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("json.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'json'"),
        (
            "builtins.print",
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module builtins as a handler module",
        ),
        (
            "sys.path.handler",
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys.path as a handler module",
        ),
        (
            "nowhere/app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'nowhere/app': No module named 'nowhere'",
        ),
        ("app.CALLS_X", "Runtime.HandlerNotFound", "Handler 'CALLS_X' missing on module 'app'"),
    ],
)
def test_load_handler_errors(handler: str, error_type: str, message: str) -> None:
    with pytest.raises(InitError) as raised:
        load_handler(handler)
    error = raised.value.error
    assert (error.kind, error.error_type, error.message) == (ErrorKind.INIT, error_type, message)
    assert error.payload == {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": [],
    }


@pytest.mark.usefixtures("on_path")
def test_exceptions_at_import_propagate_unchanged() -> None:
    with pytest.raises(Exception, match="TABLE_NAME is not set") as raised:
        load_handler("raises_at_import.handler")
    assert type(raised.value).__name__ == "ConfigurationMissing"
    assert not isinstance(raised.value, InitError)
