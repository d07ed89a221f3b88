"""The console's Hello World test event."""

from __future__ import annotations

from ._core import Event, factory, register
from ._schema import STR, obj

HELLO_WORLD_SCHEMA = obj({"key1": STR, "key2": STR, "key3": STR})


@factory
def hello_world(*, key1: str = "value1", key2: str = "value2", key3: str = "value3") -> Event:
    """{"key1": "value1", "key2": "value2", "key3": "value3"}, the console's default test event."""
    return {"key1": key1, "key2": key2, "key3": key3}


register("hello-world", "The Lambda console's Hello World test event", HELLO_WORLD_SCHEMA,
         hello_world)
