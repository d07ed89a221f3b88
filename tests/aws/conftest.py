"""The aws tests: every test that runs a handler runs it both ways (the root `isolation`
fixture), over tests/aws/handlers; every event a trigger delivered is checked against
the schema of its kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_lambda import validate_event

from ._support import HANDLERS


@pytest.fixture
def code_dir() -> Path:
    return HANDLERS


@pytest.fixture(autouse=True)
def trigger_events_match_their_schemas(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used `aws`: each event its triggers delivered validates as the
    kind the trigger says it delivers."""
    aws = request.getfixturevalue("aws") if "aws" in request.fixturenames else None
    yield
    if aws is None:
        return
    for trigger in aws.triggers:
        for event in trigger.events:
            kind = trigger.kind_of(event)
            if kind is not None:
                validate_event(event, kind)
