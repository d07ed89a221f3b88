"""Handlers' `requests` calls are answered by the test's `responses` mock in both isolations."""

from __future__ import annotations

import json
from typing import Any

import requests
import responses

from pytest_lambda import ErrorKind
from pytest_lambda.aws import AWS

from ._support import MakeFunction

RATE = "https://api.example.com/rate"


def test_a_registered_url_answers_the_handler(
    lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    lambda_responses.get(
        RATE,
        json={"eur": 0.92},
        headers={"Set-Cookie": "session=abc; Path=/"},
    )
    result = make_function("aws_app.http_call").invoke({"url": RATE}).assert_ok()
    assert result["status"] == 200
    assert result["reason"] == "OK"
    assert json.loads(result["body"]) == {"eur": 0.92}
    assert result["content_type"] == "application/json"
    assert result["cookies"] == {"session": "abc"}
    # The forwarding address is the harness's business, not the handler's.
    assert result["variables"] == []
    assert lambda_responses.calls[0].request.url == RATE


def test_callbacks_see_the_handlers_request_and_calls_are_recorded(
    lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    def echo(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or b"{}")
        return 201, {"X-Seen": request.headers["X-Trace"]}, json.dumps({"got": body})

    lambda_responses.add_callback(responses.POST, "https://api.example.com/orders", echo)
    result = (
        make_function("aws_app.http_call")
        .invoke(
            {
                "method": "POST",
                "url": "https://api.example.com/orders",
                "json": {"id": 7},
                "headers": {"X-Trace": "t-1"},
            }
        )
        .assert_ok()
    )
    assert result["status"] == 201
    assert json.loads(result["body"]) == {"got": {"id": 7}}
    (call,) = lambda_responses.calls
    assert call.request.method == "POST"
    assert json.loads(call.request.body or b"") == {"id": 7}
    assert call.response.status_code == 201


def test_redirects_and_retries_happen_in_the_handler(
    lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    lambda_responses.get("https://old.example.com/", status=301, headers={"Location": RATE})
    lambda_responses.get(RATE, status=503)
    lambda_responses.get(RATE, json={"eur": 1})
    result = (
        make_function("aws_app.http_call")
        .invoke({"url": "https://old.example.com/", "retry_on": [503]})
        .assert_ok()
    )
    assert (result["status"], result["url"]) == (200, RATE)
    assert [c.response.status_code for c in lambda_responses.calls] == [301, 503, 200]


def test_an_unregistered_url_fails_in_the_handler_with_responses_connection_error(
    lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    lambda_responses.get(RATE, json={})
    function = make_function("aws_app.http_call")
    error = function.invoke({"url": "https://elsewhere.example.com/x"}).assert_error(
        requests.ConnectionError
    )
    assert error.kind is ErrorKind.UNHANDLED
    assert error.message.startswith(
        "Connection refused by Responses - the call doesn't match any registered mock."
    )
    assert "- GET https://elsewhere.example.com/x" in error.message
    assert f"- GET {RATE} URL does not match" in error.message


def test_a_registered_exception_is_raised_in_the_handler(
    lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    lambda_responses.get(RATE, body=requests.Timeout("read timed out"))
    result: dict[str, Any] = make_function("aws_app.http_error").invoke({"url": RATE}).assert_ok()
    assert result == {"type": "Timeout", "message": "read timed out", "url": RATE}


def test_lambda_responses_leaves_the_aws_fixture_working(
    aws: AWS, lambda_responses: responses.RequestsMock, make_function: MakeFunction
) -> None:
    aws.bucket("still-works", {"k": "v"})
    result = make_function("aws_app.read_object").invoke({"bucket": "still-works", "key": "k"})
    assert result.assert_ok()["body"] == "v"
