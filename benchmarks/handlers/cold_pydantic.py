"""boto3 and a pydantic model at module level."""

import boto3
from pydantic import BaseModel

s3 = boto3.client("s3")


class Order(BaseModel):
    id: str
    amount: int


def handler(event, context):
    return Order(id="1", amount=2).model_dump()
