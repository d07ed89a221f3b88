"""Fixtures for the sandbox tests: functions in worker processes over tests/sandbox/handlers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import LambdaFunction, sandbox

SANDBOX_HANDLERS = Path(__file__).parent / "handlers"

if not sandbox.supported():
    collect_ignore_glob = ["test_sandbox_*.py"]


@pytest.fixture
def process_function(
    function_maker: Callable[..., LambdaFunction],
) -> Callable[..., LambdaFunction]:
    """Build process-isolated LambdaFunctions; every one is closed afterwards."""

    def make(handler: str, **settings: Any) -> LambdaFunction:
        defaults = {"code_dir": SANDBOX_HANDLERS, "isolation": "process"}
        return function_maker(handler, **{**defaults, **settings})

    return make


def wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    """True once no process has this pid (zombies count as gone: they hold nothing)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.01)
    return False
