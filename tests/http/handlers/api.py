"""Handlers behind the HTTP front doors in the tests."""

import base64
import json
import time


def echo(event, context):
    """Returns the event it received, as the body of a JSON response."""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Echo": "yes"},
        "body": json.dumps(event),
    }


def plain(event, context):
    """A payload 2.0 response without statusCode: the gateway infers a JSON 200."""
    return {"message": "hello", "path": event.get("rawPath")}


def text(event, context):
    return "Hello, world!"


def cookies(event, context):
    return {
        "statusCode": 201,
        "cookies": ["a=1; Path=/", "b=2"],
        "headers": {"content-type": "text/plain"},
        "body": "made",
    }


def multi(event, context):
    return {
        "statusCode": 200,
        "headers": {"X-One": "1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-One": ["1"]},
        "body": "ok",
    }


def binary(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(),
        "isBase64Encoded": True,
    }


def malformed(event, context):
    return {"statusCode": 200, "body": {"not": "a string"}}


def extra_key(event, context):
    return {"statusCode": 200, "body": "ok", "extra": 1}


def fails(event, context):
    raise ValueError("broken")


def slow(event, context):
    query = event.get("queryStringParameters") or {}
    time.sleep(float(query.get("s", "1")))
    return {"statusCode": 200, "body": "late"}


def alb(event, context):
    return {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
        "isBase64Encoded": False,
    }


def token_authorizer(event, context):
    """Allows the token "allow" (for every method of the API), denies "deny", refuses the rest."""
    token = event.get("authorizationToken") or (event.get("identitySource") or [""])[0]
    if isinstance(token, str) and token.startswith("Bearer "):
        token = token[7:]
    if token not in ("allow", "deny"):
        raise Exception("Unauthorized")
    arn = event.get("methodArn") or event.get("routeArn")
    base = arn.split("/", 2)
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if token == "allow" else "Deny",
                    "Resource": f"{base[0]}/{base[1]}/*",
                }
            ],
        },
        "context": {"user": "alice", "admin": True, "level": 3},
    }


def simple_authorizer(event, context):
    token = (event.get("identitySource") or [""])[0]
    return {"isAuthorized": token == "letmein", "context": {"user": "bob"}}


async def _asgi(scope, receive, send):
    """A bare ASGI app: echoes what it was asked as JSON, status 201."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    answer = json.dumps(
        {
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "body": base64.b64encode(body).decode(),
            "cookie": headers.get("cookie", ""),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": answer})


def asgi_app(event, context):
    from mangum import Mangum

    return Mangum(_asgi, lifespan="off")(event, context)
