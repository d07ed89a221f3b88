"""Helpers shared by the aws tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytest_lambda import LambdaFunction

HANDLERS = Path(__file__).parent / "handlers"

MakeFunction = Callable[..., LambdaFunction]
