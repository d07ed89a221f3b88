"""CRUD through API Gateway events, the table's stream, and a read-only role."""

import json
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, LambdaFunction

HERE = Path(__file__).parent


def api_event(method, body=None, query=None):
    try:
        from pytest_lambda import events

        return events.apigateway_rest(method=method, path="/items", body=body, query=query or None)
    except (ImportError, AttributeError, TypeError):
        return {
            "httpMethod": method,
            "path": "/items",
            "body": body,
            "queryStringParameters": query,
        }


def make(name, **settings):
    return LambdaFunction(
        "app.lambda_handler",
        code_dir=HERE,
        isolation="inline",
        name=name,
        env={"TABLE_NAME": "items"},
        **settings,
    )


@pytest.fixture
def items(aws):
    return aws.table("items", key="id", stream=True)


@pytest.fixture
def api(items):
    with make("items-api") as fn:
        yield fn


def test_create_read_delete(aws, api):
    created = api.invoke(api_event("POST", json.dumps({"id": "1", "name": "lamp"}))).assert_ok()
    assert created["statusCode"] == 201
    assert aws.dynamodb.get_item(TableName="items", Key={"id": {"S": "1"}})["Item"]["name"] == {
        "S": "lamp"
    }

    fetched = api.invoke(api_event("GET", query={"id": "1"})).assert_ok()
    assert json.loads(fetched["body"]) == {"id": "1", "name": "lamp"}

    api.invoke(api_event("DELETE", query={"id": "1"})).assert_ok()
    assert api.invoke(api_event("GET", query={"id": "1"})).assert_ok()["statusCode"] == 404


def test_writes_reach_the_table_stream(items, api):
    audit = LambdaFunction("audit.handler", code_dir=HERE, isolation="inline")
    fired = items.notify(audit)

    api.invoke(api_event("PUT", json.dumps({"id": "7", "name": "desk"}))).assert_ok()

    assert fired.last.assert_ok() == [
        {"event": "INSERT", "new": {"id": {"S": "7"}, "name": {"S": "desk"}}}
    ]


def test_a_read_only_role_cannot_write(aws):
    aws.table("items", key="id")
    read_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:Scan"],
                "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/items",
            }
        ]
    }
    with make("items-reader", role_policy=read_only) as fn:
        assert fn.invoke(api_event("GET")).assert_ok()["statusCode"] == 200
        error = fn.invoke(api_event("POST", json.dumps({"id": "1"}))).assert_error(
            ErrorKind.PERMISSION
        )
    assert "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/items" in (
        error.message
    )
