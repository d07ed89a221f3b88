"""The test process's side of the fork servers: start the zygote, ask it (or a template or
a snapshot forked below it) for environments, learn how they ended."""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ...errors import HarnessError
from .channel import Exited, ProtocolError, Ready, decode_frame
from .containment import CGROUPS_VARIABLE, Group
from .messages import NextCgroups, Restore, TemplateReady, TemplateSpec
from .worker import WorkerSpec
from .zygote import SESSION_DIR_VARIABLE, TMP_ROOT_VARIABLE

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0
# The directory that holds the pytest_lambda package: the zygote must import this copy
# even when the package is not installed (a checkout on PYTHONPATH, a rootdir import).
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])
_ZYGOTE_MODULE = "pytest_lambda.environments.process.zygote"


class ForkServer:
    """A process that forks environments, owned by the process that started it: the
    zygote (started here), a template (forked by the zygote, see inherit.py) or a
    SnapStart snapshot (a worker after Init), each reached over its control socket.

    The zygote imports `preload` (the user's setting) and `hook_modules` (those of the
    session's worker hooks) once, before forking anything. `session_dir` is the session's
    directory (where the environments' /tmp go), `cgroups` the session's cgroups: the
    zygote removes what it can of them as it exits, if the test process cannot any more.
    """

    preload_errors: list[str]

    def __init__(
        self,
        preload: tuple[str, ...],
        hook_modules: tuple[str, ...] = (),
        *,
        session_dir: str | None = None,
        cgroups: tuple[str, ...] = (),
    ) -> None:
        self.preload = preload
        self.hook_modules = hook_modules
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Every environment's /tmp lives under this directory, which the zygote removes as
        # it exits: even when the test process is killed and cannot clean up itself.
        tmp_root = tempfile.mkdtemp(prefix="pytest-lambda-", dir=session_dir)
        variables = dict(os.environ)
        variables[TMP_ROOT_VARIABLE] = tmp_root
        variables[CGROUPS_VARIABLE] = os.pathsep.join(cgroups)
        if session_dir is not None:
            variables[SESSION_DIR_VARIABLE] = session_dir
        variables["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_PARENT, variables.get("PYTHONPATH", "")) if p
        )
        # Lives as long as the server: it holds the zygote's stderr for error reports.
        errors = tempfile.TemporaryFile()  # noqa: SIM115
        with child_end:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    _ZYGOTE_MODULE,
                    str(child_end.fileno()),
                    *dict.fromkeys((*preload, *hook_modules)),
                ],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=variables,
                # Its own session: Ctrl-C in the terminal is the test process's business.
                start_new_session=True,
            )
        self._setup(parent_end, tmp_root)
        self._process: subprocess.Popen[bytes] | None = process
        self._errors = errors
        ready = self._wait_ready(Ready)
        assert isinstance(ready, Ready)
        self.pid = ready.pid
        self.preload_errors = ready.preload_errors
        self._start_reader()

    def _setup(self, control: socket.socket, tmp_root: str) -> None:
        self.owner_pid = os.getpid()
        self.tmp_root = tmp_root
        self.pid = 0
        self.preload_errors = []
        self._control = control
        self._process = None
        self._send_lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._abandoned: set[int] = set()
        self._changed = threading.Condition()
        self.alive = True
        # The group made for the next environment, whose cgroups this server's next
        # standby child joins ahead (registry.py, Sandbox.group_for).
        self.spare_group: Group | None = None

    @classmethod
    def _attached(cls, control: socket.socket, parent: ForkServer) -> ForkServer:
        """A fork server below `parent` (a template or a snapshot), reached over `control`."""
        server = cls.__new__(cls)
        server.preload = parent.preload
        server.hook_modules = parent.hook_modules
        server._setup(control, parent.tmp_root)
        return server

    def _start_reader(self) -> None:
        self._reader = threading.Thread(
            target=self._read_exits, name="pytest-lambda-fork-server-reader", daemon=True
        )
        self._reader.start()

    def _wait_ready(self, kind: type[Ready] | type[TemplateReady]) -> Ready | TemplateReady:
        self._control.settimeout(_START_TIMEOUT_S)
        try:
            data = self._control.recv(1 << 20)
        except OSError:
            data = b""
        self._control.settimeout(None)
        if not data:
            detail = "no output"
            if self._process is not None:
                self._process.kill()
                self._process.wait()
                self._errors.seek(0)
                detail = self._errors.read().decode("utf-8", "replace").strip() or detail
            self._control.close()
            raise HarnessError(
                f"the fork server of process isolation (python -m {_ZYGOTE_MODULE}) did "
                f"not start: {detail}; isolation='inline' avoids it"
            )
        try:
            ready = decode_frame(data)
        except ProtocolError as e:
            ready = e
        if not isinstance(ready, kind):
            if self._process is not None:
                self._process.kill()
                self._process.wait()
            self._control.close()
            raise HarnessError(f"a fork server of process isolation said {ready!r} at start")
        return ready

    def _read_exits(self) -> None:
        while True:
            try:
                data = self._control.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            try:
                exited = decode_frame(data)
            except ProtocolError:
                continue
            if not isinstance(exited, Exited):
                continue
            with self._changed:
                if exited.pid in self._abandoned:
                    self._abandoned.discard(exited.pid)
                else:
                    self._exits[exited.pid] = exited.status
                self._changed.notify_all()
        with self._changed:
            self.alive = False
            self._changed.notify_all()

    def _request(self, message: object, fds: list[int]) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        with self._send_lock:
            if fds:
                socket.send_fds(self._control, [data], fds)
            else:
                self._control.send(data)

    def prepare_next(self, group: Group) -> None:
        """Have the next standby child join `group`'s cgroups while it waits."""
        self._request(NextCgroups(group.join_paths), [])
        self.spare_group = group

    def spawn(self, spec: WorkerSpec) -> tuple[socket.socket, int]:
        """Fork a worker; returns the request socket and the read end of its log pipe."""
        sock, log_read, _ = self._spawn(spec)
        return sock, log_read

    def spawn_snapshot(self, spec: WorkerSpec) -> tuple[socket.socket, int, ForkServer]:
        """Fork a worker that becomes a SnapStart snapshot after its Init: its request
        socket, its log pipe, and the fork server it then is (its pid comes with Hello)."""
        sock, log_read, control = self._spawn(spec, snapshot=True)
        assert control is not None
        snapshot = ForkServer._attached(control, self)
        snapshot._start_reader()
        return sock, log_read, snapshot

    def _spawn(
        self, message: object, *, snapshot: bool = False
    ) -> tuple[socket.socket, int, socket.socket | None]:
        parent_sock, worker_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_read, log_write = os.pipe()
        control, remote = (
            socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) if snapshot else (None, None)
        )
        fds = [worker_sock.fileno(), log_write, *([remote.fileno()] if remote else [])]
        try:
            # What is asked is the test process's own: pickled (see channel.py).
            self._request(message, fds)
        except OSError:
            parent_sock.close()
            os.close(log_read)
            if control is not None:
                control.close()
            raise
        finally:
            worker_sock.close()
            os.close(log_write)
            if remote is not None:
                remote.close()
        return parent_sock, log_read, control

    def restore(self, request: Restore) -> tuple[socket.socket, int]:
        """Fork a restored environment from this snapshot: its request socket and log pipe."""
        sock, log_read, _ = self._spawn(request)
        return sock, log_read

    def fork_template(self, spec: TemplateSpec) -> tuple[ForkServer, TemplateReady]:
        """Fork a template from this zygote and wait until it has imported and warmed."""
        control, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._request(spec, [remote.fileno()])
        except OSError:
            control.close()
            raise
        finally:
            remote.close()
        template = ForkServer._attached(control, self)
        ready = template._wait_ready(TemplateReady)
        assert isinstance(ready, TemplateReady)
        template.pid = ready.pid
        template._start_reader()
        return template, ready

    def wait_exit(self, pid: int, timeout_s: float) -> int | None:
        """The wait status of a worker once the zygote has reaped it, None on timeout."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or not self.alive, timeout_s)
            return self._exits.pop(pid, None)

    def reaped(self, pid: int, timeout_s: float) -> bool:
        """Whether the zygote has reaped its worker `pid` (waiting up to `timeout_s` for
        the news); the exit status stays for `wait_exit`."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or not self.alive, timeout_s)
            return pid in self._exits

    def forget(self, pid: int) -> None:
        """Nobody will ask how this worker ended (it was killed on purpose)."""
        with self._changed:
            if self._exits.pop(pid, None) is None:
                self._abandoned.add(pid)

    def stop(self) -> None:
        """Close the control socket: the server kills its environments and exits."""
        if self.owner_pid != os.getpid():
            return
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        process = self._process
        if process is not None:
            try:
                process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader = getattr(self, "_reader", None)
        if reader is not None:
            reader.join(_STOP_TIMEOUT_S)
        self._control.close()
        spare, self.spare_group = self.spare_group, None
        if spare is not None:
            # Its standby died with the server.
            spare.kill(0)
            spare.remove()
        if process is not None:
            self._errors.close()
            shutil.rmtree(self.tmp_root, ignore_errors=True)
