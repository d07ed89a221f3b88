"""A handler whose helpers a test replaces (see LambdaFunction.patch)."""

from helper_lib import fetch

# Used at Init: a patch of helper_lib.fetch given before Init is already in place here.
FETCHED_AT_INIT = fetch()
CALLS = 0


def helper():
    return "real helper"


def handler(event, context):
    global CALLS
    if event.get("exit"):
        raise SystemExit(3)
    CALLS += 1
    return {
        "helper": helper(),
        "fetch": fetch(),
        "fetched_at_init": FETCHED_AT_INIT,
        "calls": CALLS,
    }


def dumps(event, context):
    import json

    return json.dumps(event)


def lazy_value(event, context):
    import sys

    module = sys.modules.get("lazy_lib")
    return None if module is None else module.value()
