import os
import sys
import tempfile
import time

COUNTER = {"n": 0}


def hello(event, context):
    return {"hello": "world"}


def count(event, context):
    COUNTER["n"] += 1
    print(f"count {COUNTER['n']}")
    return COUNTER["n"]


def describe(event, context):
    return {
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "tmpdir": os.environ.get("TMPDIR"),
        "gettempdir": tempfile.gettempdir(),
        "path0": sys.path[0],
        "environ": dict(os.environ),
        "remaining": context.get_remaining_time_in_millis(),
    }


def touch(event, context):
    with open(os.path.join(tempfile.gettempdir(), "scratch.txt"), "a") as f:
        f.write("x")
    with open(os.path.join(tempfile.gettempdir(), "scratch.txt")) as f:
        return {"tmp": tempfile.gettempdir(), "content": f.read()}


def chatter(event, context):
    """Prints before and after a pause, so that requests run side by side would interleave."""
    print(f"begin {event['n']}")
    time.sleep(0.05)
    print(f"end {event['n']}")
    return event["n"]
