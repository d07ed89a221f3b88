"""A SnapStart function: its runtime hooks, and what Init made (shared by every restore)."""

import os
import random
import tempfile
import uuid

from snapshot_restore_py import register_after_restore, register_before_snapshot

CALLS: list[str] = []
INIT_ID = str(uuid.uuid4())
SEED = random.random()
with open(os.path.join(tempfile.gettempdir(), "written-at-init"), "w") as f:
    f.write(INIT_ID)


@register_before_snapshot
def close_connections():
    CALLS.append("before: close connections")
    print("before-snapshot: close connections")


@register_before_snapshot
def flush_caches():
    CALLS.append("before: flush caches")
    print("before-snapshot: flush caches")


@register_after_restore
def reconnect():
    CALLS.append("after: reconnect")
    print("after-restore: reconnect")


def refresh(what, *, how="now"):
    CALLS.append(f"after: refresh {what} {how}")
    print(f"after-restore: refresh {what} {how}")


register_after_restore(refresh, "secrets", how="lazily")


def handler(event, context):
    tmp = tempfile.gettempdir()
    if event.get("write"):
        with open(os.path.join(tmp, event["write"]), "w") as f:
            f.write("x")
    if event.get("exit"):
        os._exit(3)
    return {
        "calls": CALLS,
        "init_id": INIT_ID,
        "seed": SEED,
        "next_random": random.random(),
        "fresh_uuid": str(uuid.uuid4()),
        "files": sorted(os.listdir(tmp)),
        "initialization_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
        "log_group": os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME"),
        "log_stream": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME"),
        "pid": os.getpid(),
    }
