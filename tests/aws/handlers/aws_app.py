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


def other_clients_to_aws(event, context):
    """Each client the guard must refuse by name, from inside the environment."""
    import socket
    import urllib.request

    import requests

    refused = {}
    attempts = {
        "urllib": lambda: urllib.request.urlopen("https://s3.amazonaws.com/", timeout=2),
        "requests": lambda: requests.get("https://dynamodb.us-east-1.amazonaws.com/", timeout=2),
        "socket": lambda: socket.create_connection(("sts.amazonaws.com", 443), timeout=2),
        "function-url": lambda: requests.get("https://abc.lambda-url.us-east-1.on.aws/"),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
        except Exception as e:
            refused[name] = f"{type(e).__name__}: {e}"
    return refused


def record(event, context):
    return event


def fail_some(event, context):
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
    return {"batchItemFailures": failures}


def fetch_url(event, context):
    import requests

    return requests.get(event["url"], timeout=2).json()


def http_call(event, context):
    import requests

    session = requests.Session()
    if "retry_on" in event:
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        retry = Retry(total=2, status_forcelist=event["retry_on"], backoff_factor=0)
        session.mount("https://", HTTPAdapter(max_retries=retry))
    response = session.request(
        event.get("method", "GET"),
        event["url"],
        json=event.get("json"),
        headers=event.get("headers"),
        timeout=2,
    )
    return {
        "status": response.status_code,
        "reason": response.reason,
        "body": response.text,
        "content_type": response.headers.get("Content-Type"),
        "cookies": response.cookies.get_dict(),
        "url": response.url,
        "variables": sorted(name for name in os.environ if "PYTEST_LAMBDA" in name),
    }


def http_error(event, context):
    import requests

    try:
        requests.get(event["url"], timeout=2)
    except requests.RequestException as e:
        return {"type": type(e).__name__, "message": str(e), "url": e.request.url}
    return "no error"


def default_session_key(event, context):
    boto3.client("s3")
    return boto3.DEFAULT_SESSION.get_credentials().access_key


def list_buckets(event, context):
    return sorted(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"])


def list_prefix(event, context):
    listed = boto3.client("s3").list_objects_v2(Bucket=event["bucket"], Prefix=event["prefix"])
    return [o["Key"] for o in listed.get("Contents", [])]
