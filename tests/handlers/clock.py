"""Reads the clock the ways a handler does, for the frozen-time tests.

`datetime` and `time` are imported by name at Init: a freeze that starts later must still
reach them.
"""

import time
from datetime import datetime, timezone
from time import time as imported_time

IMPORTED_AT = imported_time()


def handler(event, context):
    if event.get("exit"):
        raise SystemExit(3)
    return {
        "time": time.time(),
        "imported_time": imported_time(),
        "utc": datetime.now(timezone.utc).isoformat(),
        "local": datetime.now().isoformat(),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "imported_at": IMPORTED_AT,
    }


def sleep(event, context):
    time.sleep(event["seconds"])
    return "slept"
