"""LambdaFunction: a function's configuration, its execution environments, its invocations.

An invoke claims a slot in the function's pool of environments (reserved concurrency),
starts an environment on a cold start (the runner its isolation picks), sends it the
request, and turns the outcome into an Invocation, which the current session's listeners
hear about (the plugin records it; the AWS layer delivers what it set off).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from . import report
from ._clock import elapsed_ms, monotonic
from .config import (
    INTERPRETER_RUNTIME,
    RESERVED_ENV_NAMES,
    Architecture,
    FunctionConfig,
    Isolation,
    LogFormat,
)
from .context import LambdaContext, caller_headers, new_request_id, qualified_arn
from .environments.base import EnvironmentPool, ExecutionEnvironment, Slot, environment_class
from .environments.shared import refuse_oversized, timed_out
from .errors import ErrorKind, FunctionIsolationWarning, HarnessError, LambdaError
from .invocation import INVALID_REQUEST_CONTENT, InitLifecycle, Invocation
from .limits import Limits
from .logs import LogRecord
from .patching import Patch, checked_patch
from .runtime import (
    MAX_REQUEST_BYTES,
    InitOutcome,
    InvokeOutcome,
    InvokeRequest,
    RestoreOutcome,
    encode_request,
    request_json_problem,
)
from .session import current as current_session
from .variables import INHERITED_HOST_PREFIXES, INHERITED_HOST_VARIABLES

# Lambda gives the Init phase of a new environment 10 seconds; a SnapStart function's Init
# (when its version is published) 130 seconds, or its timeout if longer.
INIT_TIMEOUT_S = 10.0
SNAPSTART_INIT_TIMEOUT_S = 130.0
# The test process has one os.environ, one sys.stdout, one sys.modules: environments that
# swap them in (inline ones) take turns, whichever function they belong to. Reentrant, so
# that a handler running inline may itself invoke another inline function.
_PROCESS_STATE = threading.RLock()
# What identifies a function: UpdateFunctionConfiguration cannot change it.
_IDENTITY_SETTINGS = ("name", "region", "account_id")
# Variables a function gets from Lambda or the harness whatever the test sets: a test that
# sets one of them has not forgotten to pass it.
_FUNCTION_SETS = RESERVED_ENV_NAMES | {
    *INHERITED_HOST_VARIABLES,
    "LANG",
    "TZ",
    "TMPDIR",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
}
_NOT_THE_FUNCTIONS_PREFIXES = (*INHERITED_HOST_PREFIXES, "PYTEST_", "_PYTEST")
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class LambdaFunction:
    """A function under test: its configuration, its execution environments, its invocations.

    The first invoke is a cold start (the handler module is imported afresh, private to
    this function); later invokes are warm until a timeout, an exit or a crash ends the
    runtime, which starts again (a cold start, in the same environment) at the next request.
    """

    def __init__(
        self,
        handler: str,
        *,
        memory_mb: int = 128,
        timeout_s: float = 3,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        code_dir: str | os.PathLike[str] = ".",
        isolation: Isolation = "process",
        architecture: Architecture = "x86_64",
        role_policy: Any = None,
        reserved_concurrency: int | None = None,
        runtime: str = INTERPRETER_RUNTIME,
        layers: Sequence[str | os.PathLike[str]] = (),
        patches: Mapping[str, Any] | None = None,
        limits: Limits | Mapping[str, Any] | None = None,
        log_format: LogFormat = "Text",
        log_level: str | None = None,
        system_log_level: str | None = None,
        ephemeral_storage_mb: int = 512,
        snapstart: bool = False,
    ) -> None:
        self.config = FunctionConfig(
            handler=handler,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            name=name,
            # Checked there, whatever was passed (a str, a list of pairs, a number).
            env=env,  # type: ignore[arg-type]
            region=region,
            code_dir=code_dir,  # type: ignore[arg-type]
            isolation=isolation,
            architecture=architecture,
            role_policy=role_policy,
            reserved_concurrency=reserved_concurrency,
            runtime=runtime,
            layers=layers,
            # A {target: replacement} mapping, checked into Patches.
            patches=patches,  # type: ignore[arg-type]
            limits=Limits.coerce(limits),
            log_format=log_format,
            log_level=log_level,
            system_log_level=system_log_level,
            ephemeral_storage_mb=ephemeral_storage_mb,
            snapstart=snapstart,
        )
        self._setup()

    @classmethod
    def from_config(cls, config: FunctionConfig) -> LambdaFunction:
        function = cls.__new__(cls)
        function.config = config
        function._setup()
        return function

    @classmethod
    def from_template(
        cls,
        path: str | os.PathLike[str],
        logical_id: str | None = None,
        *,
        parameter_overrides: Any = None,
        **overrides: Any,
    ) -> LambdaFunction:
        """The function a SAM/CloudFormation template defines (by logical id if several).

        `overrides` are settings that win over the template's (`env` is merged variable by
        variable, None removing one); `parameter_overrides` sets the template's Parameters
        (a mapping, or SAM's `Key=Value ...` syntax).
        """
        config = FunctionConfig.from_template(
            path, logical_id, overrides, parameter_overrides=parameter_overrides
        )
        return cls.from_config(config)

    def _setup(self) -> None:
        mismatch = self.config.runtime_mismatch()
        if mismatch is not None:
            # Imported here: the warning classes need pytest, which workers never load.
            from .notices import RuntimeVersionWarning, warn

            warn(RuntimeVersionWarning(mismatch))
        self._pool: EnvironmentPool[ExecutionEnvironment] = EnvironmentPool(
            self.config.reserved_concurrency
        )
        self.invocations: list[Invocation] = []
        # What the test changed in its own process that this function was warned about.
        self._warned_of: set[str] = set()
        # The test this function last served (see _follow_test).
        self._tests_seen = current_session().tests_started
        self._configured()

    def _configured(self) -> None:
        """What follows from the configuration, worked out once per configuration."""
        self._environment_class = environment_class(self.config.isolation)
        # Environments that swap the test process's own state in take turns; worker
        # processes serve requests side by side.
        self._serial = self._environment_class.shares_process
        self._code_dir = str(self.config.code_path)
        # SnapStart: cold starts restore from a snapshot, where the runner can take one.
        self._restores = self.config.snapstart and getattr(
            self._environment_class, "restores_snapshots", False
        )
        # What every invocation of the function repeats, worked out once.
        self._name = self.config.function_name
        self._arn = self.config.function_arn
        self._timeout_ms = self.config.timeout_s * 1000
        self._price_per_ms = report.price_per_ms(
            self.config.memory_mb, self.config.architecture, self.config.ephemeral_storage_mb
        )

    def update_configuration(self, **settings: Any) -> None:
        """Change settings as UpdateFunctionConfiguration does: the next invoke is a cold
        start in a new environment.

        Any constructor setting but those that identify the function (name, region,
        account_id), checked as the constructor checks them. `env` replaces the function's
        variables, as Lambda's Environment does: pass every variable the function needs.
        """
        fixed = [name for name in _IDENTITY_SETTINGS if name in settings]
        if fixed:
            raise HarnessError(
                f"{', '.join(fixed)} cannot be updated: it identifies the function "
                "(UpdateFunctionConfiguration cannot change it); create another LambdaFunction"
            )
        self.config = self.config.with_changes(**settings)
        self._pool.reset(self.config.reserved_concurrency)
        self._configured()

    def patch(self, target: str, replacement: Any) -> None:
        """Replace the name `target` in this function's modules with `replacement`.

        `target` is `module.name` (or `module:object.attribute`) as the handler's code
        imports it, e.g. "app.helper". `replacement` is an importable "module:attribute"
        string (e.g. "tests.fakes:helper"), which works in both isolations, or any object,
        which with process isolation must survive pickling (a mock does not).

        Given before the first invoke, the patch is in place as the module finishes loading
        at Init (a name the module imports from another patched module is the replacement
        already); given between invokes, the warm environment gets it before the next
        request. It lasts as long as the function. In inline isolation the replaced name is
        in the function's own copy of the module, not the one the test imports.
        """
        patch = checked_patch(
            Patch(target, replacement), picklable=self.config.isolation == "process"
        )
        self.config = self.config.with_changes(patches=(*self.config.patches, patch))

    @property
    def name(self) -> str:
        return self.config.function_name

    def __repr__(self) -> str:
        return (
            f"LambdaFunction({self.config.handler!r}, name={self.name!r}, "
            f"memory_mb={self.config.memory_mb}, timeout_s={self.config.timeout_s}, "
            f"isolation={self.config.isolation!r})"
        )

    def invoke(self, event: Any = None, *, context: LambdaContext | None = None) -> Invocation:
        """Invoke synchronously (RequestResponse) with `event`, sent as JSON as an SDK sends
        it (`"text"` for a str). `context` supplies what a caller can send with a request
        (request id, identity, client context, tenant id); the deadline is always the
        invoke's start plus the function's timeout."""
        if isinstance(event, bytes | bytearray | memoryview):
            raise HarnessError(
                "invoke() sends the event as JSON and bytes are not JSON; to send a request "
                "body as it is, use invoke_raw(body)"
            )
        return self._serve_one(event, context, raw=False)

    def invoke_raw(self, body: bytes, *, context: LambdaContext | None = None) -> Invocation:
        """Invoke with `body` as the request payload, byte for byte. The Invoke API refuses
        a payload that is not JSON (400 InvalidRequestContentException, the function never
        runs); a JSON one reaches the runtime as it is (a byte order mark, duplicate keys,
        escapes and all)."""
        if not isinstance(body, bytes | bytearray | memoryview):
            raise HarnessError(
                f"invoke_raw() takes the request body as bytes, got {type(body).__name__}; "
                "invoke(event) sends a Python value as JSON"
            )
        return self._serve_one(bytes(body), context, raw=True)

    def _follow_test(self) -> None:
        """A function kept across tests (module or session scope) meets each new test's
        session variables: its warm environments that started with others (another AWS
        endpoint; an `aws` account then, none now) are discarded, so the next request is a
        cold start that sees this test's. Asking the session for them registers the
        function with the test's `aws` (its role policy is enforced there too)."""
        session = current_session()
        if session.tests_started == self._tests_seen:
            return
        self._tests_seen = session.tests_started
        overlay = session.overlay_variables(self.config)
        self._pool.discard_idle(lambda environment: dict(environment.overlay) != overlay)

    def _serve_one(self, event: Any, context: LambdaContext | None, *, raw: bool) -> Invocation:
        if context is not None and not isinstance(context, LambdaContext):
            raise HarnessError(
                f"context must be a LambdaContext (or None), got {type(context).__name__} "
                f"{context!r:.60}; build one with LambdaContext(aws_request_id=..., ...)"
            )
        self._follow_test()
        slot = self._pool.acquire()
        if self._serial:
            with _PROCESS_STATE:
                invocation = self._invoke(slot, event, context, raw)
        else:
            invocation = self._invoke(slot, event, context, raw)
        self._record(invocation)
        return invocation

    def _record(self, invocation: Invocation) -> None:
        self.invocations.append(invocation)
        for listener in current_session().listeners:
            listener(invocation)

    def invoke_many(self, events: Iterable[Any], *, concurrency: int = 1) -> list[Invocation]:
        """Invoke once per event, `concurrency` at a time, results in the order of the events.

        Events go in waves of `concurrency` requests arriving together, as from that many
        concurrent callers. Each request of a wave is served by its own environment (warm
        ones are reused, the others are cold starts), so the function scales out as in
        Lambda; requests beyond `reserved_concurrency` are throttled (429
        TooManyRequestsException). Environments that share the test process (inline ones)
        serve a wave's requests one after another, each in its own environment, on the
        calling thread.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise HarnessError(
                f"concurrency must be a whole number, 1 or more, got {concurrency!r}"
            )
        if isinstance(events, str | bytes | bytearray | Mapping) or not isinstance(
            events, Iterable
        ):
            raise HarnessError(
                f"events must be a list of events, one invoke each, got "
                f"{type(events).__name__} {events!r:.60}; for one event, use invoke(event)"
            )
        events = list(events)
        results: list[Invocation] = []
        self._follow_test()
        for start in range(0, len(events), concurrency):
            wave = events[start : start + concurrency]
            # Claimed in event order before any runs, so which requests are throttled
            # does not depend on thread timing.
            slots = [self._pool.acquire() for _ in wave]
            if self._serial:
                results.extend(self._serve_in_turn(slots, wave))
            else:
                results.extend(self._serve_side_by_side(slots, wave))
        for invocation in results:
            self._record(invocation)
        return results

    def _serve_in_turn(
        self, slots: list[Slot[ExecutionEnvironment] | None], wave: list[Any]
    ) -> list[Invocation]:
        served: list[Invocation] = []
        with _PROCESS_STATE:
            try:
                for slot, event in zip(slots, wave, strict=True):
                    served.append(self._invoke(slot, event, None, False))
            finally:
                # Requests not served (an invoke raised) give their claim back.
                for slot in slots[len(served) + 1 :]:
                    if slot is not None:
                        self._pool.release(slot)
        return served

    def _serve_side_by_side(
        self, slots: list[Slot[ExecutionEnvironment] | None], wave: list[Any]
    ) -> list[Invocation]:
        with ThreadPoolExecutor(
            max_workers=len(wave), thread_name_prefix=f"lambda-{self.name}"
        ) as executor:
            futures = [
                executor.submit(self._invoke, slot, event, None, False)
                for slot, event in zip(slots, wave, strict=True)
            ]
            return [future.result() for future in futures]

    def close(self) -> None:
        """Discard the execution environments (the next invoke is a cold start)."""
        self._pool.close()

    def __enter__(self) -> LambdaFunction:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _invoke(
        self,
        slot: Slot[ExecutionEnvironment] | None,
        event: Any,
        context: LambdaContext | None,
        raw: bool,
    ) -> Invocation:
        """Serve one request in the slot's environment (no slot: throttled), then release it."""
        request_id = context.aws_request_id if context is not None else new_request_id()
        if slot is None:
            return self._rejected(request_id, _throttled())
        try:
            body = self._request_body(event, raw)
            if isinstance(body, LambdaError):
                return self._rejected(request_id, body)
            return self._invoke_in(slot, self._request(request_id, body, context))
        finally:
            self._pool.release(slot)

    def _request_body(self, event: Any, raw: bool) -> bytes | LambdaError:
        """The payload as the Invoke API receives it, or its refusal."""
        body: bytes
        if raw:
            body = event
            problem = request_json_problem(body)
        else:
            try:
                body = encode_request(event)
                problem = None
            except ValueError as e:
                # An SDK writes NaN and Infinity, which the Invoke API does not take as JSON.
                body, problem = b"", str(e)
            except TypeError as e:
                raise HarnessError(
                    f"the event cannot be sent as JSON ({e}); pass JSON-able values (dict, "
                    "list, str, int, float, bool, None) or send bytes with invoke_raw()"
                ) from None
        if problem is not None:
            return LambdaError.sandbox(
                ErrorKind.UNMARSHAL,
                INVALID_REQUEST_CONTENT,
                "Could not parse request body into json: Could not parse payload into json: "
                + problem,
            )
        if len(body) > MAX_REQUEST_BYTES:
            return LambdaError.sandbox(
                ErrorKind.PAYLOAD_TOO_LARGE,
                "RequestEntityTooLargeException",
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                f"InvokeFunction operation (the event is {len(body):,} bytes)",
            )
        return body

    def _request(
        self, request_id: str, body: bytes, context: LambdaContext | None
    ) -> InvokeRequest:
        """The request as the Runtime API will hand it over (its deadline set when the
        invoke phase starts), with the function's patches as they are now."""
        patches = self.config.patches
        if context is None:
            return InvokeRequest(request_id, body, 0, self._arn, patches=patches)
        client_context, identity = caller_headers(context)
        return InvokeRequest(
            request_id,
            body,
            0,
            qualified_arn(context) or self._arn,
            client_context,
            identity,
            context.tenant_id,
            patches,
        )

    def _invoke_in(self, slot: Slot[ExecutionEnvironment], request: InvokeRequest) -> Invocation:
        started_at = time.time()
        environment = slot.environment
        timeout_s = self.config.timeout_s
        if environment is not None and not environment.needs_init:
            # A warm invoke: the environment's runtime is ready (the common, fast path).
            request.deadline_ms = int(started_at * 1000 + self._timeout_ms)
            outcome = environment.invoke(request)
            if outcome.error is not None:
                self._point_at_test_state()
            return self._served(slot, environment, request.request_id, outcome, started_at)
        # A cold start: a new environment, or a runtime started again in this one.
        self._point_at_test_state()
        if self._restores:
            return self._restore_in(slot, request, started_at)
        new = environment is None
        if environment is None:
            environment = self._environment_class(self.config, current_session())
            slot.environment = environment
        lifecycle = InitLifecycle(init_start=new)
        init_duration_ms: float | None = None
        inherited_ms: float | None = None
        if lifecycle.init_start:
            # The Init phase of a new environment: 10 seconds at most.
            init = environment.init(request.request_id, INIT_TIMEOUT_S, request.patches)
            lifecycle.init_records = list(init.records)
            if init.error is None:
                init_duration_ms = init.duration_ms
                inherited_ms = init.inherited_ms
            else:
                lifecycle.reports.append(_init_report(init, "init"))
        invoke_started = monotonic()
        request.deadline_ms = int(time.time() * 1000 + timeout_s * 1000)
        reinit_ms = 0.0
        if environment.needs_init:
            # Init again within the request ("suppressed init": after a failed Init, or a
            # runtime lost to a timeout, an exit or the memory ceiling), within the
            # function's timeout, counted in the invoke's Duration.
            init = environment.init(request.request_id, timeout_s, request.patches)
            lifecycle.reinit_records = [replace(r, phase="invoke") for r in init.records]
            reinit_ms = init.duration_ms
            if init.error is not None:
                lifecycle.reports.append(_init_report(init, "invoke"))
                outcome = _failed_reinit(request, init, timeout_s, elapsed_ms(invoke_started))
                return self._served(
                    slot,
                    environment,
                    request.request_id,
                    outcome,
                    started_at,
                    cold_start=True,
                    lifecycle=lifecycle,
                    platform_error=None if init.timed_out else init.error.report_error_type,
                )
        outcome = environment.invoke(request)
        outcome.duration_ms += reinit_ms
        return self._served(
            slot,
            environment,
            request.request_id,
            outcome,
            started_at,
            cold_start=True,
            init_duration_ms=init_duration_ms,
            lifecycle=lifecycle,
            inherited_ms=inherited_ms,
        )

    def _restore_in(
        self, slot: Slot[ExecutionEnvironment], request: InvokeRequest, started_at: float
    ) -> Invocation:
        """A SnapStart cold start: a new environment restored from the function's snapshot
        (taken first, by running Init, if this is the first cold start that needs it)."""
        if slot.environment is not None:
            # Its runtime was lost: a SnapStart environment is restored anew, not restarted.
            slot.environment.close()
        environment = self._environment_class(self.config, current_session())
        slot.environment = environment
        init_timeout_s = max(SNAPSTART_INIT_TIMEOUT_S, self.config.timeout_s)
        init = environment.init(request.request_id, init_timeout_s, request.patches)
        restore = init.restore
        lifecycle = InitLifecycle(init_start=False, restore=restore)
        lifecycle.snapshot = restore.snapshot if restore is not None else init
        if init.error is not None or restore is None:
            # No snapshot (its Init failed), or the restore failed: the request never runs.
            environment.close()
            slot.environment = None
            lifecycle.request_served = False
            assert init.error is not None
            return self._not_run(request.request_id, init.error, lifecycle, started_at)
        request.deadline_ms = int(time.time() * 1000 + self._timeout_ms)
        outcome = environment.invoke(request)
        return self._served(
            slot,
            environment,
            request.request_id,
            outcome,
            started_at,
            cold_start=True,
            lifecycle=lifecycle,
            restore=restore,
        )

    def _point_at_test_state(self) -> None:
        """Warn when the test changed its own process where the function cannot see it.

        A test's `monkeypatch.setenv` changes the test process's variables and its
        `mock.patch("app.helper")` the test process's copy of the module; the function has
        its own variables and its own modules, in either isolation. Checked at cold starts
        and after a failed invoke (where the likely cause is one of them), each warning
        once per function, pointing at the way that reaches the function.
        """
        self._warn_of_unseen_variables()
        self._warn_of_mocks_in_the_tests_modules()

    def _warn_of_unseen_variables(self) -> None:
        session = current_session()
        baseline = session.test_variables
        if baseline is None:
            return
        # What the session's overlays give every function (the guard's safe variables,
        # moto's endpoint) reaches it whatever the test process holds.
        provided = session.overlay_variables(self.config)
        unseen = sorted(
            name
            for name, value in os.environ.items()
            if baseline.get(name) != value
            and name not in self.config.env
            and name not in provided
            and name not in _FUNCTION_SETS
            and not name.startswith(_NOT_THE_FUNCTIONS_PREFIXES)
            and f"variable {name}" not in self._warned_of
        )
        if not unseen:
            return
        self._warned_of.update(f"variable {name}" for name in unseen)
        names = ", ".join(unseen)
        example = ", ".join(f"{name!r}: ..." for name in unseen)
        _warn_at_caller(
            f"pytest-lambda: {names} set in the test process during this test (monkeypatch."
            f"setenv or os.environ) {'is' if len(unseen) == 1 else 'are'} not visible to "
            f"{self.name}: a function sees only its own variables, as in Lambda. Pass "
            f"env={{{example}}} on the lambda_function marker or LambdaFunction, or call "
            "function.update_configuration(env=...)",
            FunctionIsolationWarning,
        )

    def _warn_of_mocks_in_the_tests_modules(self) -> None:
        """Names mocked in the test process's copy of the function's modules."""
        mock: Any = sys.modules.get("unittest.mock")
        if mock is None:
            return
        code_dir = self._code_dir + os.sep
        mocked = []
        for module_name, module in list(sys.modules.items()):
            filename = getattr(module, "__file__", None)
            if not filename or not os.path.abspath(filename).startswith(code_dir):
                continue
            for name, value in list(vars(module).items()):
                target = f"{module_name}.{name}"
                if isinstance(value, mock.NonCallableMock) and target not in self._warned_of:
                    mocked.append(target)
        if not mocked:
            return
        self._warned_of.update(mocked)
        names = ", ".join(mocked)
        _warn_at_caller(
            f"pytest-lambda: {names} {'is' if len(mocked) == 1 else 'are'} mocked in the test "
            f"process's copy of the module (mock.patch, mocker.patch), but {self.name} runs "
            "its own copy of its modules, in either isolation: replace the name in the "
            f"function with function.patch({mocked[0]!r}, ...) (see docs/migrating.md)",
            FunctionIsolationWarning,
        )

    def _served(
        self,
        slot: Slot[ExecutionEnvironment],
        environment: ExecutionEnvironment,
        request_id: str,
        outcome: InvokeOutcome,
        started_at: float,
        *,
        cold_start: bool = False,
        init_duration_ms: float | None = None,
        lifecycle: InitLifecycle | None = None,
        platform_error: str | None = None,
        inherited_ms: float | None = None,
        restore: RestoreOutcome | None = None,
    ) -> Invocation:
        memory_mb = environment.max_memory_used_mb()
        if lifecycle is not None and lifecycle.reports and lifecycle.reports[-1].phase == "invoke":
            # Init failed twice: the next request gets a new environment.
            environment.close()
            slot.environment = None
        if outcome.error is not None and outcome.error.kind in (
            ErrorKind.EXIT,
            ErrorKind.OUT_OF_MEMORY,
        ):
            platform_error = outcome.error.report_error_type
        outcome = refuse_oversized(outcome)
        duration_ms = outcome.duration_ms
        if outcome.status == "timeout":
            # Lambda stops the clock at the timeout, whatever the handler was doing.
            duration_ms = self.config.timeout_s * 1000
        billed = report.billed_duration_ms(duration_ms, init_duration_ms)
        billed_restore: int | None = None
        if restore is not None:
            # The runtime's part of the restore (its start and the after-restore hooks) is
            # billed; restoring the snapshot itself is not ("Monitoring for SnapStart").
            billed_restore = report.billed_duration_ms(restore.runtime_ms)
        platform_status: str | None = None
        if outcome.status == "timeout":
            platform_status = "timeout"
        elif platform_error is not None:
            platform_status = "error"
        config = self.config
        invocation = Invocation(
            function_name=self._name,
            request_id=request_id,
            status=outcome.status,
            error=outcome.error,
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            init_duration_ms=init_duration_ms,
            cold_start=cold_start,
            memory_size_mb=config.memory_mb,
            max_memory_used_mb=memory_mb,
            cost_usd=report.PRICE_PER_REQUEST_USD
            + (billed + (billed_restore or 0)) * self._price_per_ms,
            architecture=config.architecture,
            response_payload=outcome.response,
            code_dir=self._code_dir,
            platform_status=platform_status,
            platform_error_type=platform_error,
            isolation=config.isolation,
            limits=config.limits,
            config=config,
            started_at=started_at,
            lifecycle=lifecycle,
            function_records=outcome.records,
            restore_duration_ms=restore.duration_ms if restore is not None else None,
            billed_restore_duration_ms=billed_restore,
            inherited_import_ms=inherited_ms,
        )
        return invocation

    def _not_run(
        self, request_id: str, error: LambdaError, lifecycle: InitLifecycle, started_at: float
    ) -> Invocation:
        """A SnapStart request that never ran: the snapshot could not be taken, or the
        environment not restored. The Invoke API answers with an error; what Init or the
        restore logged is in the logs, no START, END or REPORT. Nothing is billed."""
        return self._unbilled(
            request_id,
            error,
            cold_start=True,
            function_name=self._name,
            code_dir=self._code_dir,
            config=self.config,
            started_at=started_at,
            lifecycle=lifecycle,
        )

    def _rejected(self, request_id: str, error: LambdaError) -> Invocation:
        """Refused by the Invoke API before any environment saw it: no logs, no charge."""
        return self._unbilled(
            request_id,
            error,
            cold_start=False,
            function_name=self.config.function_name,
            served=False,
        )

    def _unbilled(
        self, request_id: str, error: LambdaError, *, cold_start: bool, **details: Any
    ) -> Invocation:
        """A request that failed before anything ran: no duration, no memory, no cost."""
        return Invocation(
            request_id=request_id,
            status="error",
            error=error,
            duration_ms=0.0,
            billed_duration_ms=0,
            init_duration_ms=None,
            cold_start=cold_start,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=0,
            cost_usd=0.0,
            architecture=self.config.architecture,
            isolation=self.config.isolation,
            limits=self.config.limits,
            **details,
        )


def _warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn at the first frame outside this package: the test's line that invoked."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    warnings.warn_explicit(
        message,
        category,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=frame.f_globals.get("__name__"),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
    )


def _throttled() -> LambdaError:
    return LambdaError.sandbox(ErrorKind.THROTTLED, "TooManyRequestsException", "Rate Exceeded.")


def _init_report(init: InitOutcome, phase: str) -> report.InitReport:
    assert init.error is not None
    if init.timed_out:
        return report.InitReport(init.duration_ms, phase, "timeout")
    return report.InitReport(init.duration_ms, phase, "error", init.error.report_error_type)


def _failed_reinit(
    request: InvokeRequest, init: InitOutcome, timeout_s: float, duration_ms: float
) -> InvokeOutcome:
    """The request's answer when Init, run again within it, failed too: the function's
    timeout (Init ran out of it), or the Init error, which the platform reports between
    START and END."""
    assert init.error is not None
    if init.timed_out:
        return timed_out(request, timeout_s, [], duration_ms)
    note = LogRecord(
        f"Unknown application error occurred\n{init.error.report_error_type}",
        "platform",
        "invoke",
    )
    error = init.error
    if error.kind is not ErrorKind.EXIT and error.kind is not ErrorKind.OUT_OF_MEMORY:
        error = replace(error, kind=ErrorKind.INIT)
    return InvokeOutcome("error", None, error, duration_ms, [note])
