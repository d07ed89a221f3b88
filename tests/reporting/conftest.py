"""The reporting tests: gates, summary, baselines and reports, over invocations whose
figures each test chooses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_lambda import ErrorKind, Invocation, LambdaError, report
from pytest_lambda.reporting import InvocationRecord

REQUEST_ID = "8f5a9c2e-3b1d-4e6f-9a7b-0c1d2e3f4a5b"


def make_invocation(
    *,
    function: str = "orders",
    duration_ms: float = 10.0,
    init_duration_ms: float | None = None,
    memory_size_mb: int = 128,
    max_memory_used_mb: int = 40,
    error: ErrorKind | None = None,
    status: str | None = None,
    isolation: str = "process",
    served: bool = True,
    architecture: str = "x86_64",
    limits: Any = None,
    request_id: str = REQUEST_ID,
) -> Invocation:
    """An Invocation with the figures given, billed and priced as LambdaFunction would."""
    lambda_error = None
    if error is ErrorKind.TIMEOUT:
        lambda_error = LambdaError.timeout(request_id, 3)
    elif error is ErrorKind.OUT_OF_MEMORY:
        lambda_error = LambdaError.out_of_memory(request_id)
    elif error is ErrorKind.THROTTLED:
        lambda_error = LambdaError.sandbox(error, "TooManyRequestsException", "Rate Exceeded.")
    elif error is not None:
        lambda_error = LambdaError.build(error, "ValueError", "bad", request_id=request_id)
    if status is None:
        status = "timeout" if error is ErrorKind.TIMEOUT else ("error" if error else "success")
    billed = report.billed_duration_ms(duration_ms, init_duration_ms) if served else 0
    return Invocation(
        function_name=function,
        request_id=request_id,
        status=status,  # type: ignore[arg-type]
        error=lambda_error,
        duration_ms=duration_ms,
        billed_duration_ms=billed,
        init_duration_ms=init_duration_ms,
        cold_start=init_duration_ms is not None,
        memory_size_mb=memory_size_mb,
        max_memory_used_mb=max_memory_used_mb,
        cost_usd=report.cost_usd(memory_size_mb, billed, architecture) if served else 0.0,
        architecture=architecture,  # type: ignore[arg-type]
        served=served,
        platform_status="timeout" if status == "timeout" else None,
        isolation=isolation,  # type: ignore[arg-type]
        limits=limits,
    )


@pytest.fixture
def invocation() -> Callable[..., Invocation]:
    return make_invocation


@pytest.fixture
def record() -> Callable[..., InvocationRecord]:
    """`record(test=..., **figures)`: the record a run keeps of such an invocation."""

    def build(*, test: str | None = "test_it.py::test_it", **figures: Any) -> InvocationRecord:
        return InvocationRecord.from_invocation(make_invocation(**figures), test=test, worker=None)

    return build
