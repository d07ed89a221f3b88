"""The fork server: one pre-initialised interpreter per session, forking environments.

Started once per session, lazily, with `python -m pytest_lambda.environments.process.zygote
FD [MODULE...]`. It imports the harness's runtime and the modules named (those the user
asked to preload, and those of the session's worker hooks; nothing else), then waits on
its control socket. A spawn request carries the worker's spec and two descriptors (its
request socket and the write end of its log pipe); the zygote forks, and the child
becomes the environment. The zygote reaps its children and reports each exit status,
because the test process, not being their parent, cannot wait for them.

When the control socket reaches EOF (the test process exited, was killed, or its session
closed) the zygote kills every environment's processes and exits; workers also die with
the zygote through PR_SET_PDEATHSIG.

It is a child subreaper: a process whose parent exits is re-parented to it (an orphan of
an environment whose processes are counted by cgroup, or the last processes of a worker
that died). Those not in one of the session's cgroups (containment.py) belonged to a
worker that is gone: the zygote kills them as it reaps that worker. What it says to the
test process (Ready, Exited) is encoded as a worker's messages are (channel.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import pickle
import select
import shutil
import signal
import socket
import sys
import traceback
from typing import NoReturn

from .channel import Exited, Ready, encode_message
from .containment import CGROUPS_VARIABLE, remove_cgroup_tree
from .memory import children, descendants

_PR_SET_CHILD_SUBREAPER = 36
# Where the test process keeps the environments' /tmp directories; removed on exit.
TMP_ROOT_VARIABLE = "PYTEST_LAMBDA_TMP_ROOT"
# The test process's directory of the session (the fork server's root is inside): removed
# on exit too if the test process is gone, which cannot remove it itself any more.
SESSION_DIR_VARIABLE = "PYTEST_LAMBDA_SESSION_DIR"
_MAX_CONTROL_MESSAGE = 1 << 20


def _preload(modules: list[str]) -> list[str]:
    errors = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:
            errors.append(f"{name}: {type(e).__name__}: {e}")
    return errors


def _follow_forks_with_coverage() -> None:
    """Make coverage.py restart cleanly in each forked worker, as `patch = fork` would.

    With `patch = subprocess` alone, coverage runs here but would keep this process's
    data file name in every fork; its own fork hook gives each worker a file of its own.
    """
    coverage = sys.modules.get("coverage")
    if coverage is None or coverage.Coverage.current() is None:
        return
    if "fork" in coverage.Coverage.current().config.patch:
        return
    from coverage import control

    after_fork = getattr(control, "_after_fork_in_child", None)
    if after_fork is not None:
        os.register_at_fork(after_in_child=after_fork)


class Zygote:
    def __init__(self, control: socket.socket, cgroups: list[str]) -> None:
        self.control = control
        self.cgroups = cgroups
        self.workers: set[int] = set()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self._wake_w)
        # A no-op handler, so that SIGCHLD reaches the wakeup descriptor.
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        while True:
            readable, _, _ = select.select([self.control.fileno(), self._wake_r], [], [])
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)
                self._reap()
            if self.control.fileno() in readable and not self._handle_request():
                return

    def _handle_request(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.control, _MAX_CONTROL_MESSAGE, 2)
        except OSError:
            data, fds = b"", []
        if not data:
            return False
        spec = pickle.loads(data)
        pid = os.fork()
        if pid == 0:
            self._become_worker(spec, fds)
        for fd in fds:
            os.close(fd)
        self.workers.add(pid)
        return True

    def _become_worker(self, spec: object, fds: list[int]) -> None:
        status = 1
        try:
            from . import worker

            self.control.close()
            os.close(self._wake_r)
            os.close(self._wake_w)
            sock = socket.socket(fileno=fds[0])
            assert isinstance(spec, worker.WorkerSpec)
            status = worker.run(spec, sock, fds[1], os.getppid())
        except BaseException:
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        finally:
            os._exit(status)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.workers:
                self.workers.discard(pid)
                self._kill_strays()
                self._send(Exited(pid, status))

    def _kill_strays(self) -> None:
        """Kill the processes re-parented here that belong to no live environment: those
        of a worker that died (they are in none of the session's cgroups)."""
        for pid in children(os.getpid()):
            if pid not in self.workers and not self._in_session_cgroup(pid):
                _kill_tree(pid)

    def _in_session_cgroup(self, pid: int) -> bool:
        if not self.cgroups:
            return False
        try:
            with open(f"/proc/{pid}/cgroup") as f:
                memberships = f.read()
        except OSError:
            return True
        names = [os.path.basename(path) for path in self.cgroups]
        return any(name in memberships for name in names)

    def _send(self, message: object) -> None:
        with contextlib.suppress(OSError):
            self.control.send(encode_message(message))

    def kill_all(self) -> None:
        """Kill every environment's processes, and whatever was orphaned onto us."""
        for directory in self.cgroups:
            remove_cgroup_tree(directory)
        # Stopped first, then killed: none can start another process meanwhile.
        for _ in range(100):
            targets = [pid for root in children(os.getpid()) for pid in _tree(root)]
            if not targets:
                break
            for pid in targets:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGSTOP)
            for pid in targets:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            self._reap()


def _tree(root: int) -> list[int]:
    return [root, *descendants(root)]


def _kill_tree(root: int) -> None:
    targets = _tree(root)
    for pid in targets:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)
    for pid in targets:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def main(argv: list[str]) -> NoReturn:
    from . import worker

    worker.remember_interpreter_path()
    control = socket.socket(fileno=int(argv[1]))
    # Ctrl-C reaches the whole terminal process group; the test process decides what
    # happens to environments, not the zygote.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc = ctypes.CDLL(None, use_errno=True)
    # Handlers' daemonised grandchildren are re-parented here, so they can be killed too.
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    preload = [name for name in argv[2:] if name]
    errors = _preload(preload)
    _follow_forks_with_coverage()
    owner = os.getppid()
    cgroups = [path for path in os.environ.get(CGROUPS_VARIABLE, "").split(os.pathsep) if path]
    zygote = Zygote(control, cgroups)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    zygote._send(Ready(os.getpid(), errors))
    try:
        zygote.serve()
    finally:
        zygote.kill_all()
        tmp_root = os.environ.get(TMP_ROOT_VARIABLE)
        if tmp_root:
            shutil.rmtree(tmp_root, ignore_errors=True)
        session_dir = os.environ.get(SESSION_DIR_VARIABLE)
        if session_dir and os.getppid() != owner:
            # The test process is gone: what it kept in its session directory is left.
            shutil.rmtree(session_dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(session_dir))
        # No exit handlers: the zygote runs no user code, and a coverage data file
        # saved here would arrive after pytest-cov has combined the others.
        os._exit(0)


if __name__ == "__main__":
    # Run from the module under its package name (its messages are the package's
    # classes); importing the worker imports the runtime, which is the point of a
    # zygote: everything environments share is imported once.
    from pytest_lambda.environments.process import worker  # noqa: F401
    from pytest_lambda.environments.process.zygote import main as package_main

    package_main(sys.argv)
