"""An API Gateway + DynamoDB CRUD microservice (the microservice-http-endpoint blueprint).

The table is named by the TABLE_NAME variable; the HTTP method picks the operation:
GET scans (or gets ?id=), POST/PUT puts the JSON body, DELETE deletes ?id=.
"""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def respond(status, body):
    return {
        "statusCode": status,
        "body": json.dumps(body, default=str),
        "headers": {"Content-Type": "application/json"},
    }


def lambda_handler(event, context):
    method = event["httpMethod"]
    params = event.get("queryStringParameters") or {}
    if method == "GET":
        if "id" in params:
            item = table.get_item(Key={"id": params["id"]}).get("Item")
            return respond(200, item) if item else respond(404, {"message": "not found"})
        return respond(200, table.scan()["Items"])
    if method in ("POST", "PUT"):
        item = json.loads(event["body"])
        table.put_item(Item=item)
        return respond(201 if method == "POST" else 200, item)
    if method == "DELETE":
        table.delete_item(Key={"id": params["id"]})
        return respond(204, None)
    return respond(405, {"message": f'Unsupported method "{method}"'})
