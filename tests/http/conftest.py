from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction

HANDLERS = Path(__file__).parent / "handlers"


@pytest.fixture
def make_function():
    """LambdaFunction(handler) from tests/http/handlers, inline unless told; closed after."""
    made: list[LambdaFunction] = []

    def make(handler: str, **settings):
        settings.setdefault("isolation", "inline")
        function = LambdaFunction(f"api.{handler}", code_dir=HANDLERS, **settings)
        made.append(function)
        return function

    yield make
    for function in made:
        function.close()
