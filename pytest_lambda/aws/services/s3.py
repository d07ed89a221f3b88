"""Amazon S3: buckets, bucket notifications to functions, and what S3 calls act on for IAM."""

from __future__ import annotations

import ipaddress
import itertools
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...config import FunctionConfig
from ...errors import HarnessError
from ...events.s3 import s3_record
from ...function import LambdaFunction
from ..calls import Call
from ..triggers import Record, Trigger, TriggerHub, active_hub
from .base import Account, HookPoints, Service, is_hooked, mark_hooked

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

EVENT_TYPES = (
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
)


# -- create helper and handle -------------------------------------------------------------


def check_bucket_name(name: object) -> str:
    """The name, or a HarnessError naming the S3 rule it breaks."""
    rule = None
    if not isinstance(name, str):
        rule = "it must be a string"
    elif not 3 <= len(name) <= 63:
        rule = f"it must be 3 to 63 characters long (it is {len(name)})"
    elif not _BUCKET.fullmatch(name):
        rule = (
            "only lowercase letters, digits, '.' and '-' are allowed, and it must begin and "
            "end with a letter or digit"
        )
    elif ".." in name:
        rule = "it must not contain two adjacent periods"
    elif _is_ip(name):
        rule = "it must not be formatted as an IP address"
    elif name.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        rule = "it must not start with 'xn--', 'sthree-' or 'amzn-s3-demo-'"
    elif name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3")):
        rule = "it must not end with '-s3alias', '--ol-s3', '.mrap' or '--x-s3'"
    if rule is not None:
        raise HarnessError(f"bucket name {name!r} would be refused by S3: {rule}")
    assert isinstance(name, str)
    return name


def _is_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def create_bucket(
    aws: Account,
    name: str,
    objects: Mapping[str, bytes | str] | None = None,
    *,
    versioned: bool = False,
) -> Bucket:
    """Create bucket `name` holding `objects` ({key: body})."""
    check_bucket_name(name)
    s3 = aws.client("s3")
    options: dict[str, Any] = {}
    if aws.region != "us-east-1":
        options["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    s3.create_bucket(Bucket=name, **options)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    bucket = Bucket(aws, name)
    for key, body in (objects or {}).items():
        bucket.put(key, body)
    return bucket


class Bucket:
    """An S3 bucket in the mocked account."""

    def __init__(self, aws: Account, name: str) -> None:
        self.aws = aws
        self.name = name
        self.arn = f"arn:aws:s3:::{name}"

    def __repr__(self) -> str:
        return f"Bucket({self.name!r})"

    def put(self, key: str, body: bytes | str, **kwargs: Any) -> dict[str, Any]:
        data = body.encode() if isinstance(body, str) else body
        result: dict[str, Any] = self.aws.client("s3").put_object(
            Bucket=self.name, Key=key, Body=data, **kwargs
        )
        return result

    def get(self, key: str) -> bytes:
        body: bytes = self.aws.client("s3").get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def keys(self) -> list[str]:
        pages = self.aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def notify(
        self,
        function: LambdaFunction,
        events: Iterable[str] = ("s3:ObjectCreated:*",),
        *,
        prefix: str = "",
        suffix: str = "",
    ) -> S3Trigger:
        """Invoke `function` with the S3 event for each matching change to this bucket."""
        event_types = (events,) if isinstance(events, str) else tuple(events)
        if not event_types:
            raise HarnessError(
                f"notify() on bucket {self.name!r} was given no event types, so it could never "
                "fire; pass events=['s3:ObjectCreated:*'] or another S3 event type"
            )
        unknown = [e for e in event_types if e not in EVENT_TYPES]
        if unknown:
            raise HarnessError(
                f"notify() on bucket {self.name!r}: {unknown[0]!r} is not an S3 event type, so "
                f"it could never match; use one of {', '.join(EVENT_TYPES)}"
            )
        for label, value in (("prefix", prefix), ("suffix", suffix)):
            if not isinstance(value, str):
                raise HarnessError(
                    f"notify() on bucket {self.name!r}: {label} must be a string, got {value!r}"
                )
        if len(prefix) + len(suffix) > 1024:
            raise HarnessError(
                f"notify() on bucket {self.name!r}: a key is at most 1024 bytes, so prefix "
                f"{prefix!r} and suffix {suffix!r} together could never match"
            )
        trigger = S3Trigger(
            function,
            self.arn,
            bucket=self.name,
            event_types=event_types,
            prefix=prefix,
            suffix=suffix,
            configuration_id=f"tf-s3-lambda-{uuid.uuid4().hex[:20]}",
        )
        self.aws.hub.add(trigger)
        return trigger


# -- trigger -------------------------------------------------------------------------------


@dataclass
class S3Trigger(Trigger):
    bucket: str = ""
    event_types: tuple[str, ...] = ()
    prefix: str = ""
    suffix: str = ""
    configuration_id: str = ""
    # Sequencers grow for a key, frozen clock or not: counted from the start time.
    _sequence: Iterator[int] = field(
        default_factory=lambda: itertools.count(time.time_ns() // 1000), init=False, repr=False
    )

    def matches(self, event_name: str, key: str) -> bool:
        if not (key.startswith(self.prefix) and key.endswith(self.suffix)):
            return False
        return any(
            event_name == pattern
            or (pattern.endswith(":*") and event_name.startswith(pattern[:-1]))
            for pattern in self.event_types
        )

    def kind_of(self, event: dict[str, Any]) -> str | None:
        removed = event["Records"][0]["eventName"].startswith("ObjectRemoved")
        return "s3-delete" if removed else "s3-put"

    def record(self, event_name: str, bucket: Any, key: Any) -> Record:
        """The notification record for a change moto made (`bucket` and `key` are moto's)."""
        removed = event_name.startswith("s3:ObjectRemoved")
        versioned = getattr(bucket, "is_versioned", False) and key.version_id not in (
            None,
            "null",
        )
        return s3_record(
            event_name=event_name[len("s3:") :],
            bucket=bucket.name,
            key=key.name,
            region=bucket.region_name,
            size=None if removed else key.size,
            etag=None if removed else key.etag.strip('"'),
            version_id=key.version_id if versioned else None,
            sequencer=next(self._sequence),
            configuration_id=self.configuration_id,
            source_ip="127.0.0.1",
        )


def _changed(hub: TriggerHub, event_name: str, bucket: Any, key: Any) -> None:
    for trigger in hub.of(S3Trigger):
        if trigger.bucket == bucket.name and trigger.matches(event_name, key.name):
            hub.queue(trigger, trigger.record(event_name, bucket, key))


# -- moto hook ----------------------------------------------------------------------------


def install_moto_hook() -> None:
    """Wrap moto's S3 notification point: every change it notifies reaches the hub."""
    from moto.s3 import notifications

    if is_hooked(notifications.send_event):
        return
    send_event = notifications.send_event

    def s3_send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        send_event(account_id, event_name, bucket, key)
        hub = active_hub()
        if hub is not None:
            _changed(hub, str(getattr(event_name, "value", event_name)), bucket, key)

    notifications.send_event = mark_hooked(s3_send_event)


def hook_points() -> HookPoints:
    from moto.s3 import notifications

    return [("moto.s3.notifications.send_event", notifications.send_event)]


# -- IAM -----------------------------------------------------------------------------------

# Bucket and object subresources -> the IAM action, per HTTP method.
_BUCKET_SUBRESOURCES = {
    "versions": "ListBucketVersions",
    "uploads": "ListBucketMultipartUploads",
    "notification": "{m}BucketNotification",
    "policy": "{m}BucketPolicy",
    "tagging": "{m}BucketTagging",
    "versioning": "{m}BucketVersioning",
    "location": "GetBucketLocation",
    "cors": "{m}BucketCORS",
    "acl": "{m}BucketAcl",
}
_OBJECT_SUBRESOURCES = {
    "tagging": "{m}ObjectTagging",
    "acl": "{m}ObjectAcl",
    "retention": "{m}ObjectRetention",
}
_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Get", "POST": "Put"}


def iam_action(call: Call) -> str:
    """The IAM action of a REST request (S3's actions are not its operation names)."""
    p = call.params
    method, query = p["method"], p["query"]
    verb = _VERBS.get(method, "Get")
    if not p["bucket"]:
        return "s3:ListAllMyBuckets"
    subresources = _OBJECT_SUBRESOURCES if p["key"] else _BUCKET_SUBRESOURCES
    for name, action in subresources.items():
        if name in query:
            return "s3:" + action.format(m=verb)
    if p["key"]:
        if method in ("GET", "HEAD"):
            return "s3:GetObjectVersion" if "versionId" in query else "s3:GetObject"
        if method == "DELETE":
            if "uploadId" in query:
                return "s3:AbortMultipartUpload"
            return "s3:DeleteObjectVersion" if "versionId" in query else "s3:DeleteObject"
        return "s3:PutObject"
    if method in ("GET", "HEAD"):
        return "s3:ListBucket"
    if method == "POST" and "delete" in query:
        return "s3:DeleteObject"
    return "s3:DeleteBucket" if method == "DELETE" else "s3:CreateBucket"


def iam_resources(call: Call, config: FunctionConfig) -> list[str]:
    p = call.params
    if not p["bucket"]:
        # ListAllMyBuckets: granted by "*" and, as AWS's own samples grant it, by
        # "arn:aws:s3:::*"; not by a statement naming particular buckets.
        return ["arn:aws:s3:::*"]
    if p["key"]:
        return [f"arn:aws:s3:::{p['bucket']}/{p['key']}"]
    if p["method"] == "POST" and "delete" in p["query"]:
        return [f"arn:aws:s3:::{p['bucket']}/*"]
    return [f"arn:aws:s3:::{p['bucket']}"]


# Query parameters of a listing that IAM offers as condition keys.
_CONDITION_QUERY = {"prefix": "s3:prefix", "delimiter": "s3:delimiter", "max-keys": "s3:max-keys"}


def iam_context(call: Call) -> dict[str, str]:
    values = call.params.get("query_values", {})
    return {key: values[name] for name, key in _CONDITION_QUERY.items() if name in values}


SERVICE = Service(
    "s3",
    iam_resources=iam_resources,
    iam_action=iam_action,
    install_moto_hook=install_moto_hook,
    hook_points=hook_points,
    iam_context=iam_context,
)
