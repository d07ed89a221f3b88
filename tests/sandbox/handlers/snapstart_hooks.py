"""SnapStart hooks that fail, reseed, or take too long (the event's variables say which)."""

import os
import random
import time

from snapshot_restore_py import register_after_restore, register_before_snapshot

SEED = random.random()


@register_before_snapshot
def before():
    if os.environ.get("FAIL_BEFORE"):
        raise ValueError("cannot close the pool")


@register_after_restore
def after():
    if os.environ.get("FAIL_AFTER"):
        raise ConnectionError("cannot reconnect")
    if os.environ.get("SLOW_AFTER"):
        time.sleep(float(os.environ["SLOW_AFTER"]))
    if os.environ.get("RESEED"):
        # The fix for the uniqueness caveat: new entropy after each restore.
        random.seed()


def handler(event, context):
    return {"seed": SEED, "next_random": random.random()}
