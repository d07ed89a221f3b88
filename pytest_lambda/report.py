"""The platform's log lines and records (INIT_START, START, END, REPORT, INIT_REPORT, or
their `platform.*` JSON records), billing and cost."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

# The runtime version an INIT_START line names (`python:3.12.v38`): the number after `v`
# is the runtime's release, which the harness has no reason to tell apart.
RUNTIME_RELEASE = "v38"
RUNTIME_VERSION_ARN = (
    "arn:aws:lambda:{region}::runtime:"
    "7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"
)

# us-east-1 list prices (aws.amazon.com/lambda/pricing); the free tier is not deducted.
PRICE_PER_REQUEST_USD = 0.20 / 1_000_000
PRICE_PER_GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
# Ephemeral storage beyond the 512 MB every function gets.
PRICE_PER_STORAGE_GB_SECOND_USD = 0.0000000309
INCLUDED_STORAGE_MB = 512


def runtime_version(runtime: str) -> str:
    """`python3.12` -> `python:3.12.v38`, as INIT_START names the runtime version."""
    return f"python:{runtime.removeprefix('python')}.{RUNTIME_RELEASE}"


def init_start_line(region: str, runtime: str) -> str:
    arn = RUNTIME_VERSION_ARN.format(region=region)
    return f"INIT_START Runtime Version: {runtime_version(runtime)}\tRuntime Version ARN: {arn}\n"


def restore_start_line(region: str, runtime: str) -> str:
    """The line that opens a SnapStart restore (Lambda's Java form; the Python form is not
    documented: this one follows it and INIT_START)."""
    arn = RUNTIME_VERSION_ARN.format(region=region)
    return (
        f"RESTORE_START Runtime Version: {runtime_version(runtime)}\tRuntime Version ARN: {arn}\n"
    )


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def billed_duration_ms(
    duration_ms: float, init_duration_ms: float | None = None, *, granularity_ms: int = 1
) -> int:
    """Billed Duration: rounded up to the granularity (1 ms since Dec 2020, 100 ms before),
    after rounding to the nanosecond (a float's noise is not a millisecond more).

    Since Aug 2025 a cold start's Init Duration is billed with the invoke.
    """
    total = duration_ms + init_duration_ms if init_duration_ms else duration_ms
    if granularity_ms == 1:
        # The common case, without round() and math.ceil (an inline invoke's budget).
        whole = int(total)
        billed = whole + 1 if total - whole >= 5e-7 else whole
        return billed if billed > 1 else 1
    billed = math.ceil(round(total, 6) / granularity_ms) * granularity_ms
    return max(billed, granularity_ms)


def cost_usd(
    memory_mb: int,
    billed_ms: int,
    architecture: str = "x86_64",
    ephemeral_storage_mb: int = INCLUDED_STORAGE_MB,
) -> float:
    """The request charge plus this invoke's duration charge (memory, and ephemeral storage
    beyond the included 512 MB), at list price."""
    return PRICE_PER_REQUEST_USD + billed_ms * price_per_ms(
        memory_mb, architecture, ephemeral_storage_mb
    )


def price_per_ms(
    memory_mb: int, architecture: str = "x86_64", ephemeral_storage_mb: int = INCLUDED_STORAGE_MB
) -> float:
    """What a billed millisecond of a function of this size costs, at list price."""
    storage_gb = max(ephemeral_storage_mb - INCLUDED_STORAGE_MB, 0) / 1024
    return (
        memory_mb / 1024 * PRICE_PER_GB_SECOND_USD[architecture]
        + storage_gb * PRICE_PER_STORAGE_GB_SECOND_USD
    ) / 1000


@dataclass(frozen=True, slots=True)
class InitReport:
    """An Init that did not complete: how long it ran, in which phase (`init`, or `invoke`
    when Lambda ran it again within the request) and how it ended (`error` or `timeout`).
    A SnapStart function's Init is always reported, `success` included."""

    duration_ms: float
    phase: str
    status: str
    error_type: str | None = None
    initialization_type: str = "on-demand"

    def line(self) -> str:
        line = (
            f"INIT_REPORT Init Duration: {self.duration_ms:.2f} ms\tPhase: {self.phase}\t"
            f"Status: {self.status}"
        )
        if self.status == "error" and self.error_type:
            line += f"\tError Type: {self.error_type}"
        return line + "\n"

    def record(self, when: float) -> dict[str, Any]:
        record: dict[str, Any] = {
            "initializationType": self.initialization_type,
            "phase": self.phase,
            "status": self.status,
        }
        if self.status == "error" and self.error_type:
            record["errorType"] = self.error_type
        record["metrics"] = {"durationMs": round(self.duration_ms, 3)}
        return platform_record(when, "platform.initReport", record)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """The end of a SnapStart restore: Restore Duration, and how it ended if it failed
    (`error` with the error type, or `timeout`)."""

    duration_ms: float
    status: str | None = None
    error_type: str | None = None

    def line(self) -> str:
        line = f"RESTORE_REPORT Restore Duration: {self.duration_ms:.2f} ms"
        if self.status is not None:
            line += f"\tStatus: {self.status}"
        if self.status == "error" and self.error_type:
            line += f"\tError Type: {self.error_type}"
        return line + "\n"

    def record(self, when: float) -> dict[str, Any]:
        record: dict[str, Any] = {"status": self.status or "success"}
        if self.status == "error" and self.error_type:
            record["errorType"] = self.error_type
        record["metrics"] = {"durationMs": round(self.duration_ms, 3)}
        return platform_record(when, "platform.restoreReport", record)


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
    # A SnapStart cold start: the restore's figures (instead of Init Duration).
    restore_duration_ms: float | None = None
    billed_restore_duration_ms: int | None = None

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
        if self.restore_duration_ms is not None:
            parts.append(f"Restore Duration: {self.restore_duration_ms:.2f} ms")
            parts.append(f"Billed Restore Duration: {self.billed_restore_duration_ms} ms")
        if self.status is not None:
            parts.append(f"Status: {self.status}")
        if self.status == "error" and self.error_type:
            parts.append(f"Error Type: {self.error_type}")
        return "\t".join(parts) + "\t"

    def record(self, when: float, failed_with: str | None) -> dict[str, Any]:
        """The `platform.report` record the JSON log format has instead of the line;
        `failed_with` is the error type of a request the function failed."""
        metrics: dict[str, Any] = {
            "durationMs": round(self.duration_ms, 3),
            "billedDurationMs": self.billed_duration_ms,
            "memorySizeMB": self.memory_size_mb,
            "maxMemoryUsedMB": self.max_memory_used_mb,
        }
        if self.init_duration_ms is not None:
            metrics["initDurationMs"] = round(self.init_duration_ms, 3)
        if self.restore_duration_ms is not None:
            metrics["restoreDurationMs"] = round(self.restore_duration_ms, 3)
            metrics["billedRestoreDurationMs"] = self.billed_restore_duration_ms
        status = self.status or ("error" if failed_with else "success")
        record: dict[str, Any] = {
            "requestId": self.request_id,
            "metrics": metrics,
            "status": status,
        }
        if status == "error":
            record["errorType"] = self.error_type or failed_with
        return platform_record(when, "platform.report", record)


# ---------------------------------------------------------------- the JSON log format


def platform_record(when: float, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"time": iso_time(when), "type": kind, "record": record}


def iso_time(when: float) -> str:
    """`2026-10-08T07:30:27.768Z`: UTC, milliseconds, as platform records give their time."""
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + f".{int(when * 1000) % 1000:03d}Z"
    )


def encode_record(record: dict[str, Any]) -> str:
    """A platform record as Lambda writes it: compact JSON."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def init_start_record(
    when: float,
    *,
    runtime: str,
    region: str,
    function_name: str,
    memory_mb: int,
    instance_id: str,
    initialization_type: str = "on-demand",
) -> dict[str, Any]:
    return platform_record(
        when,
        "platform.initStart",
        {
            "initializationType": initialization_type,
            "phase": "init",
            **_environment_fields(runtime, region, function_name, memory_mb, instance_id),
        },
    )


def _environment_fields(
    runtime: str, region: str, function_name: str, memory_mb: int, instance_id: str
) -> dict[str, Any]:
    """What initStart and restoreStart say of the runtime and the environment."""
    return {
        "runtimeVersion": runtime_version(runtime),
        "runtimeVersionArn": RUNTIME_VERSION_ARN.format(region=region),
        "functionName": function_name,
        "functionVersion": "$LATEST",
        "instanceId": instance_id,
        "instanceMaxMemory": memory_mb * 1024 * 1024,
    }


def restore_start_record(
    when: float, *, runtime: str, region: str, function_name: str, memory_mb: int, instance_id: str
) -> dict[str, Any]:
    """`platform.restoreStart`: the runtime and the environment a restore starts (the
    Telemetry API's fields; the version a SnapStart function runs is a published one,
    which the harness does not model: `$LATEST`)."""
    return platform_record(
        when,
        "platform.restoreStart",
        _environment_fields(runtime, region, function_name, memory_mb, instance_id),
    )


def init_runtime_done_record(
    when: float, status: str, error_type: str | None, initialization_type: str = "on-demand"
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "initializationType": initialization_type,
        "phase": "init",
        "status": status,
    }
    if error_type:
        record["errorType"] = error_type
    return platform_record(when, "platform.initRuntimeDone", record)


def start_record(when: float, request_id: str, function_arn: str) -> dict[str, Any]:
    return platform_record(
        when,
        "platform.start",
        {"requestId": request_id, "functionArn": function_arn, "version": "$LATEST"},
    )


def runtime_done_record(
    when: float,
    request_id: str,
    status: str,
    duration_ms: float,
    produced_bytes: int,
    error_type: str | None,
) -> dict[str, Any]:
    record: dict[str, Any] = {"requestId": request_id, "status": status}
    if error_type:
        record["errorType"] = error_type
    record["metrics"] = {"durationMs": round(duration_ms, 3), "producedBytes": produced_bytes}
    return platform_record(when, "platform.runtimeDone", record)
