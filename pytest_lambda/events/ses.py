"""Amazon SES email receiving (a receipt rule's Lambda action)."""

from __future__ import annotations

from ._core import DEFAULT_ACCOUNT, DEFAULT_REGION, Event, factory, hex_id, iso_ms, now, register
from ._schema import STR, arr, obj, records

SES_SCHEMA = records(
    obj(
        {
            "eventSource": {"const": "aws:ses"},
            "ses": obj(
                {
                    "mail": obj(
                        {"messageId": STR, "source": STR, "destination": arr(STR)},
                        {"timestamp": STR, "headers": arr(obj()), "commonHeaders": obj()},
                    ),
                    "receipt": obj(
                        {},
                        {"recipients": arr(STR), "action": obj({"type": STR})},
                    ),
                }
            ),
        },
        {"eventVersion": STR},
    )
)


@factory
def ses(
    *,
    source: str = "janedoe@example.com",
    to: list[str] | None = None,
    subject: str = "Test Subject",
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> Event:
    """An email received by SES and handed to Lambda (the default Event invocation)."""
    recipients = to or ["johndoe@example.com"]
    moment = now()
    message_id = hex_id(20) + "example"
    date = moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    verdict = {"status": "PASS"}
    return {
        "Records": [
            {
                "eventVersion": "1.0",
                "eventSource": "aws:ses",
                "ses": {
                    "mail": {
                        "commonHeaders": {
                            "from": [f"Jane Doe <{source}>"],
                            "to": recipients,
                            "returnPath": source,
                            "messageId": f"<{message_id}@example.com>",
                            "date": date,
                            "subject": subject,
                        },
                        "source": source,
                        "timestamp": iso_ms(moment),
                        "destination": recipients,
                        "headers": [
                            {"name": "Return-Path", "value": f"<{source}>"},
                            {"name": "From", "value": f"Jane Doe <{source}>"},
                            {"name": "Date", "value": date},
                            {"name": "To", "value": ", ".join(recipients)},
                            {"name": "Message-ID", "value": f"<{message_id}@example.com>"},
                            {"name": "Subject", "value": subject},
                            {"name": "MIME-Version", "value": "1.0"},
                            {"name": "Content-Type", "value": "text/plain; charset=UTF-8"},
                        ],
                        "headersTruncated": False,
                        "messageId": message_id,
                    },
                    "receipt": {
                        "recipients": recipients,
                        "timestamp": iso_ms(moment),
                        "spamVerdict": verdict,
                        "dkimVerdict": verdict,
                        "dmarcVerdict": verdict,
                        "dmarcPolicy": "reject",
                        "spfVerdict": verdict,
                        "virusVerdict": verdict,
                        "action": {
                            "type": "Lambda",
                            "invocationType": "Event",
                            "functionArn": f"arn:aws:lambda:{region}:{account}:function:"
                            "ses-receiver",
                        },
                        "processingTimeMillis": 574,
                    },
                },
            }
        ]
    }


register("ses", "Amazon SES received email", SES_SCHEMA, ses)
