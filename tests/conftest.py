"""Shared fixtures for the engine's unit tests (the plugin itself is loaded by its entry point)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

HANDLERS_DIR = Path(__file__).parent / "handlers"


@pytest.fixture
def handlers_dir() -> Path:
    """The code directory of the test handlers (tests/handlers)."""
    return HANDLERS_DIR


@pytest.fixture
def make_function() -> Iterator[Callable[..., LambdaFunction]]:
    """Build inline LambdaFunctions over tests/handlers; every one is closed afterwards."""
    created: list[LambdaFunction] = []

    def make(handler: str, **settings: Any) -> LambdaFunction:
        settings.setdefault("code_dir", HANDLERS_DIR)
        settings.setdefault("isolation", "inline")
        function = LambdaFunction(handler, **settings)
        created.append(function)
        return function

    yield make
    for function in created:
        function.close()
