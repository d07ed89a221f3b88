"""HTTP front doors for functions: API Gateway REST and HTTP APIs, function URLs and
Application Load Balancers, as a test client (httpx, no sockets) and a loopback server.

    api = HttpApi({"GET /orders/{id}": function})
    with api.client() as client:
        response = client.get("/orders/42")
        response.json(), response.invocation.report_line

    doors = from_template("template.yaml")          # every API, URL and ALB of a template
    doors = from_stack(aws.deploy())                 # ... wired to a deployment's functions

Modules: messages (the request and response), routing, proxy (the proxy response read),
cors, authorizers and jwt, apigateway (RestApi, HttpApi), function_url, alb, client (the
transports and clients), template (a template's front doors), server (`pytest-lambda serve`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..template import load_template
from .alb import LoadBalancer, TargetGroup
from .apigateway import HttpApi, MockIntegration, RestApi, Route
from .authorizers import Authorizer, JwtAuthorizer, LambdaAuthorizer
from .client import (
    AsyncLambdaHttpClient,
    FrontDoor,
    FrontDoors,
    LambdaHttpClient,
    LambdaResponse,
)
from .cors import Cors
from .function_url import FunctionUrl
from .jwt import mint_jwt, test_key
from .messages import HttpRequest, HttpResponse
from .template import front_doors, functions_of_template

if TYPE_CHECKING:
    from ..aws.stack import Stack

__all__ = [
    "AsyncLambdaHttpClient",
    "Authorizer",
    "Cors",
    "FrontDoor",
    "FrontDoors",
    "FunctionUrl",
    "HttpApi",
    "HttpRequest",
    "HttpResponse",
    "JwtAuthorizer",
    "LambdaAuthorizer",
    "LambdaHttpClient",
    "LambdaResponse",
    "LoadBalancer",
    "MockIntegration",
    "RestApi",
    "Route",
    "TargetGroup",
    "from_stack",
    "from_template",
    "mint_jwt",
    "test_key",
]


def from_template(
    path: str | os.PathLike[str] = "template.yaml",
    *,
    parameter_overrides: Any = None,
    integration_timeout_s: float | None = None,
    region: str = "us-east-1",
    **overrides: Any,
) -> FrontDoors:
    """Every front door of a template, each function configured from the template
    (`overrides` are settings for all of them, e.g. isolation="inline"), not deployed: a
    handler that reads a table of the template needs `from_stack(aws.deploy())`."""
    template = load_template(path, parameter_overrides=parameter_overrides, region=region)
    functions = functions_of_template(
        template, {"region": region, **overrides}, parameter_overrides
    )
    return FrontDoors(front_doors(template, functions, integration_timeout_s=integration_timeout_s))


def from_stack(stack: Stack, *, integration_timeout_s: float | None = None) -> FrontDoors:
    """The front doors of a deployed template, sending requests to the functions the
    deployment configured and wired."""
    functions: Mapping[str, Any] = stack.functions
    return FrontDoors(
        front_doors(stack.template, functions, integration_timeout_s=integration_timeout_s)
    )
