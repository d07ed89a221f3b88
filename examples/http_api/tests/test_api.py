"""The orders API tested as its clients use it: HTTP only. `aws` deploys the template
(the table) into moto; `lambda_http` is an httpx client on the HTTP API."""

import pytest

ALICE = {"Authorization": "Bearer secret-alice"}
BOB = {"Authorization": "Bearer secret-bob"}

# The template says python3.12; on another interpreter pytest-lambda says so once per
# function (RuntimeVersionWarning). The behaviour these tests check is the same.
pytestmark = [
    pytest.mark.lambda_http("OrdersApi"),
    pytest.mark.filterwarnings("ignore::pytest_lambda.RuntimeVersionWarning"),
]


def test_an_order_is_created_listed_and_read(aws, lambda_http):
    created = lambda_http.post("/orders", json={"item": "book", "quantity": 2}, headers=ALICE)
    assert created.status_code == 201
    order = created.json()
    assert order["owner"] == "alice"

    listed = lambda_http.get("/orders", headers=ALICE)
    assert listed.json() == {"orders": [order]}
    read = lambda_http.get(f"/orders/{order['id']}", headers=ALICE)
    assert read.json() == order
    # Orders are per user: the authorizer's context decides whose.
    assert lambda_http.get(f"/orders/{order['id']}", headers=BOB).status_code == 404


def test_bad_input_is_the_functions_400(aws, lambda_http):
    response = lambda_http.post("/orders", json={"item": "book"}, headers=ALICE)
    assert response.status_code == 400
    assert response.json() == {"error": "give item and quantity"}


def test_the_authorizer_guards_every_route(aws, lambda_http):
    missing = lambda_http.get("/orders")
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')
    refused = lambda_http.get("/orders", headers={"Authorization": "Bearer guess"})
    assert (refused.status_code, refused.text) == (403, '{"message":"Forbidden"}')
    assert refused.invocation is None  # the orders function never ran


def test_the_authorizer_result_is_cached_for_the_same_token(aws, lambda_http):
    first = lambda_http.get("/orders", headers=ALICE)
    second = lambda_http.get("/orders", headers=ALICE)
    assert first.authorizer_invocation is not None
    assert second.authorizer_invocation is None
    assert second.invocation.cold_start is False


def test_unknown_routes_are_api_gateways_404(aws, lambda_http):
    response = lambda_http.delete("/orders/1", headers=ALICE)
    assert (response.status_code, response.text) == (404, '{"message":"Not Found"}')


def test_cors_preflight_is_answered_by_the_api(aws, lambda_http):
    response = lambda_http.options(
        "/orders",
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert response.headers["access-control-allow-methods"] == "GET,POST"
