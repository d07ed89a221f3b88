"""Amazon EventBridge events (custom and AWS service events) and scheduled rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Variant,
    factory,
    iso_s,
    new_uuid,
    register,
)
from ._schema import STR, arr, obj

_REQUIRED = {
    "id": STR,
    "detail-type": STR,
    "source": STR,
    "account": STR,
    "time": STR,
    "region": STR,
    "detail": {},
}
# "version" is missing from the scheduled-event samples of the SAM CLI and the Java library.
_OPTIONAL = {"version": STR, "resources": arr(STR), "replay-name": STR}
# EventBridge Scheduler's default payload is a "Scheduled Event" too, with "detail": "{}".
SCHEDULE_SOURCES = ("aws.events", "aws.scheduler")

EVENTBRIDGE_SCHEMA = obj(_REQUIRED, _OPTIONAL)
SCHEDULED_SCHEMA = obj(
    {
        **_REQUIRED,
        "source": {"enum": list(SCHEDULE_SOURCES)},
        "detail-type": {"const": "Scheduled Event"},
    },
    _OPTIONAL,
)


def eventbridge_event(
    *,
    source: str,
    detail_type: str,
    detail: Any,
    resources: Sequence[str] = (),
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Event:
    """One EventBridge event as a rule's Lambda target receives it (`time` defaults to
    now). The eventbridge factory builds its event here, and so do the `aws` fixture's
    rule triggers."""
    return {
        "version": "0",
        "id": event_id or new_uuid(),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_s(time),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }


@factory
def eventbridge(
    *,
    source: str = "com.mycompany.myapp",
    detail_type: str = "myDetailType",
    detail: dict[str, Any] | None = None,
    resources: list[str] | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """An EventBridge event as delivered to a rule's Lambda target."""
    return eventbridge_event(
        source=source,
        detail_type=detail_type,
        detail=dict(detail) if detail is not None else {"key1": "value1", "key2": "value2"},
        resources=resources or [],
        region=region,
        account=account,
    )


@factory
def scheduled(
    *,
    rule: str = "my-schedule",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """The event a scheduled EventBridge rule (cron/rate) sends."""
    return eventbridge(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=[f"arn:aws:events:{region}:{account}:rule/{rule}"],
        region=region,
        account=account,
    )


_S3_DETAIL = {
    "version": "0",
    "bucket": {"name": "amzn-s3-demo-bucket"},
    "object": {
        "key": "uploads/HappyFace.jpg",
        "size": 1024,
        "etag": "b1946ac92492d2347c6235b4d2611184",
        "sequencer": "00617F08299329D189",
    },
    "request-id": "N4N7GDK58NMKJ12R",
    "requester": "123456789012",
    "source-ip-address": "198.51.100.25",
    "reason": "PutObject",
}

register(
    "eventbridge",
    "Amazon EventBridge event (custom or from an AWS service)",
    EVENTBRIDGE_SCHEMA,
    eventbridge,
    (
        Variant(
            "s3-object-created",
            "S3 Object Created delivered through EventBridge",
            {
                "source": "aws.s3",
                "detail_type": "Object Created",
                "detail": _S3_DETAIL,
                "resources": ["arn:aws:s3:::amzn-s3-demo-bucket"],
            },
        ),
    ),
)
register("scheduled", "EventBridge scheduled rule (cron or rate)", SCHEDULED_SCHEMA, scheduled)
