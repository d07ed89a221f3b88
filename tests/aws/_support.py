"""Helpers shared by the aws tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction

HANDLERS = Path(__file__).parent / "handlers"


def validate(event: Any, kind: str) -> None:
    """Validate with the events package's schemas, when that package provides them."""
    try:
        from pytest_lambda.events import validate_event
    except ImportError:
        pytest.skip("pytest_lambda.events.validate_event is not available yet")
    validate_event(event, kind)


MakeFunction = Callable[..., LambdaFunction]
