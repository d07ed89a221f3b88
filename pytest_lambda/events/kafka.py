"""Apache Kafka records: Amazon MSK (msk) and self-managed clusters (kafka)."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Payload,
    b64,
    b64_payload,
    epoch_ms,
    factory,
    new_uuid,
    register,
)
from ._schema import INT, STR, arr, enum, obj, str_map

_RECORD = obj(
    {"topic": STR, "partition": INT, "offset": INT, "timestamp": INT, "value": {}},
    {
        "timestampType": enum("CREATE_TIME", "LOG_APPEND_TIME", "NO_TIMESTAMP_TYPE"),
        "key": {"type": ["string", "null"]},
        # Header values are lists of byte values; some producers show them base64-encoded.
        "headers": arr(str_map({"anyOf": [arr(INT), STR]})),
    },
)
_RECORDS = str_map(arr(_RECORD))
# AWS documents "SelfManagedKafka"; Powertools' captured events say "aws:SelfManagedKafka".
SELF_MANAGED_SOURCES = ("SelfManagedKafka", "aws:SelfManagedKafka")

MSK_SCHEMA = obj(
    {"eventSource": {"const": "aws:kafka"}, "records": _RECORDS},
    {"eventSourceArn": STR, "bootstrapServers": STR},
)
KAFKA_SCHEMA = obj(
    {"eventSource": enum(*SELF_MANAGED_SOURCES), "records": _RECORDS},
    {"bootstrapServers": STR},
)


def _records(
    topic: str, partition: int, values: list[Payload], key: str | None,
    headers: Mapping[str, str] | None,
) -> dict[str, list[Event]]:
    now_ms = epoch_ms()
    out = []
    for offset, value in enumerate(values, start=15):
        record: Event = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "timestamp": now_ms,
            "timestampType": "CREATE_TIME",
            "key": b64(key.encode()) if key is not None else None,
            "value": b64_payload(value),
            # Kafka header values reach Lambda as lists of byte values.
            "headers": [{k: list(v.encode()) for k, v in (headers or {}).items()}]
            if headers
            else [],
        }
        out.append(record)
    return {f"{topic}-{partition}": out}


@factory
def msk(
    *,
    records: list[Payload] | None = None,
    topic: str = "mytopic",
    partition: int = 0,
    key: str | None = "recordKey",
    headers: Mapping[str, str] | None = None,
    cluster: str = "demo-cluster-1",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """Records from an Amazon MSK cluster; keys and values base64-encoded for you."""
    cluster_id = new_uuid()
    brokers = ",".join(
        f"b-{i}.{cluster}.a1bcde.c1.kafka.{region}.amazonaws.com:9092" for i in (1, 2)
    )
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": f"arn:aws:kafka:{region}:{account}:cluster/{cluster}/{cluster_id}-2",
        "bootstrapServers": brokers,
        "records": _records(
            topic, partition, records if records is not None else ["Hello, this is a test."],
            key, headers,
        ),
    }


@factory
def kafka(
    *,
    records: list[Payload] | None = None,
    topic: str = "mytopic",
    partition: int = 0,
    key: str | None = "recordKey",
    headers: Mapping[str, str] | None = None,
    bootstrap_servers: str = "b-1.kafka.example.com:9092,b-2.kafka.example.com:9092",
) -> Event:
    """Records from a self-managed Apache Kafka cluster."""
    return {
        "eventSource": "SelfManagedKafka",
        "bootstrapServers": bootstrap_servers,
        "records": _records(
            topic, partition, records if records is not None else ["Hello, this is a test."],
            key, headers,
        ),
    }


register("msk", "Amazon MSK (managed Kafka) records", MSK_SCHEMA, msk)
register("kafka", "Self-managed Apache Kafka records", KAFKA_SCHEMA, kafka)
