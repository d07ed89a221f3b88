"""InlineEnvironment: an execution environment inside the test process.

For speed (an invoke costs microseconds) and for debuggers (breakpoints in the handler
work). Everything Lambda would give the function is swapped in for each call and swapped
out after; what it cannot give is listed in the README's fidelity notes (no memory
ceiling, no /tmp size limit, timeouts that interrupt Python code only in the main thread,
`os._exit` and fatal signals end the test process).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import contextlib
import io
import logging
import math
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, ClassVar

from .. import frozen_time
from .._clock import elapsed_ms, monotonic
from ..config import FunctionConfig
from ..errors import LambdaError
from ..loader import Handler, load_handler
from ..logs import DEFAULT_LOG_CAP_BYTES, LogRecord, Phase, RecordReader
from ..patching import Patch, PatchError, PatchSet
from ..runtime import (
    HandlerRuntime,
    InitOutcome,
    InvokeOutcome,
    InvokeRequest,
    LogSink,
    exit_status,
)
from ..session import Session
from ..variables import function_variables, new_trace_id
from .shared import PrivateTmp, lost, patch_failed, session_directory, timed_out
from .swap import SwappableVariables


class _Timedout(BaseException):
    """Raised into the handler at its deadline (BaseException: `except Exception` can't eat it)."""


# Beyond the cap a phase's records are cut anyway (logs.RecordReader): no need to read it all.
_LOG_READ_LIMIT_BYTES = DEFAULT_LOG_CAP_BYTES + (1 << 20)
# The warning filters a new Python process starts with (what the runtime's process has).
_FRESH_WARNING_FILTERS: list[tuple[Any, ...]] = [
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
]


def _show_warning(message: Any) -> None:
    """How Python shows a warning by default: formatted, to sys.stderr (the function's)."""
    file = message.file if message.file is not None else sys.stderr
    if file is None:
        return
    with contextlib.suppress(OSError):
        file.write(warnings._formatwarnmsg(message))  # type: ignore[attr-defined]


class InlineEnvironment:
    """An execution environment inside the test process.

    Everything Lambda would give the function is swapped in for the duration of each
    call and swapped out after: the variables, /tmp, the working directory, sys.path,
    file descriptors 1 and 2 and sys.stdout/sys.stderr on them, the root logger's
    handlers and level, the warning filters, and the function's own copies of its modules
    (so its globals are not the test module's, nor another function's), with the
    function's patches and the test's frozen clock applied to them. The guard is held
    meanwhile.
    """

    # It swaps the test process's own state: two cannot serve requests at the same time.
    shares_process: ClassVar[bool] = True

    def __init__(self, config: FunctionConfig, session: Session) -> None:
        self.config = config
        self.alive = True
        self.needs_init = True
        self._code_path = str(config.code_path)
        self._code_fd = os.open(self._code_path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        # The code directory, then the layers, in front of the test process's own path:
        # the environment shares the process (and its modules) with the test anyway.
        self._import_paths = config.import_paths
        self._session = session
        self._patches = PatchSet()
        self._init_patches: tuple[Patch, ...] = ()
        self._tmp = PrivateTmp(self, config.function_name, parent=session_directory(session))
        self.tmp_dir = self._tmp.path
        # The session's variables this environment started with (the AWS endpoint, ...).
        self.overlay = session.overlay_variables(config)
        self._variables = function_variables(config, self.tmp_dir, self.overlay)
        # The function's stdout, stderr and the runtime's records share one file, in the
        # order they are written, as a worker's share its log pipe.
        log_file = tempfile.TemporaryFile(prefix=f"lambda-{config.function_name}-log-")  # noqa: SIM115
        self._log_fd = os.dup(log_file.fileno())
        log_file.close()
        os.set_blocking(self._log_fd, True)
        _set_append(self._log_fd)
        token = os.urandom(16)
        self._reader = RecordReader(token)
        self._sink = LogSink(self._log_fd, token)
        self._stdout = _stream(1, "<stdout>")
        self._stderr = _stream(2, "<stderr>")
        self._start_runtime()

    def _start_runtime(self) -> None:
        """A fresh runtime process, as far as the test process can give one: its variables
        as Lambda set them, new module copies, root logger and warning filters."""
        self._swap = SwappableVariables(self._variables)
        self._runtime = HandlerRuntime(self.config.handler, self._sink)
        self._modules: dict[str, ModuleType] = {}
        self._root_handlers: list[logging.Handler] = []
        self._root_level = logging.WARNING
        self._warning_filters = list(_FRESH_WARNING_FILTERS)
        # boto3's module-level default session caches credentials and clients: each
        # function keeps its own, as in its own process (see _enter).
        self._boto3_session: Any = None

    def init(
        self, request_id: str, timeout_s: float, patches: tuple[Patch, ...] = ()
    ) -> InitOutcome:
        if not self.needs_init:
            raise RuntimeError("init() runs once per runtime start")
        self.needs_init = False
        self._init_patches = patches
        hidden: dict[str, ModuleType] = {}
        for root in self._import_paths:
            hidden.update(_hide_modules_under(root))
        before = set(sys.modules)
        saved = self._enter()
        started = monotonic()
        alarm = _arm(math.ceil((time.time() + timeout_s) * 1000))
        timed_out_ = False
        try:
            self._runtime.configure()
            handler = self._runtime.log_handler()
            self._root_handlers[:] = [handler]
            self._root_level = self._runtime.settings.root_level
            _ROOT_LOGGER.setLevel(self._root_level)
            outcome = self._runtime.init(self._load)
        except _Timedout:
            timed_out_ = True
            outcome = InitOutcome(elapsed_ms(started), _init_timeout_error(timeout_s))
        except SystemExit as e:
            # The runtime process would be gone: Init fails as a runtime exit.
            error = LambdaError.runtime_exit(request_id, self._exit_detail(e))
            outcome = InitOutcome(elapsed_ms(started), error)
        except KeyboardInterrupt:
            if _Interrupts.pending():
                raise
            outcome = InitOutcome(elapsed_ms(started), self._crash(request_id, "signal: interrupt"))
        except BaseException:
            outcome = InitOutcome(elapsed_ms(started), self._crash(request_id, "exit status 1"))
        finally:
            if alarm is not None:
                _disarm(alarm)
            self._exit(saved)
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if any(_module_is_under(module, root) for root in self._import_paths):
                    self._modules[name] = sys.modules.pop(name)
            sys.modules.update(hidden)
        if outcome.error is not None:
            self._runtime_lost()
        return InitOutcome(
            outcome.duration_ms, outcome.error, self._records("init"), timed_out=timed_out_
        )

    def _load(self, handler: str) -> Handler:
        """Init's loading, with the patches given before Init in place as modules load."""
        self._patches.apply(self._init_patches, import_missing=False)
        return load_handler(handler)

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        if self.needs_init:
            raise RuntimeError("the runtime must run Init before it serves a request")
        self._swap.set_encoded(_TRACE_KEY, _encode_value(new_trace_id()))
        started = monotonic()
        saved = self._enter()
        alarm = _arm(request.deadline_ms)
        lost_error: LambdaError | None = None
        timed_out_ = False
        try:
            if request.patches:
                self._patches.apply(request.patches, import_missing=True)
            outcome = self._runtime.invoke(request)
        except PatchError as e:
            outcome = patch_failed(request, e, self._runtime)
        except _Timedout:
            timed_out_ = True
        except SystemExit as e:
            lost_error = LambdaError.runtime_exit(request.request_id, self._exit_detail(e))
        except KeyboardInterrupt:
            if _Interrupts.pending():
                raise
            lost_error = self._crash(request.request_id, "signal: interrupt")
        except BaseException:
            # Raised past the runtime's own handling (a BaseException from the handler, an
            # exception's __str__ failing): the runtime process would die of it.
            lost_error = self._crash(request.request_id, "exit status 1")
        finally:
            if alarm is not None:
                _disarm(alarm)
            self._exit(saved)
        if timed_out_ or (lost_error is None and time.time() * 1000 > request.deadline_ms):
            # The deadline could not interrupt the handler (not the main thread, or a long
            # C call) when the handler returned past it: Lambda would have stopped it.
            self._runtime_lost()
            records = self._records("invoke")
            return timed_out(request, self.config.timeout_s, records, elapsed_ms(started))
        if lost_error is not None:
            self._runtime_lost()
            return lost(lost_error, self._records("invoke"), elapsed_ms(started))
        if os.lseek(self._log_fd, 0, os.SEEK_END) or not self._reader.idle:
            outcome.records = self._records("invoke")
        return outcome

    def _records(self, phase: Phase) -> Sequence[LogRecord]:
        size = os.lseek(self._log_fd, 0, os.SEEK_END)
        if size:
            readable = min(size, _LOG_READ_LIMIT_BYTES)
            self._reader.feed(os.pread(self._log_fd, readable, 0))
            self._reader.skip(size - readable)
            os.ftruncate(self._log_fd, 0)
        elif self._reader.idle:
            return ()
        return self._reader.end_phase(phase)

    def _runtime_lost(self) -> None:
        """The runtime process would be gone: the next request starts a new one (the
        environment, its /tmp and its log stream stay)."""
        self.needs_init = True
        self._start_runtime()

    def _crash(self, request_id: str, detail: str) -> LambdaError:
        """An exception the runtime does not catch ends its process: Python prints it."""
        traceback.print_exc()
        return LambdaError.runtime_exit(request_id, detail)

    def _exit_detail(self, exit: SystemExit) -> str:
        """How the platform words the exit the runtime would have made."""
        status, message = exit_status(exit)
        if message is not None:
            print(message, file=sys.stderr)
        return f"exit status {status}"

    def max_memory_used_mb(self) -> int:
        # In-process, the only honest figure is the test process's own peak. It only
        # grows, and little within a millisecond: read at most once a millisecond.
        now = monotonic()
        if now - _Peak.read_at > _PEAK_READ_INTERVAL_S:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            _Peak.mb = math.ceil(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))
            _Peak.read_at = now
        return _Peak.mb

    def close(self) -> None:
        if not self.alive:
            return
        self.alive = False
        self._tmp.remove()
        self._modules.clear()
        for fd in (self._log_fd, self._code_fd):
            os.close(fd)

    def _enter(self) -> _SavedState:
        """Swap the function's process state in (plain calls, not a context manager:
        this runs on every inline invoke, whose whole budget is a few microseconds)."""
        self._session.hold_guard()
        modules = sys.modules
        root = _ROOT_LOGGER
        saved = _SavedState(
            self._swap.enter(),
            tempfile.tempdir,
            sys.stdout,
            sys.stderr,
            root.handlers,
            root.level,
            {name: modules.get(name) for name in self._modules},
            _leave_cwd(self._code_fd),
            warnings.filters,
            warnings.showwarning,
            warnings._showwarnmsg_impl,  # type: ignore[attr-defined]
            _redirect_standard_fds(self._log_fd),
        )
        boto3: Any = modules.get("boto3")
        if boto3 is not None:
            saved.boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = self._boto3_session
        sys.path[:0] = self._import_paths
        modules.update(self._modules)
        if "freezegun.api" in modules:
            # (Checked here first: this runs on every invoke, and the test seldom froze.)
            saved.clock_changes = frozen_time.fake_clock_in(self._modules.values())
        tempfile.tempdir = self.tmp_dir
        sys.stdout, sys.stderr = self._stdout, self._stderr
        root.handlers = self._root_handlers
        if saved.root_level != self._root_level:
            # setLevel clears every logger's cache: only pay for it on a real change.
            root.setLevel(self._root_level)
        warnings.filters = self._warning_filters
        warnings.showwarning = _SHOWWARNING_ORIGINAL
        warnings._showwarnmsg_impl = _show_warning  # type: ignore[attr-defined]
        _filters_mutated()
        return saved

    def _exit(self, saved: _SavedState) -> None:
        if self._patches.active:
            self._patches.revert()
        if saved.clock_changes:
            frozen_time.undo(saved.clock_changes)
        self._warning_filters = warnings.filters  # type: ignore[assignment]
        warnings.filters = saved.warning_filters
        warnings.showwarning = saved.showwarning
        warnings._showwarnmsg_impl = saved.showwarnmsg  # type: ignore[attr-defined]
        _filters_mutated()
        root = _ROOT_LOGGER
        self._root_level = level = root.level
        if level != saved.root_level:
            root.setLevel(saved.root_level)
        self._root_handlers = root.handlers
        root.handlers = saved.root_handlers
        sys.stdout, sys.stderr = saved.stdout, saved.stderr
        _restore_standard_fds(saved.closed_fds)
        if saved.cwd is not None:
            os.fchdir(_Cwd.fd)  # type: ignore[arg-type]
        tempfile.tempdir = saved.tempdir
        self._swap.exit(saved.variables)
        path = sys.path
        for entry in self._import_paths:
            if entry in path:
                path.remove(entry)
        modules = sys.modules
        for name, module in saved.shadowed_modules.items():
            if name in modules:
                self._modules[name] = modules[name]
            if module is None:
                modules.pop(name, None)
            else:
                modules[name] = module
        # Looked up after the modules are restored: the test's boto3, even if the function
        # carries a copy of its own (which keeps its own default session anyway).
        boto3: Any = modules.get("boto3")
        if boto3 is not None:
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved.boto3_session
        self._session.release_guard()


_ROOT_LOGGER = logging.getLogger()
_TRACE_KEY = os.environ.encodekey("_X_AMZN_TRACE_ID")
_encode_value = os.environ.encodevalue
_SHOWWARNING_ORIGINAL = warnings._showwarning_orig  # type: ignore[attr-defined]
_filters_mutated = warnings._filters_mutated  # type: ignore[attr-defined]
_PEAK_READ_INTERVAL_S = 0.001


class _Peak:
    """The test process's peak resident memory, as last read."""

    mb = 0
    read_at = -math.inf


def _init_timeout_error(timeout_s: float) -> LambdaError:
    from ..errors import ErrorKind

    return LambdaError.sandbox(
        ErrorKind.TIMEOUT, "Sandbox.Timedout", f"Init phase timed out after {timeout_s:.2f} seconds"
    )


def _set_append(fd: int) -> None:
    import fcntl

    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)


def _stream(fd: int, name: str) -> io.TextIOWrapper:
    """sys.stdout or sys.stderr as the runtime's process has them: on the descriptor,
    UTF-8, every write passed straight through."""
    raw = io.FileIO(fd, "wb", closefd=False)
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    stream.mode = "w"  # type: ignore[misc]
    return stream


# File descriptors 1 and 2 of the test process, moved aside while a function writes to
# its own (a log file in their place): output written at the descriptor level, by
# `os.write` or a child process, lands in the function's log as in Lambda.
_SAVED_FDS: list[int] = []


def _redirect_standard_fds(log_fd: int) -> int:
    """Put the function's log on descriptors 1 and 2; returns which of the test
    process's were closed (bit 1 for fd 1, bit 2 for fd 2), to close them again."""
    saved = _SAVED_FDS
    if not saved:
        saved[:] = [os.dup(log_fd), os.dup(log_fd)]
    closed = 0
    try:
        os.dup2(1, saved[0], False)
    except OSError:
        closed = 1
    try:
        os.dup2(2, saved[1], False)
    except OSError:
        closed |= 2
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    return closed


def _restore_standard_fds(closed: int) -> None:
    saved = _SAVED_FDS
    if closed & 1:
        os.close(1)
    else:
        os.dup2(saved[0], 1)
    if closed & 2:
        os.close(2)
    else:
        os.dup2(saved[1], 2)


class _Cwd:
    """The test process's working directory, left for the function's code directory
    while the function runs (by descriptor: cheaper than a path lookup each way)."""

    path: str | None = None
    fd: int | None = None


def _leave_cwd(code_fd: int) -> str | None:
    try:
        current = os.getcwd()
    except OSError:
        current = None  # the test's working directory was removed: nowhere to come back to
    if current is not None and current != _Cwd.path:
        if _Cwd.fd is not None:
            os.close(_Cwd.fd)
        _Cwd.fd = os.open(current, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        _Cwd.path = current
    os.fchdir(code_fd)
    return current


@dataclass(slots=True)
class _SavedState:
    """The test process's own state while a function's is swapped in."""

    variables: Any
    tempdir: str | None
    stdout: Any
    stderr: Any
    root_handlers: list[logging.Handler]
    root_level: int
    shadowed_modules: dict[str, ModuleType | None]
    cwd: str | None
    warning_filters: Any
    showwarning: Any
    showwarnmsg: Any
    closed_fds: int
    # None also when boto3 was not loaded: the test process had no default session yet.
    boto3_session: Any = None
    # What freezegun's fakes replaced in the function's modules for this call.
    clock_changes: frozen_time.Changes = frozen_time.NO_CHANGES


_HARNESS_PACKAGE = str(Path(__file__).resolve().parents[1])


def _module_is_under(module: ModuleType | None, root: str) -> bool:
    filename = getattr(module, "__file__", None)
    if not filename:
        return False
    path = os.path.abspath(filename)
    return path.startswith(root + os.sep) and not path.startswith(_HARNESS_PACKAGE)


def _hide_modules_under(root: str) -> dict[str, ModuleType]:
    """Take out of sys.modules what would stop Init from importing the code afresh.

    That is every module loaded from the code directory, and every module elsewhere that
    bears the name of one of its top-level modules or packages (two SAM functions each
    with an `app.py`): in Lambda the code directory comes first on sys.path. The standard
    library stays, as the runtime has it loaded before the function's code.
    """
    try:
        entries = os.listdir(root)
    except OSError:
        entries = []
    top_names = {
        entry[:-3] if entry.endswith(".py") else entry
        for entry in entries
        if entry.endswith(".py") or os.path.isdir(os.path.join(root, entry))
    } - _STDLIB_NAMES
    hidden = {
        name: module
        for name, module in list(sys.modules.items())
        if _module_is_under(module, root)
        or (name.partition(".")[0] in top_names and not _is_harness_module(module))
    }
    for name in hidden:
        del sys.modules[name]
    return hidden


_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) | {"pytest_lambda"}


def _is_harness_module(module: ModuleType | None) -> bool:
    filename = getattr(module, "__file__", None) or ""
    return os.path.abspath(filename).startswith(_HARNESS_PACKAGE)


class _Alarm:
    """Interrupts the handler at its deadline where Python can: SIGALRM in the main thread.

    The handler for SIGALRM is installed once and left in place (arming the timer is then
    all an invoke pays): while no deadline is armed it hands the signal on to the handler
    it replaced, so a test's own alarms (pytest-timeout's, say) behave as before. If
    something replaces it in turn, the next invoke installs it again. The C-level
    _signal functions are used: the signal module's enum wrappers cost more than the
    rest of an inline invoke.
    """

    armed = False
    _replaced: Any = signal.SIG_DFL


def _arm(deadline_ms: int) -> tuple[float, float] | None:
    """Arm the deadline (in the main thread; from now on, count the SIGINTs too); returns
    the timer it replaced, for `_disarm`, or None when nothing was armed."""
    _Interrupts.seen = _Interrupts.count
    if _get_ident() != _MAIN_THREAD_ID:
        return None
    getsignal = _signal.getsignal
    if getsignal(_SIGINT) is not _on_interrupt:
        _Interrupts._replaced = _signal.signal(_SIGINT, _on_interrupt)
    if not _CAN_ALARM:
        return None
    if getsignal(_SIGALRM) is not _on_alarm:
        _Alarm._replaced = _signal.signal(_SIGALRM, _on_alarm)
    remaining_s = deadline_ms / 1000 - time.time()
    _Alarm.armed = True
    previous: tuple[float, float] = _setitimer(
        _ITIMER_REAL, remaining_s if remaining_s > 0.001 else 0.001
    )
    return previous


def _disarm(previous: tuple[float, float]) -> None:
    _setitimer(_ITIMER_REAL, 0)
    _Alarm.armed = False
    if previous[0]:
        _setitimer(_ITIMER_REAL, *previous)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise _Timedout()
    _pass_on(_Alarm._replaced, signum, frame)


def _pass_on(replaced: Any, signum: int, frame: FrameType | None) -> None:
    """Do what the handler we replaced would have done with the signal."""
    if callable(replaced):
        replaced(signum, frame)
    elif replaced == signal.SIG_DFL:
        # What the signal does by default: end the process.
        _signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


class _Interrupts:
    """Tells a real Ctrl-C from a KeyboardInterrupt the handler raised itself.

    A handler's `raise KeyboardInterrupt` ends its runtime (`signal: interrupt`), as in
    Lambda; a SIGINT that reaches the test process while the handler runs is the user
    stopping the test run, and goes on up. The SIGINT handler that counts them is
    installed once, in the main thread (by `_arm`), and hands the signal on to the one it
    replaced.
    """

    count = 0
    seen = 0
    _replaced: Any = signal.default_int_handler

    @classmethod
    def pending(cls) -> bool:
        """Whether a SIGINT arrived since the function's request started."""
        return cls.count != cls.seen


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    _Interrupts.count += 1
    _pass_on(_Interrupts._replaced, signum, frame)


_CAN_ALARM = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
_SIGALRM = int(getattr(signal, "SIGALRM", 0))
_SIGINT = int(signal.SIGINT)
_ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))
_MAIN_THREAD_ID = threading.main_thread().ident
_get_ident = threading.get_ident
_setitimer: Any = getattr(_signal, "setitimer", None)


class FallbackInlineEnvironment(InlineEnvironment):
    """What isolation="process" starts where worker processes cannot run (not Linux):
    an inline environment, which says so as it starts."""

    def __init__(self, config: FunctionConfig, session: Session) -> None:
        warnings.warn(
            f"pytest-lambda: isolation='process' needs Linux (fork, /proc); on "
            f"{sys.platform} {config.function_name} runs inline in the test process, "
            "without hard timeouts or a memory ceiling",
            RuntimeWarning,
            # The caller of LambdaFunction.invoke(), past the function's own frames.
            stacklevel=5,
        )
        super().__init__(config, session)
