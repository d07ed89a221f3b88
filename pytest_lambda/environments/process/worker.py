"""The worker: one execution environment, a process forked from the zygote.

It turns itself into what Lambda gives a function (its own process session, the
function's variables through real putenv, UTC, the code directory as cwd, sys.path as
Lambda's: the code directory, the layers, then the runtime's own path; a private /tmp,
stdout and stderr on the log pipe, the runtime's root log handler), runs the session's
worker hooks (the AWS layer's guard, registered on the session), runs Init once, then
serves requests until told to stop or killed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import importlib
import io
import logging
import os
import random
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..._clock import elapsed_ms, monotonic
from ...frozen_time import FrozenClock, frozen
from ...loader import Handler, load_handler
from ...patching import Patch, PatchError, PatchSet
from ...runtime import (
    AFTER_RESTORE_EXIT_STATUS,
    BEFORE_SNAPSHOT_EXIT_STATUS,
    UTF8_RUNTIMES,
    HandlerRuntime,
    InvokeRequest,
    LogSink,
    exit_status,
    response_encoder,
)
from ..shared import oversized_payload, patch_failed, refuse_oversized, response_too_large
from . import inherit
from .channel import BOOL, INT, receive_pickled, register, send_message
from .messages import Learned, Restore, Restored

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_REC = 0x4000
_MS_PRIVATE = 0x40000
# Above the descriptors a handler is likely to reuse by number.
_TELEMETRY_FD_MIN = 100
# Lambda's per-environment limit on open files.
_MAX_OPEN_FILES = 1024


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a new environment needs, sent by the test process with the spawn request."""

    handler: str
    code_dir: str
    variables: dict[str, str]
    # The function's own entries (code directory, layers); the interpreter's path follows.
    sys_path: list[str]
    address_space_limit_bytes: int
    # `module:function` names, called in turn before Init (see Session.add_worker_hook).
    start_hooks: tuple[str, ...] = ()
    # The function's patches, in place as their modules load (before Init uses them).
    patches: tuple[Patch, ...] = ()
    # The test's clock when the environment started, if frozen: Init runs on it.
    clock: FrozenClock | None = None
    # Marks the runtime's frames on the log pipe (logs.RecordReader).
    log_token: bytes = b""
    # The environment's /tmp and its size limit (MB), enforced with a tmpfs of that size
    # in a mount namespace of the environment's own where the system allows one.
    tmp_dir: str = ""
    ephemeral_storage_mb: int = 0
    # A runtime restarted in an environment joins the namespaces (user, or None, and mount)
    # its /tmp lives in: paths the test process keeps open for it.
    join_namespaces: tuple[str | None, str] | None = None
    # The environment's cgroups, which the worker joins first thing, so that every
    # process it starts is born in them; none, or joining fails: it becomes a child
    # subreaper instead (containment.py).
    cgroups: tuple[str, ...] = ()
    # A SnapStart snapshot (the spawn request carries its control socket too).
    snapshot: bool = False


@dataclass(frozen=True)
class Hello:
    """The worker's first message (sent before any of the function's code runs): who it
    is, whether coverage must be saved at close, whether its /tmp is limited (in a user
    namespace, or a mount namespace only), and whether it joined its cgroups."""

    pid: int
    coverage: bool
    tmp_limited: bool = False
    user_namespace: bool = False
    in_cgroups: bool = False


register(
    Hello,
    pid=INT,
    coverage=BOOL,
    tmp_limited=BOOL,
    user_namespace=BOOL,
    in_cgroups=BOOL,
)


@dataclass(frozen=True)
class Invoke:
    request: InvokeRequest
    # The parent's clock may be frozen (freezegun): the deadline travels as time left.
    remaining_ms: int
    trace_id: str
    # The test's frozen or shifted clock, which the handler sees during this request.
    clock: FrozenClock | None = None


class Close:
    """Save what must be saved (coverage data) and exit."""


# Loaded once in the zygote; every fork inherits the handle.
_LIBC = ctypes.CDLL(None, use_errno=True)
# The interpreter's own path (standard library, site-packages, PYTHONPATH with the harness's
# package), as the zygote started: what Lambda's runtime directories are to a function.
_INTERPRETER_PATH: list[str] = []


def remember_interpreter_path() -> None:
    """Called as the zygote starts, before anything imported can change sys.path.

    `python -m` put the test process's working directory first: not the runtime's, so
    left out (a function sees its own code directory, not the project's root).
    """
    path = sys.path if getattr(sys.flags, "safe_path", False) else sys.path[1:]
    _INTERPRETER_PATH[:] = [p for p in path if p]


# The cgroups this process joined while it waited as a fork server's standby (prejoin).
_prejoined: tuple[str, ...] = ()


def prejoin(paths: tuple[str, ...]) -> None:
    """As a standby: join the cgroups the test process will give the environment this
    process becomes (as far as it can), while nothing waits for it."""
    global _prejoined
    joined: list[str] = []
    for path in paths:
        try:
            _write(os.path.join(path, "cgroup.procs"), "0")
        except OSError:
            break
        joined.append(path)
    _prejoined = tuple(joined)


def leave_prejoined() -> None:
    """Out of the cgroups joined ahead, back into the test process's own (where the fork
    server is): this process is not the environment they were made for."""
    global _prejoined
    for path in _prejoined:
        with contextlib.suppress(OSError):
            _write(os.path.join(os.path.dirname(os.path.dirname(path)), "cgroup.procs"), "0")
    _prejoined = ()


def _enter_cgroups(paths: tuple[str, ...]) -> bool:
    """Into the environment's cgroups (there already if joined ahead), else a subreaper;
    out of cgroups joined ahead that are not the environment's (the session changed its
    containment meanwhile)."""
    if paths and paths == _prejoined:
        return True
    if _prejoined and not paths:
        leave_prejoined()
    return _join_cgroups(paths)


def _join_cgroups(paths: tuple[str, ...]) -> bool:
    """Move this process into the environment's cgroups; else make it the subreaper of
    everything it starts. Whether it is in its cgroups."""
    try:
        for path in paths:
            _write(os.path.join(path, "cgroup.procs"), "0")
    except OSError:
        paths = ()
    if not paths:
        _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    return bool(paths)


def _die_with_parent(zygote_pid: int) -> None:
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != zygote_pid:
        os._exit(1)


def _reset_signals() -> None:
    """Give the handler the signal dispositions of a fresh Python process."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _set_limits(address_space_limit_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(_MAX_OPEN_FILES, hard), hard))
    # A safety net far above the ceiling: the parent's monitor enforces the ceiling, and
    # this makes an absurd request (50 GB) fail at once instead of pushing the host to swap.
    resource.setrlimit(resource.RLIMIT_AS, (address_space_limit_bytes, address_space_limit_bytes))


def _log_stream(fd: int) -> io.TextIOWrapper:
    """sys.stdout or sys.stderr as the runtime has them: UTF-8, each write passed through."""
    raw = io.FileIO(fd, "wb", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)


def _limit_tmp(spec: WorkerSpec) -> tuple[bool, bool]:
    """Give /tmp its size, as a tmpfs mounted over the environment's directory in a mount
    namespace of the environment's own (a user namespace too, unless the test process may
    mount as it is): writing past the size fails with ENOSPC, as in Lambda. Returns
    whether /tmp is limited and whether a user namespace was needed.

    Where the system allows neither (a container without the capability, another
    kernel), /tmp stays a plain directory without a limit.
    """
    if spec.join_namespaces is not None:
        user_path, mount_path = spec.join_namespaces
        try:
            if user_path is not None:
                _setns(user_path, _CLONE_NEWUSER)
            _setns(mount_path, _CLONE_NEWNS)
        except OSError:
            return False, False
        return True, user_path is not None
    if not spec.tmp_dir or not spec.ephemeral_storage_mb:
        return False, False
    uid, gid = os.getuid(), os.getgid()
    user_namespace = False
    if _LIBC.unshare(_CLONE_NEWNS) != 0:
        if _LIBC.unshare(_CLONE_NEWNS | _CLONE_NEWUSER) != 0:
            return False, False
        user_namespace = True
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError:
            return False, True
    # Nothing mounted here may reach the test process's mount namespace.
    if _LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False, user_namespace
    options = f"size={spec.ephemeral_storage_mb}m,mode=0700".encode()
    tmp_dir = spec.tmp_dir.encode()
    if _LIBC.mount(b"tmpfs", tmp_dir, b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        return False, user_namespace
    return True, user_namespace


def _setns(path: str, kind: int) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _LIBC.setns(fd, kind) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), path)
    finally:
        os.close(fd)


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _apply_variables(spec: WorkerSpec) -> None:
    wanted = spec.variables
    # Only what differs is unset or set (each one a putenv or unsetenv call).
    for name in [name for name in os.environ if name not in wanted]:
        del os.environ[name]
    current = os.environ
    for name, value in wanted.items():
        if current.get(name) != value:
            current[name] = value
    time.tzset()
    os.chdir(spec.code_dir)
    own = list(dict.fromkeys(spec.sys_path))
    sys.path[:] = own + [p for p in _INTERPRETER_PATH if p not in own]
    # gettempdir() computes its answer once; forget the zygote's so it reads TMPDIR.
    tempfile.tempdir = None


def _run_start_hooks(hooks: tuple[str, ...]) -> None:
    for hook in hooks:
        module, _, name = hook.partition(":")
        getattr(importlib.import_module(module), name)()


def _install_logging(runtime: HandlerRuntime) -> None:
    """The runtime's logging set-up: UTC times in every formatter of the process, its
    handler the root logger's only one, the level its settings ask for."""
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(runtime.log_handler())
    if root.level != runtime.settings.root_level:
        # Setting a level clears every logger's cache: only when it changes.
        root.setLevel(runtime.settings.root_level)


def _coverage_active() -> bool:
    coverage = sys.modules.get("coverage")
    return coverage is not None and coverage.Coverage.current() is not None


def _save_coverage() -> None:
    coverage = sys.modules.get("coverage")
    current = coverage.Coverage.current() if coverage is not None else None
    if current is not None:
        current.stop()
        current.save()


# The process that ran prepare() (a fork does not inherit it).
_prepared_in = 0


def prepare(zygote_pid: int) -> None:
    """What every environment does first, whatever its spec: its own process session,
    dying with the zygote, a fresh process's signal dispositions, no stdin, its streams,
    the record of botocore's models. The zygote's standby child does it while it waits
    for a request, so that a cold start does not wait for it."""
    global _prepared_in
    os.setsid()
    _die_with_parent(zygote_pid)
    _reset_signals()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    _install_streams()
    inherit.MODELS.install()
    # Built now, shared by the fork that serves the request: the encoders the runtime
    # may ask for (one per Python version it writes responses as).
    for execution_env in (None, *UTF8_RUNTIMES):
        response_encoder(execution_env)
    _prepared_in = os.getpid()


# A fork server of the snapshot's own: called with its control socket and what each
# forked child does (the zygote's loop, passed in by the zygote).
ForkServe = Callable[[socket.socket, Callable[[object, list[int]], int]], None]


def run(
    spec: WorkerSpec,
    sock: socket.socket,
    log_fd: int,
    zygote_pid: int,
    snapshot_control: socket.socket | None = None,
    fork_serve: ForkServe | None = None,
) -> int:
    """The worker's life; returns its exit status (the caller ends the process with it).

    With `snapshot_control` the worker is a SnapStart snapshot: after Init and the
    before-snapshot hooks it forks a restored environment for each request on that
    socket (`fork_serve`), instead of serving requests itself.
    """
    if _prepared_in != os.getpid():
        prepare(zygote_pid)
    in_cgroups = _enter_cgroups(spec.cgroups)
    # First, while nothing else runs in the process (a process joins a user namespace
    # only while it has one thread) and before its working directory is set.
    tmp_limited, user_namespace = _limit_tmp(spec)
    _set_limits(spec.address_space_limit_bytes)
    telemetry_fd = _attach_log_pipe(log_fd)
    _apply_variables(spec)
    models = inherit.MODELS
    # Before the handler's code: what the layers above need in every worker (no request
    # from the function may reach real AWS: botocore is guarded as it loads).
    _run_start_hooks(spec.start_hooks)
    runtime = HandlerRuntime(spec.handler, LogSink(telemetry_fd, spec.log_token))
    runtime.configure()
    _install_logging(runtime)

    patches = PatchSet()

    def load(handler: str) -> Handler:
        patches.apply(spec.patches, import_missing=False)
        return load_handler(handler)

    hello = Hello(os.getpid(), _coverage_active(), tmp_limited, user_namespace, in_cgroups)
    send_message(sock, hello)

    def life() -> int:
        before = set(sys.modules)
        models.recording = True
        started = monotonic()
        with frozen(spec.clock):
            init = runtime.init(load)
            if init.error is None and snapshot_control is not None:
                # Part of Init, as the runtime runs them before it asks for the snapshot.
                hook_error = runtime.before_snapshot()
                init = replace(init, duration_ms=elapsed_ms(started), error=hook_error)
        models.recording = False
        if init.error is not None:
            size = oversized_payload(init.error.payload)
            if size is not None:
                init = replace(init, error=response_too_large(size))
        if snapshot_control is None:
            if init.error is None:
                # Sent first: the test process has it when the Init outcome arrives.
                imported = [name for name in sys.modules if name not in before]
                learned = inherit.installed_modules(imported, spec.sys_path)
                send_message(sock, Learned(learned, models.models))
            send_message(sock, init)
            if init.error is not None:
                # The runtime serves nothing after a failed Init: the test process ends it.
                return _drain(sock)
            return _serve(sock, runtime, patches)
        send_message(sock, init)
        if init.error is not None:
            return BEFORE_SNAPSHOT_EXIT_STATUS
        assert fork_serve is not None
        snapshot = _Snapshot(spec, runtime, patches, telemetry_fd, tmp_limited)
        sock.close()
        return snapshot.serve(snapshot_control, fork_serve)

    return _ended(life)


def _serve(sock: socket.socket, runtime: HandlerRuntime, patches: PatchSet) -> int:
    """Serve requests until told to stop (or the test process is gone)."""
    while True:
        try:
            message: Any = receive_pickled(sock)
        except EOFError:
            return 0
        if isinstance(message, Close):
            _save_coverage()
            return 0
        os.environ["_X_AMZN_TRACE_ID"] = message.trace_id
        with frozen(message.clock):
            # Counted on the handler's clock, as its context reads it.
            deadline_ms = int(time.time() * 1000) + message.remaining_ms
            request = replace(message.request, deadline_ms=deadline_ms)
            try:
                patches.apply(request.patches, import_missing=True)
            except PatchError as e:
                outcome = patch_failed(request, e, runtime)
            else:
                outcome = runtime.invoke(request)
        # Only the size of what is over the limit crosses to the test process.
        send_message(sock, refuse_oversized(outcome))


def _drain(sock: socket.socket) -> int:
    """Read and drop messages until the test process closes the channel."""
    while True:
        try:
            receive_pickled(sock)
        except EOFError:
            return 0


def _ended(life: Callable[[], int]) -> int:
    """Run the runtime's life, ending it as Python ends a process on what escapes."""
    try:
        return life()
    except SystemExit as e:
        # As in Lambda, sys.exit() in the function ends the runtime: exit handlers run
        # (coverage saves its data there), non-daemon threads are not waited for.
        status, message = exit_status(e)
        if message is not None:
            print(message, file=sys.stderr)
        atexit._run_exitfuncs()
        return status
    except KeyboardInterrupt:
        # An uncaught KeyboardInterrupt ends Python by SIGINT, as the runtime would die.
        traceback.print_exc()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130
    except BaseException:
        traceback.print_exc()
        return 1


class _Snapshot:
    """A SnapStart snapshot: the initialised runtime, paused between restores, forking a
    restored environment for each request.

    A restored environment is this process as it was after Init (memory, module state,
    the `random` module's state, what Init wrote to /tmp), in a process group and a /tmp
    of its own, writing to its own log pipe; it runs the after-restore hooks and serves
    requests. Threads started during Init do not run in it: a fork copies one thread.
    """

    def __init__(
        self,
        spec: WorkerSpec,
        runtime: HandlerRuntime,
        patches: PatchSet,
        telemetry_fd: int,
        tmp_limited: bool,
    ) -> None:
        self.spec = spec
        self.runtime = runtime
        self.patches = patches
        self.telemetry_fd = telemetry_fd
        self.tmp_limited = tmp_limited
        self.pid = os.getpid()
        # What the fork's own hooks would change in a restore: Lambda restores them as
        # they were (the same random sequence in every restore, the handler's signals).
        self.random_state = random.getstate()
        self.sigchld = signal.getsignal(signal.SIGCHLD)

    def serve(self, control: socket.socket, fork_serve: ForkServe) -> int:
        # The snapshot's own output (a thread started at Init) goes nowhere; each restore
        # gets its own pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
        os.dup2(devnull, self.telemetry_fd, inheritable=False)
        os.close(devnull)
        try:
            fork_serve(control, self._restored)
        finally:
            _save_coverage()
        return 0

    def _restored(self, message: object, fds: list[int]) -> int:
        """A restored environment's life (in the forked child)."""
        assert isinstance(message, Restore)
        started = monotonic()
        in_cgroups = _enter_cgroups(message.cgroups)
        os.setsid()
        tmp_limited = self.tmp_limited and _fresh_tmp(self.spec)
        _die_with_parent(self.pid)
        sock = socket.socket(fileno=fds[0])
        _attach_log_pipe(fds[1], self.telemetry_fd)
        signal.signal(signal.SIGCHLD, self.sigchld)
        random.setstate(self.random_state)
        send_message(sock, Hello(os.getpid(), _coverage_active(), tmp_limited, False, in_cgroups))

        def life() -> int:
            with frozen(message.clock):
                error = self.runtime.after_restore()
            size = oversized_payload(error.payload) if error is not None else None
            if size is not None:
                error = response_too_large(size)
            send_message(sock, Restored(elapsed_ms(started), error))
            if error is not None:
                return AFTER_RESTORE_EXIT_STATUS
            return _serve(sock, self.runtime, self.patches)

        return _ended(life)


def _attach_log_pipe(log_fd: int, telemetry_fd: int | None = None) -> int:
    """stdout and stderr on the log pipe, and the runtime's records on a descriptor of
    their own on the same pipe (Lambda's telemetry descriptor): they keep their order with
    stdout and stderr, and still arrive when the function closes those. Returns it."""
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    if telemetry_fd is None:
        telemetry_fd = fcntl.fcntl(log_fd, fcntl.F_DUPFD_CLOEXEC, _TELEMETRY_FD_MIN)
    else:
        os.dup2(log_fd, telemetry_fd, inheritable=False)
    os.close(log_fd)
    return telemetry_fd


def _install_streams() -> None:
    stdout, stderr = _log_stream(1), _log_stream(2)
    sys.stdout, sys.stderr = stdout, stderr
    # The originals too: faulthandler, code.interact and the like write there.
    sys.__stdout__, sys.__stderr__ = stdout, stderr  # type: ignore[misc]


def _fresh_tmp(spec: WorkerSpec) -> bool:
    """A restored environment's /tmp: a new tmpfs of the environment's size over the
    snapshot's, in a mount namespace of its own, holding a copy of what Init wrote there
    (a snapshot keeps the disk as it was). False where the system refuses (the restore
    then shares the snapshot's directory)."""
    if _LIBC.unshare(_CLONE_NEWNS) != 0:
        return False
    if _LIBC.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    snapshot_tmp = os.open(spec.tmp_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        options = f"size={spec.ephemeral_storage_mb}m,mode=0700".encode()
        if _LIBC.mount(b"tmpfs", spec.tmp_dir.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options):
            return False
        # The snapshot's directory, beneath the new mount, through its descriptor.
        shutil.copytree(
            f"/proc/self/fd/{snapshot_tmp}", spec.tmp_dir, symlinks=True, dirs_exist_ok=True
        )
    finally:
        os.close(snapshot_tmp)
    return True
