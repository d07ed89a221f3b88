"""LambdaFunction: a function's configuration, its execution environments, its invocations.

An invoke claims a slot in the function's pool of environments (reserved concurrency),
starts an environment on a cold start (the runner its isolation picks), sends it the
request, and turns the outcome into an Invocation, which the current session's listeners
hear about (the plugin records it; the AWS layer delivers what it set off).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import report
from .config import INTERPRETER_RUNTIME, Architecture, FunctionConfig, Isolation
from .context import LambdaContext, new_request_id
from .environments.base import EnvironmentPool, ExecutionEnvironment, Slot, environment_class
from .errors import ErrorKind, HarnessError, LambdaError
from .invocation import Invocation
from .runtime import InvokeOutcome, InvokeRequest, marshal_event
from .session import current as current_session

# Invoke API limits for a synchronous (RequestResponse) call.
MAX_REQUEST_BYTES = 6 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100
# The test process has one os.environ, one sys.stdout, one sys.modules: environments that
# swap them in (inline ones) take turns, whichever function they belong to. Reentrant, so
# that a handler running inline may itself invoke another inline function.
_PROCESS_STATE = threading.RLock()


class LambdaFunction:
    """A function under test: its configuration, its execution environments, its invocations.

    The first invoke is a cold start (the handler module is imported afresh, private to
    this function); later invokes are warm until a timeout, an exit or a crash discards
    the environment.
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
    ) -> None:
        self.config = FunctionConfig(
            handler=handler,
            memory_mb=memory_mb,
            timeout_s=timeout_s,
            name=name,
            env=dict(env or {}),
            region=region,
            code_dir=os.fspath(code_dir),
            isolation=isolation,
            architecture=architecture,
            role_policy=role_policy,
            reserved_concurrency=reserved_concurrency,
            runtime=runtime,
            layers=layers,
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
        self._environment_class = environment_class(self.config.isolation)
        self._pool: EnvironmentPool[ExecutionEnvironment] = EnvironmentPool(
            self.config.reserved_concurrency
        )
        self.invocations: list[Invocation] = []
        # Environments that swap the test process's own state in take turns; worker
        # processes serve requests side by side.
        self._serial = self._environment_class.shares_process
        self._default_context_fields = {"invoked_function_arn": self.config.function_arn}
        self._code_dir = str(self.config.code_path)

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
        """Invoke synchronously (RequestResponse) with `event` (a JSON-able value)."""
        slot = self._pool.acquire()
        if self._serial:
            with _PROCESS_STATE:
                invocation = self._invoke(slot, event, context)
        else:
            invocation = self._invoke(slot, event, context)
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
        events = list(events)
        results: list[Invocation] = []
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
                    served.append(self._invoke(slot, event, None))
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
                executor.submit(self._invoke, slot, event, None)
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
    ) -> Invocation:
        """Serve one request in the slot's environment (no slot: throttled), then release it."""
        request_id = context.aws_request_id if context is not None else new_request_id()
        if slot is None:
            return self._rejected(request_id, _throttled())
        try:
            return self._invoke_in(slot, request_id, event, context)
        finally:
            self._pool.release(slot)

    def _invoke_in(
        self,
        slot: Slot[ExecutionEnvironment],
        request_id: str,
        event: Any,
        context: LambdaContext | None,
    ) -> Invocation:
        try:
            body = marshal_event(event)
        except Exception as e:
            return self._rejected(
                request_id,
                LambdaError.build(
                    ErrorKind.UNMARSHAL,
                    "Runtime.UnmarshalError",
                    f"Unable to unmarshal input: {e}",
                    request_id=request_id,
                ),
            )
        if len(body) > MAX_REQUEST_BYTES:
            return self._rejected(
                request_id,
                LambdaError.sandbox(
                    ErrorKind.PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLargeException",
                    f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                    f"InvokeFunction operation (the event is {len(body):,} bytes)",
                ),
            )

        init_logs = ""
        init_duration_ms: float | None = None
        cold_start = slot.environment is None
        if slot.environment is None:
            environment = self._environment_class(self.config, current_session())
            init = environment.init(request_id)
            init_logs = report.init_start_line(self.config.region) + init.logs
            if init.error is not None:
                environment.close()
                init_logs += report.init_report_line(init.duration_ms, init.error.report_error_type)
                return self._finish(
                    request_id,
                    init_logs,
                    InvokeOutcome("error", None, init.error, "", init.duration_ms, True),
                    cold_start=True,
                    init_duration_ms=None,
                    memory_mb=environment.max_memory_used_mb(),
                    platform_error=init.error.report_error_type,
                )
            init_duration_ms = init.duration_ms
            slot.environment = environment
        environment = slot.environment

        deadline_ms = int(time.time() * 1000 + self.config.timeout_s * 1000)
        if context is not None:
            deadline_ms = getattr(context, "_deadline_ms", deadline_ms)
        request = InvokeRequest(request_id, body, deadline_ms, self._context_fields(context))
        outcome = environment.invoke(request)
        memory_mb = environment.max_memory_used_mb()
        if outcome.environment_lost:
            environment.close()
            slot.environment = None
        platform_error = None
        if outcome.error is not None and outcome.error.kind in (
            ErrorKind.EXIT,
            ErrorKind.OUT_OF_MEMORY,
        ):
            platform_error = outcome.error.report_error_type
        if outcome.response is not None and len(outcome.response) > MAX_RESPONSE_BYTES:
            outcome = _response_too_large(outcome, request_id)
        return self._finish(
            request_id,
            init_logs,
            outcome,
            cold_start=cold_start,
            init_duration_ms=init_duration_ms,
            memory_mb=memory_mb,
            platform_error=platform_error,
        )

    def _context_fields(self, context: LambdaContext | None) -> dict[str, Any]:
        if context is None:
            return self._default_context_fields
        return {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": context.identity,
            "client_context": context.client_context,
            "tenant_id": context.tenant_id,
        }

    def _finish(
        self,
        request_id: str,
        init_logs: str,
        outcome: InvokeOutcome,
        *,
        cold_start: bool,
        init_duration_ms: float | None,
        memory_mb: int,
        platform_error: str | None,
    ) -> Invocation:
        duration_ms = outcome.duration_ms
        if outcome.status == "timeout":
            # Lambda stops the clock at the timeout, whatever the handler was doing.
            duration_ms = self.config.timeout_s * 1000
        billed = report.billed_duration_ms(duration_ms, init_duration_ms)
        platform_status: str | None = None
        if outcome.status == "timeout":
            platform_status = "timeout"
        elif platform_error is not None:
            platform_status = "error"
        return Invocation(
            function_name=self.config.function_name,
            request_id=request_id,
            status=outcome.status,
            error=outcome.error,
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            init_duration_ms=init_duration_ms,
            cold_start=cold_start,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=memory_mb,
            cost_usd=report.cost_usd(self.config.memory_mb, billed, self.config.architecture),
            architecture=self.config.architecture,
            response_payload=outcome.response,
            code_dir=self._code_dir,
            platform_status=platform_status,
            platform_error_type=platform_error,
            init_logs=init_logs,
            function_logs=outcome.logs,
        )

    def _rejected(self, request_id: str, error: LambdaError) -> Invocation:
        """Refused by the Invoke API before any environment saw it: no logs, no charge."""
        return Invocation(
            function_name=self.config.function_name,
            request_id=request_id,
            status="error",
            error=error,
            duration_ms=0.0,
            billed_duration_ms=0,
            init_duration_ms=None,
            cold_start=False,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=0,
            cost_usd=0.0,
            architecture=self.config.architecture,
            served=False,
        )


def _throttled() -> LambdaError:
    return LambdaError.sandbox(ErrorKind.THROTTLED, "TooManyRequestsException", "Rate Exceeded.")


def _response_too_large(outcome: InvokeOutcome, request_id: str) -> InvokeOutcome:
    assert outcome.response is not None
    error = LambdaError.sandbox(
        ErrorKind.PAYLOAD_TOO_LARGE,
        "Function.ResponseSizeTooLarge",
        f"Response payload size ({len(outcome.response)} bytes) exceeded maximum allowed "
        f"payload size ({MAX_RESPONSE_BYTES} bytes).",
    )
    return InvokeOutcome("error", None, error, outcome.logs, outcome.duration_ms)
