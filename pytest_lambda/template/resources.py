"""What `Ref` and `Fn::GetAtt` give for each resource type, and resources' physical names.

A resource without an explicit name gets the one CloudFormation would make
(`<stack>-<LogicalId>-<SUFFIX>`, lowercase for buckets), with a suffix derived from the
stack name and logical id instead of a random one: the same name every time, so a
reference read before `aws.deploy` names what the deployment creates. Functions without
a FunctionName are named by their logical id, as the harness always has (it keeps the
summary, the log group and the REPORT lines readable).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A stream label like DynamoDB's (the time the stream was enabled), fixed so that
# StreamArn is known before deployment; the deployment gives the table the same.
STREAM_LABEL = "2020-01-01T00:00:00.000"


@dataclass(frozen=True)
class Identity:
    """One resource's physical name and where it lives; `prop` reads a resolved property."""

    logical_id: str
    name: str
    region: str
    account_id: str
    stack_name: str
    prop: Callable[[str], Any]

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    def digest(self, size: int, alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") -> str:
        """Characters derived from the stack and logical id (stable across runs)."""
        raw = hashlib.sha256(f"{self.stack_name}/{self.logical_id}".encode()).digest()
        text = base64.b32encode(raw).decode()
        return "".join(alphabet[ord(c) % len(alphabet)] for c in text[:size])


Attribute = Callable[[Identity], Any]


@dataclass(frozen=True)
class ResourceType:
    """What the harness knows of a resource type: its name property and references."""

    name_property: str | None
    max_length: int
    ref: Attribute
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    lowercase: bool = False
    # A name CloudFormation requires (no generated default).
    name_required: bool = False
    name_suffix: Callable[[Identity], str] = lambda identity: ""


def generated_name(
    kind: ResourceType, logical_id: str, stack_name: str, suffix: str, fifo: str = ""
) -> str:
    """`<stack>-<LogicalId>-<SUFFIX>` cut to the type's length limit, as CloudFormation does."""
    tail = f"-{suffix}{fifo}"
    head = f"{stack_name}-{logical_id}"[: max(kind.max_length - len(tail), 1)].rstrip("-")
    name = head + tail
    return name.lower() if kind.lowercase else name


def _name(identity: Identity) -> str:
    return identity.name


def _fifo(flag: str) -> Callable[[Identity], str]:
    def suffix(identity: Identity) -> str:
        return ".fifo" if str(identity.prop(flag)).lower() == "true" else ""

    return suffix


def _queue_url(identity: Identity) -> str:
    return f"https://sqs.{identity.region}.amazonaws.com/{identity.account_id}/{identity.name}"


def _rule_arn(identity: Identity) -> str:
    bus = identity.prop("EventBusName")
    if bus in (None, "default") or (isinstance(bus, str) and bus.endswith(":event-bus/default")):
        return identity.arn("events", f"rule/{identity.name}")
    bus_name = str(bus).rsplit("/", 1)[-1]
    return identity.arn("events", f"rule/{bus_name}/{identity.name}")


def _stream_arn(identity: Identity) -> str | None:
    specification = identity.prop("StreamSpecification")
    if not isinstance(specification, Mapping):
        return None
    return identity.arn("dynamodb", f"table/{identity.name}/stream/{STREAM_LABEL}")


def _secret_arn(identity: Identity) -> str:
    suffix = identity.digest(6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    return identity.arn("secretsmanager", f"secret:{identity.name}-{suffix}")


def _role_arn(identity: Identity) -> str:
    path = identity.prop("Path") or "/"
    return f"arn:aws:iam::{identity.account_id}:role{path}{identity.name}"


def _uuid(identity: Identity) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{identity.stack_name}/{identity.logical_id}"))


def _api_id(identity: Identity) -> str:
    return identity.digest(10, "abcdefghijklmnopqrstuvwxyz0123456789")


TYPES: dict[str, ResourceType] = {
    "AWS::DynamoDB::Table": ResourceType(
        "TableName",
        255,
        _name,
        {
            "Arn": lambda i: i.arn("dynamodb", f"table/{i.name}"),
            "StreamArn": _stream_arn,
        },
    ),
    "AWS::S3::Bucket": ResourceType(
        "BucketName",
        63,
        _name,
        {
            "Arn": lambda i: f"arn:aws:s3:::{i.name}",
            "DomainName": lambda i: f"{i.name}.s3.amazonaws.com",
            "RegionalDomainName": lambda i: f"{i.name}.s3.{i.region}.amazonaws.com",
            "DualStackDomainName": lambda i: f"{i.name}.s3.dualstack.{i.region}.amazonaws.com",
            "WebsiteURL": lambda i: f"http://{i.name}.s3-website-{i.region}.amazonaws.com",
        },
        lowercase=True,
    ),
    "AWS::SQS::Queue": ResourceType(
        "QueueName",
        80,
        _queue_url,
        {
            "Arn": lambda i: i.arn("sqs", i.name),
            "QueueName": _name,
            "QueueUrl": _queue_url,
        },
        name_suffix=_fifo("FifoQueue"),
    ),
    "AWS::SNS::Topic": ResourceType(
        "TopicName",
        256,
        lambda i: i.arn("sns", i.name),
        {"TopicArn": lambda i: i.arn("sns", i.name), "TopicName": _name},
        name_suffix=_fifo("FifoTopic"),
    ),
    "AWS::SNS::Subscription": ResourceType(
        None,
        256,
        lambda i: f"{i.prop('TopicArn')}:{_uuid(i)}",
    ),
    "AWS::Events::Rule": ResourceType("Name", 64, _name, {"Arn": _rule_arn}),
    "AWS::Events::EventBus": ResourceType(
        "Name",
        256,
        _name,
        {"Arn": lambda i: i.arn("events", f"event-bus/{i.name}"), "Name": _name},
        name_required=True,
    ),
    "AWS::SSM::Parameter": ResourceType(
        "Name",
        1011,
        _name,
        {"Type": lambda i: i.prop("Type"), "Value": lambda i: i.prop("Value")},
    ),
    "AWS::SecretsManager::Secret": ResourceType("Name", 512, _secret_arn, {"Id": _secret_arn}),
    "AWS::Kinesis::Stream": ResourceType(
        "Name", 128, _name, {"Arn": lambda i: i.arn("kinesis", f"stream/{i.name}")}
    ),
    "AWS::Lambda::Function": ResourceType(
        "FunctionName",
        64,
        _name,
        {"Arn": lambda i: i.arn("lambda", f"function:{i.name}")},
    ),
    "AWS::Lambda::LayerVersion": ResourceType(
        "LayerName",
        140,
        lambda i: i.arn("lambda", f"layer:{i.name}:1"),
        {"LayerVersionArn": lambda i: i.arn("lambda", f"layer:{i.name}:1")},
    ),
    "AWS::IAM::Role": ResourceType(
        "RoleName",
        64,
        _name,
        {"Arn": _role_arn, "RoleId": lambda i: "AROA" + i.digest(17)},
    ),
    "AWS::IAM::ManagedPolicy": ResourceType(
        "ManagedPolicyName",
        128,
        lambda i: f"arn:aws:iam::{i.account_id}:policy{i.prop('Path') or '/'}{i.name}",
        {
            "PolicyArn": lambda i: (
                f"arn:aws:iam::{i.account_id}:policy{i.prop('Path') or '/'}{i.name}"
            )
        },
    ),
    "AWS::IAM::Policy": ResourceType("PolicyName", 128, _name),
    "AWS::Logs::LogGroup": ResourceType(
        "LogGroupName",
        512,
        _name,
        {"Arn": lambda i: i.arn("logs", f"log-group:{i.name}:*")},
    ),
    "AWS::StepFunctions::StateMachine": ResourceType(
        "StateMachineName",
        80,
        lambda i: i.arn("states", f"stateMachine:{i.name}"),
        {"Arn": lambda i: i.arn("states", f"stateMachine:{i.name}"), "Name": _name},
    ),
    "AWS::Scheduler::Schedule": ResourceType(
        "Name", 64, _name, {"Arn": lambda i: i.arn("scheduler", f"schedule/default/{i.name}")}
    ),
    "AWS::ApiGateway::RestApi": ResourceType(
        None, 64, _api_id, {"RootResourceId": lambda i: i.digest(10, "abcdefghij0123456789")}
    ),
    "AWS::ApiGatewayV2::Api": ResourceType(
        None,
        64,
        _api_id,
        {
            "ApiId": _api_id,
            "ApiEndpoint": lambda i: f"https://{_api_id(i)}.execute-api.{i.region}.amazonaws.com",
        },
    ),
    "AWS::KMS::Key": ResourceType(
        None, 64, _uuid, {"Arn": lambda i: i.arn("kms", f"key/{_uuid(i)}"), "KeyId": _uuid}
    ),
}
