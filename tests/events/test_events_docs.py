"""docs/events.md must document every kind and its factory, so it cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_lambda import events
from pytest_lambda.events._core import accepted_keywords

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_kind_is_documented_with_its_factory() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([a-z0-9-]+)`$", text, flags=re.M))
    assert documented == set(events.kinds())
    for kind in events.kinds():
        name = events.factory_for(kind).__name__
        assert f"events.{name}(" in text, f"docs/events.md lacks the factory of {kind}"
        for parameter in accepted_keywords(events.factory_for(kind)):
            assert re.search(rf"events\.{name}\(.*\b{parameter}\b", text), (kind, parameter)
