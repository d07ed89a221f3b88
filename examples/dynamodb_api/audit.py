"""A stream consumer for the items table: reports what changed."""


def handler(event, context):
    return [
        {"event": r["eventName"], "new": r["dynamodb"].get("NewImage")} for r in event["Records"]
    ]
