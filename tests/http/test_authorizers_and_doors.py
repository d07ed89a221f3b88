"""Authorizers (Lambda, JWT), function URLs, load balancers, and a real consumer (Mangum)."""

import base64
import json

import pytest

from pytest_lambda import validate_event
from pytest_lambda.http import (
    Cors,
    FunctionUrl,
    HttpApi,
    JwtAuthorizer,
    LambdaAuthorizer,
    LoadBalancer,
    RestApi,
    Route,
    TargetGroup,
    mint_jwt,
)


def sent_event(response):
    return json.loads(response.text)


# -- Lambda authorizers -----------------------------------------------------------------------


def rest_with_token_authorizer(make_function, ttl_s=300):
    authorizer = LambdaAuthorizer(make_function("token_authorizer"), type="TOKEN", ttl_s=ttl_s)
    echo = make_function("echo")
    api = RestApi(
        {"GET /orders": echo, "POST /orders": echo, "GET /open": Route(echo, authorizer="NONE")},
        authorizers={"Token": authorizer},
        default_authorizer="Token",
    )
    return api, authorizer


def test_token_authorizer_allows_and_passes_its_context(make_function):
    api, authorizer = rest_with_token_authorizer(make_function)
    with api.client() as client:
        response = client.get("/orders", headers={"Authorization": "allow"})
    assert response.status_code == 200
    event = sent_event(response)
    assert event["requestContext"]["authorizer"] == {
        "principalId": "user-1",
        "user": "alice",
        "admin": "true",
        "level": "3",
    }
    sent = response.authorizer_invocation
    assert sent is not None and sent.ok
    validate_event(
        {
            "type": "TOKEN",
            "authorizationToken": "allow",
            "methodArn": "arn:aws:execute-api:us-east-1:123456789012:x/Prod/GET/orders",
        },
        "apigateway-authorizer",
    )


def test_token_authorizer_refusals(make_function):
    api, _ = rest_with_token_authorizer(make_function)
    with api.client() as client:
        missing = client.get("/orders")
        refused = client.get("/orders", headers={"Authorization": "nobody"})
        denied = client.get("/orders", headers={"Authorization": "deny"})
        open_route = client.get("/open")
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')
    assert missing.authorizer_invocation is None and missing.invocation is None
    assert (refused.status_code, refused.text) == (401, '{"message":"Unauthorized"}')
    assert refused.authorizer_invocation.error.message == "Unauthorized"
    assert denied.status_code == 403
    assert denied.text == (
        '{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert open_route.status_code == 200 and open_route.authorizer_invocation is None


def test_authorizer_results_are_cached_by_identity_and_ttl(make_function):
    api, authorizer = rest_with_token_authorizer(make_function)
    with api.client() as client:
        first = client.get("/orders", headers={"Authorization": "allow"})
        second = client.post("/orders", headers={"Authorization": "allow"})
        other = client.get("/orders", headers={"Authorization": "deny"})
    assert first.authorizer_invocation is not None
    # Cached: the policy is evaluated again for the new method, no second call.
    assert second.status_code == 200 and second.authorizer_invocation is None
    assert other.authorizer_invocation is not None
    assert len(authorizer.function.invocations) == 2

    uncached, no_cache = rest_with_token_authorizer(make_function, ttl_s=0)
    with uncached.client() as client:
        client.get("/orders", headers={"Authorization": "allow"})
        client.get("/orders", headers={"Authorization": "allow"})
    assert len(no_cache.function.invocations) == 2


def test_authorizer_failure_is_500_authorizer_configuration(make_function):
    authorizer = LambdaAuthorizer(make_function("fails"), type="TOKEN")
    api = RestApi(
        {"GET /": Route(make_function("echo"), authorizer="A")}, authorizers={"A": authorizer}
    )
    with api.client() as client:
        response = client.get("/", headers={"Authorization": "x"})
    assert (response.status_code, response.text) == (500, '{"message": null}')
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_http_api_request_authorizer_with_simple_responses(make_function):
    authorizer = LambdaAuthorizer(
        make_function("simple_authorizer"),
        type="REQUEST",
        identity_source="$request.header.Authorization",
        payload_format="2.0",
        simple_responses=True,
    )
    api = HttpApi(
        {"GET /me": Route(make_function("echo"), authorizer="Simple")},
        authorizers={"Simple": authorizer},
    )
    with api.client() as client:
        allowed = client.get("/me", headers={"Authorization": "letmein"})
        forbidden = client.get("/me", headers={"Authorization": "nope"})
        missing = client.get("/me")
    assert sent_event(allowed)["requestContext"]["authorizer"] == {"lambda": {"user": "bob"}}
    request_event = authorizer.function.invocations[0]
    assert request_event.ok
    assert (forbidden.status_code, forbidden.text) == (403, '{"message":"Forbidden"}')
    assert (missing.status_code, missing.text) == (401, '{"message":"Unauthorized"}')


def test_lambda_authorizer_settings_are_checked(make_function):
    function = make_function("echo")
    from pytest_lambda import HarnessError

    with pytest.raises(HarnessError, match="simple_responses=True needs payload_format='2.0'"):
        LambdaAuthorizer(function, simple_responses=True)
    with pytest.raises(HarnessError, match="identity source 'Authorization' is not one"):
        LambdaAuthorizer(function, type="REQUEST", identity_source="Authorization")
    with pytest.raises(HarnessError, match="ttl_s must be 0-3600"):
        LambdaAuthorizer(function, ttl_s=7200)


# -- JWT authorizers ---------------------------------------------------------------------------

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example"


def jwt_api(make_function):
    authorizer = JwtAuthorizer(issuer=ISSUER, audience=["my-client"])
    return HttpApi(
        {
            "GET /orders": Route(make_function("echo"), authorizer="Jwt"),
            "DELETE /orders": Route(make_function("echo"), authorizer="Jwt", scopes=["admin"]),
        },
        authorizers={"Jwt": authorizer},
    )


def test_jwt_authorizer_passes_the_claims(make_function):
    token = mint_jwt(
        {"email": "a@example.com", "groups": ["x", "y"]},
        issuer=ISSUER,
        audience="my-client",
        scopes=["orders/read"],
    )
    with jwt_api(make_function).client() as client:
        response = client.get("/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    jwt = sent_event(response)["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["email"] == "a@example.com"
    assert jwt["claims"]["groups"] == "[x y]"
    assert jwt["claims"]["aud"] == "my-client"
    assert jwt["scopes"] == ["orders/read"]


@pytest.mark.parametrize(
    ("token", "status", "description"),
    [
        (lambda: mint_jwt(issuer=ISSUER, audience="other"), 401, "valid audience"),
        (lambda: mint_jwt(issuer="https://elsewhere", audience="my-client"), 401, "valid issuer"),
        (lambda: mint_jwt(issuer=ISSUER, audience="my-client", expires_in_s=-5), 401, "expired"),
        (
            lambda: mint_jwt(
                issuer=ISSUER,
                audience="my-client",
                algorithm="HS256",
                key=b"a-shared-secret-of-32-characters",
            ),
            401,
            "signing method HS256 is invalid",
        ),
        (lambda: "not.a.jwt", 401, "malformed"),
    ],
)
def test_jwt_authorizer_refuses(make_function, token, status, description):
    with jwt_api(make_function).client() as client:
        response = client.get("/orders", headers={"Authorization": token()})
    assert (response.status_code, response.text) == (status, '{"message":"Unauthorized"}')
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert description in response.headers["www-authenticate"]


def test_jwt_route_scopes(make_function):
    reader = mint_jwt(issuer=ISSUER, audience="my-client", scopes=["orders/read"])
    admin = mint_jwt(issuer=ISSUER, audience="my-client", scopes=["admin"])
    with jwt_api(make_function).client() as client:
        refused = client.delete("/orders", headers={"Authorization": reader})
        allowed = client.delete("/orders", headers={"Authorization": admin})
    assert (refused.status_code, refused.text) == (403, '{"message":"Forbidden"}')
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert allowed.status_code == 200


# -- function URLs ----------------------------------------------------------------------------


def test_function_url_event_and_answers(make_function):
    url = FunctionUrl(make_function("echo"))
    failing = FunctionUrl(make_function("fails"))
    with url.client() as client, failing.client() as failing_client:
        response = client.post("/my/path?x=1", json={"a": 1})
        failed = failing_client.get("/")
    event = sent_event(response)
    validate_event(event, "function-url")
    assert url.host.endswith(".lambda-url.us-east-1.on.aws")
    assert event["routeKey"] == "$default"
    assert event["requestContext"]["domainName"] == url.host
    assert event["requestContext"]["apiId"] == url.url_id
    assert "pathParameters" not in event and "stageVariables" not in event
    assert (failed.status_code, failed.text) == (502, "Internal Server Error")
    assert failed.invocation.error.error_type == "ValueError"


def test_function_url_iam_and_cors(make_function):
    url = FunctionUrl(make_function("plain"), auth_type="AWS_IAM", cors=Cors(allow_origins=["*"]))
    with url.client() as client:
        unsigned = client.get("/")
        signed = client.get(
            "/", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/x", "Origin": "o"}
        )
    assert (unsigned.status_code, unsigned.text) == (403, '{"Message":"Forbidden"}')
    assert signed.status_code == 200
    assert signed.invocation is not None
    assert signed.headers["access-control-allow-origin"] == "*"


# -- load balancers ---------------------------------------------------------------------------


def test_alb_event_rules_and_answers(make_function):
    alb = make_function("alb")
    balancer = LoadBalancer(
        {
            "/multi/*": TargetGroup(alb, multi_value_headers=True),
            "GET /fails": make_function("fails"),
        },
        default=alb,
    )
    with balancer.client() as client:
        single = client.get("/x?a=1&a=2&b=c%20d", headers=[("X-A", "1"), ("X-A", "2")])
        multi = client.get("/multi/y?a=1&a=2", headers=[("X-A", "1"), ("X-A", "2")])
        failed = client.get("/fails")
    event = sent_event(single)
    validate_event(event, "alb")
    assert event["queryStringParameters"] == {"a": "2", "b": "c%20d"}
    assert event["headers"]["x-a"] == "2"
    multi_event = sent_event(multi)
    validate_event(multi_event, "alb")
    assert multi_event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert multi_event["multiValueHeaders"]["x-a"] == ["1", "2"]
    assert failed.status_code == 502
    assert "<center><h1>502 Bad Gateway</h1></center>" in failed.text
    assert failed.headers["server"] == "awselb/2.0"


# -- a real consumer: Mangum --------------------------------------------------------------------


@pytest.mark.parametrize("door", ["rest", "http", "url", "alb"])
def test_mangum_app_behind_each_front_door(make_function, door):
    function = make_function("asgi_app")
    doors = {
        "rest": lambda: RestApi({"ANY /{proxy+}": function}),
        "http": lambda: HttpApi({"$default": function}),
        "url": lambda: FunctionUrl(function),
        "alb": lambda: LoadBalancer(TargetGroup(function, multi_value_headers=True)),
    }
    with doors[door]().client() as client:
        response = client.post(
            "/items/7?q=a%20b",
            content=b"\x00\x01",
            headers={"Content-Type": "application/octet-stream", "Cookie": "s=1"},
        )
    assert response.status_code == 201, response.text
    seen = response.json()
    assert seen["path"] == "/items/7"
    assert seen["query"] == "q=a%20b" or seen["query"] == "q=a+b"
    assert base64.b64decode(seen["body"]) == b"\x00\x01"
    assert "s=1" in seen["cookie"]
