"""A handler that imports boto3 and builds its client at module level, as most do."""

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    return {"ok": True}
