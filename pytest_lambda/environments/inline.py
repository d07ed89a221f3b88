"""InlineEnvironment: an execution environment inside the test process.

For speed (an invoke costs microseconds) and for debuggers (breakpoints in the handler
work). Everything Lambda would give the function is swapped in for each call and swapped
out after; what it cannot give is listed in the README's fidelity notes (no memory
ceiling, timeouts that interrupt Python code only in the main thread).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import logging
import math
import os
import resource
import signal
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, ClassVar

from .. import frozen_time
from .._clock import elapsed_ms, monotonic
from ..config import FunctionConfig
from ..errors import LambdaError
from ..loader import Handler, load_handler
from ..patching import PatchError, PatchSet
from ..runtime import (
    HandlerRuntime,
    InitOutcome,
    InvokeOutcome,
    InvokeRequest,
    LambdaLogHandler,
    LogBuffer,
    LogStream,
    exit_status,
)
from ..session import Session
from ..variables import function_variables, new_trace_id
from .shared import PrivateTmp, lost, patch_failed, timed_out
from .swap import SwappableVariables


class _Timedout(BaseException):
    """Raised into the handler at its deadline (BaseException: `except Exception` can't eat it)."""


class InlineEnvironment:
    """An execution environment inside the test process.

    Everything Lambda would give the function is swapped in for the duration of each
    call and swapped out after: the variables, /tmp, sys.path, stdout/stderr, the root
    logger's handler and level, and the function's own copies of its modules (so its
    globals are not the test module's, nor another function's), with the function's
    patches and the test's frozen clock applied to them. The guard is held meanwhile.
    """

    # It swaps the test process's own state: two cannot serve requests at the same time.
    shares_process: ClassVar[bool] = True

    def __init__(self, config: FunctionConfig, session: Session) -> None:
        self.config = config
        self.alive = True
        # The code directory, then the layers, in front of the test process's own path:
        # the environment shares the process (and its modules) with the test anyway.
        self._import_paths = config.import_paths
        self._session = session
        self._patches = PatchSet()
        self._tmp = PrivateTmp(self, config.function_name)
        self.tmp_dir = self._tmp.path
        self._variables = function_variables(
            config, self.tmp_dir, session.overlay_variables(config)
        )
        self._swap = SwappableVariables(self._variables)
        self._log = LogBuffer()
        self._runtime = HandlerRuntime(config.handler, self._log, self._variables)
        self._log_handler = LambdaLogHandler(self._log, self._runtime.current)
        self._modules: dict[str, ModuleType] = {}
        # boto3's module-level default session caches credentials and clients: each
        # function keeps its own, as in its own process (see _enter).
        self._boto3_session: Any = None
        self._root_level = logging.WARNING
        self._stdout = LogStream(self._log, "<stdout>")
        self._stderr = LogStream(self._log, "<stderr>")

    def init(self, request_id: str) -> InitOutcome:
        hidden: dict[str, ModuleType] = {}
        for root in self._import_paths:
            hidden.update(_hide_modules_under(root))
        before = set(sys.modules)
        saved = self._enter()
        started = monotonic()
        try:
            return self._runtime.init(self._load)
        except SystemExit as e:
            # The runtime process would be gone: Init fails as a runtime exit.
            error = LambdaError.runtime_exit(request_id, self._exit_detail(e))
            return InitOutcome(elapsed_ms(started), self._log.take(), error)
        finally:
            self._exit(saved)
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if any(_module_is_under(module, root) for root in self._import_paths):
                    self._modules[name] = sys.modules.pop(name)
            sys.modules.update(hidden)

    def _load(self, handler: str) -> Handler:
        """Init's loading, with the patches given before Init in place as modules load."""
        self._patches.apply(self.config.patches, import_missing=False)
        return load_handler(handler)

    def invoke(self, request: InvokeRequest) -> InvokeOutcome:
        self._swap.set("_X_AMZN_TRACE_ID", new_trace_id())
        started = monotonic()
        saved = self._enter()
        alarm = _Alarm.start(request.deadline_ms)
        try:
            if request.patches:
                self._patches.apply(request.patches, import_missing=True)
            outcome = self._runtime.invoke(request)
        except PatchError as e:
            outcome = patch_failed(request, e, self._log)
        except _Timedout:
            outcome = timed_out(request, self.config.timeout_s, self._log, elapsed_ms(started))
        except SystemExit as e:
            outcome = self._exited(request, e, started)
        finally:
            if alarm is not None:
                alarm.stop()
            self._exit(saved)
        if outcome.status == "success" and time.time() * 1000 > request.deadline_ms:
            # The deadline could not interrupt the handler (not the main thread, or a
            # long C call); Lambda would have stopped it, so the outcome is a timeout.
            outcome = timed_out(request, self.config.timeout_s, self._log, elapsed_ms(started))
        return outcome

    def _exited(self, request: InvokeRequest, exit: SystemExit, started: float) -> InvokeOutcome:
        error = LambdaError.runtime_exit(request.request_id, self._exit_detail(exit))
        return lost(error, self._log, elapsed_ms(started))

    def _exit_detail(self, exit: SystemExit) -> str:
        """How the platform words the exit the runtime would have made."""
        status, message = exit_status(exit)
        if message is not None:
            self._log.write(message + "\n")
        return f"exit status {status}"

    def max_memory_used_mb(self) -> int:
        # In-process, the only honest figure is the test process's own peak.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
        return math.ceil(peak / divisor)

    def close(self) -> None:
        self.alive = False
        self._tmp.remove()
        self._modules.clear()

    def _enter(self) -> _SavedState:
        """Swap the function's process state in (plain calls, not a context manager:
        this runs on every inline invoke, whose whole budget is a few microseconds)."""
        self._session.hold_guard()
        saved = _SavedState(
            self._swap.enter(),
            tempfile.tempdir,
            sys.stdout,
            sys.stderr,
            _ROOT_LOGGER.level,
            {name: sys.modules.get(name) for name in self._modules},
        )
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            saved.boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = self._boto3_session
        sys.path[:0] = self._import_paths
        sys.modules.update(self._modules)
        if "freezegun.api" in sys.modules:
            # (Checked here first: this runs on every invoke, and the test seldom froze.)
            saved.clock_changes = frozen_time.fake_clock_in(self._modules.values())
        tempfile.tempdir = self.tmp_dir
        sys.stdout, sys.stderr = self._stdout, self._stderr
        _ROOT_LOGGER.addHandler(self._log_handler)
        if saved.root_level != self._root_level:
            # setLevel clears every logger's cache: only pay for it on a real change.
            _ROOT_LOGGER.setLevel(self._root_level)
        return saved

    def _exit(self, saved: _SavedState) -> None:
        if self._patches.active:
            self._patches.revert()
        if saved.clock_changes:
            frozen_time.undo(saved.clock_changes)
        self._root_level = _ROOT_LOGGER.level
        if self._root_level != saved.root_level:
            _ROOT_LOGGER.setLevel(saved.root_level)
        _ROOT_LOGGER.removeHandler(self._log_handler)
        sys.stdout, sys.stderr = saved.stdout, saved.stderr
        tempfile.tempdir = saved.tempdir
        self._swap.exit(saved.variables)
        for path in self._import_paths:
            if path in sys.path:
                sys.path.remove(path)
        for name, module in saved.shadowed_modules.items():
            if name in sys.modules:
                self._modules[name] = sys.modules[name]
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        # Looked up after the modules are restored: the test's boto3, even if the function
        # carries a copy of its own (which keeps its own default session anyway).
        boto3: Any = sys.modules.get("boto3")
        if boto3 is not None:
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved.boto3_session
        self._session.release_guard()


_ROOT_LOGGER = logging.getLogger()


@dataclass
class _SavedState:
    """The test process's own state while a function's is swapped in."""

    variables: Any
    tempdir: str | None
    stdout: Any
    stderr: Any
    root_level: int
    shadowed_modules: dict[str, ModuleType | None]
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

    def __init__(self, previous_timer: tuple[float, float]) -> None:
        self._previous_timer = previous_timer

    armed = False
    _replaced: Any = signal.SIG_DFL

    @classmethod
    def start(cls, deadline_ms: int) -> _Alarm | None:
        if not _CAN_ALARM or threading.current_thread() is not _MAIN_THREAD:
            return None
        if _signal.getsignal(_SIGALRM) is not _on_alarm:
            cls._replaced = _signal.signal(_SIGALRM, _on_alarm)
        remaining_s = max(deadline_ms / 1000 - time.time(), 0.001)
        _Alarm.armed = True
        return cls(_signal.setitimer(_ITIMER_REAL, remaining_s))

    def stop(self) -> None:
        _signal.setitimer(_ITIMER_REAL, 0)
        _Alarm.armed = False
        if self._previous_timer[0]:
            _signal.setitimer(_ITIMER_REAL, *self._previous_timer)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise _Timedout()
    replaced = _Alarm._replaced
    if callable(replaced):
        replaced(signum, frame)
    elif replaced == signal.SIG_DFL:
        # What SIGALRM does by default: end the process.
        _signal.signal(_SIGALRM, signal.SIG_DFL)
        os.kill(os.getpid(), _SIGALRM)


_CAN_ALARM = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
_SIGALRM = int(getattr(signal, "SIGALRM", 0))
_ITIMER_REAL = int(getattr(signal, "ITIMER_REAL", 0))
_MAIN_THREAD = threading.main_thread()


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
