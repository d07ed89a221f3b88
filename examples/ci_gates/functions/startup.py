"""A function whose Init does work: STARTUP_IMPORT_DELAY_MS stands for a heavy import."""

import os
import time

time.sleep(int(os.environ.get("STARTUP_IMPORT_DELAY_MS", "0")) / 1000)


def handler(event, context):
    return "ready"
