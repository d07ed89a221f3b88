"""Accepts an order from an API: checks it and prices it.

ORDERS_DELAY_MS slows every request down: a regression to catch.
"""

import json
import os
import time


def handler(event, context):
    time.sleep(int(os.environ.get("ORDERS_DELAY_MS", "0")) / 1000)
    order = json.loads(event["body"])
    total = sum(item["price"] * item["quantity"] for item in order["items"])
    return {"statusCode": 200, "body": json.dumps({"total": total})}
