"""AWS Secrets Manager rotation steps."""

from __future__ import annotations

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, amz_id, factory, new_uuid, register
from ._schema import STR, obj

SECRETSMANAGER_SCHEMA = obj(
    {
        "SecretId": STR,
        "ClientRequestToken": STR,
        # createSecret, setSecret, testSecret or finishSecret; not an enum so that a step
        # AWS adds later does not fail validation.
        "Step": STR,
    },
    {"RotationToken": STR},
)


@factory
def secretsmanager_rotation(
    *,
    step: str = "createSecret",
    secret_name: str = "MyTestDatabaseSecret",
    token: str | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """One rotation step: createSecret, setSecret, testSecret or finishSecret."""
    return {
        "Step": step,
        "SecretId": f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_name}-"
        f"{amz_id(6)}",
        "ClientRequestToken": token or new_uuid(),
        "RotationToken": new_uuid(),
    }


register(
    "secretsmanager-rotation",
    "AWS Secrets Manager rotation step",
    SECRETSMANAGER_SCHEMA,
    secretsmanager_rotation,
)
