"""Amazon Lex code hooks: V1 (`lex`) and V2 (`lex-v2`)."""

from __future__ import annotations

from collections.abc import Mapping

from ._core import Event, Variant, factory, new_uuid, register
from ._schema import STR, arr, nullable, obj, str_map

# Lex V1 sends slot values as strings, but the SAM CLI samples hold numbers ("Nights": 4).
_SLOT_VALUE = {"type": ["string", "number", "boolean", "null"]}

LEX_SCHEMA = obj(
    {
        "currentIntent": obj({"name": STR}, {"slots": nullable(str_map(_SLOT_VALUE)),
                                            "confirmationStatus": STR}),
        "bot": obj({"name": STR}, {"alias": nullable(STR), "version": STR}),
        "invocationSource": STR,
    },
    {
        "userId": STR,
        "inputTranscript": STR,
        "outputDialogMode": STR,
        "messageVersion": STR,
        "sessionAttributes": nullable(str_map(STR)),
        "requestAttributes": nullable(str_map(STR)),
    },
)


@factory
def lex(
    *,
    intent: str = "BookHotel",
    slots: Mapping[str, str | None] | None = None,
    input_transcript: str = "book a hotel",
    invocation_source: str = "DialogCodeHook",
    bot: str = "BookTrip",
    user_id: str = "user-1",
) -> Event:
    """A Lex V1 code hook request."""
    slot_values = dict(slots) if slots is not None else {
        "Location": "Chicago", "CheckInDate": None, "Nights": None, "RoomType": None,
    }
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "userId": user_id,
        "sessionAttributes": {},
        "requestAttributes": None,
        "bot": {"name": bot, "alias": "$LATEST", "version": "$LATEST"},
        "outputDialogMode": "Text",
        "currentIntent": {
            "name": intent,
            "slots": slot_values,
            "slotDetails": {
                k: {"resolutions": [], "originalValue": v} for k, v in slot_values.items()
            },
            "confirmationStatus": "None",
        },
        "inputTranscript": input_transcript,
    }


LEX_V2_SCHEMA = obj(
    {
        "sessionId": STR,
        "bot": obj({"id": STR, "name": STR}, {"localeId": STR, "version": STR,
                                             "aliasId": STR, "aliasName": STR}),
        "sessionState": obj({}, {"intent": obj(), "sessionAttributes": str_map(STR)}),
    },
    {
        "messageVersion": STR,
        "invocationSource": STR,
        "inputMode": STR,
        "responseContentType": STR,
        "inputTranscript": STR,
        "interpretations": arr(obj()),
        "requestAttributes": str_map(STR),
        "transcriptions": arr(obj()),
    },
)


def _slot(value: str | None) -> Event | None:
    if value is None:
        return None
    return {
        "shape": "Scalar",
        "value": {"originalValue": value, "interpretedValue": value, "resolvedValues": [value]},
    }


@factory
def lex_v2(
    *,
    intent: str = "BookHotel",
    slots: Mapping[str, str | None] | None = None,
    input_transcript: str = "book a hotel in Chicago",
    invocation_source: str = "DialogCodeHook",
    bot: str = "BookTrip",
    locale: str = "en_US",
) -> Event:
    """A Lex V2 code hook request (interpretations, sessionState)."""
    slot_values = dict(slots) if slots is not None else {"Location": "Chicago",
                                                         "CheckInDate": None}
    intent_obj = {
        "confirmationState": "None",
        "name": intent,
        "slots": {k: _slot(v) for k, v in slot_values.items()},
        "state": "InProgress",
    }
    return {
        "messageVersion": "1.0",
        "invocationSource": invocation_source,
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": "123456789012345",
        "inputTranscript": input_transcript,
        "bot": {
            "id": "ABCDEFGHIJ",
            "name": bot,
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
            "localeId": locale,
            "version": "DRAFT",
        },
        "interpretations": [
            {"intent": intent_obj, "nluConfidence": 0.95, "interpretationSource": "Lex"},
            {"intent": {"confirmationState": "None", "name": "FallbackIntent", "slots": {},
                        "state": "InProgress"}, "interpretationSource": "Lex"},
        ],
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": {},
            "intent": intent_obj,
            "originatingRequestId": new_uuid(),
        },
        "transcriptions": [
            {
                "transcription": input_transcript,
                "transcriptionConfidence": 1.0,
                "resolvedContext": {"intent": intent},
                "resolvedSlots": {},
            }
        ],
    }


register("lex", "Amazon Lex V1 code hook", LEX_SCHEMA, lex, (
    Variant("fulfillment", "fulfillment code hook",
            {"invocation_source": "FulfillmentCodeHook",
             "slots": {"Location": "Chicago", "CheckInDate": "2030-01-10", "Nights": "3",
                       "RoomType": "queen"}}),
))
register("lex-v2", "Amazon Lex V2 code hook", LEX_V2_SCHEMA, lex_v2)
