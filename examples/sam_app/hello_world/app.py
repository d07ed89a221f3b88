import json
import os
from urllib.parse import unquote_plus

import boto3
from greetings import greeting

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    """GET /hello: greets and counts the visit."""
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    visits = TABLE.update_item(
        Key={"id": name},
        UpdateExpression="ADD visits :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["visits"]
    return {
        "statusCode": 200,
        "body": json.dumps({"message": greeting(name), "visits": int(visits)}),
    }


def record_upload(event, context):
    """An object created under incoming/: its size is recorded in the table."""
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        TABLE.put_item(Item={"id": f"upload:{key}", "size": record["s3"]["object"]["size"]})
    return {"recorded": len(event["Records"])}


def process_jobs(event, context):
    """Jobs are JSON; a message that is not reports itself as a batch item failure."""
    failures = []
    for record in event["Records"]:
        try:
            json.loads(record["body"])
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
