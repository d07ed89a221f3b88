"""CloudWatch Logs subscription filter deliveries (gzip + base64 payload)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping
from typing import Any

from ._core import DEFAULT_ACCOUNT, Event, digits, epoch_ms, factory, hex_id, now, register
from ._schema import obj

LogEvent = str | Mapping[str, Any]

CLOUDWATCH_LOGS_SCHEMA = obj(
    {"awslogs": obj({"data": {"type": "string", "contentEncoding": "base64"}})}
)


def decode_logs(event: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document inside awslogs.data (base64 of gzip), as a handler would read it."""
    data: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    return data


@factory
def cloudwatch_logs(
    *,
    log_events: list[LogEvent] | None = None,
    log_group: str = "/aws/lambda/my-function",
    log_stream: str | None = None,
    subscription_filters: list[str] | None = None,
    message_type: str = "DATA_MESSAGE",
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """Log events as str messages or dicts with `message` and optional `timestamp` (epoch ms).

    The payload is gzipped and base64-encoded as CloudWatch Logs does; decode_logs() reverses it.
    """
    given = log_events if log_events is not None else ["[INFO] Hello from the log stream"]
    moment = now()
    stream = log_stream or moment.strftime("%Y/%m/%d/[$LATEST]") + hex_id(32)
    base_id = int(digits(56))
    entries = []
    for index, item in enumerate(given):
        entry_id = str(base_id + index)
        if isinstance(item, str):
            message, timestamp = item, epoch_ms(moment)
        else:
            unknown = set(item) - {"message", "timestamp", "id"}
            if "message" not in item or unknown:
                raise ValueError(
                    f"log event {index} must be a str or a dict with 'message' and optional "
                    f"'timestamp'/'id', got keys {sorted(item)}"
                )
            message = str(item["message"])
            timestamp = int(item.get("timestamp", epoch_ms(moment)))
            entry_id = str(item.get("id", entry_id))
        entries.append({"id": entry_id, "timestamp": timestamp, "message": message})
    payload = {
        "messageType": message_type,
        "owner": account,
        "logGroup": log_group,
        "logStream": stream,
        "subscriptionFilters": subscription_filters or ["my-subscription-filter"],
        "logEvents": entries,
    }
    data = gzip.compress(json.dumps(payload).encode("utf-8"), mtime=0)
    return {"awslogs": {"data": base64.b64encode(data).decode("ascii")}}


register(
    "cloudwatch-logs",
    "CloudWatch Logs subscription filter delivery",
    CLOUDWATCH_LOGS_SCHEMA,
    cloudwatch_logs,
)
