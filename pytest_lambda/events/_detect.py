"""Recognise an event's kind from its shape.

Rules go from the most specific marker to the most generic, because several sources
share envelopes: SQS, SNS, S3, DynamoDB, Kinesis, SES and CodeCommit all use "Records";
HTTP APIs, function URLs and HTTP API authorizers all use payload 2.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cognito import TRIGGER_ALIASES, TRIGGER_KINDS
from .eventbridge import SCHEDULE_SOURCES
from .kafka import SELF_MANAGED_SOURCES

_RECORD_SOURCES = {
    "aws:sqs": "sqs",
    "aws:sns": "sns",
    "aws:dynamodb": "dynamodb-stream",
    "aws:kinesis": "kinesis",
    "aws:ses": "ses",
    "aws:codecommit": "codecommit",
}
_IOT_REGISTRY_TYPES = {
    "THING_EVENT",
    "THING_TYPE_EVENT",
    "THING_TYPE_ASSOCIATION_EVENT",
    "THING_GROUP_EVENT",
    "THING_GROUP_MEMBERSHIP_EVENT",
    "THING_GROUP_HIERARCHY_EVENT",
}
HELLO_WORLD_KEYS = {"key1", "key2", "key3"}
_RESOLVER_KEYS = {"identity", "source", "request", "info", "prev", "stash"}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records_kind(record: Mapping[str, Any]) -> str | None:
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:s3":
        # Notifications say "ObjectRemoved:Delete"; some samples keep the "s3:" of the
        # notification configuration ("s3:ObjectRestore:Completed").
        name = str(record.get("eventName", "")).removeprefix("s3:")
        removed = name.startswith(("ObjectRemoved", "LifecycleExpiration"))
        return "s3-delete" if removed else "s3-put"
    if isinstance(source, str) and source in _RECORD_SOURCES:
        return _RECORD_SOURCES[source]
    if "cf" in record:
        return "cloudfront"
    if "ses" in record:
        return "ses"
    if "s3" in record and "eventName" in record:
        return "s3-put"
    return None


def _http_kind(event: Mapping[str, Any], context: Mapping[str, Any]) -> str | None:
    if "elb" in context:
        return "alb"
    if "connectionId" in context and "eventType" in context:
        return "apigateway-websocket"
    if event.get("version") == "2.0" and ("serviceNetworkArn" in context
                                          or "targetGroupArn" in context):
        return "vpc-lattice"
    if event.get("version") == "2.0" and "http" in context:
        domain = str(context.get("domainName", ""))
        if ".lambda-url." in domain:
            return "function-url"
        if "execute-api" in domain:
            return "apigateway-http"
        # Function URLs have no stage; an HTTP API always reports one.
        if event.get("routeKey") == "$default" and "stage" not in context:
            return "function-url"
        return "apigateway-http"
    if "httpMethod" in event or "resourcePath" in context or "resourceId" in context:
        return "apigateway-rest"
    return None


def _cognito_kind(event: Mapping[str, Any]) -> str | None:
    prefix = str(event["triggerSource"]).split("_", 1)[0]
    prefix = TRIGGER_ALIASES.get(prefix, prefix)
    if prefix in TRIGGER_KINDS:
        return "cognito-" + TRIGGER_KINDS[prefix]
    trigger = _cognito_trigger_by_shape(_map(event.get("request")), _map(event.get("response")))
    if trigger:
        return "cognito-" + trigger
    if not prefix[:1].isupper():
        return None
    # A trigger added after this table: kebab-case its prefix rather than failing.
    kebab = "".join("-" + c.lower() if c.isupper() else c for c in prefix).lstrip("-")
    return "cognito-" + kebab


def _cognito_trigger_by_shape(request: Mapping[str, Any], response: Mapping[str, Any]) -> str:
    """The trigger of an event whose triggerSource is a placeholder ("trigger_source" in the
    .NET library's samples), from the request and response fields only that trigger has."""
    asked, answered = set(request), set(response)
    if {"providerName", "providerType"} & asked or "userAttributesToMap" in answered:
        return "inbound-federation"
    if "password" in asked:
        return "user-migration"
    if "challengeAnswer" in asked or "answerCorrect" in answered:
        return "verify-auth-challenge"
    if {"issueTokens", "failAuthentication"} & answered:
        return "define-auth-challenge"
    if {"publicChallengeParameters", "privateChallengeParameters"} & answered or (
        "challengeName" in asked and "session" in asked
    ):
        return "create-auth-challenge"
    if "session" in asked:
        return "define-auth-challenge"
    if "groupConfiguration" in asked or {
        "claimsOverrideDetails", "claimsAndScopeOverrideDetails"
    } & answered:
        return "pre-token-generation"
    if {"codeParameter", "usernameParameter", "linkParameter"} & asked:
        return "custom-message"
    if {"code", "type"} <= asked:
        sender = str(request["type"]).lower()
        return ("custom-sms-sender" if "sms" in sender
                else "custom-email-sender" if "email" in sender else "")
    if "newDeviceUsed" in asked:
        return "post-authentication"
    if {"autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone"} & answered:
        return "pre-signup"
    if "userNotFound" in asked and "validationData" in asked:
        return "pre-authentication"
    if "userAttributes" in asked and asked <= {"userAttributes", "clientMetadata"} and not answered:
        return "post-confirmation"
    return ""


def _is_firehose(event: Mapping[str, Any]) -> bool:
    if "deliveryStreamArn" in event and "records" in event:
        return True
    # Some samples omit deliveryStreamArn; Kinesis Data Analytics (not a kind here) sends the
    # same record list with an applicationArn.
    records = event.get("records")
    return (
        "invocationId" in event
        and "applicationArn" not in event
        and isinstance(records, list)
        and bool(records)
        and all(
            isinstance(r, Mapping) and "recordId" in r and ("data" in r or "kafkaRecordValue" in r)
            for r in records
        )
    )


def _is_appsync_resolver(event: Any) -> bool:
    if not isinstance(event, Mapping):
        return False
    # A resolver with a custom request mapping template that keeps the Lambda envelope.
    if event.get("operation") in ("Invoke", "BatchInvoke") and "payload" in event:
        return True
    # "Info" is how the Go library's sample capitalises it.
    info = _map(event.get("info", event.get("Info")))
    if "fieldName" in info and "parentTypeName" in info:
        return True
    # Resolver payloads that put the names at the top level (the older Amplify style
    # says typeName, a custom payload parentTypeName).
    if "fieldName" in event and ("typeName" in event or "parentTypeName" in event):
        return "arguments" in event or "identity" in event
    # The direct resolver's envelope, whatever its info holds: arguments and most of
    # identity, source, request, info, prev and stash.
    return "arguments" in event and len(_RESOLVER_KEYS & event.keys()) >= 3


def detect_event_type(event: Any) -> str | None:
    """The coarse kind of an event (e.g. "s3-put", "apigateway-http"), or None if unknown."""
    if isinstance(event, list):
        return "appsync" if event and all(map(_is_appsync_resolver, event)) else None
    if not isinstance(event, Mapping):
        return None
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        return _records_kind(records[0])
    if "awslogs" in event:
        return "cloudwatch-logs"
    if "CodePipeline.job" in event:
        return "codepipeline"
    if "RequestType" in event and "ResponseURL" in event:
        return "cloudformation-custom-resource"
    source = event.get("eventSource")
    if source == "aws:kafka":
        return "msk"
    if source in SELF_MANAGED_SOURCES:
        return "kafka"
    if source in ("aws:mq", "aws:amq", "aws:rmq"):
        return "mq"
    if _is_firehose(event):
        return "firehose"
    if "invocationSchemaVersion" in event and "tasks" in event:
        return "s3-batch"
    if "xAmzRequestId" in event and "configuration" in event:
        return "s3-object-lambda"
    if "detail-type" in event and "source" in event:
        scheduled = (event["source"] in SCHEDULE_SOURCES
                     and event["detail-type"] == "Scheduled Event")
        return "scheduled" if scheduled else "eventbridge"
    if event.get("type") in ("TOKEN", "REQUEST") and ("methodArn" in event
                                                      or "routeArn" in event):
        return "apigateway-authorizer"
    context = _map(event.get("requestContext"))
    if "authorizationToken" in event and "apiId" in context and "http" not in context:
        return "appsync-authorizer"
    if context:
        kind = _http_kind(event, context)
        if kind:
            return kind
    if "raw_path" in event and "method" in event:
        return "vpc-lattice"
    info = _map(event.get("info"))
    if "channel" in info and "channelNamespace" in info:
        return "appsync-events"
    if _is_appsync_resolver(event):
        return "appsync"
    if isinstance(event.get("triggerSource"), str) and "userPoolId" in event:
        return _cognito_kind(event)
    if event.get("eventType") == "SyncTrigger" and "identityPoolId" in event:
        return "cognito-sync"
    if "bot" in event and ("sessionState" in event or "interpretations" in event):
        return "lex-v2"
    if "bot" in event and "currentIntent" in event:
        return "lex"
    if "invokingEvent" in event and ("configRuleName" in event or "configRuleArn" in event):
        return "config"
    if {"SecretId", "ClientRequestToken", "Step"} <= event.keys():
        return "secretsmanager-rotation"
    if "agent" in event and "messageVersion" in event and (
        "actionGroup" in event or "actionGroups" in event
    ):
        return "bedrock-agent"
    if event.get("Name") == "ContactFlowEvent" and "Details" in event:
        return "connect"
    if _is_iot(event):
        return "iot"
    if set(event) == {"Error", "Cause"}:
        return "stepfunctions"
    if set(event) == HELLO_WORLD_KEYS and all(isinstance(v, str) for v in event.values()):
        return "hello-world"
    return None


def _is_iot(event: Mapping[str, Any]) -> bool:
    if "serialNumber" in event and "clickType" in event:
        return True
    if "deviceEvent" in event and "deviceInfo" in event:
        return True
    if event.get("eventType") in _IOT_REGISTRY_TYPES:
        return True
    if "token" in event and ("protocolData" in event or "connectionMetadata" in event
                             or "mqttContext" in event or "tlsContext" in event):
        return True
    return "claimCertificateId" in event and "templateArn" in event
