"""`aws.deploy()`: a template's resources created in the mocked account, its functions
configured from it, and its event sources wired to them; the `Stack` says what was made.

The resources go to moto's own CloudFormation (its models create tables with their keys,
indexes and streams, buckets, queues with redrive and FIFO, topics, rules, parameters,
streams), each with the physical name the template's references resolve to: a function
configured from the template before the deployment names the table the deployment
creates. What moto's CloudFormation lacks (secrets, subscriptions) is created through
the service modules. Event sources become the services' triggers: an object put in a
deployed bucket invokes the template's function as Lambda would.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import FunctionConfig
from ..errors import HarnessError
from ..function import LambdaFunction
from ..template import (
    STREAM_LABEL,
    Template,
    Where,
    function_ids,
    load_template,
    parse_overrides,
    referenced_id,
)
from ..template.resources import TYPES
from .services import cloudformation, dynamodb, eventbridge, secretsmanager
from .services.base import Account
from .services.dynamodb import Table
from .services.eventbridge import Rule
from .services.kinesis import Stream
from .services.s3 import Bucket
from .services.sns import Topic
from .services.sqs import Queue
from .triggers import Trigger

# Honoured without being created: functions, their layers, roles and permissions become
# the functions' settings; mappings and subscriptions become triggers; APIs are the HTTP
# front doors' business.
_NOT_CREATED = (
    "AWS::Lambda::",
    "AWS::IAM::",
    "AWS::ApiGateway::",
    "AWS::ApiGatewayV2::",
    "AWS::Scheduler::Schedule",
    "AWS::SNS::Subscription",
    "AWS::SecretsManager::Secret",
    "AWS::CloudFormation::WaitConditionHandle",
)
# SAM event types deploy() wires, and those left to the HTTP front doors.
# The sources an event source mapping of the template is wired to.
_EVENT_SOURCES = ("AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::Kinesis::Stream")
_WIRED_EVENTS = frozenset(
    {
        "S3",
        "SQS",
        "SNS",
        "DynamoDB",
        "Kinesis",
        "Schedule",
        "ScheduleV2",
        "EventBridgeRule",
        "CloudWatchEvent",
    }
)
_HTTP_EVENTS = frozenset({"Api", "HttpApi"})


@dataclass(frozen=True)
class StackResource:
    """One resource of a deployed stack: what `Ref` and `Fn::GetAtt ...Arn` give."""

    logical_id: str
    type: str
    physical_id: str | None
    arn: str | None


class Stack(Mapping[str, StackResource]):
    """A deployed template: its resources by logical id, its functions, triggers, outputs."""

    def __init__(
        self,
        aws: Account,
        template: Template,
        resources: dict[str, StackResource],
        functions: dict[str, LambdaFunction],
        owned: list[LambdaFunction],
        triggers: dict[str, Trigger],
        parameter_overrides: Any = None,
    ) -> None:
        self.aws = aws
        self.template = template
        self.name = template.stack_name
        self._resources = resources
        self.functions = functions
        self._owned = owned
        self.triggers = triggers
        self.outputs: dict[str, Any] = dict(template.outputs())
        self._parameter_overrides = parse_overrides(parameter_overrides)

    def deployed_as(self, path: str | os.PathLike[str], parameter_overrides: Any) -> bool:
        """Whether this is the deployment of that template with those parameters."""
        return (
            Path(path).resolve() == self.template.path
            and parse_overrides(parameter_overrides) == self._parameter_overrides
        )

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, {str(self.template.path)!r})"

    def __getitem__(self, logical_id: str) -> StackResource:
        found = self._resources.get(logical_id)
        if found is None:
            raise KeyError(self._unknown(logical_id, self._resources))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)

    def _unknown(self, logical_id: str, known: Mapping[str, Any]) -> str:
        close = difflib.get_close_matches(logical_id, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (
            f"stack {self.name!r} ({self.template.shown}) has no {logical_id!r}{hint} "
            f"(it has: {', '.join(known) or 'nothing'})"
        )

    def physical_id(self, logical_id: str) -> str:
        found = self[logical_id].physical_id
        if found is None:
            raise HarnessError(f"{logical_id!r} of stack {self.name!r} has no physical id")
        return found

    def arn(self, logical_id: str) -> str:
        found = self[logical_id].arn
        if found is None:
            raise HarnessError(f"{logical_id!r} of stack {self.name!r} has no ARN")
        return found

    def function(self, logical_id: str) -> LambdaFunction:
        """The template's function, as the deployment configured and wired it."""
        found = self.functions.get(logical_id)
        if found is None:
            raise HarnessError(self._unknown(logical_id, self.functions))
        return found

    def trigger(self, name: str) -> Trigger:
        """An event source: by its SAM event name ("Batch", or "Function.Batch" when two
        functions have one of that name) or the logical id of the resource behind it."""
        if name in self.triggers:
            return self.triggers[name]
        matches = [key for key in self.triggers if key.rsplit(".", 1)[-1] == name]
        if len(matches) == 1:
            return self.triggers[matches[0]]
        raise HarnessError(self._unknown(name, self.triggers))

    def _typed(self, logical_id: str, kind: str) -> StackResource:
        resource = self[logical_id]
        if resource.type != kind:
            raise HarnessError(
                f"{logical_id!r} of stack {self.name!r} is a {resource.type}, not a {kind}"
            )
        return resource

    def table(self, logical_id: str) -> Table:
        self._typed(logical_id, "AWS::DynamoDB::Table")
        return _table(self.aws, self.template, logical_id)

    def bucket(self, logical_id: str) -> Bucket:
        return Bucket(
            self.aws, self.physical_id(self._typed(logical_id, "AWS::S3::Bucket").logical_id)
        )

    def queue(self, logical_id: str) -> Queue:
        resource = self._typed(logical_id, "AWS::SQS::Queue")
        name = str(resource.arn).rsplit(":", 1)[-1]
        return Queue(self.aws, name, self.physical_id(logical_id), self.aws.region)

    def topic(self, logical_id: str) -> Topic:
        self._typed(logical_id, "AWS::SNS::Topic")
        arn = self.physical_id(logical_id)
        return Topic(self.aws, arn.rsplit(":", 1)[-1], arn)

    def stream(self, logical_id: str) -> Stream:
        return Stream(
            self.aws, self.physical_id(self._typed(logical_id, "AWS::Kinesis::Stream").logical_id)
        )

    def rule(self, logical_id: str) -> Rule:
        resource = self._typed(logical_id, "AWS::Events::Rule")
        arn = self.arn(logical_id)
        bus = arn.split(":rule/", 1)[1].rsplit("/", 1)[0] if arn.count("/") > 1 else "default"
        return Rule(self.aws, self.physical_id(resource.logical_id), bus, arn)

    def close(self) -> None:
        """Discard the execution environments of the functions the deployment made."""
        for function in self._owned:
            function.close()


def deploy(
    aws: Account,
    path: str,
    *,
    parameter_overrides: Any = None,
    settings: Mapping[str, Any] | None = None,
    configs: Sequence[FunctionConfig] = (),
    adopted: Sequence[LambdaFunction] = (),
    existing: Sequence[Stack] = (),
) -> Stack:
    """Create the template's resources in `aws`, configure its functions (`configs` and
    `adopted` functions stand for theirs) and wire their event sources. `existing` are the
    stacks already deployed there (a stack's name is taken once)."""
    template = load_template(
        path,
        parameter_overrides=parameter_overrides,
        region=aws.region,
        account_id=aws.account_id,
    )
    deployment = _Deployment(aws, template, parameter_overrides, dict(settings or {}), existing)
    deployment.create_resources()
    deployment.configure_functions(configs, adopted)
    deployment.wire()
    return Stack(
        aws,
        template,
        deployment.stack_resources(),
        deployment.functions,
        deployment.owned,
        deployment.triggers,
        parameter_overrides,
    )


class _Deployment:
    def __init__(
        self,
        aws: Account,
        template: Template,
        parameter_overrides: Any,
        settings: dict[str, Any],
        existing: Sequence[Stack],
    ) -> None:
        self.aws = aws
        self.existing = existing
        self.template = template
        self.parameter_overrides = parameter_overrides
        self.settings = settings
        self.created: dict[str, dict[str, Any]] = {}
        self.functions: dict[str, LambdaFunction] = {}
        self.owned: list[LambdaFunction] = []
        self.triggers: dict[str, Trigger] = {}

    def where(self, logical_id: str, prop: str = "Properties") -> Where:
        return Where(self.template.shown, logical_id, prop)

    # -- resources ------------------------------------------------------------------------

    def create_resources(self) -> None:
        template = self.template
        body: dict[str, Any] = {}
        for logical_id, resource in template.resources.items():
            kind = resource["Type"]
            if not template.is_created(logical_id):
                continue
            if kind in cloudformation.TYPES:
                properties = self._properties(logical_id, kind)
                self.created[logical_id] = properties
                body[logical_id] = {"Type": kind, "Properties": properties}
            elif kind == "AWS::SecretsManager::Secret":
                self._secret(logical_id)
            elif not kind.startswith(_NOT_CREATED):
                template.warn_once(
                    logical_id,
                    "Type",
                    f"{kind} is not deployed by the harness; create what the test needs "
                    "with aws.client(...)",
                )
        self._create_in_moto(self._in_dependency_order(body))
        for logical_id, properties in self.created.items():
            if template.resources[logical_id]["Type"] == "AWS::DynamoDB::Table":
                dynamodb.label_stream(self.aws, properties["TableName"], STREAM_LABEL)

    def _in_dependency_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """The resources, each after those its properties refer to (moto creates them in
        order and sees none of the references, which are already resolved)."""
        ordered: dict[str, Any] = {}

        def visit(logical_id: str, seen: tuple[str, ...]) -> None:
            if logical_id in ordered or logical_id in seen:
                return
            raw = self.template.properties(logical_id)
            for needed in sorted(_references(raw)):
                if needed in body:
                    visit(needed, (*seen, logical_id))
            ordered[logical_id] = body[logical_id]

        for logical_id in body:
            visit(logical_id, ())
        return ordered

    def _properties(self, logical_id: str, kind: str) -> dict[str, Any]:
        template = self.template
        raw = template.properties(logical_id)
        properties = dict(template.resolve(dict(raw), self.where(logical_id)))
        name_property = TYPES[kind].name_property if kind in TYPES else None
        if name_property is not None:
            identity = template.identity(logical_id, self.where(logical_id, name_property))
            properties[name_property] = identity.name
        if kind == "AWS::S3::Bucket":
            notifications = properties.pop("NotificationConfiguration", None) or {}
            for other in ("QueueConfigurations", "TopicConfigurations"):
                if other in notifications:
                    template.warn_once(
                        logical_id,
                        f"NotificationConfiguration.{other}",
                        "not honoured: only notifications to functions are delivered",
                    )
        if kind == "AWS::SNS::Topic":
            # Subscriptions are made as triggers (functions) or through SNS (the others).
            properties.pop("Subscription", None)
        return properties

    def _create_in_moto(self, body: dict[str, Any]) -> None:
        for stack in self.existing:
            if stack.name == self.template.stack_name:
                raise HarnessError(
                    f"a stack named {stack.name!r} is already deployed in this test; deploy "
                    "another template under its own name with "
                    "parameter_overrides={'AWS::StackName': 'other'}"
                )
        for logical_id, resource in body.items():
            kind = resource["Type"]
            name_property = TYPES[kind].name_property if kind in TYPES else None
            name = resource["Properties"].get(name_property) if name_property else None
            try:
                cloudformation.create_resource(
                    self.aws, kind, logical_id, str(name or logical_id), resource["Properties"]
                )
            except HarnessError as e:
                raise HarnessError(
                    f"template {self.template.shown!r}: resource {logical_id!r} ({kind}) could "
                    f"not be created in the mocked account: {e}"
                ) from None

    def _secret(self, logical_id: str) -> None:
        template = self.template
        identity = template.identity(logical_id, self.where(logical_id, "Name"))
        properties = template.resolve(dict(template.properties(logical_id)), self.where(logical_id))
        arn = template.ref(logical_id, self.where(logical_id, "Ref"))
        secretsmanager.create_secret(
            self.aws,
            identity.name,
            arn=arn,
            secret_string=properties.get("SecretString"),
            generate=properties.get("GenerateSecretString"),
            description=properties.get("Description"),
        )
        self.created[logical_id] = properties

    def stack_resources(self) -> dict[str, StackResource]:
        template = self.template
        found: dict[str, StackResource] = {}
        for logical_id, resource in template.resources.items():
            kind = resource["Type"]
            if not template.is_created(logical_id):
                continue
            if (
                logical_id not in self.created
                and logical_id not in self.functions
                and not (kind.startswith(("AWS::Lambda::", "AWS::IAM::")))
            ):
                continue
            physical = None
            arn = None
            if kind in TYPES:
                where = self.where(logical_id, "Ref")
                physical = str(template.ref(logical_id, where))
                attributes = TYPES[kind].attributes
                for name in ("Arn", "TopicArn", "LayerVersionArn", "PolicyArn"):
                    if name in attributes:
                        arn = attributes[name](template.identity(logical_id, where))
                        break
                if kind in (
                    "AWS::SNS::Topic",
                    "AWS::SecretsManager::Secret",
                    "AWS::Lambda::LayerVersion",
                ):
                    arn = physical
            item = StackResource(logical_id, kind, physical, arn)
            found[logical_id] = item
        for original, renamed in template.transformed.renamed.items():
            if renamed in found:
                found[original] = found[renamed]
        return found

    # -- functions ------------------------------------------------------------------------

    def configure_functions(
        self, configs: Sequence[FunctionConfig], adopted: Sequence[LambdaFunction]
    ) -> None:
        path = str(self.template.path)
        given = {
            config.template_source.logical_id: config
            for config in configs
            if config.template_source is not None and config.template_source.path == path
        }
        existing = {
            function.config.template_source.logical_id: function
            for function in adopted
            if function.config.template_source is not None
            and function.config.template_source.path == path
        }
        for logical_id in function_ids(self.template):
            if logical_id in existing:
                self.functions[logical_id] = existing[logical_id]
                continue
            unsupported = self._unsupported(logical_id)
            if unsupported is not None:
                self.template.warn_once(logical_id, "Runtime", f"not deployed: {unsupported}")
                continue
            config = given.get(logical_id)
            if config is None:
                overrides = {**self.settings, "region": self.aws.region}
                config = FunctionConfig.from_template(
                    path,
                    logical_id,
                    overrides,
                    parameter_overrides=self.parameter_overrides,
                )
            function = LambdaFunction.from_config(config)
            self.functions[logical_id] = function
            self.owned.append(function)

    def _unsupported(self, logical_id: str) -> str | None:
        properties = self.template.properties(logical_id)
        code = properties.get("Code")
        if properties.get("PackageType") == "Image" or (
            isinstance(code, Mapping) and "ImageUri" in code
        ):
            return "a container image function cannot be run from its image"
        runtime = properties.get("Runtime")
        if isinstance(runtime, str) and not runtime.startswith("python3."):
            return f"its runtime {runtime!r} is not Python"
        return None

    def _function_for(
        self, raw: Any, logical_id: str, prop: str
    ) -> tuple[str, LambdaFunction] | None:
        """The deployed function a property names (a Ref, GetAtt ...Arn, name or ARN)."""
        target = referenced_id(raw)
        if target is None or target not in self.functions:
            value = self.template.resolve(raw, self.where(logical_id, prop))
            for function_id, function in self.functions.items():
                if value in (function.name, function.config.function_arn):
                    return function_id, function
            return None
        return target, self.functions[target]

    # -- event sources --------------------------------------------------------------------

    def wire(self) -> None:
        template = self.template
        for logical_id, resource in template.resources.items():
            if not template.is_created(logical_id):
                continue
            kind = resource["Type"]
            if kind == "AWS::Lambda::EventSourceMapping":
                self._mapping(logical_id)
            elif kind == "AWS::S3::Bucket" and logical_id in self.created:
                self._bucket_notifications(logical_id)
            elif kind == "AWS::SNS::Subscription":
                self._subscription(logical_id)
            elif kind == "AWS::SNS::Topic" and logical_id in self.created:
                self._topic_subscriptions(logical_id)
            elif kind == "AWS::Events::Rule" and logical_id in self.created:
                self._rule(logical_id)
            elif kind == "AWS::Scheduler::Schedule":
                self._schedule(logical_id)
        self._warn_unwired()

    def _name(self, function_id: str, resource_id: str) -> str:
        """A trigger's name: the SAM event it came from (`Function.Event`), else the
        logical id of the resource behind it."""
        events = self._sam_events(function_id)
        if resource_id.startswith(function_id) and resource_id[len(function_id) :] in events:
            return f"{function_id}.{resource_id[len(function_id) :]}"
        return resource_id

    def _sam_events(self, function_id: str) -> Mapping[str, Any]:
        original = self.template.transformed.original_properties.get(function_id, {})
        events = original.get("Events")
        return events if isinstance(events, Mapping) else {}

    def _mapping(self, logical_id: str) -> None:
        template = self.template
        properties = template.properties(logical_id)
        owner = self._function_for(properties.get("FunctionName"), logical_id, "FunctionName")
        if owner is None:
            return
        function_id, function = owner
        resolved = template.resolve(dict(properties), self.where(logical_id))
        if resolved.get("Enabled") in (False, "false"):
            return
        source = self._source(properties.get("EventSourceArn"), resolved.get("EventSourceArn"))
        source_type = template.resources[source]["Type"] if source is not None else None
        name = self._name(function_id, logical_id)
        batch_size = _as_int(resolved.get("BatchSize"))
        reports_failures = "ReportBatchItemFailures" in (
            resolved.get("FunctionResponseTypes") or []
        )
        if "FilterCriteria" in resolved:
            template.warn_once(
                logical_id, "FilterCriteria", "not honoured: every record is delivered"
            )
        if source is None or source_type not in _EVENT_SOURCES:
            template.warn_once(
                logical_id,
                "EventSourceArn",
                f"not wired: {resolved.get('EventSourceArn')!r} is not a queue, table stream "
                "or Kinesis stream of the template",
            )
            return
        trigger: Trigger
        if source_type == "AWS::SQS::Queue":
            queue = self._queue(source)
            trigger = queue.notify(
                function,
                batch_size=batch_size or 10,
                report_batch_item_failures=reports_failures,
                deliver_waiting=False,
            )
        elif source_type == "AWS::DynamoDB::Table":
            table = _table(self.aws, template, source)
            trigger = table.notify(function, batch_size=batch_size or 100)
        else:
            stream = Stream(self.aws, self.created[source]["Name"])
            trigger = stream.notify(
                function,
                batch_size=batch_size or 100,
                starting_position=str(resolved.get("StartingPosition") or "LATEST"),
            )
        self.triggers[name] = trigger

    def _source(self, raw: Any, arn: Any) -> str | None:
        """The created resource an event source mapping reads (by reference or by ARN)."""
        referenced = referenced_id(raw)
        if referenced is not None and referenced in self.created:
            return referenced
        for logical_id in self.created:
            kind = TYPES.get(self.template.resources[logical_id]["Type"])
            if kind is None:
                continue
            identity = self.template.identity(logical_id, self.where(logical_id, "Arn"))
            for attribute in ("Arn", "StreamArn"):
                getter = kind.attributes.get(attribute)
                if getter is not None and getter(identity) == arn:
                    return logical_id
        return None

    def _queue(self, logical_id: str) -> Queue:
        name = self.created[logical_id]["QueueName"]
        url = str(self.template.ref(logical_id, self.where(logical_id, "Ref")))
        return Queue(self.aws, name, url, self.aws.region)

    def _bucket_notifications(self, logical_id: str) -> None:
        template = self.template
        raw = template.properties(logical_id).get("NotificationConfiguration")
        if raw is None:
            return
        where = self.where(logical_id, "NotificationConfiguration")
        configurations = template.resolve(raw, where).get("LambdaConfigurations") or []
        bucket = Bucket(self.aws, self.created[logical_id]["BucketName"])
        for index, configuration in enumerate(configurations):
            owner = self._function_for(
                raw["LambdaConfigurations"][index]["Function"],
                logical_id,
                f"NotificationConfiguration.LambdaConfigurations[{index}].Function",
            )
            if owner is None:
                continue
            function_id, function = owner
            prefix = suffix = ""
            rules = ((configuration.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            for rule in rules:
                if str(rule.get("Name", "")).lower() == "prefix":
                    prefix = str(rule.get("Value", ""))
                elif str(rule.get("Name", "")).lower() == "suffix":
                    suffix = str(rule.get("Value", ""))
            trigger = bucket.notify(
                function, events=[configuration["Event"]], prefix=prefix, suffix=suffix
            )
            name = self._s3_event_name(function_id, logical_id) or f"{logical_id}.{index}"
            self.triggers[name] = trigger

    def _s3_event_name(self, function_id: str, bucket_id: str) -> str | None:
        for event_name, event in self._sam_events(function_id).items():
            properties = event.get("Properties") if isinstance(event, Mapping) else None
            if (
                isinstance(event, Mapping)
                and event.get("Type") == "S3"
                and isinstance(properties, Mapping)
                and referenced_id(properties.get("Bucket")) == bucket_id
                and f"{function_id}.{event_name}" not in self.triggers
            ):
                return f"{function_id}.{event_name}"
        return None

    def _subscription(self, logical_id: str) -> None:
        template = self.template
        raw = template.properties(logical_id)
        properties = template.resolve(dict(raw), self.where(logical_id))
        topic_id = referenced_id(raw.get("TopicArn"))
        arn = properties.get("TopicArn")
        topic = Topic(self.aws, str(arn).rsplit(":", 1)[-1], str(arn))
        if topic_id is not None and topic_id not in self.created:
            return
        if properties.get("Protocol") != "lambda":
            attributes = {
                key: value if isinstance(value, str) else json.dumps(value)
                for key, value in properties.items()
                if key
                in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")
            }
            topic.subscribe(
                str(properties.get("Protocol")), str(properties.get("Endpoint")), attributes
            )
            return
        owner = self._function_for(raw.get("Endpoint"), logical_id, "Endpoint")
        if owner is None:
            return
        function_id, function = owner
        policy = properties.get("FilterPolicy")
        if isinstance(policy, str):
            policy = json.loads(policy)
        trigger = topic.notify(
            function,
            filter_policy=policy,
            filter_policy_scope=properties.get("FilterPolicyScope"),
        )
        self.triggers[self._name(function_id, logical_id)] = trigger

    def _topic_subscriptions(self, logical_id: str) -> None:
        raw = self.template.properties(logical_id).get("Subscription") or []
        arn = str(self.template.ref(logical_id, self.where(logical_id, "Ref")))
        topic = Topic(self.aws, arn.rsplit(":", 1)[-1], arn)
        for index, item in enumerate(raw):
            prop = f"Subscription[{index}]"
            subscription = self.template.resolve(item, self.where(logical_id, prop))
            if subscription.get("Protocol") == "lambda":
                owner = self._function_for(item.get("Endpoint"), logical_id, f"{prop}.Endpoint")
                if owner is not None:
                    self.triggers[f"{logical_id}.{index}"] = topic.notify(owner[1])
            else:
                topic.subscribe(
                    str(subscription.get("Protocol")), str(subscription.get("Endpoint"))
                )

    def _rule(self, logical_id: str) -> None:
        template = self.template
        properties = self.created[logical_id]
        raw_targets = template.properties(logical_id).get("Targets") or []
        arn = template.get_att(logical_id, "Arn", self.where(logical_id, "Arn"))
        bus = properties.get("EventBusName") or "default"
        bus_name = str(bus).rsplit("/", 1)[-1]
        for index, target in enumerate(properties.get("Targets") or []):
            owner = self._function_for(
                raw_targets[index].get("Arn"), logical_id, f"Targets[{index}].Arn"
            )
            if owner is None:
                continue
            function_id, function = owner
            name = self._name(function_id, logical_id)
            if "EventPattern" not in properties and "ScheduleExpression" in properties:
                payload = json.loads(target["Input"]) if "Input" in target else None
                self.triggers[name] = eventbridge.schedule(
                    self.aws, function, properties["Name"], arn, payload=payload
                )
            else:
                rule = Rule(self.aws, properties["Name"], bus_name, arn)
                self.triggers[name] = rule.notify(function, targeted=True)

    def _schedule(self, logical_id: str) -> None:
        template = self.template
        raw = template.properties(logical_id)
        target = raw.get("Target") or {}
        owner = self._function_for(target.get("Arn"), logical_id, "Target.Arn")
        if owner is None:
            return
        function_id, function = owner
        resolved = template.resolve(dict(raw), self.where(logical_id))
        text = (resolved.get("Target") or {}).get("Input")
        payload = json.loads(text) if isinstance(text, str) else {}
        name = str(template.ref(logical_id, self.where(logical_id, "Ref")))
        arn = template.get_att(logical_id, "Arn", self.where(logical_id, "Arn"))
        self.triggers[self._name(function_id, logical_id)] = eventbridge.schedule(
            self.aws, function, name, arn, payload=payload
        )

    def _warn_unwired(self) -> None:
        for function_id in self.functions:
            for event_name, event in self._sam_events(function_id).items():
                kind = event.get("Type") if isinstance(event, Mapping) else None
                if kind in _WIRED_EVENTS or kind in _HTTP_EVENTS:
                    continue
                self.template.warn_once(
                    function_id,
                    f"Events.{event_name}",
                    f"a {kind} event is not wired by aws.deploy(); invoke the function with "
                    "an event built by pytest_lambda.events instead",
                )


def _table(aws: Account, template: Template, logical_id: str) -> Table:
    identity = template.identity(logical_id, Where(template.shown, logical_id, "Arn"))
    attributes = TYPES["AWS::DynamoDB::Table"].attributes
    return dynamodb.deployed_table(
        aws, identity.name, attributes["Arn"](identity), attributes["StreamArn"](identity)
    )


def _references(value: Any) -> set[str]:
    """The logical ids a value refers to (Ref, Fn::GetAtt, and ${...} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        referenced = referenced_id(value)
        if referenced is not None:
            found.add(referenced)
        sub = value.get("Fn::Sub") if len(value) == 1 else None
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            found.update(name.split(".", 1)[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text))
        for item in value.values():
            found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def _as_int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
