"""Handlers that start child processes and leave them running: forked idle children, a
multiprocessing pool, `sleep` commands, a child whose memory its own children share."""

import multiprocessing
import os
import subprocess
import time

KEEP = {}


def idle_children(event, context):
    pids = []
    for _ in range(event["count"]):
        pid = os.fork()
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        pids.append(pid)
    time.sleep(0.2)
    return os.getpid()


def pool(event, context):
    workers = multiprocessing.get_context("fork").Pool(event["count"])
    workers.map(abs, range(100))
    KEEP["pool"] = workers
    time.sleep(0.2)
    return os.getpid()


def sleeps(event, context):
    KEEP["sleeps"] = [subprocess.Popen(["sleep", "600"]) for _ in range(event["count"])]
    time.sleep(0.2)
    return os.getpid()


def shared_by_grandchildren(event, context):
    """A child takes `mb` MB, then forks `count` children that share it without writing."""
    ready_read, ready_write = os.pipe()
    if os.fork() == 0:
        held = bytearray(event["mb"] * 1024 * 1024)
        for offset in range(0, len(held), 4096):
            held[offset] = 1
        for _ in range(event["count"]):
            if os.fork() == 0:
                time.sleep(600)
                os._exit(0)
        os.write(ready_write, b"x")
        time.sleep(600)
        os._exit(0)
    os.read(ready_read, 1)
    time.sleep(event.get("linger", 0.2))
    return os.getpid()
