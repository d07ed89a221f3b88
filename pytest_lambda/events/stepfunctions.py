"""AWS Step Functions: the error object a Catch passes to a Lambda task."""

from __future__ import annotations

from ._core import Event, factory, register
from ._schema import STR, obj

STEPFUNCTIONS_SCHEMA = obj({"Error": STR, "Cause": STR})


@factory
def stepfunctions(
    *,
    error: str = "States.TaskFailed",
    cause: str = "The task failed: see the Cause of the previous state.",
) -> Event:
    """The {"Error", "Cause"} object Step Functions hands on after a caught failure."""
    return {"Error": error, "Cause": cause}


register(
    "stepfunctions",
    "AWS Step Functions caught error passed to a task",
    STEPFUNCTIONS_SCHEMA,
    stepfunctions,
)
