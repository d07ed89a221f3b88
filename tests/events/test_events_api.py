"""load_event, validate_event, detect_event_type and the CLI helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_lambda import events
from pytest_lambda.events import (
    EventValidationError,
    UnknownEventError,
    detect_event_type,
    generate,
    list_kinds,
    load_event,
    sample_dir,
    sample_names,
    validate_event,
    validation_errors,
)

DESIGN_KINDS = [
    "hello-world", "s3-put", "s3-delete", "apigateway-rest", "apigateway-http", "alb",
    "function-url", "sqs", "sns", "dynamodb-stream", "kinesis", "eventbridge", "scheduled",
    "cloudwatch-logs", "firehose", "ses", "cloudfront", "cloudformation-custom-resource", "msk",
    "kafka", "mq", "appsync", "s3-batch", "codepipeline", "codecommit", "config", "iot", "lex",
    "secretsmanager-rotation", "apigateway-websocket", "apigateway-authorizer",
    "s3-object-lambda", "bedrock-agent", "vpc-lattice", "stepfunctions",
]
COGNITO_TRIGGERS = [
    "pre-signup", "post-confirmation", "pre-token-generation", "custom-message",
    "define-auth-challenge", "create-auth-challenge", "verify-auth-challenge",
    "pre-authentication", "post-authentication", "user-migration", "custom-email-sender",
    "custom-sms-sender",
]


def test_every_design_kind_and_cognito_trigger_is_registered() -> None:
    kinds = set(events.kinds())
    assert set(DESIGN_KINDS) <= kinds
    assert {f"cognito-{t}" for t in COGNITO_TRIGGERS} <= kinds
    assert len(kinds) >= 40


def test_sample_files_match_the_registry() -> None:
    on_disk = {p.stem for p in sample_dir().glob("*.json")}
    assert on_disk == set(sample_names())


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_validates_and_is_detected(name: str) -> None:
    event = load_event(name)
    kind = name.split("--")[0]
    assert detect_event_type(event) == kind
    assert validate_event(event) == kind
    assert validation_errors(event, kind) == []


@pytest.mark.parametrize("kind", events.kinds())
def test_every_factory_output_validates_and_is_detected(kind: str) -> None:
    event = events.factory_for(kind)()
    assert validate_event(event, kind) == kind
    assert detect_event_type(event) == kind
    json.dumps(event)


def test_hello_world_is_exact() -> None:
    assert load_event("hello-world") == {"key1": "value1", "key2": "value2", "key3": "value3"}


@pytest.mark.parametrize(
    "event",
    [{}, {"foo": 1}, [], "text", None, {"key1": "a", "key2": "b"},
     {"key1": "value1", "key2": "value2", "key3": "value3", "key4": "x"},
     {"Records": []}, {"Records": [{"eventSource": "aws:unknown"}]}],
)
def test_unknown_shapes_are_none(event: object) -> None:
    assert detect_event_type(event) is None


def test_load_event_returns_a_fresh_deep_copy() -> None:
    first = load_event("s3-put")
    first["Records"][0]["s3"]["bucket"]["name"] = "mutated"
    assert load_event("s3-put")["Records"][0]["s3"]["bucket"]["name"] != "mutated"


def test_load_event_overrides_go_through_the_factory() -> None:
    event = load_event("s3-put", bucket="b", key="a b.txt")
    record = event["Records"][0]
    assert record["s3"]["bucket"] == {**record["s3"]["bucket"], "name": "b",
                                      "arn": "arn:aws:s3:::b"}
    assert record["s3"]["object"]["key"] == "a+b.txt"
    fifo = load_event("sqs--fifo", bodies=["x", "y"])
    assert [r["attributes"]["MessageGroupId"] for r in fifo["Records"]] == ["group-1"] * 2
    assert fifo["Records"][0]["eventSourceARN"].endswith(".fifo")


def test_load_event_unknown_override_lists_accepted() -> None:
    with pytest.raises(TypeError, match=r"'buckt'.*accepted: bucket, key"):
        load_event("s3-put", buckt="b")


def test_unknown_event_name_suggests_a_close_match() -> None:
    with pytest.raises(UnknownEventError, match=r"unknown event 's3-pt'; did you mean 's3-put'\?"):
        load_event("s3-pt")
    with pytest.raises(LookupError, match="pytest-lambda events"):
        load_event("sqs--lifo")


def test_factory_unknown_keyword_lists_accepted() -> None:
    with pytest.raises(TypeError) as info:
        events.sqs(body="x")  # type: ignore[call-arg]
    assert "'body'" in str(info.value)
    assert "bodies, fifo, queue" in str(info.value)


def test_validation_error_names_kind_path_and_value() -> None:
    event = events.s3_put()
    event["Records"][0]["s3"]["object"]["size"] = "big"
    with pytest.raises(EventValidationError) as info:
        validate_event(event)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.kind, err.path, err.value) == ("s3-put", "$.Records[0].s3.object.size", "big")
    assert "s3-put" in str(err) and "$.Records[0].s3.object.size" in str(err)
    assert "'big'" in str(err)


def test_validation_error_for_a_missing_field() -> None:
    event = events.sqs()
    del event["Records"][0]["body"]
    with pytest.raises(EventValidationError, match=r"\$\.Records\[0\]\.body.*missing"):
        validate_event(event, "sqs")


def test_undetectable_event_says_how_to_pass_kind() -> None:
    with pytest.raises(EventValidationError, match="kind=") as info:
        validate_event({"foo": 1})
    assert info.value.kind is None


def test_validation_errors_lists_every_violation() -> None:
    event = events.apigateway_rest()
    event["httpMethod"] = 1
    event["isBase64Encoded"] = "no"
    errors = validation_errors(event)
    assert len(errors) == 2
    assert any("$.httpMethod" in e for e in errors)
    assert any("$.isBase64Encoded" in e for e in errors)


def test_validation_errors_report_each_missing_field_once_at_its_own_path() -> None:
    # Regression: four missing fields in one SQS record printed
    # "$.Records[0].messageId: <missing>" four times.
    event = events.sqs()
    for name in ("messageId", "body", "eventSource", "eventSourceARN"):
        del event["Records"][0][name]
    assert validation_errors(event, "sqs") == [
        f"sqs event invalid at $.Records[0].{name}: required property {name!r} is missing"
        for name in ("body", "eventSource", "eventSourceARN", "messageId")
    ]


def test_validation_errors_are_unique_sorted_by_path_and_show_the_value() -> None:
    event = events.sqs(bodies=[f"m{i}" for i in range(11)])
    del event["Records"][10]["messageId"]
    del event["Records"][10]["body"]
    event["Records"][2]["awsRegion"] = 5
    event["Records"][2]["attributes"] = ["not", "a", "map"]
    event["Records"][0]["eventSource"] = "aws:sns"
    errors = validation_errors(event, "sqs")
    assert errors == [
        "sqs event invalid at $.Records[0].eventSource: 'aws:sqs' was expected; got 'aws:sns'",
        "sqs event invalid at $.Records[2].attributes: attributes must be an object, got an "
        "array: ['not', 'a', 'map']",
        "sqs event invalid at $.Records[2].awsRegion: awsRegion must be a string, got an "
        "integer: 5",
        "sqs event invalid at $.Records[10].body: required property 'body' is missing",
        "sqs event invalid at $.Records[10].messageId: required property 'messageId' is missing",
    ]
    assert len(set(errors)) == len(errors)


def test_additional_fields_are_allowed() -> None:
    event = events.sns()
    event["Records"][0]["Sns"]["SomethingNew"] = {"added": "by AWS later"}
    event["newTopLevel"] = True
    assert validation_errors(event) == []


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (events.eventbridge(source="aws.s3", detail_type="Object Created"), "eventbridge"),
        (events.apigateway_rest(version="1.0"), "apigateway-rest"),
        (events.apigateway_authorizer(type="REQUEST", payload_version="2.0"),
         "apigateway-authorizer"),
        (events.appsync(batch_sources=[{"id": "1"}]), "appsync"),
        (events.cognito_pre_token_generation(trigger_source="TokenGeneration_RefreshTokens"),
         "cognito-pre-token-generation"),
        ({**events.cognito_pre_signup(), "triggerSource": "InboundFederation_ExternalProvider"},
         "cognito-inbound-federation"),
        (events.sns(message=events.s3_put()), "sns"),
        (events.sqs(bodies=[events.s3_put()]), "sqs"),
    ],
)
def test_detection_of_tricky_shapes(event: object, kind: str) -> None:
    assert detect_event_type(event) == kind


def test_list_kinds_has_descriptions() -> None:
    listed = dict(list_kinds())
    assert set(listed) == set(events.kinds())
    assert all(desc and "\n" not in desc for desc in listed.values())


def test_generate_coerces_cli_strings() -> None:
    event = generate("s3-put", {"--bucket": "b", "size": "42", "key": "k"})
    assert event["Records"][0]["s3"]["object"]["size"] == 42
    fifo = generate("sqs", {"fifo": "true", "bodies": '["a", {"b": 1}]'})
    assert [r["body"] for r in fifo["Records"]] == ["a", '{"b":1}']
    http = generate("apigateway-rest", {"body": "plain text", "query": '{"a": "1"}'})
    assert http["body"] == "plain text" and http["queryStringParameters"] == {"a": "1"}
    with pytest.raises(TypeError, match="accepted"):
        generate("sqs", {"nope": "1"})
    with pytest.raises(LookupError, match="did you mean 'sqs'"):
        generate("sq", {})


def test_samples_are_shipped_next_to_the_package_or_at_the_top_level() -> None:
    here = Path(events.__file__).resolve().parent.parent
    assert sample_dir() in (here / "sample_events", here.parent / "sample_events")
