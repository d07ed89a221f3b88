"""Responses take a fast path when plain: it must write the runtime's bytes all the same."""

from __future__ import annotations

import collections
import decimal
import math

import pytest
import simplejson

from pytest_lambda import runtime

PLAIN_VALUES = [
    {"statusCode": 200, "body": "ok"},
    {"nested": {"list": [1, 2.5, None, True, False, "é", "\u2028", '\x00\x1f"\\']}},
    {"astral": "\U0001f600", "lone surrogate": "\ud800"},
    [1e100, -0.0, 0.1, 10**30, -(10**30)],
    {2: "int key", 1.5: "float key", True: "bool key", None: "null key"},
    "just a string",
    math.inf,
    math.nan,
    None,
    [],
    {},
]


# Runtimes before python3.12 escape non-ASCII characters; later ones write UTF-8.
EXECUTION_ENVS = ["AWS_Lambda_python3.11", "AWS_Lambda_python3.12"]


@pytest.mark.parametrize("execution_env", EXECUTION_ENVS)
@pytest.mark.parametrize("value", PLAIN_VALUES, ids=repr)
def test_fast_path_writes_what_the_runtime_encoder_writes(
    value: object, execution_env: str
) -> None:
    assert runtime._is_plain_json(value)
    encoder = runtime.ResponseEncoder(execution_env)
    assert encoder.text(value) == encoder._encoder.encode(value)


def test_the_encoder_follows_the_runtime_version() -> None:
    value = {"text": "héllo ☃"}
    older = runtime.ResponseEncoder("AWS_Lambda_python3.11").marshal(value, "id")
    newer = runtime.ResponseEncoder("AWS_Lambda_python3.12").marshal(value, "id")
    assert older == '{"text": "h\\u00e9llo \\u2603"}'
    assert newer == '{"text": "héllo ☃"}'
    # Not a runtime the encoder knows (outside Lambda): the older runtimes' encoding.
    assert runtime.ResponseEncoder(None).ensure_ascii


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Point(1, 2), '{"x": 1, "y": 2}'),  # simplejson writes named tuples as objects
        ((1, 2), "[1, 2]"),
        (decimal.Decimal("1.10"), "1.10"),
        (decimal.Decimal("NaN"), "NaN"),
        ({"big": list(range(300))}, '{"big": [' + ", ".join(map(str, range(300))) + "]}"),
        (b"\x00raw", b"\x00raw"),
    ],
)
def test_values_outside_the_fast_path_go_through_the_runtime_encoder(
    value: object, expected: str | bytes
) -> None:
    assert runtime.ResponseEncoder("AWS_Lambda_python3.12").marshal(value, "id") == expected


def test_a_circular_response_is_a_marshal_error() -> None:
    value: dict[str, object] = {}
    value["self"] = value
    with pytest.raises(runtime.MarshalFault) as caught:
        runtime.ResponseEncoder(None).marshal(value, "id")
    assert caught.value.error.message == "Unable to marshal response: Circular reference detected"


def test_a_failed_request_encoding_leaves_no_stale_state() -> None:
    shared = {"a": 1}
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        runtime.encode_request({"x": shared, "y": {1}})
    assert runtime.encode_request({"x": shared, "z": shared}) == b'{"x": {"a": 1}, "z": {"a": 1}}'


def test_requests_are_written_as_an_sdk_writes_them() -> None:
    assert runtime.encode_request({"t": "é"}) == b'{"t": "\\u00e9"}'
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        runtime.encode_request({"x": math.nan})


@pytest.mark.parametrize(
    "body",
    [b'{"a": [1, {"b": null}]}', b' {"a": 1} ', b'\xef\xbb\xbf{"a": 1}', b'"\\ud83d\\ude00"'],
)
def test_events_decode_to_what_simplejson_reads(body: bytes) -> None:
    assert runtime.decode_event(body) == simplejson.loads(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": NaN}', "Expecting value: line 1 column 7 (char 6)"),
        (b'{"a": [1, 2,]}', "Illegal trailing comma before end of array: line 1 column 12"),
        (b"{'a': 1}", "Expecting property name enclosed in double quotes or '}': line 1 column 2"),
    ],
)
def test_events_that_are_not_json_fail_with_simplejsons_message(body: bytes, message: str) -> None:
    with pytest.raises(runtime.MarshalFault) as caught:
        runtime.unmarshal_event(body, "id")
    assert caught.value.error.message.startswith(f"Unable to unmarshal input: {message}")
