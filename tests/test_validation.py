"""Every public entry point checks what it is given before anything starts: a HarnessError
naming the setting, the value and the rule, the same in both isolations, never a
TypeError, ValueError or AttributeError from deep inside the harness, and never a worker
killed by a value it cannot hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_lambda import (
    HarnessError,
    LambdaContext,
    LambdaFunction,
    events,
    load_event,
    validate_event,
)
from pytest_lambda.events import EventArgumentError

HANDLERS = Path(__file__).parent / "handlers"


def settings_error(isolation: str, **settings: Any) -> str:
    settings = {"code_dir": HANDLERS, "isolation": isolation, **settings}
    handler = settings.pop("handler", "app.handler")
    with pytest.raises(HarnessError) as info:
        LambdaFunction(handler, **settings)
    return str(info.value)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"env": "STAGE=dev"}, "env must be a mapping of names to strings, like {'STAGE': "),
        ({"env": [("STAGE", "dev")]}, "env must be a mapping of names to strings"),
        ({"env": {"STAGE": "d\x00ev"}}, "environment variable 'STAGE' contains a NUL"),
        ({"env": {"STAGE": 1}}, "environment variable 'STAGE' must be a string"),
        (
            {"code_dir": 123},
            "code_dir must be a directory path (a str or a pathlib.Path), got int 123",
        ),
        ({"code_dir": "tests\x00"}, "code_dir 'tests\\x00' is not a directory"),
        ({"handler": "app.hand\x00ler"}, "handler 'app.hand\\x00ler' contains a NUL character"),
        ({"handler": 7}, "handler must be a handler string like 'app.handler'"),
        ({"memory_mb": "128"}, "memory_mb must be a whole number of MB between 128 and"),
        ({"timeout_s": float("nan")}, "timeout_s=nan is out of range"),
        ({"layers": 3}, "layers must be a list of layer directories, got 3"),
        ({"name": "a\x00b"}, "function name 'a\\x00b' is invalid"),
        ({"region": "us-east-1\x00"}, "region='us-east-1\\x00' is invalid"),
    ],
)
def test_function_settings_are_checked_alike_in_both_isolations(
    settings: dict[str, Any], expected: str
) -> None:
    inline, process = (settings_error(isolation, **settings) for isolation in ("inline", "process"))
    assert inline == process
    assert expected in inline


@pytest.fixture
def function() -> Any:
    with LambdaFunction("app.handler", code_dir=HANDLERS, isolation="inline") as made:
        yield made


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda f: f.invoke({}, context=3), "context must be a LambdaContext (or None), got int 3"),
        (lambda f: f.invoke_many(3), "events must be a list of events, one invoke each, got int"),
        (
            lambda f: f.invoke_many("abc"),
            "events must be a list of events, one invoke each, got str",
        ),
        (lambda f: f.invoke_many([{}], concurrency="2"), "concurrency must be a whole number"),
        (lambda f: f.invoke_raw("{}"), "invoke_raw() takes the request body as bytes, got str"),
        (lambda f: f.update_configuration(env="A=b"), "env must be a mapping of names"),
    ],
)
def test_invoke_arguments_are_checked(
    function: LambdaFunction, call: Callable[[LambdaFunction], Any], expected: str
) -> None:
    with pytest.raises(HarnessError) as info:
        call(function)
    assert expected in str(info.value)
    assert function.invocations == []


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: LambdaFunction.from_template(123), "template must be the path of a SAM"),
        (lambda: LambdaFunction.from_template(None), "got NoneType None"),
        (
            lambda: LambdaFunction.from_template("template.yaml", 3),
            "logical_id must be a template's logical id like 'HelloWorldFunction', got int 3",
        ),
        (lambda: LambdaContext(timeout_s="3"), "LambdaContext(timeout_s=...) takes a number"),
        (lambda: LambdaContext(function_name=3), "LambdaContext(function_name=...) takes a string"),
    ],
)
def test_templates_and_contexts_are_checked(call: Callable[[], Any], expected: str) -> None:
    with pytest.raises(HarnessError) as info:
        call()
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda: load_event(None),
            "an event is named by a string like 's3-put' or 'sqs--fifo', got NoneType None",
        ),
        (lambda: load_event(3), "got int 3"),
        (lambda: load_event("s3-put", bucket=3), "s3_put(): bucket takes str, got int 3"),
        (lambda: load_event("s3-put", buckt="b"), "'buckt'; accepted: bucket, key"),
        (lambda: validate_event({}, kind=3), "an event kind is a string like 's3-put', got int 3"),
        (lambda: validate_event({}, kind=["sqs"]), "got list ['sqs']"),
        (
            lambda: events.sqs(bodies=3),
            "sqs(): bodies takes list[str | dict[str, Any] | list[Any]] | None, got int 3",
        ),
        (lambda: events.sqs(bodies=["a", 3]), "sqs(): bodies takes list["),
        (lambda: events.s3_put(bucket=None), "s3_put(): bucket takes str, got NoneType None"),
        (lambda: events.s3_put("b"), "s3_put() takes keyword arguments only"),
    ],
)
def test_event_arguments_are_checked(call: Callable[[], Any], expected: str) -> None:
    with pytest.raises(EventArgumentError) as info:
        call()
    assert isinstance(info.value, HarnessError)
    # A TypeError too, as Python's own would be.
    assert isinstance(info.value, TypeError)
    assert expected in str(info.value)


def test_events_of_the_right_types_still_build() -> None:
    event = events.sqs(bodies=["a", {"b": 1}], message_attributes={"k": "v"})
    assert len(event["Records"]) == 2
    assert validate_event(event) == "sqs"
