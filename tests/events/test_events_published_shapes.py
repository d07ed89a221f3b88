"""Shapes seen in the sample events that AWS projects publish (SDKs, Powertools, the SAM CLI).

Each event here is a minimal hand-written reproduction of one shape that an earlier schema
rejected or that detection got wrong: a placeholder ARN, a field some producer omits, a
value sent as a string or null, an older or newer spelling of a source.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_lambda import events
from pytest_lambda.events import EventValidationError, detect_event_type, validate_event

COGNITO_HEAD: dict[str, Any] = {
    "version": "1",
    "region": "us-east-1",
    "userPoolId": "us-east-1_id",
    "userName": "user",
    "callerContext": {"awsSdkVersion": "version", "clientId": "client"},
}
ATTRIBUTES = {"email": "jane@example.com"}


def _cognito(trigger_source: str, request: dict[str, Any], response: Any = None) -> Any:
    event: dict[str, Any] = {**COGNITO_HEAD, "triggerSource": trigger_source, "request": request}
    if response is not None:
        event["response"] = response
    return event


def _firehose_record(**extra: Any) -> dict[str, Any]:
    return {"recordId": "r1", "approximateArrivalTimestamp": 1, "data": "SGk=", **extra}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        # ActiveMQ events published with the "aws:amq" source.
        ({"eventSource": "aws:amq", "messages": [{"messageID": "ID:1", "data": "SGk="}]}, "mq"),
        # Self-managed Kafka with the "aws:" prefix; a header value shown base64-encoded.
        (
            {
                "eventSource": "aws:SelfManagedKafka",
                "records": {
                    "t-0": [{"topic": "t", "partition": 0, "offset": 1, "timestamp": 1,
                             "value": "SGk=", "headers": [{"h": "dmFsdWU="}]}]
                },
            },
            "kafka",
        ),
        # Firehose transformation without deliveryStreamArn (SAM CLI template).
        ({"invocationId": "i", "region": "us-east-1", "records": [_firehose_record()]},
         "firehose"),
        # kinesisRecordMetadata.approximateArrivalTimestamp as a string (Java library).
        (
            {
                "invocationId": "i",
                "deliveryStreamArn": "aws:lambda:events",
                "records": [_firehose_record(kinesisRecordMetadata={
                    "approximateArrivalTimestamp": "1507217624302", "subsequenceNumber": ""})],
            },
            "firehose",
        ),
        # EventBridge Scheduler's default payload: a scheduled event with "detail": "{}".
        (
            {"version": "0", "id": "1", "detail-type": "Scheduled Event",
             "source": "aws.scheduler", "account": "123456789012", "time": "t",
             "region": "us-east-1", "detail": "{}"},
            "scheduled",
        ),
        # A scheduled event without "version" (SAM CLI and Java samples).
        (
            {"id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "t", "region": "us-east-1", "detail": {}},
            "scheduled",
        ),
        # AppSync through a request mapping template that keeps the Lambda envelope.
        ({"version": "2017-02-28", "operation": "Invoke",
          "payload": {"field": "getPost", "arguments": {"id": "1"}}}, "appsync"),
        ({"version": "2017-02-28", "operation": "BatchInvoke",
          "payload": [{"arguments": {"id": "1"}}]}, "appsync"),
        # A resolver payload with the names at the top and no info (Powertools' custom
        # resolver event), and the direct resolver envelope without its names.
        ({"parentTypeName": "Merchant", "fieldName": "locations", "arguments": {"page": 2},
          "identity": None, "source": None, "request": {"headers": {}}, "prev": None},
         "appsync"),
        ({"arguments": {"id": "1"}, "identity": None, "source": None,
          "request": {"headers": {}}, "prev": None, "stash": {}}, "appsync"),
        # Lambda@Edge response event without the request (the console's
        # modify-response-header template).
        ({"Records": [{"cf": {"config": {"distributionId": "EDFDVBD6EXAMPLE"},
                              "response": {"status": "200", "statusDescription": "OK",
                                           "headers": {"vary": [{"key": "Vary",
                                                                 "value": "*"}]}}}}]},
         "cloudfront"),
        # Firehose reading from Amazon MSK: kafkaRecordValue and mskRecordMetadata instead
        # of data (AWS's Java library's MSKFirehoseEvent), with or without the stream ARN.
        (
            {"invocationId": "i", "sourceMSKArn": "arn:aws:kafka:us-east-1:1:cluster/c/u",
             "deliveryStreamArn": "arn:aws:firehose:us-east-1:1:deliverystream/d",
             "region": "us-east-1",
             "records": [{"recordId": "0", "approximateArrivalTimestamp": 1716369573887,
                          "mskRecordMetadata": {"offset": "0", "partitionId": "1",
                                                "approximateArrivalTimestamp": 1716369573887},
                          "kafkaRecordValue": "SGk="}]},
            "firehose",
        ),
        ({"invocationId": "i", "records": [{"recordId": "0", "kafkaRecordValue": "SGk="}]},
         "firehose"),
        # The Go library capitalises "Info".
        ({"arguments": {}, "identity": None, "source": None,
          "Info": {"fieldName": "f", "parentTypeName": "Mutation"}}, "appsync"),
        # "s3:" kept from the notification configuration in eventName.
        ({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "r",
                       "eventTime": "t", "eventName": "s3:ObjectRemoved:Delete",
                       "s3": {"s3SchemaVersion": "1.0",
                              "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
                              "object": {"key": "k"}}}]}, "s3-delete"),
        # A placeholder instead of an ARN.
        (
            {"Records": [{"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
                          "eventSourceARN": "stream-ARN",
                          "dynamodb": {"Keys": {"Id": {"N": "1"}}, "SequenceNumber": "1",
                                       "SizeBytes": 1, "StreamViewType": "KEYS_ONLY"}}]},
            "dynamodb-stream",
        ),
        # One attribute value sent as null.
        (
            {"Records": [{"messageId": "1", "body": "b", "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                          "messageAttributes": {"a": {"dataType": "String",
                                                      "stringValue": "v",
                                                      "binaryValue": None}}}]},
            "sqs",
        ),
        # Custom resource requests in AWS's docs and SDK samples have no ServiceToken.
        (
            {"RequestType": "Create", "ResponseURL": "https://example.com", "StackId": "s",
             "RequestId": "r", "LogicalResourceId": "R", "ResourceType": "Custom::T"},
            "cloudformation-custom-resource",
        ),
        # IoT registry events without accountId.
        ({"eventType": "THING_TYPE_ASSOCIATION_EVENT", "eventId": "1", "timestamp": 1,
          "operation": "ADDED", "thingName": "t"}, "iot"),
        # Lex V1 slot values as numbers (SAM CLI samples).
        ({"messageVersion": "1.0", "invocationSource": "DialogCodeHook",
          "bot": {"name": "b", "alias": "$LATEST", "version": "$LATEST"},
          "currentIntent": {"name": "Book", "slots": {"Nights": 4}}}, "lex"),
        # Secrets Manager rotation with a step this library does not know.
        ({"SecretId": "s", "ClientRequestToken": "t", "Step": "request.type"},
         "secretsmanager-rotation"),
    ],
)
def test_published_shapes_are_detected_and_valid(event: Any, kind: str) -> None:
    assert detect_event_type(event) == kind
    assert validate_event(event) == kind


def test_rest_query_string_from_the_sam_cli_template_is_accepted() -> None:
    # The aws-proxy template quotes its {{{querystringparameters}}} placeholder.
    event = events.apigateway_rest()
    event["queryStringParameters"] = "foo=bar"
    assert validate_event(event, "apigateway-rest") == "apigateway-rest"


def test_lex_v2_without_message_version_is_valid() -> None:
    event = events.lex_v2()
    del event["messageVersion"]
    assert validate_event(event) == "lex-v2"


@pytest.mark.parametrize(
    ("request_", "response", "kind"),
    [
        ({"userAttributes": ATTRIBUTES, "session": []},
         {"challengeName": None, "issueTokens": None, "failAuthentication": None},
         "cognito-define-auth-challenge"),
        ({"userAttributes": ATTRIBUTES, "challengeName": "CUSTOM_CHALLENGE", "session": []},
         {}, "cognito-create-auth-challenge"),
        ({"userAttributes": ATTRIBUTES, "challengeAnswer": "5"}, {"answerCorrect": None},
         "cognito-verify-auth-challenge"),
        ({"userAttributes": ATTRIBUTES, "password": "p"}, {}, "cognito-user-migration"),
        ({"userAttributes": ATTRIBUTES, "groupConfiguration": {}}, {},
         "cognito-pre-token-generation"),
        ({"userAttributes": ATTRIBUTES, "codeParameter": "####"}, {},
         "cognito-custom-message"),
        ({"userAttributes": ATTRIBUTES, "newDeviceUsed": True}, {},
         "cognito-post-authentication"),
        ({"userAttributes": ATTRIBUTES}, {"autoConfirmUser": False},
         "cognito-pre-signup"),
        ({"userAttributes": ATTRIBUTES, "validationData": {}, "userNotFound": False}, {},
         "cognito-pre-authentication"),
        ({"userAttributes": ATTRIBUTES}, {}, "cognito-post-confirmation"),
        ({"userAttributes": ATTRIBUTES, "type": "customSMSSenderRequestV1", "code": "c"}, {},
         "cognito-custom-sms-sender"),
    ],
)
def test_placeholder_trigger_source_is_read_from_the_shape(
    request_: dict[str, Any], response: dict[str, Any], kind: str
) -> None:
    # The .NET library's samples all say "trigger_source".
    event = _cognito("trigger_source", request_, response)
    assert detect_event_type(event) == kind
    assert validate_event(event) == kind


@pytest.mark.parametrize(
    ("request_", "response"),
    [
        # A custom sender whose type names neither email nor SMS: could be either.
        ({"userAttributes": ATTRIBUTES, "type": "type", "code": "c"}, {}),
        # Nothing to go on.
        ({}, {}),
    ],
)
def test_ambiguous_cognito_shapes_are_not_guessed(
    request_: dict[str, Any], response: dict[str, Any]
) -> None:
    assert detect_event_type(_cognito("", request_, response)) is None


def test_pre_token_gen_alias_is_pre_token_generation() -> None:
    # The Go and Java libraries' samples say "PreTokenGen".
    event = _cognito("PreTokenGen", {"userAttributes": ATTRIBUTES, "groupConfiguration": {}})
    assert detect_event_type(event) == "cognito-pre-token-generation"
    assert validate_event(event) == "cognito-pre-token-generation"


def test_inbound_federation_trigger() -> None:
    event = events.cognito_inbound_federation(
        request={"providerType": "SAML", "attributes": {"samlResponse": {"email": "j@x"}}}
    )
    assert "userAttributes" not in event["request"]
    assert detect_event_type(event) == "cognito-inbound-federation"
    assert validate_event(event) == "cognito-inbound-federation"


@pytest.mark.parametrize(
    "event",
    [
        # Kinesis Data Analytics output delivery: same record list, but not Firehose.
        {"invocationId": "i", "applicationArn": "arn:aws:kinesisanalytics:us-east-1:1:a",
         "records": [{"recordId": "r", "data": "SGk="}]},
        # AWS Client VPN connection handler.
        {"connection-id": "cvpn-connection-1", "endpoint-id": "cvpn-endpoint-1",
         "username": "u", "schema-version": "v1"},
    ],
)
def test_unlisted_sources_are_not_mistaken_for_a_kind(event: Any) -> None:
    assert detect_event_type(event) is None


def test_a_cloudfront_request_event_carries_its_request() -> None:
    with pytest.raises(ValueError, match="include_request=False is for response events"):
        events.cloudfront(include_request=False)
    response_only = events.cloudfront(event_type="viewer-response", include_request=False)
    assert set(response_only["Records"][0]["cf"]) == {"config", "response"}
    # Neither request nor response: not a Lambda@Edge event.
    del response_only["Records"][0]["cf"]["response"]
    with pytest.raises(EventValidationError, match="request"):
        validate_event(response_only, "cloudfront")


def test_firehose_records_carry_data_or_a_kafka_record_value() -> None:
    event = events.firehose(source_msk_cluster="c", records=["one", "two"])
    assert event["sourceMSKArn"].startswith("arn:aws:kafka:us-east-1:123456789012:cluster/c/")
    assert [r["mskRecordMetadata"]["offset"] for r in event["records"]] == ["0", "1"]
    assert all("data" not in r for r in event["records"])
    del event["records"][0]["kafkaRecordValue"]
    with pytest.raises(EventValidationError, match=r"records\[0\]"):
        validate_event(event, "firehose")
    with pytest.raises(ValueError, match="one source"):
        events.firehose(source_stream="s", source_msk_cluster="c")


def test_appsync_names_at_top() -> None:
    event = events.appsync(names_at_top=True, field_name="locations", parent_type="Merchant")
    assert (event["fieldName"], event["parentTypeName"]) == ("locations", "Merchant")
    assert "info" not in event
    assert detect_event_type(event) == "appsync" and validate_event(event) == "appsync"
