"""AWS CloudFormation: a template's resources created by moto's own CloudFormation models.

Each moto service knows how to create its resource types from their CloudFormation
properties (`create_from_cloudformation_json`): tables with keys, indexes and streams,
buckets, queues with redrive and FIFO, topics, rules and buses, parameters, streams, log
groups, keys. Those models are called here directly, with the physical names the
template's references resolve to. moto's stack machinery is left out: it would parse the
already resolved template again (YAML, ~20 ms a stack) and its module imports every
service moto has (~1.5 s); the models are the part that knows the resources.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...errors import HarnessError
from .base import Account

# Resource type -> the moto module holding its CloudFormation model.
MODEL_MODULES = {
    "AWS::DynamoDB::Table": "moto.dynamodb.models.table",
    "AWS::S3::Bucket": "moto.s3.models",
    "AWS::SQS::Queue": "moto.sqs.models",
    "AWS::SNS::Topic": "moto.sns.models",
    "AWS::Events::Rule": "moto.events.models",
    "AWS::Events::EventBus": "moto.events.models",
    "AWS::SSM::Parameter": "moto.ssm.models",
    "AWS::Kinesis::Stream": "moto.kinesis.models",
    "AWS::Logs::LogGroup": "moto.logs.models",
    "AWS::KMS::Key": "moto.kms.models",
}
TYPES = frozenset(MODEL_MODULES)


def create_resource(
    aws: Account, kind: str, logical_id: str, name: str, properties: dict[str, Any]
) -> None:
    """Create one resource of type `kind` named `name`, from its resolved properties."""
    model = _model(kind)
    try:
        model.create_from_cloudformation_json(
            name,
            {"Type": kind, "Properties": properties},
            aws.account_id,
            aws.region,
            LogicalId=logical_id,
            ResourceType=kind,
        )
    except Exception as e:
        message = getattr(e, "message", None) or str(e)
        raise HarnessError(f"{type(e).__name__}: {message}") from None


def _model(kind: str) -> Any:
    from moto.core.common_models import CloudFormationModel

    module = importlib.import_module(MODEL_MODULES[kind])
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, CloudFormationModel)
            and value.cloudformation_type() == kind
        ):
            return value
    raise HarnessError(f"moto has no CloudFormation model of {kind} in {module.__name__}")
