"""The sandbox tests: process isolation itself, over tests/sandbox/handlers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pytest_lambda.config import Isolation
from pytest_lambda.environments import process

SANDBOX_HANDLERS = Path(__file__).parent / "handlers"

if not process.supported():
    collect_ignore_glob = ["test_sandbox_*.py"]


@pytest.fixture
def code_dir() -> Path:
    return SANDBOX_HANDLERS


@pytest.fixture
def isolation() -> Isolation:
    """These tests are about worker processes: no inline run."""
    return "process"


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
