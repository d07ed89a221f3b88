"""Amazon MQ messages: ActiveMQ and RabbitMQ brokers (one kind, `mq`)."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Event,
    Payload,
    Variant,
    b64_payload,
    epoch_ms,
    factory,
    register,
    to_bytes,
)
from ._schema import BOOL, INT, STR, arr, enum, obj, str_map

MQ_SCHEMA = {
    "oneOf": [
        obj(
            {
                # ActiveMQ events say "aws:mq"; some published ones say "aws:amq".
                "eventSource": enum("aws:mq", "aws:amq"),
                "messages": arr(
                    obj(
                        {"messageID": STR, "data": STR},
                        {
                            "messageType": STR,
                            "timestamp": INT,
                            "deliveryMode": INT,
                            "redelivered": BOOL,
                            "destination": obj({}, {"physicalName": STR}),
                            "properties": str_map({}),
                        },
                    )
                ),
            },
            {"eventSourceArn": STR},
        ),
        obj(
            {
                "eventSource": {"const": "aws:rmq"},
                "rmqMessagesByQueue": str_map(
                    arr(obj({"basicProperties": obj(), "data": STR}, {"redelivered": BOOL}))
                ),
            },
            {"eventSourceArn": STR},
        ),
    ]
}


@factory
def mq(
    *,
    messages: list[Payload] | None = None,
    broker_engine: str = "activemq",
    queue: str = "testQueue",
    broker: str = "test",
    properties: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """Messages from an Amazon MQ broker; broker_engine is "activemq" or "rabbitmq"."""
    payloads = messages if messages is not None else ["ABC:AAAA"]
    broker_id = "b-9bcfa592-423a-4942-879d-eb284b418fc8"
    arn = f"arn:aws:mq:{region}:{account}:broker:{broker}:{broker_id}"
    now_ms = epoch_ms()
    if broker_engine == "rabbitmq":
        return {
            "eventSource": "aws:rmq",
            "eventSourceArn": arn,
            "rmqMessagesByQueue": {
                f"{queue}::/": [
                    {
                        "basicProperties": {
                            "contentType": "text/plain",
                            "contentEncoding": None,
                            "headers": {
                                k: {"bytes": list(v.encode())}
                                for k, v in (properties or {}).items()
                            },
                            "deliveryMode": 1,
                            "priority": 34,
                            "correlationId": None,
                            "replyTo": None,
                            "expiration": "60000",
                            "messageId": None,
                            "timestamp": None,
                            "type": None,
                            "userId": "AIDACKCEVSQ6C2EXAMPLE",
                            "appId": None,
                            "clusterId": None,
                            "bodySize": len(to_bytes(payload)),
                        },
                        "redelivered": False,
                        "data": b64_payload(payload),
                    }
                    for payload in payloads
                ]
            },
        }
    if broker_engine != "activemq":
        raise ValueError(f"broker_engine must be 'activemq' or 'rabbitmq', not {broker_engine!r}")
    host = f"{broker_id}-1.mq.{region}.amazonaws.com"
    return {
        "eventSource": "aws:mq",
        "eventSourceArn": arn,
        "messages": [
            {
                "messageID": f"ID:{host}-37557-1234520418293-4:1:1:1:{index}",
                "messageType": "jms/text-message",
                "deliveryMode": 1,
                "replyTo": None,
                "type": None,
                "expiration": "60000",
                "priority": 1,
                "correlationId": "myJMSCoID",
                "redelivered": False,
                "destination": {"physicalName": queue},
                "data": b64_payload(payload),
                "timestamp": now_ms,
                "brokerInTime": now_ms,
                "brokerOutTime": now_ms + 1,
                "properties": dict(properties or {"index": "1"}),
            }
            for index, payload in enumerate(payloads, start=1)
        ],
    }


register(
    "mq",
    "Amazon MQ messages (ActiveMQ or RabbitMQ)",
    MQ_SCHEMA,
    mq,
    (
        Variant(
            "rabbitmq", "a RabbitMQ broker", {"broker_engine": "rabbitmq", "queue": "pizzaQueue"}
        ),
    ),
)
