"""ProcessEnvironment: an execution environment in a worker process, seen from the test.

The parent side of the protocol: it asks the fork server for a worker, sends it requests,
and while each runs it waits on the worker's socket, its log pipe and its pidfd with a
short tick, so that the deadline and the memory ceiling are enforced from outside the
worker: at the deadline, or over the ceiling, the environment's processes are killed
whatever they are doing. Nothing the worker sends is trusted (channel.py): a read never
blocks past the request's deadline (plus a short grace for a message already arriving),
and a malformed message ends the runtime as a crash would. Between requests the
environment's processes are frozen, as Lambda freezes an environment: nothing a handler
left running can use CPU or memory until the next request thaws it. Which processes those
are, however they detached, is containment.py's business; their memory, memory.py's.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import socket
import time
import weakref
from dataclasses import replace
from typing import Any, ClassVar

from ... import frozen_time
from ..._clock import elapsed_ms, monotonic
from ...config import FunctionConfig
from ...errors import ErrorKind, HarnessError, LambdaError
from ...logs import LogRecord, RecordReader
from ...patching import Patch, for_transport
from ...runtime import InitOutcome, InvokeOutcome, InvokeRequest, RestoreOutcome
from ...session import Session
from ...variables import function_variables, new_trace_id
from ..shared import PrivateTmp, lost, timed_out
from . import memory
from .channel import MessageReader, ProtocolError, encode_pickled
from .containment import CgroupGroup, Group, TreeGroup
from .messages import Learned, Restore, Restored
from .registry import Template, sandbox
from .server import ForkServer
from .worker import Close, Hello, Invoke, WorkerSpec

# How often the environment's memory is read while a request runs: bounds how far past
# the ceiling a handler can get (a few MB at the rate a process can touch memory).
MEMORY_TICK_S = memory.TICK_S
# RLIMIT_AS above the ceiling: a safety net so that a huge request fails fast; the real
# ceiling is enforced on resident memory (threads and mmaps reserve address space freely).
ADDRESS_SPACE_MARGIN_MB = 4096
# A message that has begun to arrive by the deadline gets this long to arrive whole.
READ_GRACE_S = 0.05
_EXIT_STATUS_WAIT_S = 2.0
# Lambda gives a SnapStart restore (the after-restore hooks) 10 seconds.
RESTORE_TIMEOUT_S = 10.0
# The Invoke API's answers to a failed restore (botocore's Lambda model: 400 and 408).
SNAPSTART_EXCEPTION = (
    "SnapStartException",
    "The afterRestore() runtime hook encountered an error. For more information, check "
    "the Amazon CloudWatch logs.",
)
SNAPSTART_TIMEOUT_EXCEPTION = (
    "SnapStartTimeoutException",
    "Lambda couldn't restore the snapshot within the timeout limit.",
)
_CLOSE_WAIT_S = 5.0
_LOG_READ_BYTES = 1 << 20
_LOG_DRAIN_LIMIT_BYTES = 8 << 20

# Lambda's platform is written in Go and words a runtime's death with Go's signal names.
_GO_SIGNAL_NAMES = {
    "SIGHUP": "hangup",
    "SIGINT": "interrupt",
    "SIGQUIT": "quit",
    "SIGILL": "illegal instruction",
    "SIGTRAP": "trace/breakpoint trap",
    "SIGABRT": "aborted",
    "SIGBUS": "bus error",
    "SIGFPE": "floating point exception",
    "SIGKILL": "killed",
    "SIGUSR1": "user defined signal 1",
    "SIGSEGV": "segmentation fault",
    "SIGUSR2": "user defined signal 2",
    "SIGPIPE": "broken pipe",
    "SIGALRM": "alarm clock",
    "SIGTERM": "terminated",
    "SIGSTKFLT": "stack fault",
    "SIGXCPU": "CPU time limit exceeded",
    "SIGXFSZ": "file size limit exceeded",
    "SIGVTALRM": "virtual timer expired",
    "SIGPROF": "profiling timer expired",
    "SIGSYS": "bad system call",
}


def exit_detail(wait_status: int) -> str:
    """`exit status N` or `signal: <name>`, as Lambda's Go platform prints a runtime's end."""
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        try:
            name = _GO_SIGNAL_NAMES.get(signal.Signals(number).name, f"signal {number}")
        except ValueError:
            name = f"signal {number}"
        return f"signal: {name}"
    return f"exit status {os.waitstatus_to_exitcode(wait_status)}"


class _Ended:
    """Why waiting for the worker stopped without a message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


_TIMED_OUT = _Ended("timeout")
_OUT_OF_MEMORY = _Ended("out of memory")
_EXITED = _Ended("exited")


def _discard(group: Group, pid: int, sock: socket.socket, log_fd: int, pidfd: int) -> None:
    """Last resort for a runtime nobody ended (finalizer; must not reference it)."""
    if pid:
        group.kill(pid)
    sock.close()
    for fd in (log_fd, pidfd):
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def _release(group: Group) -> None:
    """Last resort for an environment nobody closed: its cgroups."""
    group.remove()


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    fds.clear()


class ProcessEnvironment:
    """One Lambda execution environment: its /tmp, its group of processes, and the worker
    process that runs its runtime (started again, in the same environment, after the
    runtime is lost).

    With SnapStart (`config.snapstart`) its runtime is restored from the function's
    snapshot instead (taken by the first cold start that needs it); `snapshot=True` makes
    the environment that takes one (its worker becomes the snapshot after Init).
    """

    # Each request runs in the worker: environments serve requests side by side.
    shares_process: ClassVar[bool] = False
    # SnapStart cold starts restore from a snapshot (a worker forked after its Init).
    restores_snapshots: ClassVar[bool] = True

    def __init__(self, config: FunctionConfig, session: Session, *, snapshot: bool = False) -> None:
        self.config = config
        self._session = session
        self._sandbox = sandbox(session)
        self._hooks = session.worker_hooks
        base = self._sandbox.fork_server(self._hooks)
        self._takes_snapshot = snapshot
        self._restores = config.snapstart and not snapshot
        # The session's variables this environment started with (the AWS endpoint, ...).
        self.overlay = session.overlay_variables(config)
        self._tmp: PrivateTmp | None = None
        # A restored environment's /tmp is the snapshot's directory (its own mount).
        self.tmp_dir = ""
        if not self._restores:
            self._tmp = PrivateTmp(self, config.function_name, parent=base.tmp_root)
            self.tmp_dir = self._tmp.path
        self._token = os.urandom(16)
        # The environment's processes: known at its first start (group_for), which may
        # find the cgroups its worker joined ahead.
        self._group: Group = TreeGroup()
        self._group_assigned = False
        self._spec = WorkerSpec(
            handler=config.handler,
            code_dir=str(config.code_path),
            variables=function_variables(config, self.tmp_dir, self.overlay),
            sys_path=config.import_paths,
            address_space_limit_bytes=(config.memory_mb + ADDRESS_SPACE_MARGIN_MB) << 20,
            start_hooks=self._hooks,
            log_token=self._token,
            tmp_dir=self.tmp_dir,
            ephemeral_storage_mb=config.ephemeral_storage_mb,
            snapshot=snapshot,
        )
        self._worker_server: ForkServer = base
        self._template: Template | None = None
        # The fork server a snapshot's worker becomes after its Init.
        self.snapshot_server: ForkServer | None = None
        # The snapshot a restored environment came from.
        self._snapshot: Snapshot | None = None
        self._limit_kb = config.memory_mb * 1024
        # The namespaces a limited /tmp lives in, kept open so that a restarted runtime
        # finds its files again (Lambda does not clear /tmp when it restarts a runtime).
        self._namespace_fds: list[int] = []
        weakref.finalize(self, _close_all, self._namespace_fds)
        self.tmp_limited = False
        self.pid = 0
        self._pidfd = -1
        self.alive = True
        self.needs_init = True
        self._log_open = False
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._sandbox.track(self)

    @property
    def containment(self) -> str:
        """How this environment's processes are kept together (containment.py)."""
        if not self._group_assigned:
            return self._sandbox.expected_containment()
        return self._group.mechanism

    def _assign_group(self, server: ForkServer) -> None:
        """At the first start: the group of processes of the environment `server` starts."""
        if self._group_assigned:
            return
        self._group = self._sandbox.group_for(server)
        self._group_assigned = True
        weakref.finalize(self, _release, self._group)

    def _spawn(self, patches: tuple[Patch, ...]) -> None:
        """Start the runtime's worker process: its Init runs on the test's clock as it is
        now, with the function's patches as they are now in place as modules load."""
        spec = replace(self._spec, patches=for_transport(patches), clock=frozen_time.capture())
        server, self._template = self._sandbox.server_for(
            self.config, self._spec.variables, self._hooks
        )
        if self._template is not None:
            server = self._template.server
        self._assign_group(server)
        spec = replace(spec, cgroups=self._group.join_paths)
        if self._namespace_fds:
            paths = [f"/proc/{os.getpid()}/fd/{fd}" for fd in self._namespace_fds]
            user = paths[0] if len(paths) == 2 else None
            spec = replace(spec, join_namespaces=(user, paths[-1]))
        self._started = monotonic()
        try:
            if self._takes_snapshot:
                self._sock, self._log_fd, self.snapshot_server = server.spawn_snapshot(spec)
            else:
                self._sock, self._log_fd = server.spawn(spec)
        except OSError as e:
            self.close()
            raise HarnessError(f"could not start an execution environment: {e}") from e
        self._worker_server = server
        self._open_channels()
        # While this worker starts, the cgroups of the next, for the server's next standby.
        self._sandbox.prepare_next_group(server)

    def _open_channels(self) -> None:
        self._sock.setblocking(False)
        os.set_blocking(self._log_fd, False)
        self._poller = select.poll()
        self._poller.register(self._sock.fileno(), select.POLLIN)
        self._poller.register(self._log_fd, select.POLLIN)
        self._log_open = True
        self._reader = RecordReader(self._token)
        self._messages = MessageReader()
        self._notes: list[str] = []
        self.pid = 0
        self._pidfd = -1
        self._memory: memory.EnvironmentMemory | None = None
        self._coverage = False
        self._frozen = False
        self._out_of_memory = False
        self._finalizer = weakref.finalize(
            self, _discard, self._group, 0, self._sock, self._log_fd, -1
        )

    def init(
        self, request_id: str, timeout_s: float, patches: tuple[Patch, ...] = ()
    ) -> InitOutcome:
        if not self.alive:
            raise HarnessError("this execution environment was closed; start a new one")
        self.needs_init = False
        if self._restores:
            return self._restore(request_id, timeout_s, patches)
        self._spawn(patches)
        deadline = self._started + timeout_s
        hello = self._wait(deadline)
        if isinstance(hello, Hello) and self._adopt(hello):
            outcome = self._wait(deadline)
            if isinstance(outcome, Learned):
                # What the Init imported from site-packages, for the function's next cold
                # starts; the Init outcome follows.
                self._sandbox.learn(self.config, outcome, self._template)
                outcome = self._wait(deadline)
            if isinstance(outcome, InitOutcome):
                if outcome.error is not None:
                    # The runtime exits after an init error: this one is done with.
                    self._end_worker()
                else:
                    self._ready_for_request()
                inherited = self._template.inherited_ms if self._template is not None else None
                return replace(outcome, records=self._records("init"), inherited_ms=inherited)
        else:
            # A Hello that was not adopted has ended the runtime already.
            outcome = _EXITED if isinstance(hello, Hello) else hello
        if not isinstance(outcome, _Ended):
            outcome = self._malformed(f"{type(outcome).__name__} where the harness expected none")
        error = self._init_failure(outcome, request_id, timeout_s)
        return InitOutcome(
            elapsed_ms(self._started),
            error,
            self._records("init"),
            timed_out=outcome is _TIMED_OUT,
        )

    def _invoke_message(self, request: InvokeRequest, remaining_ms: float) -> Invoke:
        return Invoke(
            replace(request, patches=for_transport(request.patches))
            if request.patches
            else request,
            int(remaining_ms),
            new_trace_id(),
            frozen_time.capture(),
        )

    def _snapshot_key(self) -> tuple[FunctionConfig, frozenset[tuple[str, str]]]:
        """What a snapshot is taken for: the configuration and the variables its Init sees."""
        return self.config, frozenset(self._spec.variables.items())

    def _restore(
        self, request_id: str, timeout_s: float, patches: tuple[Patch, ...]
    ) -> InitOutcome:
        """A SnapStart cold start: restore from the snapshot (taking it first if needed)."""
        snapshot, taken = self._sandbox.snapshot(
            self._snapshot_key(),
            lambda: Snapshot.take(self.config, self._session, request_id, timeout_s, patches),
        )
        if not isinstance(snapshot, Snapshot):
            # Init (or a before-snapshot hook) failed: there is no snapshot to restore.
            assert taken is not None
            return taken
        self._snapshot = snapshot
        self.tmp_dir = snapshot.tmp_dir
        self._token = snapshot.token
        started = self._started = monotonic()
        self._assign_group(snapshot.server)
        try:
            self._sock, self._log_fd = snapshot.server.restore(
                Restore(frozen_time.capture(), self._group.join_paths)
            )
        except OSError as e:
            self.close()
            raise HarnessError(f"could not restore an execution environment: {e}") from e
        self._worker_server = snapshot.server
        self._template = None
        self._open_channels()
        self._sandbox.prepare_next_group(snapshot.server)
        deadline = started + RESTORE_TIMEOUT_S
        reply = self._wait(deadline)
        if isinstance(reply, Hello):
            reply = self._wait(deadline) if self._adopt(reply, restored=True) else _EXITED
        if not isinstance(reply, Restored | _Ended):
            reply = self._malformed(f"{type(reply).__name__} where the harness expected none")
        records = self._records("restore")
        duration_ms = elapsed_ms(started)
        if isinstance(reply, Restored):
            if reply.error is None:
                self._ready_for_request()
                restore = RestoreOutcome(duration_ms, reply.duration_ms, records, taken)
                return InitOutcome(duration_ms, None, restore=restore)
            self._end_worker()
            restore = RestoreOutcome(
                duration_ms, reply.duration_ms, records, taken, "error", reply.error.error_type
            )
            return InitOutcome(duration_ms, _snapstart_error(*SNAPSTART_EXCEPTION), restore=restore)
        assert isinstance(reply, _Ended)
        if reply is _TIMED_OUT:
            self._end_worker()
            restore = RestoreOutcome(duration_ms, duration_ms, records, taken, "timeout")
            error = _snapstart_error(*SNAPSTART_TIMEOUT_EXCEPTION)
            return InitOutcome(duration_ms, error, restore=restore, timed_out=True)
        if reply is _OUT_OF_MEMORY:
            self._end_worker()
            error_type = "Runtime.OutOfMemory"
        else:
            self._exit_detail()
            error_type = "Runtime.ExitError"
        restore = RestoreOutcome(duration_ms, duration_ms, records, taken, "error", error_type)
        return InitOutcome(duration_ms, _snapstart_error(*SNAPSTART_EXCEPTION), restore=restore)

    def _adopt(self, hello: Hello, *, restored: bool = False) -> bool:
        """Take the worker's word for its pid once the system confirms it: a child of the
        fork server that started it (the zygote, a template or the snapshot). False (the
        runtime is ended) if it is not."""
        pid = hello.pid
        parent = memory.parent_of(pid) if pid > 0 else -1
        # A worker that ends at once (sys.exit at import) may be reaped before its Hello
        # is read: then the zygote's report of its end is the proof.
        if parent != self._worker_server.pid and not (
            parent == 0 and self._worker_server.reaped(pid, _EXIT_STATUS_WAIT_S)
        ):
            self._malformed(f"a Hello naming process {pid}, not a worker of the fork server")
            return False
        try:
            self._pidfd = os.pidfd_open(pid)
        except OSError:
            self._pidfd = -1
        else:
            self._poller.register(self._pidfd, select.POLLIN)
        self.pid = pid
        self._coverage = hello.coverage
        if isinstance(self._group, CgroupGroup) and not hello.in_cgroups:
            # The worker could not join its cgroups: it made itself a subreaper instead.
            # (The cgroups are removed with the environment.)
            weakref.finalize(self, _release, self._group)
            self._group = TreeGroup()
        group = self._group
        self._memory = memory.EnvironmentMemory(
            pid, lambda: group.members(pid), group.memory_usage_kb
        )
        # The baseline, in case the worker dies before any request completes.
        self._memory.update_peak()
        if self._finalizer is not None:
            self._finalizer.detach()
        self._finalizer = weakref.finalize(
            self, _discard, self._group, pid, self._sock, self._log_fd, self._pidfd
        )
        if restored:
            # A lost runtime is restored again, in a /tmp of its own: nothing to rejoin.
            self.tmp_limited = hello.tmp_limited
            return True
        if hello.tmp_limited and not self._namespace_fds:
            self.tmp_limited = True
            kinds = ("user", "mnt") if hello.user_namespace else ("mnt",)
            opened: list[int] = []
            try:
                for kind in kinds:
                    path = f"/proc/{hello.pid}/ns/{kind}"
                    opened.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                _close_all(opened)
            self._namespace_fds.extend(opened)
        return True

    def _init_failure(self, ended: _Ended, request_id: str, timeout_s: float) -> LambdaError:
        if ended is _TIMED_OUT:
            self._end_worker()
            return LambdaError.sandbox(
                ErrorKind.TIMEOUT,
                "Sandbox.Timedout",
                f"Init phase timed out after {timeout_s:.2f} seconds",
            )
        if ended is _OUT_OF_MEMORY:
            self._end_worker()
            return LambdaError.out_of_memory(request_id)
        return LambdaError.runtime_exit(request_id, self._exit_detail())

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        if not self.alive:
            raise HarnessError("this execution environment was closed; start a new one")
        if self.needs_init:
            raise HarnessError("the runtime must run Init before it serves a request")
        started = monotonic()
        remaining_ms = request.deadline_ms - int(time.time() * 1000)
        deadline = started + max(remaining_ms, 0) / 1000
        self._thaw()
        frame = encode_pickled(self._invoke_message(request, remaining_ms))
        reply = self._send(frame, deadline)
        if reply is None:
            reply = self._wait(deadline)
        if isinstance(reply, InvokeOutcome):
            self._after_request()
            reply.records = self._records("invoke")
            return reply
        if not isinstance(reply, _Ended):
            reply = self._malformed(f"{type(reply).__name__} where the harness expected none")
        duration = elapsed_ms(started)
        if reply is _TIMED_OUT:
            self._end_worker()
            records = self._records("invoke")
            return timed_out(request, self.config.timeout_s, records, duration)
        if reply is _OUT_OF_MEMORY:
            self._end_worker()
            error = LambdaError.out_of_memory(request.request_id)
        else:
            error = LambdaError.runtime_exit(request.request_id, self._exit_detail())
        return lost(error, self._records("invoke"), duration)

    def max_memory_used_mb(self) -> int:
        if self._out_of_memory:
            # The cgroup stops the environment at its size: that is the figure Lambda shows.
            return self.config.memory_mb
        peak = self._memory.peak_kb if self._memory is not None else 0
        return math.ceil(peak / 1024)

    def close(self) -> None:
        if not self.alive:
            return
        if self.snapshot_server is not None:
            self._close_snapshot()
        elif self.pid and self._coverage:
            self._close_gracefully()
        self._end_worker()
        self.alive = False
        _close_all(self._namespace_fds)
        if self._tmp is not None:
            self._tmp.remove()
        self._group.remove()
        self._sandbox.untrack(self)

    def _close_snapshot(self) -> None:
        """A snapshot ends its restored environments, saves its coverage data and exits as
        its control socket closes; then the zygote reports its end."""
        assert self.snapshot_server is not None
        self.snapshot_server.stop()
        if self.pid:
            status = self._worker_server.wait_exit(self.pid, _CLOSE_WAIT_S)
            if status is not None:
                self._end_worker(reaped=True)

    def _close_gracefully(self) -> None:
        """Let the worker save its coverage data, then wait (briefly) for it to exit."""
        self._thaw()
        with contextlib.suppress(OSError):
            self._sock.settimeout(_CLOSE_WAIT_S)
            self._sock.sendall(encode_pickled(Close()))
            while self._sock.recv(1 << 16):
                pass

    def _end_worker(self, *, reaped: bool = False) -> None:
        """Kill the environment's processes (the worker too, unless the zygote has reaped
        it already: its pid may be another process's by now) and close the runtime's
        channels; the next request starts a new one in this environment, which keeps its
        /tmp."""
        self.needs_init = True
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None and finalizer.alive:
            if reaped:
                _, _, (group, _, sock, log_fd, pidfd), _ = finalizer.detach()  # type: ignore[misc]
                # A cgroup's members are killed whatever became of the worker; a tree's
                # orphans, by the fork server as it reaped the worker.
                _discard(group, 0, sock, log_fd, pidfd)
                if isinstance(group, CgroupGroup):
                    group.kill(0)
            else:
                if self.pid and self._memory is not None:
                    # The monitor's last reading stands for the children: reading them
                    # again would make a timeout later by what it costs.
                    self._memory.update_peak()
                if self.pid:
                    self._worker_server.forget(self.pid)
                finalizer()
        self._frozen = False
        self._log_open = False
        self.pid = 0
        self._pidfd = -1

    def _exit_detail(self) -> str:
        """How the worker ended, from the zygote, which reaped it."""
        status = None
        pid = self.pid
        if pid:
            status = self._worker_server.wait_exit(pid, _EXIT_STATUS_WAIT_S)
            if status is None:
                # Its socket is closed but it lives on (or the zygote is gone): end it.
                self._group.kill(pid)
                status = self._worker_server.wait_exit(pid, _EXIT_STATUS_WAIT_S)
        self._drain_logs(until_eof=True)
        self._end_worker(reaped=status is not None)
        return exit_detail(status) if status is not None else "signal: killed"

    def _malformed(self, reason: str) -> _Ended:
        """The worker sent what the harness never sends: its processes are killed, and the
        runtime ends as a crash would (Runtime.ExitError, `signal: killed`)."""
        self._notes.append(
            f"[pytest-lambda] the runtime sent a malformed message to the harness ({reason}); "
            "its environment's processes were killed"
        )
        if self.pid:
            self._group.kill(self.pid)
        elif self._finalizer is not None and self._finalizer.alive:
            self._finalizer()
            self._finalizer = None
        return _EXITED

    def _send(self, frame: bytes, deadline: float) -> _Ended | None:
        """Send a request, never blocked past the deadline by a worker that does not read."""
        view = memoryview(frame)
        while view:
            try:
                view = view[self._sock.send(view) :]
                continue
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return _EXITED
            now = monotonic()
            if now >= deadline:
                self._drain_logs()
                return _TIMED_OUT
            self._drain_logs()
            ready = select.select(
                [self._pidfd] if self._pidfd >= 0 else [],
                [self._sock],
                [],
                min(deadline - now, MEMORY_TICK_S * 10),
            )
            if ready[0]:
                return _EXITED
        return None

    def _wait(self, deadline: float) -> Any:
        """The worker's next message, or why there will not be one (_Ended)."""
        sock_fd = self._sock.fileno()
        next_check = monotonic() + MEMORY_TICK_S
        while True:
            now = monotonic()
            if now >= deadline and not (self._messages.partial and now < deadline + READ_GRACE_S):
                self._drain_logs()
                return _TIMED_OUT
            timeout_s = max(deadline - now, 0.0) or READ_GRACE_S
            if self._memory is not None:
                timeout_s = min(timeout_s, max(next_check - now, 0.0))
            events = dict(self._poller.poll(timeout_s * 1000))
            if self._log_fd in events:
                self._drain_logs()
            if sock_fd in events or self._pidfd in events:
                self._drain_logs()
                try:
                    message = self._messages.read(self._sock)
                except (EOFError, OSError):
                    return _EXITED
                except ProtocolError as e:
                    return self._malformed(str(e))
                if message is not None:
                    return message
                if self._pidfd in events:
                    # The worker is gone; a child that kept its socket may never close it.
                    return _EXITED
            if self._memory is not None and monotonic() >= next_check:
                next_check = monotonic() + MEMORY_TICK_S
                if self._memory.current_kb(self._limit_kb) > self._limit_kb:
                    self._out_of_memory = True
                    self._drain_logs()
                    return _OUT_OF_MEMORY

    def _records(self, phase: Any) -> list[LogRecord]:
        records = self._reader.end_phase(phase)
        if self._notes:
            records.extend(LogRecord(note, "function", phase) for note in self._notes)
            self._notes = []
        return records

    def _after_request(self) -> None:
        self._ready_for_request()
        self._freeze()

    def _ready_for_request(self) -> None:
        """After Init or a restore (not frozen: the request that started it follows at
        once), and after each request, before the freeze."""
        self._update_peak()
        if self._memory is not None:
            self._memory.note_shared_outside()

    def _update_peak(self) -> None:
        if self._memory is not None:
            self._memory.current_kb()
            self._memory.update_peak()

    def _freeze(self) -> None:
        if self.pid:
            with contextlib.suppress(OSError):
                self._group.freeze(self.pid)
                self._frozen = True

    def _thaw(self) -> None:
        if self._frozen:
            with contextlib.suppress(OSError):
                self._group.thaw(self.pid)
            self._frozen = False

    def _drain_logs(self, *, until_eof: bool = False) -> None:
        """Move what the worker wrote to its stdout/stderr into this request's log."""
        if not self._log_open:
            return
        read = 0
        while until_eof or read < _LOG_DRAIN_LIMIT_BYTES:
            try:
                chunk = os.read(self._log_fd, _LOG_READ_BYTES)
            except BlockingIOError:
                if not until_eof:
                    return
                # Writers may linger (a dying child): wait a little for EOF, not forever.
                if not select.select([self._log_fd], [], [], 0.2)[0]:
                    return
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._poller.unregister(self._log_fd)
                self._log_open = False
                return
            read += len(chunk)
            self._reader.feed(chunk)


def _snapstart_error(error_type: str, message: str) -> LambdaError:
    """The Invoke API's answer when the environment could not be restored."""
    return LambdaError.sandbox(ErrorKind.INIT, error_type, message)


class Snapshot:
    """A SnapStart snapshot of one function configuration, seen from the test process:
    the worker that ran Init and the before-snapshot hooks, now the fork server of the
    environments restored from it (see worker.py). It lives as long as the session."""

    def __init__(self, initialised: ProcessEnvironment) -> None:
        assert initialised.snapshot_server is not None
        self._initialised = initialised
        self.server: ForkServer = initialised.snapshot_server
        # The snapshot is the initialised worker: restored environments are its children.
        self.server.pid = initialised.pid
        self.token = initialised._token
        self.tmp_dir = initialised.tmp_dir

    @classmethod
    def take(
        cls,
        config: FunctionConfig,
        session: Session,
        request_id: str,
        timeout_s: float,
        patches: tuple[Patch, ...],
    ) -> tuple[Snapshot | None, InitOutcome]:
        """Run Init (and the before-snapshot hooks) once; the snapshot, unless it failed."""
        initialising = ProcessEnvironment(config, session, snapshot=True)
        outcome = initialising.init(request_id, timeout_s, patches)
        if outcome.error is not None:
            initialising.close()
            return None, outcome
        return cls(initialising), outcome

    def close(self) -> None:
        self._initialised.close()
