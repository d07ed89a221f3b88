"""The CRUD microservice behind API Gateway: items in DynamoDB, changes on the table's stream,
and what a read-only execution role is refused."""

import json

import pytest

from pytest_lambda import ErrorKind, LambdaFunction, events

pytestmark = pytest.mark.lambda_function(
    "app.lambda_handler",
    code_dir="examples/dynamodb_api",
    name="items-api",
    env={"TABLE_NAME": "items"},
)

READ_ONLY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Scan"],
            "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/items",
        }
    ]
}


def request(method, body=None, query=None):
    return events.apigateway_rest(method=method, path="/items", body=body, query=query)


@pytest.fixture
def items(aws):
    return aws.table("items", key="id", stream=True)


def test_create_read_delete(items, lambda_invoke):
    created = lambda_invoke(request("POST", {"id": "1", "name": "lamp"})).assert_ok()
    assert created["statusCode"] == 201
    assert items.get(id="1") == {"id": "1", "name": "lamp"}

    fetched = lambda_invoke(request("GET", query={"id": "1"})).assert_ok()
    assert json.loads(fetched["body"]) == {"id": "1", "name": "lamp"}

    assert lambda_invoke(request("DELETE", query={"id": "1"})).assert_ok()["statusCode"] == 204
    assert items.get(id="1") is None
    assert lambda_invoke(request("GET", query={"id": "1"})).assert_ok()["statusCode"] == 404


def test_the_api_reads_what_the_test_stored(items, lambda_invoke):
    items.put({"id": "9", "name": "chair", "price": 12.5})

    listed = lambda_invoke(request("GET")).assert_ok()

    assert json.loads(listed["body"]) == [{"id": "9", "name": "chair", "price": "12.5"}]


def test_writes_reach_the_table_stream(items, lambda_invoke):
    with LambdaFunction("audit.handler", code_dir="examples/dynamodb_api") as audit:
        fired = items.notify(audit)

        lambda_invoke(request("PUT", {"id": "7", "name": "desk"})).assert_ok()

        assert fired.last.assert_ok() == [
            {"event": "INSERT", "new": {"id": {"S": "7"}, "name": {"S": "desk"}}}
        ]


@pytest.mark.lambda_function(name="items-reader", role_policy=READ_ONLY)
def test_a_read_only_role_cannot_write(items, lambda_invoke):
    assert lambda_invoke(request("GET")).assert_ok()["statusCode"] == 200

    error = lambda_invoke(request("POST", {"id": "1"})).assert_error(ErrorKind.PERMISSION)

    assert error.error_type == "ClientError"
    assert (
        "is not authorized to perform: dynamodb:PutItem on resource: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/items" in error.message
    )
    assert items.scan() == []
