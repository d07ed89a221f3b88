"""Lambda function URL requests (payload format 2.0 on a *.lambda-url.<region>.on.aws host)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, Variant, factory, register
from ._http import SOURCE_IP, Body, MultiValue
from .apigateway import V2_SCHEMA, v2_event

DEFAULT_URL_ID = "abcdefghij0123456789klmnopqrstuv"


@factory
def function_url(
    *,
    method: str = "GET",
    path: str = "/",
    body: Body = None,
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    cookies: Mapping[str, str] | list[str] | None = None,
    url_id: str = DEFAULT_URL_ID,
    iam_caller: bool = False,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    source_ip: str = SOURCE_IP,
) -> Event:
    """A function URL request; `iam_caller=True` adds the AWS_IAM authorizer context."""
    authorizer: dict[str, Any] | None = None
    if iam_caller:
        authorizer = {
            "iam": {
                "accessKey": "AKIAIOSFODNN7EXAMPLE",
                "accountId": account,
                "callerId": "AIDACKCEVSQ6C2EXAMPLE",
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": f"arn:aws:iam::{account}:user/example-user",
                "userId": "AIDACKCEVSQ6C2EXAMPLE",
            }
        }
    return v2_event(
        method=method,
        path=path,
        body=body,
        headers=headers,
        query=query,
        cookies=cookies,
        path_parameters=None,
        route_key="$default",
        stage="$default",
        api_id=url_id,
        domain_name=f"{url_id}.lambda-url.{region}.on.aws",
        account=account,
        source_ip=source_ip,
        authorizer=authorizer,
    )


register(
    "function-url",
    "Lambda function URL request (payload 2.0)",
    V2_SCHEMA,
    function_url,
    (
        Variant(
            "iam-post",
            "POST with a JSON body from an IAM-authenticated caller",
            {"method": "POST", "path": "/my/path", "body": {"hello": "world"}, "iam_caller": True},
        ),
    ),
)
