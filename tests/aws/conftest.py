"""Every aws test that runs a handler runs it both ways: inline and in a worker process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

from ._support import HANDLERS


@pytest.fixture(params=["inline", "process"])
def isolation(request: pytest.FixtureRequest) -> str:
    """The isolation the test's functions use (the test runs once with each)."""
    mode: str = request.param
    return mode


@pytest.fixture
def aws_function(isolation: str) -> Iterator[Callable[..., LambdaFunction]]:
    """`aws_function(handler, **settings)`: a function over tests/aws/handlers in the
    test's isolation, closed after the test."""
    created: list[LambdaFunction] = []

    def make(handler: str, **settings: Any) -> LambdaFunction:
        function = LambdaFunction(handler, code_dir=HANDLERS, isolation=isolation, **settings)
        created.append(function)
        return function

    yield make
    for function in created:
        function.close()
