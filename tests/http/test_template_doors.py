"""A template's front doors, read from the transformed template."""

import json
from pathlib import Path

import pytest

from pytest_lambda import validate_event
from pytest_lambda.http import FunctionUrl, HttpApi, LoadBalancer, RestApi, from_template, mint_jwt

TEMPLATE = Path(__file__).parent / "sam" / "template.yaml"

# The template says python3.12; on another interpreter pytest-lambda says so once per
# function (RuntimeVersionWarning). The behaviour these tests check is the same.
pytestmark = pytest.mark.filterwarnings("ignore::pytest_lambda.RuntimeVersionWarning")


@pytest.fixture(scope="module")
def doors():
    found = from_template(TEMPLATE, isolation="inline")
    yield found
    found.close()


def test_every_front_door_is_read(doors):
    kinds = {door.name: type(door) for door in doors}
    assert kinds == {
        "ServerlessRestApi": RestApi,
        "SecureApi": RestApi,
        "ServerlessHttpApi": HttpApi,
        "JwtApi": HttpApi,
        "EchoUrl": FunctionUrl,
        "TargetGroup": LoadBalancer,
    }
    assert doors["ServerlessRestApi"].stage == "Prod"
    assert doors["SecureApi"].stage == "dev"
    assert doors["ServerlessHttpApi"].stage == "$default"


def test_implicit_apis_route_to_the_function(doors):
    with doors.client("ServerlessRestApi") as client:
        rest = client.get("/hello/world")
    with doors.client("ServerlessHttpApi") as client:
        http = client.post("/hi/there/you")
    rest_event = json.loads(rest.text)
    validate_event(rest_event, "apigateway-rest")
    assert rest_event["pathParameters"] == {"name": "world"}
    assert rest_event["requestContext"]["stage"] == "Prod"
    http_event = json.loads(http.text)
    assert http_event["routeKey"] == "ANY /hi/{proxy+}"
    assert http_event["pathParameters"] == {"proxy": "there/you"}
    assert rest.invocation.function_name == "Echo"


def test_explicit_api_authorizer_stage_variables_cors(doors):
    with doors.client("SecureApi") as client:
        refused = client.post("/secure")
        allowed = client.post("/secure", headers={"Authorization": "allow"})
        preflight = client.options("/secure")
    assert refused.status_code == 401
    event = json.loads(allowed.text)
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["authorizer"]["principalId"] == "user-1"
    assert allowed.authorizer_invocation.function_name == "Authorizer"
    # SAM's CORS preflight: a mock integration (without the authorizer, as configured).
    assert preflight.status_code == 200 and preflight.invocation is None
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type,Authorization"
    assert doors["SecureApi"].binary_media_types == ["image/png"]


def test_jwt_authorizer_and_cors_of_an_http_api(doors):
    token = mint_jwt(issuer="https://issuer.example.com", audience="aud1", scopes=["orders/read"])
    with doors.client("JwtApi") as client:
        allowed = client.get(
            "/jwt", headers={"Authorization": token, "Origin": "https://example.com"}
        )
        refused = client.get("/jwt")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://example.com"
    assert refused.status_code == 401


def test_function_url_and_target_group(doors):
    with doors.client("EchoUrl") as client:
        url = client.get("/x", headers={"Origin": "https://example.com"})
    with doors.client("TargetGroup") as client:
        alb = client.get("/y?a=1&a=2")
    validate_event(json.loads(url.text), "function-url")
    assert url.headers["access-control-allow-origin"] == "https://example.com"
    alb_event = json.loads(alb.text)
    validate_event(alb_event, "alb")
    assert alb_event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}


def test_a_relative_url_with_several_front_doors_is_an_error(doors):
    from pytest_lambda import HarnessError

    with doors.client() as client, pytest.raises(HarnessError, match="several front doors"):
        client.get("/hello/x")
