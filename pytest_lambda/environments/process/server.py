"""The test process's side of the fork server: start it, ask it for environments, learn
how they ended."""

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
from .containment import CGROUPS_VARIABLE
from .worker import WorkerSpec
from .zygote import SESSION_DIR_VARIABLE, TMP_ROOT_VARIABLE

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0
# The directory that holds the pytest_lambda package: the zygote must import this copy
# even when the package is not installed (a checkout on PYTHONPATH, a rootdir import).
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])
_ZYGOTE_MODULE = "pytest_lambda.environments.process.zygote"


class ForkServer:
    """One running zygote, owned by the process that started it.

    It imports `preload` (the user's setting) and `hook_modules` (those of the session's
    worker hooks) once, before forking any environment. `session_dir` is the session's
    directory (where the environments' /tmp go), `cgroups` the session's cgroups: the
    zygote removes what it can of them as it exits, if the test process cannot any more.
    """

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
        self.owner_pid = os.getpid()
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Every environment's /tmp lives under this directory, which the zygote removes as
        # it exits: even when the test process is killed and cannot clean up itself.
        self.tmp_root = tempfile.mkdtemp(prefix="pytest-lambda-", dir=session_dir)
        variables = dict(os.environ)
        variables[TMP_ROOT_VARIABLE] = self.tmp_root
        variables[CGROUPS_VARIABLE] = os.pathsep.join(cgroups)
        if session_dir is not None:
            variables[SESSION_DIR_VARIABLE] = session_dir
        variables["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_PARENT, variables.get("PYTHONPATH", "")) if p
        )
        # Lives as long as the server: it holds the zygote's stderr for error reports.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        with child_end:
            self._process = subprocess.Popen(
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
                stderr=self._errors,
                env=variables,
                # Its own session: Ctrl-C in the terminal is the test process's business.
                start_new_session=True,
            )
        self._control = parent_end
        self._send_lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._abandoned: set[int] = set()
        self._changed = threading.Condition()
        self.alive = True
        ready = self._wait_ready()
        self.pid = ready.pid
        self.preload_errors = ready.preload_errors
        self._reader = threading.Thread(
            target=self._read_exits, name="pytest-lambda-zygote-reader", daemon=True
        )
        self._reader.start()

    def _wait_ready(self) -> Ready:
        self._control.settimeout(_START_TIMEOUT_S)
        try:
            data = self._control.recv(1 << 16)
        except OSError:
            data = b""
        self._control.settimeout(None)
        if not data:
            self._process.kill()
            self._process.wait()
            self._errors.seek(0)
            detail = self._errors.read().decode("utf-8", "replace").strip()
            raise HarnessError(
                f"the fork server of process isolation (python -m {_ZYGOTE_MODULE}) did "
                f"not start: {detail or 'no output'}; isolation='inline' avoids it"
            )
        try:
            ready = decode_frame(data)
        except ProtocolError as e:
            ready = e
        if not isinstance(ready, Ready):
            self._process.kill()
            self._process.wait()
            raise HarnessError(f"the fork server of process isolation said {ready!r} at start")
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

    def spawn(self, spec: WorkerSpec) -> tuple[socket.socket, int]:
        """Fork a worker; returns the request socket and the read end of its log pipe."""
        parent_sock, worker_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        log_read, log_write = os.pipe()
        try:
            with self._send_lock:
                # The spec is the test process's own: pickled (see channel.py).
                socket.send_fds(
                    self._control,
                    [pickle.dumps(spec, pickle.HIGHEST_PROTOCOL)],
                    [worker_sock.fileno(), log_write],
                )
        except OSError:
            parent_sock.close()
            os.close(log_read)
            raise
        finally:
            worker_sock.close()
            os.close(log_write)
        return parent_sock, log_read

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
        """Close the control socket: the zygote kills its environments and exits."""
        if self.owner_pid != os.getpid():
            return
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        try:
            self._process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(_STOP_TIMEOUT_S)
        self._control.close()
        self._errors.close()
        shutil.rmtree(self.tmp_root, ignore_errors=True)
