"""The platform's log lines (INIT_START, START, END, REPORT), billing and cost."""

from __future__ import annotations

import math
from dataclasses import dataclass

RUNTIME_VERSION = "python:3.12.v38"
RUNTIME_VERSION_ARN = (
    "arn:aws:lambda:{region}::runtime:"
    "7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
)

# us-east-1 list prices (aws.amazon.com/lambda/pricing); the free tier is not deducted.
PRICE_PER_REQUEST_USD = 0.20 / 1_000_000
PRICE_PER_GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}


def init_start_line(region: str) -> str:
    arn = RUNTIME_VERSION_ARN.format(region=region)
    return f"INIT_START Runtime Version: {RUNTIME_VERSION}\tRuntime Version ARN: {arn}\n"


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def billed_duration_ms(
    duration_ms: float, init_duration_ms: float | None = None, *, granularity_ms: int = 1
) -> int:
    """Billed Duration: rounded up to the granularity (1 ms since Dec 2020, 100 ms before).

    Since Aug 2025 a cold start's Init Duration is billed with the invoke.
    """
    total = duration_ms + (init_duration_ms or 0.0)
    billed = math.ceil(round(total, 6) / granularity_ms) * granularity_ms
    return max(billed, granularity_ms)


def cost_usd(memory_mb: int, billed_ms: int, architecture: str = "x86_64") -> float:
    """The request charge plus this invoke's duration charge, at list price."""
    gb_seconds = memory_mb / 1024 * billed_ms / 1000
    return PRICE_PER_REQUEST_USD + gb_seconds * PRICE_PER_GB_SECOND_USD[architecture]


def init_report_line(init_duration_ms: float, error_type: str) -> str:
    """Logged when Init fails: the platform reports the phase and the error type."""
    return (
        f"INIT_REPORT Init Duration: {init_duration_ms:.2f} ms\tPhase: init\t"
        f"Status: error\tError Type: {error_type}\n"
    )


@dataclass(slots=True)
class Report:
    """The figures of one REPORT line.

    `status` is None for an invoke the runtime served (even one whose handler raised);
    "timeout" or "error" when the platform ended it, with `error_type` for "error"
    (Runtime.ExitError, Runtime.OutOfMemory, or the Init error's type).
    """

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str | None = None
    error_type: str | None = None

    def line(self) -> str:
        """The REPORT line to the character: tab-separated, with a trailing tab."""
        parts = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_duration_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_used_mb} MB",
        ]
        if self.init_duration_ms is not None:
            parts.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if self.status is not None:
            parts.append(f"Status: {self.status}")
        if self.status == "error" and self.error_type:
            parts.append(f"Error Type: {self.error_type}")
        return "\t".join(parts) + "\t"
