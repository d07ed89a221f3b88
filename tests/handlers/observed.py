"""Handlers whose logs, process state and lifecycle the tests observe (tests/handlers)."""

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings

# Init's own output and how long it takes: the lifecycle tests read these variables.
print("init output")
time.sleep(float(os.environ.get("INIT_SLEEP_S", "0")))
LOADED_AT = time.time()
INVOKES = 0


def count(event, context):
    global INVOKES
    INVOKES += 1
    return {"invokes": INVOKES, "loaded_at": LOADED_AT}


def levels(event, context):
    logging.debug("a debug record")
    logging.info("an info record")
    logging.warning("a warning record", extra={"orderId": 42})
    print("printed")
    print('{"level": "debug", "msg": "printed JSON at debug"}')
    context.log("from context.log")
    return logging.getLogger().level


def fail(event, context):
    raise ValueError("failed on purpose")


def sleep(event, context):
    time.sleep(event["seconds"])
    return "slept"


def exit_now(event, context):
    sys.exit(event.get("code", 0))


def tmp_files(event, context):
    directory = tempfile.gettempdir()
    if "write" in event:
        with open(os.path.join(directory, event["write"]), "wb") as f:
            f.write(b"x" * event.get("bytes", 1))
    if event.get("then") == "exit":
        sys.exit(1)
    if event.get("then") == "sleep":
        time.sleep(60)
    stats = os.statvfs(directory)
    return {
        "files": sorted(os.listdir(directory)),
        "size_mb": stats.f_blocks * stats.f_frsize // (1024 * 1024),
    }


def fill_tmp(event, context):
    path = os.path.join(tempfile.gettempdir(), "big")
    try:
        with open(path, "wb") as f:
            for _ in range(event["mb"]):
                f.write(b"\0" * (1024 * 1024))
    except OSError as e:
        return {"errno": e.errno, "error": str(e)}
    return {"written_mb": event["mb"]}


def descriptors(event, context):
    os.write(1, b"written to fd 1\n")
    os.write(2, b"written to fd 2\n")
    subprocess.run(["sh", "-c", "echo from a child; echo child stderr >&2"], check=True)
    sys.stdout.buffer.write(b"through the buffer\n")
    sys.stdout.flush()
    return [sys.stdout.fileno(), sys.stderr.fileno()]


def warn(event, context):
    warnings.warn("careful", stacklevel=1)
    return "warned"


def where(event, context):
    with open("app.py") as f:
        f.read(1)
    return {"cwd": os.getcwd(), "root_handlers": len(logging.getLogger().handlers)}


def basic_config(event, context):
    logging.basicConfig(force=True, level=logging.INFO, format="%(levelname)s|%(message)s")
    logging.info("after basicConfig")
    return len(logging.getLogger().handlers)


def keyboard_interrupt(event, context):
    raise KeyboardInterrupt


class Abort(BaseException):
    pass


def base_exception(event, context):
    raise Abort("stop everything")


def sigint(event, context):
    # What a Ctrl-C does to the process: the signal, not a raise.
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)
    return "not interrupted"


def close_stdio(event, context):
    os.close(1)
    os.close(2)
    raise ValueError("raised with stdout and stderr closed")


def rename(event, context):
    seen = context.function_name
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "renamed"
    return seen
