"""Second opinions on the samples and factories: Powertools' models and Mangum (ASGI).

A sample that Powertools cannot parse, or a request Mangum reads differently from what the
factory was given, is a bug in the sample or the factory.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities import data_classes as dc
from aws_lambda_powertools.utilities.data_classes.active_mq_event import ActiveMQEvent
from aws_lambda_powertools.utilities.data_classes.appsync_authorizer_event import (
    AppSyncAuthorizerEvent,
)
from aws_lambda_powertools.utilities.data_classes.rabbit_mq_event import RabbitMQEvent
from aws_lambda_powertools.utilities.parser import models as m
from mangum import Mangum

from pytest_lambda import events
from pytest_lambda.events import load_event, sample_names

CF_MODELS = {
    "Create": m.CloudFormationCustomResourceCreateModel,
    "Update": m.CloudFormationCustomResourceUpdateModel,
    "Delete": m.CloudFormationCustomResourceDeleteModel,
}
WEBSOCKET_MODELS = {
    "CONNECT": m.APIGatewayWebSocketConnectEventModel,
    "DISCONNECT": m.APIGatewayWebSocketDisconnectEventModel,
    "MESSAGE": m.APIGatewayWebSocketMessageEventModel,
}


def _authorizer_model(event: dict[str, Any]) -> Any:
    if event["type"] == "TOKEN":
        return m.ApiGatewayAuthorizerToken
    return m.ApiGatewayAuthorizerRequestV2 if "routeArn" in event else m.ApiGatewayAuthorizerRequest


MODELS: dict[str, Any] = {
    "s3-put": m.S3Model,
    "s3-delete": m.S3Model,
    "apigateway-rest": m.APIGatewayProxyEventModel,
    "apigateway-http": m.APIGatewayProxyEventV2Model,
    "function-url": m.LambdaFunctionUrlModel,
    "sqs": m.SqsModel,
    "sns": m.SnsModel,
    "dynamodb-stream": m.DynamoDBStreamModel,
    "kinesis": m.KinesisDataStreamModel,
    "eventbridge": m.EventBridgeModel,
    "scheduled": m.EventBridgeModel,
    "cloudwatch-logs": m.CloudWatchLogsModel,
    "firehose": m.KinesisFirehoseModel,
    "ses": m.SesModel,
    "msk": m.KafkaMskEventModel,
    "kafka": m.KafkaSelfManagedEventModel,
    "appsync-events": m.AppSyncEventsModel,
    "s3-batch": m.S3BatchOperationModel,
    "s3-object-lambda": m.S3ObjectLambdaEvent,
    "cognito-pre-signup": m.CognitoPreSignupTriggerModel,
    "cognito-post-confirmation": m.CognitoPostConfirmationTriggerModel,
    "cognito-pre-authentication": m.CognitoPreAuthenticationTriggerModel,
    "cognito-post-authentication": m.CognitoPostAuthenticationTriggerModel,
    "cognito-pre-token-generation": m.CognitoPreTokenGenerationTriggerModelV1,
    "cognito-custom-message": m.CognitoCustomMessageTriggerModel,
    "cognito-define-auth-challenge": m.CognitoDefineAuthChallengeTriggerModel,
    "cognito-create-auth-challenge": m.CognitoCreateAuthChallengeTriggerModel,
    "cognito-verify-auth-challenge": m.CognitoVerifyAuthChallengeTriggerModel,
    "cognito-user-migration": m.CognitoMigrateUserTriggerModel,
    "cognito-custom-email-sender": m.CognitoCustomEmailSenderTriggerModel,
    "cognito-custom-sms-sender": m.CognitoCustomSMSSenderTriggerModel,
}


# Kinds Powertools has neither a parser model nor a data class for: no second opinion.
UNMODELLED_KINDS = {
    "cloudfront",
    "codecommit",
    "cognito-inbound-federation",
    "cognito-sync",
    "hello-world",
    "iot",
    "lex",
    "lex-v2",
    "stepfunctions",
}


def model_for(kind: str, event: Any) -> Any:
    if kind == "alb":
        return m.AlbModel
    if kind == "cloudformation-custom-resource":
        return CF_MODELS[event["RequestType"]]
    if kind == "apigateway-websocket":
        return WEBSOCKET_MODELS[event["requestContext"]["eventType"]]
    if kind == "apigateway-authorizer":
        return _authorizer_model(event)
    if kind == "bedrock-agent":
        return m.BedrockAgentFunctionEventModel if "function" in event else m.BedrockAgentEventModel
    if kind == "vpc-lattice":
        return m.VpcLatticeV2Model if "version" in event else m.VpcLatticeModel
    return MODELS.get(kind)


def data_class_check(kind: str, event: Any) -> bool:
    """Read the main fields through Powertools' data classes; False when none models the kind."""
    if kind == "codepipeline":
        job = dc.CodePipelineJobEvent(event)
        assert job.get_id and job.data.action_configuration.configuration.function_name
    elif kind == "config":
        rule = dc.AWSConfigRuleEvent(event)
        assert rule.invoking_event and rule.config_rule_name
    elif kind == "secretsmanager-rotation":
        assert dc.SecretsManagerEvent(event).step == event["Step"]
    elif kind == "connect":
        flow = dc.ConnectContactFlowEvent(event)
        assert flow.contact_data.contact_id and flow.parameters is not None
    elif kind == "mq":
        if event["eventSource"] == "aws:rmq":
            assert RabbitMQEvent(event).rmq_messages_by_queue
        else:
            assert [msg.decoded_data for msg in ActiveMQEvent(event).messages]
    elif kind == "appsync-authorizer":
        auth = AppSyncAuthorizerEvent(event)
        assert auth.authorization_token and auth.request_context.api_id
    elif kind == "appsync":
        for item in event if isinstance(event, list) else [event]:
            assert dc.AppSyncResolverEvent(item).field_name
    else:
        return False
    return True


# Shapes Powertools does not model: its Firehose model requires `data`, which a delivery
# stream reading from Amazon MSK replaces with `kafkaRecordValue` (AWS's Java library
# models it as MSKFirehoseEvent).
UNMODELLED_SAMPLES = {"firehose--msk-source"}


def _sample_cases() -> list[tuple[str, str]]:
    cases = [(name, name.split("--")[0]) for name in sample_names()]
    return [
        (name, kind)
        for name, kind in cases
        if kind not in UNMODELLED_KINDS and name not in UNMODELLED_SAMPLES
    ]


@pytest.mark.parametrize(("name", "kind"), _sample_cases())
def test_powertools_parses_sample_and_factory_output(name: str, kind: str) -> None:
    for event in (load_event(name), events.factory_for(kind)()):
        if kind == "alb" and "headers" not in event:
            # Powertools models only the single-value form of ALB events.
            continue
        model = model_for(kind, event)
        if model is None:
            assert data_class_check(kind, event), f"nothing in Powertools checks {kind}"
            continue
        if kind == "cognito-pre-signup":
            # Powertools' model accepts only PreSignUp_SignUp, though AWS documents
            # PreSignUp_AdminCreateUser and PreSignUp_ExternalProvider too.
            event = {**event, "triggerSource": "PreSignUp_SignUp"}
        model.model_validate(event)


def _asgi_echo() -> Mangum:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
            "body": base64.b64encode(body).decode(),
        }
        await send({"type": "http.response.start", "status": 200,
                    "headers": [[b"content-type", b"application/json"]]})
        await send({"type": "http.response.body", "body": json.dumps(payload).encode()})

    return Mangum(app, lifespan="off")


class _Context:
    aws_request_id = "req"
    function_name = "fn"


HTTP_FACTORIES = {
    "apigateway-rest": events.apigateway_rest,
    "apigateway-http": events.apigateway_http,
    "alb": events.alb,
    "function-url": events.function_url,
}


@pytest.mark.parametrize("kind", sorted(HTTP_FACTORIES))
@pytest.mark.parametrize("binary", [False, True])
def test_mangum_receives_what_the_factory_was_given(kind: str, binary: bool) -> None:
    body = b"\x00\x01binary\xff" if binary else '{"hello": "world"}'
    kwargs: dict[str, Any] = {
        "method": "POST",
        "path": "/orders/42",
        "body": body,
        "headers": {"x-custom": "yes", "content-type": "application/octet-stream"},
        "query": {"q": "a b", "tag": "x"},
    }
    if kind in ("apigateway-http", "function-url"):
        kwargs["cookies"] = {"session": "abc", "theme": "dark"}
    else:
        kwargs["headers"]["cookie"] = "session=abc; theme=dark"
    event = HTTP_FACTORIES[kind](**kwargs)
    response = _asgi_echo()(event, _Context())
    raw = response["body"]
    seen = json.loads(base64.b64decode(raw) if response.get("isBase64Encoded") else raw)
    assert seen["method"] == "POST"
    assert seen["path"] == "/orders/42"
    assert sorted(seen["query"].split("&")) == ["q=a+b", "tag=x"]
    headers = dict(seen["headers"])
    assert headers["x-custom"] == "yes"
    assert headers["cookie"] == "session=abc; theme=dark"
    expected = body if isinstance(body, bytes) else body.encode()
    assert base64.b64decode(seen["body"]) == expected
