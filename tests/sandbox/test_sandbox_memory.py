"""Max Memory Used, the memory ceiling, and a host that survives any allocation."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind

# A Python hello world in a worker: the fork server's interpreter and the runtime
# (real Lambda reports about 31-40 MB for python3.12; see docs/process-isolation.md).
BASELINE_RANGE_MB = (8, 45)


def test_hello_world_baseline(make_function) -> None:
    invocation = make_function("basic.hello").invoke({})
    low, high = BASELINE_RANGE_MB
    assert low <= invocation.max_memory_used_mb <= high
    assert f"Max Memory Used: {invocation.max_memory_used_mb} MB\t" in invocation.report_line


@pytest.mark.parametrize("mb", [50, 100, 200])
def test_max_memory_used_is_the_true_peak(make_function, mb: int) -> None:
    function = make_function("memory_hog.allocate", memory_mb=512)
    invocation = function.invoke({"mb": mb})
    true_peak_mb = invocation.assert_ok()["peak_kb"] / 1024
    assert abs(invocation.max_memory_used_mb - true_peak_mb) <= 3
    assert invocation.max_memory_used_mb == math.ceil(true_peak_mb)


def test_peak_is_kept_across_warm_invokes(make_function) -> None:
    function = make_function("memory_hog.allocate", memory_mb=512)
    big = function.invoke({"mb": 100}).max_memory_used_mb
    assert function.invoke({"mb": 1}).max_memory_used_mb >= big


def test_child_processes_count(make_function) -> None:
    function = make_function("memory_hog.child_allocates", memory_mb=512)
    alone = make_function("basic.hello").invoke({}).max_memory_used_mb
    invocation = function.invoke({"mb": 80})
    invocation.assert_ok()
    assert invocation.max_memory_used_mb >= alone + 80


def test_going_over_the_ceiling_is_out_of_memory(make_function) -> None:
    function = make_function("memory_hog.grow_forever", memory_mb=128, timeout_s=30)
    invocation = function.invoke({})
    error = invocation.assert_error(ErrorKind.OUT_OF_MEMORY)
    assert error.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited with "
        "error: signal: killed",
    }
    assert invocation.report_line.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory\t")
    assert "Max Memory Used: 128 MB\t" in invocation.report_line
    assert invocation.duration_ms < 10_000
    # The environment was discarded.
    assert function.invoke({"chunk_mb": 1}).cold_start


def test_child_process_memory_counts_toward_the_ceiling(make_function) -> None:
    function = make_function("memory_hog.child_allocates", memory_mb=128, timeout_s=10)
    function.invoke({"mb": 200}).assert_error(ErrorKind.OUT_OF_MEMORY)


def test_an_absurd_allocation_fails_without_touching_the_host(make_function) -> None:
    function = make_function("memory_hog.huge", memory_mb=128)
    invocation = function.invoke({})
    # Refused by the address-space safety net, as Lambda's kernel refuses it: MemoryError.
    invocation.assert_error("MemoryError")
    assert invocation.max_memory_used_mb < 128


PAGEMAP = Path(__file__).parent / "pagemap.py"


def charged_mb(pid: int) -> float:
    """The tree's memory measured by a plain subprocess, each physical page once."""
    result = subprocess.run(
        [sys.executable, str(PAGEMAP), str(pid)], capture_output=True, text=True, check=True
    )
    if result.stdout.strip() == "unreadable":
        pytest.skip("page frame numbers are hidden from this user (they need CAP_SYS_ADMIN)")
    return int(result.stdout) / 1024


@pytest.mark.parametrize(
    ("handler", "event"),
    [
        ("forker.idle_children", {"count": 0}),
        ("forker.idle_children", {"count": 2}),
        ("forker.idle_children", {"count": 8}),
        ("forker.pool", {"count": 8}),
        ("forker.sleeps", {"count": 60}),
        ("forker.shared_by_grandchildren", {"mb": 100, "count": 4}),
    ],
)
def test_max_memory_used_counts_each_page_once(make_function, handler: str, event) -> None:
    """Children cost what they add, as a cgroup charges them; the figure is within a few MB
    of the tree's pages counted once (the runtime's pages it shares with the fork server
    count fully, as a runtime started in its cgroup would have them)."""
    function = make_function(handler, memory_mb=256 if event.get("mb") else 128, timeout_s=30)
    invocation = function.invoke(event)
    worker = invocation.assert_ok()
    # Measured while the environment is frozen: its pages do not change.
    charged = charged_mb(worker)
    assert charged - 2 <= invocation.max_memory_used_mb <= charged * 1.25 + 4, charged
