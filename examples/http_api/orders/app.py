"""The orders API: create, list and read the caller's orders (payload format 2.0)."""

import json
import os
import uuid
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def _answer(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body, default=lambda d: int(d) if isinstance(d, Decimal) else str(d)),
    }


def handler(event, context):
    owner = event["requestContext"]["authorizer"]["lambda"]["user"]
    route = event["routeKey"]
    if route == "POST /orders":
        try:
            order = json.loads(event.get("body") or "")
            item, quantity = str(order["item"]), int(order["quantity"])
        except (ValueError, KeyError, TypeError):
            return _answer(400, {"error": "give item and quantity"})
        record = {"owner": owner, "id": uuid.uuid4().hex[:12], "item": item, "quantity": quantity}
        table.put_item(Item=record)
        return _answer(201, record)
    if route == "GET /orders":
        found = table.query(
            KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": owner},
        )
        return _answer(200, {"orders": found["Items"]})
    order_id = event["pathParameters"]["id"]
    found = table.get_item(Key={"owner": owner, "id": order_id}).get("Item")
    if found is None:
        return _answer(404, {"error": f"no order {order_id}"})
    return _answer(200, found)
