"""REST and HTTP APIs: the translation both ways and API Gateway's own answers."""

import base64
import json

import pytest

from pytest_lambda import ErrorKind, HarnessError, validate_event
from pytest_lambda.http import Cors, HttpApi, RestApi, Route


def sent_event(response):
    return json.loads(response.text)


# -- REST APIs ------------------------------------------------------------------------------


def test_rest_event_is_the_proxy_event_and_validates(make_function):
    echo = make_function("echo")
    api = RestApi(
        {"GET /orders/{id}": echo, "ANY /files/{path+}": echo},
        stage="dev",
        stage_variables={"color": "blue"},
    )
    with api.client() as client:
        response = client.get(
            "/orders/42?tag=a&tag=b&size=L",
            headers=[("X-Many", "1"), ("X-Many", "2")],
        )
        greedy = client.delete("/files/a/b%20c.txt")
    event = sent_event(response)
    validate_event(event, "apigateway-rest")
    assert response.status_code == 200
    assert event["resource"] == "/orders/{id}"
    assert event["path"] == "/orders/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b", "size": "L"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "size": ["L"]}
    assert event["multiValueHeaders"]["X-Many"] == ["1", "2"]
    assert event["headers"]["X-Many"] == "2"
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/orders/42"
    assert event["requestContext"]["resourcePath"] == "/orders/{id}"
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert response.headers["X-Echo"] == "yes"
    assert response.invocation.ok and response.invocation.request_id
    assert sent_event(greedy)["pathParameters"] == {"path": "a/b c.txt"}
    assert sent_event(greedy)["resource"] == "/files/{path+}"


def test_rest_literal_beats_variable_beats_greedy(make_function):
    literal, variable, greedy = make_function("echo"), make_function("echo"), make_function("echo")
    api = RestApi(
        {"GET /a/b": literal, "GET /a/{x}": variable, "ANY /{proxy+}": greedy, "GET /": literal}
    )
    with api.client() as client:
        assert client.get("/a/b").invocation.function_name == literal.name
        assert client.get("/a/c").invocation.function_name == variable.name
        assert client.post("/a/b").invocation.function_name == greedy.name
        assert client.get("/").invocation.function_name == literal.name


def test_rest_binary_media_types_both_ways(make_function):
    api = RestApi(
        {"POST /echo": make_function("echo"), "GET /image": make_function("binary")},
        binary_media_types=["image/png"],
    )
    with api.client() as client:
        posted = client.post("/echo", content=b"\x89PNG\x00", headers={"Content-Type": "image/png"})
        text = client.post("/echo", content="héllo", headers={"Content-Type": "text/plain"})
        as_png = client.get("/image", headers={"Accept": "image/png"})
        as_text = client.get("/image", headers={"Accept": "text/html"})
    event = sent_event(posted)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"
    assert sent_event(text)["body"] == "héllo"
    assert as_png.content == b"\x89PNG\r\n\x1a\n"
    # Not asked for as binary: API Gateway passes the base64 text on.
    assert as_text.text == base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def test_rest_multi_value_response_headers_merge(make_function):
    with RestApi({"GET /": make_function("multi")}).client() as client:
        response = client.get("/")
    assert response.headers.get_list("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers.get_list("X-One") == ["1"]
    assert response.headers["Content-Type"] == "application/json"


def test_rest_missing_route_and_missing_stage_are_403(make_function):
    api = RestApi({"GET /orders": make_function("echo")})
    with api.client() as client:
        missing = client.get("/nothing")
        wrong_method = client.post("/orders")
    outside_stage = api.client(base_url=f"https://{api.host}").get("/orders")
    for response in (missing, wrong_method, outside_stage):
        assert response.status_code == 403
        assert response.text == '{"message":"Missing Authentication Token"}'
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert response.invocation is None


@pytest.mark.parametrize("handler", ["malformed", "extra_key", "fails", "text"])
def test_rest_function_error_or_malformed_response_is_502(make_function, handler):
    with RestApi({"GET /": make_function(handler)}).client() as client:
        response = client.get("/")
    assert response.status_code == 502
    assert response.text == '{"message": "Internal server error"}'
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert response.invocation is not None
    if handler == "fails":
        assert response.invocation.error.error_type == "ValueError"


def test_rest_lambda_refusing_the_call_is_500(make_function):
    api = RestApi({"GET /": make_function("echo", reserved_concurrency=0)})
    with api.client() as client:
        response = client.get("/")
    assert response.status_code == 500
    assert response.text == '{"message": "Internal server error"}'
    assert response.invocation.error.kind is ErrorKind.THROTTLED


def test_rest_integration_timeout_answers_504_while_the_function_runs_on(make_function):
    slow = make_function("slow", isolation="process", timeout_s=5)
    api = RestApi({"GET /": slow}, integration_timeout_s=0.3)
    with api.client() as client:
        response = client.get("/?s=1")
    assert response.status_code == 504
    assert response.text == '{"message": "Endpoint request timed out"}'
    # The function was not stopped: its invocation finishes after the answer.
    assert response.invocation.assert_ok() == {"statusCode": 200, "body": "late"}


def test_stage_throttling_is_429(make_function):
    api = RestApi({"GET /": make_function("echo")}, throttle=(0, 1))
    http = HttpApi({"GET /": make_function("echo")}, throttle=(0, 1))
    with api.client() as rest, http.client() as client:
        assert rest.get("/").status_code == 200
        assert client.get("/").status_code == 200
        for response in (rest.get("/"), client.get("/")):
            assert response.status_code == 429
            assert response.text == '{"message":"Too Many Requests"}'
            assert response.invocation is None


def test_payload_limits(make_function):
    echo = make_function("echo")
    big = b"x" * (10 * 1024 * 1024 + 1)
    over_lambda = b"x" * (7 * 1024 * 1024)
    with RestApi({"POST /": echo}).client() as rest, HttpApi({"POST /": echo}).client() as http:
        assert rest.post("/", content=big).status_code == 413
        assert rest.post("/", content=big).text == '{"message":"Request Too Long"}'
        assert http.post("/", content=big).status_code == 413
        refused = rest.post("/", content=over_lambda, headers={"Content-Type": "text/plain"})
        refused_http = http.post("/", content=over_lambda, headers={"Content-Type": "text/plain"})
    assert refused.status_code == 500
    assert refused.invocation.error.kind is ErrorKind.PAYLOAD_TOO_LARGE
    assert refused_http.status_code == 500
    assert refused_http.text == '{"message":"Internal Server Error"}'


def test_rest_cors_preflight_is_a_mock(make_function):
    api = RestApi(
        {"GET /orders": make_function("echo"), "POST /orders": make_function("echo")},
        cors=Cors(allow_origins=["*"], allow_headers=["Content-Type"], max_age=600),
    )
    with api.client() as client:
        preflight = client.options("/orders", headers={"Origin": "https://a.example"})
        actual = client.get("/orders", headers={"Origin": "https://a.example"})
    assert preflight.status_code == 200
    assert preflight.invocation is None
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS,POST"
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    # REST APIs add nothing to the function's own responses.
    assert "Access-Control-Allow-Origin" not in actual.headers


# -- HTTP APIs ------------------------------------------------------------------------------


def test_http_event_is_payload_2_and_validates(make_function):
    api = HttpApi({"POST /orders/{id}": make_function("echo")})
    with api.client() as client:
        response = client.post(
            "/orders/7?expand=a&expand=b",
            json={"item": "book"},
            headers={"Cookie": "s=1; t=2", "X-Many": "1"},
        )
    event = sent_event(response)
    validate_event(event, "apigateway-http")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /orders/{id}"
    assert event["rawPath"] == "/orders/7"
    assert event["rawQueryString"] == "expand=a&expand=b"
    assert event["queryStringParameters"] == {"expand": "a,b"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"] and event["headers"]["x-many"] == "1"
    assert event["pathParameters"] == {"id": "7"}
    assert json.loads(event["body"]) == {"item": "book"} and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["stage"] == "$default"
    assert response.headers["apigw-requestid"]


def test_http_binary_request_body_is_base64(make_function):
    with HttpApi({"POST /": make_function("echo")}).client() as client:
        response = client.post("/", content=b"\x00\x01", headers={"Content-Type": "image/png"})
    event = sent_event(response)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01"


def test_http_response_inference(make_function):
    api = HttpApi(
        {
            "GET /dict": make_function("plain"),
            "GET /text": make_function("text"),
            "GET /cookies": make_function("cookies"),
        }
    )
    with api.client() as client:
        inferred = client.get("/dict")
        text = client.get("/text")
        cookies = client.get("/cookies")
    assert inferred.status_code == 200
    assert inferred.headers["content-type"] == "application/json"
    assert inferred.json() == {"message": "hello", "path": "/dict"}
    assert text.text == '"Hello, world!"'
    assert cookies.status_code == 201
    assert cookies.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    assert cookies.text == "made"


def test_http_api_own_answers(make_function):
    api = HttpApi(
        {
            "GET /fails": make_function("fails"),
            "GET /v1": Route(make_function("plain"), payload_format="1.0"),
        }
    )
    with api.client() as client:
        missing = client.get("/nothing")
        failed = client.get("/fails")
        malformed_v1 = client.get("/v1")
    assert (missing.status_code, missing.text) == (404, '{"message":"Not Found"}')
    assert missing.invocation is None
    assert (failed.status_code, failed.text) == (500, '{"message":"Internal Server Error"}')
    assert failed.invocation.error.error_type == "ValueError"
    # Payload 1.0 has no inference: a response without statusCode is malformed.
    assert (malformed_v1.status_code, malformed_v1.text) == (
        500,
        '{"message":"Internal Server Error"}',
    )


def test_http_payload_1_event_validates(make_function):
    api = HttpApi({"GET /items/{id}": make_function("echo")}, payload_format="1.0")
    with api.client() as client:
        event = sent_event(client.get("/items/3?a=1"))
    validate_event(event, "apigateway-rest")
    assert event["version"] == "1.0"
    assert event["pathParameters"] == {"id": "3"}


def test_http_integration_timeout_is_503(make_function):
    slow = make_function("slow", isolation="process", timeout_s=5)
    with HttpApi({"GET /": slow}, integration_timeout_s=0.3).client() as client:
        response = client.get("/?s=1")
    assert (response.status_code, response.text) == (503, '{"message":"Service Unavailable"}')
    assert response.invocation.ok


def test_http_named_stage_and_default_route(make_function):
    api = HttpApi({"$default": make_function("echo")}, stage="beta")
    with api.client() as client:
        event = sent_event(client.get("/anything/here"))
    assert api.base_url.endswith("/beta")
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/beta/anything/here"


def test_http_cors_preflight_and_headers(make_function):
    api = HttpApi(
        {"GET /": make_function("echo")},
        cors=Cors(
            allow_origins=["https://a.example"],
            allow_methods=["GET", "POST"],
            expose_headers=["X-Echo"],
            max_age=300,
        ),
    )
    with api.client() as client:
        preflight = client.options(
            "/", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
        )
        refused = client.options(
            "/", headers={"Origin": "https://b.example", "Access-Control-Request-Method": "GET"}
        )
        actual = client.get("/", headers={"Origin": "https://a.example"})
    assert preflight.status_code == 204 and preflight.invocation is None
    assert preflight.headers["access-control-allow-origin"] == "https://a.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-max-age"] == "300"
    assert "access-control-allow-origin" not in refused.headers
    assert actual.headers["access-control-allow-origin"] == "https://a.example"
    assert actual.headers["access-control-expose-headers"] == "X-Echo"


def test_async_client(make_function):
    import asyncio

    api = HttpApi({"GET /": make_function("plain")})

    async def main():
        async with api.async_client() as client:
            return await asyncio.gather(client.get("/"), client.get("/"))

    first, second = asyncio.run(main())
    assert first.json()["message"] == "hello" and second.invocation.ok


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"FETCH /x": None}, "is not a route key"),
        ({"GET x": None}, "is not a route key"),
        ({"GET /{a+}/b": None}, "must be the last segment"),
        ({"GET /a{b}": None}, "mixes a variable with text"),
    ],
)
def test_bad_routes_are_refused(routes, message, make_function):
    function = make_function("echo")
    with pytest.raises(HarnessError, match=message):
        HttpApi(dict.fromkeys(routes, function))


def test_bad_settings_are_refused(make_function):
    function = make_function("echo")
    with pytest.raises(HarnessError, match="integration_timeout_s must be at most 30"):
        HttpApi({"GET /": function}, integration_timeout_s=31)
    with pytest.raises(HarnessError, match="goes to 'app.handler'"):
        HttpApi({"GET /": "app.handler"})
    with pytest.raises(HarnessError, match="names authorizer 'Nope'"):
        HttpApi({"GET /": Route(function, authorizer="Nope")})
