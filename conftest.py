"""The project's own test suite: what every test directory shares.

`isolation` runs a test under both runners (inline and process); `make_function` builds
the functions a test invokes, over the handlers of the test's directory (`code_dir`, set
by each directory's conftest) in the test's isolation, and closes them afterwards. A test
about one runner only parametrizes `isolation` itself, which overrides the fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from pytest_lambda import LambdaFunction
from pytest_lambda.config import Isolation

ISOLATIONS: tuple[Isolation, ...] = get_args(Isolation)


@pytest.fixture(params=ISOLATIONS)
def isolation(request: pytest.FixtureRequest) -> Isolation:
    """The isolation the test's functions use (the test runs once with each)."""
    mode: Isolation = request.param
    return mode


@pytest.fixture
def make_function(
    code_dir: Path, isolation: Isolation
) -> Iterator[Callable[..., LambdaFunction]]:
    """`make_function(handler, **settings)`: a LambdaFunction over `code_dir` in the test's
    isolation (settings override both), closed after the test."""
    created: list[LambdaFunction] = []

    def make(handler: str, **settings: Any) -> LambdaFunction:
        function = LambdaFunction(
            handler, **{"code_dir": code_dir, "isolation": isolation, **settings}
        )
        created.append(function)
        return function

    yield make
    for function in created:
        function.close()


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest's pytester, with pytest-randomly left out of the runs it starts.

    pytest-randomly is installed for the compatibility tests, which load it by name; in
    every other inner run it would shuffle the tests whose output a test reads in order.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:randomly")
    return pytester
