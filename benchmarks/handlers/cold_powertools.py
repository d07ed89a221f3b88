"""boto3 and Powertools (logger, tracer, metrics, a REST resolver) at module level."""

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

s3 = boto3.client("s3")
logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="bench")
app = APIGatewayRestResolver()


def handler(event, context):
    return {"ok": True}
