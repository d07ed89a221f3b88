"""A REQUEST authorizer with simple responses: `Authorization: Bearer <token>` names a user."""

import os


def handler(event, context):
    tokens = dict(pair.split("=", 1) for pair in os.environ["API_TOKENS"].split(","))
    header = (event.get("identitySource") or [""])[0]
    token = header.removeprefix("Bearer ")
    user = tokens.get(token)
    return {"isAuthorized": user is not None, "context": {"user": user or ""}}
