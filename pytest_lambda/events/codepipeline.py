"""AWS CodePipeline job invocations and AWS CodeCommit repository triggers."""

from __future__ import annotations

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    amz_id,
    factory,
    hex_id,
    iso_ms,
    new_uuid,
    register,
)
from ._schema import ARN, INT, STR, arr, obj, records

CODEPIPELINE_SCHEMA = obj(
    {
        "CodePipeline.job": obj(
            {
                "id": STR,
                "accountId": STR,
                "data": obj(
                    {"actionConfiguration": obj({"configuration": obj()})},
                    {
                        "inputArtifacts": arr(obj()),
                        "outputArtifacts": arr(obj()),
                        "artifactCredentials": obj(),
                        "continuationToken": STR,
                        "encryptionKey": obj(),
                    },
                ),
            }
        )
    }
)


def _artifact(name: str, bucket: str, key: str) -> Event:
    return {
        "name": name,
        "revision": None,
        "location": {"type": "S3", "s3Location": {"bucketName": bucket, "objectKey": key}},
    }


@factory
def codepipeline(
    *,
    function_name: str = "MyLambdaFunctionForAWSCodePipeline",
    user_parameters: str = "some-input-such-as-a-URL",
    artifact_bucket: str = "codepipeline-us-east-1-1234567890",
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A job for a Lambda invoke action, with input/output artifacts and temporary credentials."""
    return {
        "CodePipeline.job": {
            "id": new_uuid(),
            "accountId": account,
            "data": {
                "actionConfiguration": {
                    "configuration": {
                        "FunctionName": function_name,
                        "UserParameters": user_parameters,
                    }
                },
                "inputArtifacts": [
                    _artifact("ArtifactName", artifact_bucket, "the name of the input artifact")
                ],
                "outputArtifacts": [],
                "artifactCredentials": {
                    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                    "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "sessionToken": amz_id(120),
                },
            },
        }
    }


CODECOMMIT_SCHEMA = records(
    obj(
        {
            "eventSource": {"const": "aws:codecommit"},
            "codecommit": obj(
                {"references": arr(obj({"commit": STR, "ref": STR}, {"created": {}}))}
            ),
        },
        {
            "awsRegion": STR,
            "eventId": STR,
            "eventName": STR,
            "eventPartNumber": INT,
            "eventSourceARN": ARN,
            "eventTime": STR,
            "eventTotalParts": INT,
            "eventTriggerConfigId": STR,
            "eventTriggerName": STR,
            "eventVersion": STR,
            "userIdentityARN": STR,
            "customData": STR,
        },
    )
)


@factory
def codecommit(
    *,
    repository: str = "my-repo",
    ref: str = "refs/heads/main",
    commit: str | None = None,
    trigger_name: str = "my-trigger",
    custom_data: str | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """A CodeCommit repository trigger for one pushed reference."""
    record: Event = {
        "awsRegion": region,
        "codecommit": {"references": [{"commit": commit or hex_id(40), "ref": ref}]},
        "eventId": new_uuid(),
        "eventName": "ReferenceChanges",
        "eventPartNumber": 1,
        "eventSource": "aws:codecommit",
        "eventSourceARN": f"arn:aws:codecommit:{region}:{account}:{repository}",
        "eventTime": iso_ms().replace("Z", "+0000"),
        "eventTotalParts": 1,
        "eventTriggerConfigId": new_uuid(),
        "eventTriggerName": trigger_name,
        "eventVersion": "1.0",
        "userIdentityARN": f"arn:aws:iam::{account}:user/someone",
    }
    if custom_data is not None:
        record["customData"] = custom_data
    return {"Records": [record]}


register("codepipeline", "AWS CodePipeline job for a Lambda action", CODEPIPELINE_SCHEMA,
         codepipeline)
register("codecommit", "AWS CodeCommit repository trigger", CODECOMMIT_SCHEMA, codecommit)
