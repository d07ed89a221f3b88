"""Amazon VPC Lattice requests to a Lambda target group (event structure v1 and v2)."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, Variant, factory, now, register
from ._http import Body, MultiValue, as_lists, encode_body, joined_values, merge_headers
from ._schema import BOOL, STR, arr, nullable, obj, str_map

_VALUES = str_map({"anyOf": [STR, arr(STR)]})

VPC_LATTICE_SCHEMA = {
    "anyOf": [
        obj(
            {
                "version": {"const": "2.0"},
                "path": STR,
                "method": STR,
                "requestContext": obj(
                    {"serviceNetworkArn": STR, "serviceArn": STR, "targetGroupArn": STR},
                    {"identity": obj(), "region": STR, "timeEpoch": STR},
                ),
            },
            {
                "headers": _VALUES,
                "queryStringParameters": nullable(_VALUES),
                "body": nullable(STR),
                "isBase64Encoded": BOOL,
            },
        ),
        obj(
            {"raw_path": STR, "method": STR},
            {
                "headers": _VALUES,
                "query_string_parameters": nullable(_VALUES),
                "body": nullable(STR),
                "is_base64_encoded": BOOL,
            },
        ),
    ]
}


@factory
def vpc_lattice(
    *,
    method: str = "GET",
    path: str = "/orders",
    body: Body = None,
    headers: Mapping[str, MultiValue] | None = None,
    query: Mapping[str, MultiValue] | None = None,
    version: str = "2.0",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A VPC Lattice request; version "1.0" gives the original snake_case structure."""
    text, is_b64, content_type = encode_body(body)
    defaults = {
        "accept": "*/*",
        "host": f"my-service-0a40eebed65f8d69c.7d67968.vpc-lattice-svcs.{region}.on.aws",
        "user-agent": "curl/8.5.0",
        "x-forwarded-for": "10.0.1.25",
    }
    plain_headers = joined_values(
        merge_headers(defaults, headers, lower=True, content_type=content_type)
    )
    plain_query = joined_values(as_lists(query))
    if version == "1.0":
        return {
            "raw_path": path,
            "method": method,
            "headers": plain_headers,
            "query_string_parameters": plain_query,
            "body": text or "",
            "is_base64_encoded": is_b64,
        }
    lattice = f"arn:aws:vpc-lattice:{region}:{account}"
    return {
        "version": "2.0",
        "path": path,
        "method": method,
        "headers": plain_headers,
        "queryStringParameters": plain_query,
        "body": text or "",
        "isBase64Encoded": is_b64,
        "requestContext": {
            "serviceNetworkArn": f"{lattice}:servicenetwork/sn-0bf3f2882e9cc805a",
            "serviceArn": f"{lattice}:service/svc-0a40eebed65f8d69c",
            "targetGroupArn": f"{lattice}:targetgroup/tg-6d0ecf831eec9f09",
            "identity": {
                "sourceVpcArn": f"arn:aws:ec2:{region}:{account}:vpc/vpc-0b8276c84697e7339",
                "type": "NONE",
            },
            "region": region,
            # Lattice sends microseconds since the epoch, as a string.
            "timeEpoch": str(int(now().timestamp() * 1_000_000)),
        },
    }


register(
    "vpc-lattice",
    "Amazon VPC Lattice request (event structure v2, or v1)",
    VPC_LATTICE_SCHEMA,
    vpc_lattice,
    (Variant("v1", "the original (v1) event structure", {"version": "1.0"}),),
)
