"""Responses take a fast path when plain: it must write the runtime's bytes all the same."""

from __future__ import annotations

import collections
import decimal
import math

import pytest

from pytest_lambda import runtime

PLAIN_VALUES = [
    {"statusCode": 200, "body": "ok"},
    {"nested": {"list": [1, 2.5, None, True, False, "é", "\u2028", '\x00\x1f"\\']}},
    [1e100, -0.0, 0.1, 10**30, -(10**30)],
    {2: "int key", 1.5: "float key", True: "bool key", None: "null key"},
    "just a string",
    math.inf,
    math.nan,
    None,
    [],
    {},
]


@pytest.mark.parametrize("value", PLAIN_VALUES, ids=repr)
def test_fast_path_writes_what_the_runtime_encoder_writes(value: object) -> None:
    assert runtime._is_plain_json(value)
    expected = runtime._ENCODER.encode(value).encode("utf-8")
    assert runtime.marshal_response(value, "id") == expected


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Point(1, 2), b'{"x": 1, "y": 2}'),  # simplejson writes named tuples as objects
        ((1, 2), b"[1, 2]"),
        (decimal.Decimal("1.10"), b"1.10"),
        (
            {"big": list(range(300))},
            ('{"big": [' + ", ".join(map(str, range(300))) + "]}").encode(),
        ),
    ],
)
def test_values_outside_the_fast_path_go_through_the_runtime_encoder(
    value: object, expected: bytes
) -> None:
    assert runtime.marshal_response(value, "id") == expected


def test_a_circular_response_is_a_marshal_error() -> None:
    value: dict[str, object] = {}
    value["self"] = value
    with pytest.raises(runtime.MarshalFault) as caught:
        runtime.marshal_response(value, "id")
    assert caught.value.error.message == "Unable to marshal response: Circular reference detected"


def test_a_failed_request_encoding_leaves_no_stale_state() -> None:
    shared = {"a": 1}
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        runtime.marshal_event({"x": shared, "y": {1}})
    assert runtime.marshal_event({"x": shared, "z": shared}) == b'{"x": {"a": 1}, "z": {"a": 1}}'
