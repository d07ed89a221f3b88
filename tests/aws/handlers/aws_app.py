"""Handlers that call AWS, for the aws fixture's tests."""

import os

import boto3


def read_object(event, context):
    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    return {"body": body.decode(), "endpoint": s3.meta.endpoint_url}


def write_object(event, context):
    boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=event["body"])
    return "written"


def put_item(event, context):
    boto3.client("dynamodb").put_item(TableName=event["table"], Item={"pk": {"S": event["pk"]}})
    return "ok"


def log_and_put(event, context):
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/app/" + context.function_name)
    boto3.client("dynamodb").put_item(TableName=event["table"], Item={"pk": {"S": "x"}})
    return "unreachable"


def credentials(event, context):
    session = boto3.session.Session()
    creds = session.get_credentials()
    return {
        "access_key": creds.access_key if creds else None,
        "config_file": os.environ.get("AWS_CONFIG_FILE"),
        "profile": os.environ.get("AWS_PROFILE"),
        "region": session.region_name,
    }


def real_aws(event, context):
    boto3.client("sqs", endpoint_url="https://sqs.us-east-1.amazonaws.com").list_queues()


def record(event, context):
    return event


def fail_some(event, context):
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
    return {"batchItemFailures": failures}


def fetch_url(event, context):
    import requests

    return requests.get(event["url"], timeout=2).json()
