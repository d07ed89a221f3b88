"""Handlers the engine tests invoke: one function per behaviour under test."""

import datetime
import decimal
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

CALLS = 0


class CustomError(Exception):
    """An exception class defined in the handler module (the payload drops the module)."""


class AccessDeniedError(Exception):
    """Shaped like botocore's ClientError for an AccessDenied response."""

    def __init__(self, message):
        super().__init__(message)
        self.response = {"Error": {"Code": "AccessDenied", "Message": message}}


def hello(event, context):
    return {"message": "hello", "event": event}


def echo(event, context):
    return event


def count(event, context):
    global CALLS
    CALLS += 1
    return CALLS


def fail(event, context):
    raise ValueError("boom")


def nested_fail(event, context):
    return _helper(event)


def _helper(event):
    raise RuntimeError(f"nested failure for {event!r}")


def custom_error(event, context):
    raise CustomError("custom failure")


def key_error(event, context):
    return {}["missing"]


def access_denied(event, context):
    raise AccessDeniedError("not allowed")


def return_set(event, context):
    return {1, 2}


def return_datetime(event, context):
    return {"when": datetime.datetime(2024, 1, 2, 3, 4, 5)}


def return_decimal(event, context):
    return {"price": decimal.Decimal("1.10")}


def return_bytes(event, context):
    return b"\x00\x01raw\xff"


def return_unicode(event, context):
    return {"greeting": "héllo ☃ 日本"}


def return_large(event, context):
    return "x" * (6 * 1024 * 1024 + 200)


def return_almost_large(event, context):
    # A JSON string of 6 MB + 100 bytes, quotes included: exactly the limit.
    return "x" * (6 * 1024 * 1024 + 98)


def spin(event, context):
    while event.get("spin"):
        pass
    return "done"


def spin_swallowing_exceptions(event, context):
    try:
        while True:
            pass
    except Exception:
        return "swallowed"


def exit_3(event, context):
    sys.exit(3)


def exit_none(event, context):
    sys.exit()


def count_or_exit(event, context):
    global CALLS
    CALLS += 1
    if event.get("exit"):
        sys.exit(2)
    return CALLS


def variables(event, context):
    return dict(os.environ)


def use_tmp(event, context):
    tmp = tempfile.gettempdir()
    with open(os.path.join(tmp, f"file-{event['n']}.txt"), "w") as f:
        f.write("data")
    return {"tmp": tmp, "files": sorted(os.listdir(tmp)), "TMPDIR": os.environ.get("TMPDIR")}


def write_logs(event, context):
    print("printed to stdout")
    sys.stderr.write("written to stderr\n")
    logging.warning("a warning from %s", "the handler")
    logging.info("an info line")
    return "logged"


def raise_log_level(event, context):
    logging.getLogger().setLevel(logging.INFO)
    logging.info("an info line")
    return "logged"


def context_log(event, context):
    context.log("first")
    context.log(42)
    context.log("\n")
    return "ok"


def describe_context(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "memory_type": type(context.memory_limit_in_mb).__name__,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity_type": type(context.identity).__name__,
        "cognito_identity_id": context.identity.cognito_identity_id,
        "client_context": None
        if context.client_context is None
        else {
            "custom": context.client_context.custom,
            "env": context.client_context.env,
            "app_title": context.client_context.client and context.client_context.client.app_title,
        },
        "tenant_id": context.tenant_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env_log_stream_name": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
    }


def mutate_event(event, context):
    event["added"] = True
    return event


def set_environ(event, context):
    os.environ[event["name"]] = event["value"]
    return os.environ.get(event["name"])


def read_environ(event, context):
    return os.environ.get(event["name"])


def child_variables(event, context):
    """The variables named in the event, as a child process of the handler sees them."""
    code = "import json, os, sys; print(json.dumps({n: os.environ.get(n) for n in sys.argv[1:]}))"
    completed = subprocess.run(
        [sys.executable, "-c", code, *event["names"]], capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def local_utc_offset(event, context):
    return time.localtime().tm_gmtoff


def exit_with(event, context):
    sys.exit(event["code"])

