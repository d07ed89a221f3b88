"""The fork server: one pre-initialised interpreter per session, forking environments.

Started once per session, lazily, with `python -m pytest_lambda.environments.process.zygote
FD [MODULE...]`. It imports the harness's runtime and the modules named (those the user
asked to preload, and those of the session's worker hooks; nothing else), then waits on
its control socket. A spawn request carries the worker's spec and two descriptors (its
request socket and the write end of its log pipe); the zygote forks, and the child
becomes the environment (a SnapStart snapshot's request carries a third descriptor, the
control socket it serves restores on). The zygote reaps its children and reports each
exit status, because the test process, not being their parent, cannot wait for them.

A template request (`TemplateSpec`, with its own control socket) forks a template: a
child that imports the modules a function's Init imported from site-packages, warms
them (see inherit.py), and then serves spawn requests on its socket as the zygote does,
so that environments forked from it inherit those modules.

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
import gc
import importlib
import os
import pickle
import select
import shutil
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import NoReturn

from . import inherit
from .channel import Exited, Ready, encode_message
from .containment import CGROUPS_VARIABLE, remove_cgroup_tree
from .memory import children, descendants
from .messages import NextCgroups, TemplateSpec

_PR_SET_CHILD_SUBREAPER = 36
_PR_SET_PDEATHSIG = 1
# Where the test process keeps the environments' /tmp directories; removed on exit.
TMP_ROOT_VARIABLE = "PYTEST_LAMBDA_TMP_ROOT"
# The test process's directory of the session (the fork server's root is inside): removed
# on exit too if the test process is gone, which cannot remove it itself any more.
SESSION_DIR_VARIABLE = "PYTEST_LAMBDA_SESSION_DIR"
_MAX_CONTROL_MESSAGE = 1 << 20
_LIBC = ctypes.CDLL(None, use_errno=True)
# How long the zygote waits after handing a request over before it forks the next standby.
_STANDBY_DELAY_S = 0.005
# The session's cgroups (containment.py), read once by the zygote at start.
_session_cgroups: list[str] = []


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
    """Forks a process for each request on its control socket and reports how each ended.

    `become(message, fds)` is what the child does (returns its exit status): the zygote's
    children become environments or templates; a snapshot's become restored environments.

    One child is forked ahead and waits (the standby): a request goes to it, and the next
    standby is forked while it works, so that a cold start does not wait for a fork.

    `cgroups` are the session's: a process re-parented here that is in none of them
    belonged to a worker that is gone.
    """

    def __init__(
        self,
        control: socket.socket,
        become: Become | None = None,
        prepare: Callable[[], None] | None = None,
        cgroups: list[str] | None = None,
    ) -> None:
        self.control = control
        self.become = become or _become_environment_or_template
        # What a standby does before its request comes (what every environment does).
        self.prepare = prepare
        # Templates and snapshots are forked from the zygote: its list is theirs.
        self.cgroups = _session_cgroups if cgroups is None else cgroups
        self.workers: set[int] = set()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)
        self._standby: socket.socket | None = None
        self._standby_due = 0.0
        # The cgroups the next standby joins as it waits (NextCgroups).
        self._next_cgroups: tuple[str, ...] = ()

    def serve(self) -> None:
        signal.set_wakeup_fd(self._wake_w)
        # A no-op handler, so that SIGCHLD reaches the wakeup descriptor.
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        self._fork_standby()
        while True:
            # The next standby is forked once the last one's environment has had the CPU
            # to itself for a moment (on few cores, forking competes with its start).
            wait = max(self._standby_due - time.monotonic(), 0) if self._standby is None else None
            readable, _, _ = select.select([self.control.fileno(), self._wake_r], [], [], wait)
            if not readable:
                self._fork_standby()
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)
                self._reap()
            if self.control.fileno() in readable and not self._handle_request():
                return

    def _handle_request(self) -> bool:
        try:
            data, fds, _, _ = socket.recv_fds(self.control, _MAX_CONTROL_MESSAGE, 3)
        except OSError:
            data, fds = b"", []
        if not data:
            return False
        if not fds:
            # Every request for a process carries its descriptors; this one is a setting.
            message = pickle.loads(data)
            if isinstance(message, NextCgroups):
                self._next_cgroups = message.paths
            return True
        standby, self._standby = self._standby, None
        if standby is not None:
            try:
                socket.send_fds(standby, [data], fds)
            except OSError:
                # The standby is gone (killed from outside): fork as it would have been.
                standby.close()
            else:
                standby.close()
                for fd in fds:
                    os.close(fd)
                self._standby_due = time.monotonic() + _STANDBY_DELAY_S
                return True
        pid = os.fork()
        if pid == 0:
            self._become_child(pickle.loads(data), fds)
        for fd in fds:
            os.close(fd)
        self.workers.add(pid)
        self._standby_due = time.monotonic() + _STANDBY_DELAY_S
        return True

    def _fork_standby(self) -> None:
        """Fork the child that serves the next request."""
        if self._standby is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        cgroups, self._next_cgroups = self._next_cgroups, ()
        pid = os.fork()
        if pid == 0:
            ours.close()
            # A waiting child ends with us; the request's own set-up says so again.
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(0)
            if self.prepare is not None:
                self.prepare()
            if cgroups:
                from . import worker

                worker.prejoin(cgroups)
            try:
                data, fds, _, _ = socket.recv_fds(theirs, _MAX_CONTROL_MESSAGE, 3)
            except OSError:
                data, fds = b"", []
            theirs.close()
            if not data:
                os._exit(0)
            self._become_child(pickle.loads(data), fds)
        theirs.close()
        self.workers.add(pid)
        self._standby = ours

    def _become_child(self, message: object, fds: list[int]) -> NoReturn:
        status = 1
        try:
            self.control.close()
            if self._standby is not None:
                self._standby.close()
            os.close(self._wake_r)
            os.close(self._wake_w)
            # The parent's wakeup descriptor is closed here: no signal may write to it.
            signal.set_wakeup_fd(-1)
            status = self.become(message, fds)
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
        for _ in range(100):
            targets = [pid for root in children(os.getpid()) for pid in _tree(root)]
            if not targets:
                break
            _stop_then_kill(targets)
            self._reap()


def _tree(root: int) -> list[int]:
    return [root, *descendants(root)]


def _kill_tree(root: int) -> None:
    _stop_then_kill(_tree(root))


def _stop_then_kill(targets: list[int]) -> None:
    # Stopped first, then killed: none can start another process meanwhile.
    for pid in targets:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGSTOP)
    for pid in targets:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


Become = Callable[[object, list[int]], int]


def _prepare_environment() -> None:
    from . import worker

    worker.prepare(os.getppid())


def _become_environment_or_template(message: object, fds: list[int]) -> int:
    """A child of the zygote (or of a template): an environment, a snapshot, or a template."""
    from . import worker

    parent = os.getppid()
    if isinstance(message, TemplateSpec):
        # A template is no environment: the cgroups its standby joined ahead are the
        # next environment's, killed with it.
        worker.leave_prejoined()
        return _serve_as_template(message, socket.socket(fileno=fds[0]), parent)
    assert isinstance(message, worker.WorkerSpec)
    sock = socket.socket(fileno=fds[0])
    snapshot_control = socket.socket(fileno=fds[2]) if len(fds) > 2 else None
    return worker.run(message, sock, fds[1], parent, snapshot_control, _fork_serve)


def _fork_serve(control: socket.socket, become: Become) -> None:
    """A snapshot's loop: fork a restored environment per request, report their ends."""
    server = Zygote(control, become)
    try:
        server.serve()
    finally:
        server.kill_all()


def _serve_as_template(spec: TemplateSpec, control: socket.socket, parent: int) -> int:
    """Import and warm what the spec names, say so, then fork environments from here."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        return 1
    _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    ready = inherit.become_template(spec)
    gc.freeze()
    template = Zygote(control, prepare=_prepare_environment)
    template._send(ready)
    try:
        template.serve()
    finally:
        template.kill_all()
    return 0


def main(argv: list[str]) -> NoReturn:
    from . import worker

    worker.remember_interpreter_path()
    control = socket.socket(fileno=int(argv[1]))
    # Ctrl-C reaches the whole terminal process group; the test process decides what
    # happens to environments, not the zygote.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Handlers' daemonised grandchildren are re-parented here, so they can be killed too.
    _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    preload = [name for name in argv[2:] if name]
    errors = _preload(preload)
    _follow_forks_with_coverage()
    owner = os.getppid()
    cgroups = [path for path in os.environ.get(CGROUPS_VARIABLE, "").split(os.pathsep) if path]
    _session_cgroups.extend(cgroups)
    # What is imported now is shared by every fork: out of the collector's sight, so that
    # a fork's first collection neither walks nor copies it.
    gc.freeze()
    zygote = Zygote(control, prepare=_prepare_environment)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    zygote._send(Ready(os.getpid(), errors))
    try:
        zygote.serve()
    finally:
        # The session's cgroups first (their members die with them), then the rest.
        for directory in cgroups:
            remove_cgroup_tree(directory)
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
