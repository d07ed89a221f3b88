"""Handlers for the hardening benchmark: loops that never yield, detached children, forked
children and pools left running, a response far over the payload limit."""

import itertools
import multiprocessing
import os
import time

KEEP = {}


def python_loop(event, context):
    while True:
        pass


def c_loop(event, context):
    # Summing an endless iterator never returns to the interpreter's eval loop.
    return sum(itertools.count())


def _daemonize():
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.close(read_end)
            os.write(write_end, b"x")
            while True:
                time.sleep(60)
        os._exit(0)
    os.close(write_end)
    os.read(read_end, 1)
    os.close(read_end)


def detached_children(event, context):
    for _ in range(event["count"]):
        _daemonize()
    while True:
        time.sleep(1)


def forked_children(event, context):
    for _ in range(event["count"]):
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
    time.sleep(0.2)
    return os.getpid()


def pool(event, context):
    workers = multiprocessing.get_context("fork").Pool(event["count"])
    workers.map(abs, range(100))
    KEEP["pool"] = workers
    time.sleep(0.2)
    return os.getpid()


def huge_response(event, context):
    return b"x" * (event["mb"] * 1024 * 1024)
