"""Handlers whose processes try to leave their environment: double-forked daemons, children
in a session of their own; each tells the test its pid and, if asked, keeps a counter."""

import os
import subprocess
import sys
import time

COUNTER = """
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
count = 0
while True:
    count += 1
    os.pwrite(fd, b"%012d" % count, 0)
    time.sleep(0.005)
"""


def _daemonize(work) -> int:
    """Fork twice, the middle process leaving at once: the grandchild is an orphan in a
    session of its own. Returns the grandchild's pid."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.close(read_end)
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.write(write_end, b"%d\n" % os.getpid())
            os.close(write_end)
            try:
                work()
            finally:
                os._exit(0)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        return int(pipe.readline())


def _count_into(path):
    def work():
        os.execv(sys.executable, [sys.executable, "-c", COUNTER, path])

    return work


def _sleep_forever():
    while True:
        time.sleep(60)


def daemon(event, context):
    """A daemon that outlives the handler's return; with `counter`, it counts there."""
    work = _count_into(event["counter"]) if event.get("counter") else _sleep_forever
    pid = _daemonize(work)
    _tell(event, pid)
    time.sleep(event.get("linger", 0))
    if event.get("exit"):
        os._exit(event["exit"])
    return pid


def _tell(event, pid):
    if event.get("pid_file"):
        with open(event["pid_file"], "w") as f:
            f.write(str(pid))


def new_session_child(event, context):
    """A child started in a session of its own (setsid), counting."""
    child = subprocess.Popen(
        [sys.executable, "-c", COUNTER, event["counter"]], start_new_session=True
    )
    deadline = time.monotonic() + 5
    while not os.path.exists(event["counter"]) and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(event.get("linger", 0))
    return child.pid


def memory_daemon(event, context):
    """A daemon that takes `mb` MB, while the handler waits."""

    def work():
        held = bytearray(event["mb"] * 1024 * 1024)
        for offset in range(0, len(held), 4096):
            held[offset] = 1
        _sleep_forever()

    pid = _daemonize(work)
    _tell(event, pid)
    time.sleep(event.get("linger", 5))
    return pid


def many_daemons(event, context):
    pids = [_daemonize(_sleep_forever) for _ in range(event["count"])]
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return pids
