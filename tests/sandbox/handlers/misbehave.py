import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

STATE = {"invokes": 0}


def c_sleep(event, context):
    time.sleep(30)


def busy_loop(event, context):
    while True:
        pass


def blocked_socket(event, context):
    left, right = socket.socketpair()
    left.recv(1)


def child_process(event, context):
    subprocess.run(["sleep", "30"])


def sys_exit(event, context):
    sys.exit(event.get("code", 3))


def hard_exit(event, context):
    os._exit(7)


def segfault(event, context):
    ctypes.string_at(0)


def abort(event, context):
    os.abort()


def kill_self(event, context):
    os.kill(os.getpid(), signal.SIGKILL)


def pollute(event, context):
    """Change everything a process owns; none of it may reach the test process."""
    os.environ["POLLUTED"] = "yes"
    sys.path.insert(0, "/polluted")
    os.chdir("/")
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    with open(os.path.join(tempfile.gettempdir(), "scratch.txt"), "w") as f:
        f.write("kept")
    STATE["invokes"] += 1
    return {"invokes": STATE["invokes"], "pid": os.getpid()}


def read_scratch(event, context):
    path = os.path.join(tempfile.gettempdir(), "scratch.txt")
    return {
        "exists": os.path.exists(path),
        "polluted": os.environ.get("POLLUTED"),
        "invokes": STATE["invokes"],
    }


def flood_logs(event, context):
    line = "x" * 1023 + "\n"
    for _ in range(event.get("mb", 100) * 1024):
        sys.stdout.write(line)
    return "done"


def write_fd(event, context):
    os.write(1, b"from fd 1\n")
    subprocess.run(["echo", "from a child"])
    return "ok"


def spawn_and_return(event, context):
    proc = subprocess.Popen(["sleep", "300"])
    return proc.pid
