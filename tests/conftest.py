"""Fixtures of the engine's tests (the plugin itself is loaded by its entry point)."""

from __future__ import annotations

from pathlib import Path

import freezegun
import pytest

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
def code_dir(handlers_dir: Path) -> Path:
    """Where make_function's handlers are: tests/handlers here."""
    return handlers_dir


@pytest.fixture(autouse=True)
def _no_github_job_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest runs inside tests (pytester) write no job summary of their own to a CI job."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
