"""Shared fixtures for the engine's unit tests (the plugin itself is loaded by its entry point)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import freezegun
import pytest

from pytest_lambda import LambdaFunction

HANDLERS_DIR = Path(__file__).parent / "handlers"

# freezegun reads every attribute of every loaded module when time freezes; Powertools'
# parser package answers some of those reads with a lazy import, which then fails under
# the frozen clock. Which tests ran before decides whether it is loaded, so leave it out.
freezegun.configure(extend_ignore_list=["aws_lambda_powertools"])


@pytest.fixture
def handlers_dir() -> Path:
    """The code directory of the test handlers (tests/handlers)."""
    return HANDLERS_DIR


@pytest.fixture
def function_maker() -> Iterator[Callable[..., LambdaFunction]]:
    """`function_maker(handler, **settings)`: a LambdaFunction closed after the test."""
    created: list[LambdaFunction] = []

    def make(handler: str, **settings: Any) -> LambdaFunction:
        function = LambdaFunction(handler, **settings)
        created.append(function)
        return function

    yield make
    for function in created:
        function.close()


@pytest.fixture
def make_function(function_maker: Callable[..., LambdaFunction]) -> Callable[..., LambdaFunction]:
    """Build inline LambdaFunctions over tests/handlers; every one is closed afterwards."""

    def make(handler: str, **settings: Any) -> LambdaFunction:
        return function_maker(
            handler, **{"code_dir": HANDLERS_DIR, "isolation": "inline", **settings}
        )

    return make
