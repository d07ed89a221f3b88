"""The handlers of the HTTP benchmark: a proxy response, and the same behind Mangum."""

import json

BODY = json.dumps({"message": "hello"})


def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": BODY}


async def _app(scope, receive, send):
    await receive()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": BODY.encode()})


def mangum_handler(event, context):
    return _MANGUM(event, context)


def _mangum():
    from mangum import Mangum

    return Mangum(_app, lifespan="off")


_MANGUM = _mangum()
