"""Sample events, factories, JSON Schemas, validation and detection for Lambda event sources.

`events.<source>(**fields)` builds an event with every derived field consistent,
`load_event(name, **overrides)` returns a fresh copy of a sample, `validate_event` checks an
event against its kind's JSON Schema and `detect_event_type` names the kind of any event.
The record builders (`s3_record`, `sns_record`, `sqs_record`, `dynamodb_stream_record`,
`eventbridge_event`) build one record of a notification: the factories use them, and so
do the `aws` fixture's triggers, so a trigger's event and the factory's cannot disagree.

This package is a leaf: it imports nothing of the harness but its errors.
"""

from __future__ import annotations

from typing import Any

from ._cli import generate, list_kinds, validation_errors
from ._core import REGISTRY, EventArgumentError
from ._detect import detect_event_type
from ._samples import load_event, sample_dir, sample_names
from ._validate import EventValidationError, UnknownEventError, check, schema_for, unknown_kind
from .alb import alb
from .apigateway import (
    apigateway_authorizer,
    apigateway_http,
    apigateway_rest,
    apigateway_websocket,
)
from .appsync import appsync, appsync_authorizer, appsync_events
from .bedrock_agent import bedrock_agent
from .cloudformation import cloudformation_custom_resource
from .cloudfront import cloudfront
from .cloudwatch_logs import cloudwatch_logs, decode_logs
from .codepipeline import codecommit, codepipeline
from .cognito import (
    cognito_create_auth_challenge,
    cognito_custom_email_sender,
    cognito_custom_message,
    cognito_custom_sms_sender,
    cognito_define_auth_challenge,
    cognito_inbound_federation,
    cognito_post_authentication,
    cognito_post_confirmation,
    cognito_pre_authentication,
    cognito_pre_signup,
    cognito_pre_token_generation,
    cognito_sync,
    cognito_user_migration,
    cognito_verify_auth_challenge,
)
from .config import config
from .connect import connect
from .dynamodb import dynamodb_stream, dynamodb_stream_record, to_dynamodb_json
from .eventbridge import eventbridge, eventbridge_event, scheduled
from .hello_world import hello_world
from .iot import iot
from .kafka import kafka, msk
from .kinesis import firehose, kinesis, kinesis_record
from .lambda_url import function_url
from .lex import lex, lex_v2
from .mq import mq
from .s3 import s3_batch, s3_delete, s3_object_lambda, s3_put, s3_record
from .secretsmanager import secretsmanager_rotation
from .ses import ses
from .sns import sns, sns_record
from .sqs import sqs, sqs_record, sqs_record_from_message
from .stepfunctions import stepfunctions
from .vpc_lattice import vpc_lattice


def kinds() -> list[str]:
    """Every kind name, in registration order."""
    return list(REGISTRY)


def factory_for(kind: str) -> Any:
    """The factory that builds events of `kind` (e.g. s3_put for "s3-put")."""
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise unknown_kind(kind)
    return REGISTRY[kind].factory


def validate_event(event: Any, kind: str | None = None) -> str:
    """Check `event` against the JSON Schema of `kind` (detected when None); returns the kind.

    Raises EventValidationError naming the kind, the JSON path and the offending value, or
    saying the kind could not be detected.
    """
    __tracebackhide__ = True
    if kind is None:
        kind = detect_event_type(event)
        if kind is None:
            raise EventValidationError(
                "could not detect the event kind; pass kind=..., e.g. "
                "validate_event(event, kind='s3-put') (list them with 'pytest-lambda events')",
                kind=None,
                path="$",
                value=event,
            )
    elif not isinstance(kind, str) or kind not in REGISTRY:
        raise unknown_kind(kind)
    check(event, kind)
    return kind


__all__ = [
    "EventArgumentError",
    "EventValidationError",
    "UnknownEventError",
    "alb",
    "apigateway_authorizer",
    "apigateway_http",
    "apigateway_rest",
    "apigateway_websocket",
    "appsync",
    "appsync_authorizer",
    "appsync_events",
    "bedrock_agent",
    "cloudformation_custom_resource",
    "cloudfront",
    "cloudwatch_logs",
    "codecommit",
    "codepipeline",
    "cognito_create_auth_challenge",
    "cognito_custom_email_sender",
    "cognito_custom_message",
    "cognito_custom_sms_sender",
    "cognito_define_auth_challenge",
    "cognito_inbound_federation",
    "cognito_post_authentication",
    "cognito_post_confirmation",
    "cognito_pre_authentication",
    "cognito_pre_signup",
    "cognito_pre_token_generation",
    "cognito_sync",
    "cognito_user_migration",
    "cognito_verify_auth_challenge",
    "config",
    "connect",
    "decode_logs",
    "detect_event_type",
    "dynamodb_stream",
    "dynamodb_stream_record",
    "eventbridge",
    "eventbridge_event",
    "factory_for",
    "firehose",
    "function_url",
    "generate",
    "hello_world",
    "iot",
    "kafka",
    "kinds",
    "kinesis",
    "kinesis_record",
    "lex",
    "lex_v2",
    "list_kinds",
    "load_event",
    "mq",
    "msk",
    "s3_batch",
    "s3_delete",
    "s3_object_lambda",
    "s3_put",
    "s3_record",
    "sample_dir",
    "sample_names",
    "schema_for",
    "scheduled",
    "secretsmanager_rotation",
    "ses",
    "sns",
    "sns_record",
    "sqs",
    "sqs_record",
    "sqs_record_from_message",
    "stepfunctions",
    "to_dynamodb_json",
    "validate_event",
    "validation_errors",
    "vpc_lattice",
]
