"""A small vocabulary for writing the event JSON Schemas (Draft 2020-12) compactly.

Objects stay open (additional properties allowed) unless AWS documents a closed shape:
AWS adds fields to events over time, and a schema that rejects them would fail on real
traffic. Only what AWS guarantees is `required`.
"""

from __future__ import annotations

from typing import Any

from ._core import Schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
OBJ: Schema = {"type": "object"}
ANY: Schema = {}
NULL: Schema = {"type": "null"}


def obj(
    required: dict[str, Schema] | None = None,
    optional: dict[str, Schema] | None = None,
    *,
    closed: bool = False,
) -> Schema:
    props = {**(required or {}), **(optional or {})}
    schema: Schema = {"type": "object"}
    if props:
        schema["properties"] = props
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def arr(items: Schema, *, min_items: int = 0) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if min_items:
        schema["minItems"] = min_items
    return schema


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, NULL]}


def const(value: Any) -> Schema:
    return {"const": value}


def enum(*values: Any) -> Schema:
    return {"enum": list(values)}


def pattern(regex: str) -> Schema:
    return {"type": "string", "pattern": regex}


def str_map(values: Schema = STR) -> Schema:
    return {"type": "object", "additionalProperties": values}


def records(record: Schema) -> Schema:
    """The {"Records": [...]} envelope of S3, SQS, SNS, DynamoDB, Kinesis, SES, ..."""
    return obj({"Records": arr(record, min_items=1)})


def document(kind: str, description: str, body: Schema) -> Schema:
    return {"$schema": DRAFT, "$id": f"pytest-lambda:events/{kind}", "title": kind,
            "description": description, **body}


# Only a string: fixtures published by AWS projects hold placeholders such as
# "arn:aws:sns:EXAMPLE", "stream-ARN" or "aws:lambda:events", and a validator that rejects
# them rejects events users copy from the documentation.
ARN = STR
HEADERS = nullable(str_map(nullable(STR)))
MULTI_HEADERS = nullable(str_map(nullable(arr(nullable(STR)))))
