"""Process isolation's hardening, measured: timeout lateness, Max Memory Used against the
pages a cgroup would charge, the test process's peak when a huge response is refused.

Run from the repository root (Linux; page frame numbers, for the memory table, need root):

    python benchmarks/bench_hardening.py

Put another checkout of the harness first on PYTHONPATH to measure it with the same
script (the "before" columns of benchmarks/README.md were measured that way).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HANDLERS  # noqa: E402

PAGEMAP = Path(__file__).resolve().parents[1] / "tests" / "sandbox" / "pagemap.py"


def lateness(rounds: int) -> None:
    from pytest_lambda import LambdaFunction

    print("| handler | median ms late | p90 ms late | max ms late | timeouts |")
    print("|---|---:|---:|---:|---:|")
    cases = [
        ("a Python loop", "hostile.python_loop", {}),
        ("a C loop (sum of an endless iterator)", "hostile.c_loop", {}),
        ("20 detached children, then sleeps", "hostile.detached_children", {"count": 20}),
    ]
    for name, handler, event in cases:
        late = []
        with LambdaFunction(handler, code_dir=HANDLERS, timeout_s=1) as function:
            # The fork server and the import are not part of what is measured.
            function.invoke(event)
            for _ in range(rounds):
                started = time.perf_counter()
                invocation = function.invoke(event)
                late.append((time.perf_counter() - started - 1.0) * 1000)
                assert invocation.status == "timeout", invocation.status
        ordered = sorted(late)
        print(
            f"| {name} | {statistics.median(late):.2f} | {ordered[int(len(late) * 0.9)]:.2f} "
            f"| {max(late):.2f} | {len(late)} |"
        )


def _tree_pss_kb(root: int) -> int:
    pending, total = [root], 0
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in os.listdir(f"/proc/{pid}/task"):
                pending += [
                    int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                ]
        except OSError:
            continue
    return total


def memory() -> None:
    from pytest_lambda import LambdaFunction

    print("| children | Max Memory Used | pages counted once (pagemap) | sum of PSS |")
    print("|---|---:|---:|---:|")
    cases = [
        ("none", "hostile.forked_children", {"count": 0}),
        ("2 forked, idle", "hostile.forked_children", {"count": 2}),
        ("8 forked, idle", "hostile.forked_children", {"count": 8}),
        ("multiprocessing.Pool(8)", "hostile.pool", {"count": 8}),
    ]
    for name, handler, event in cases:
        with LambdaFunction(handler, code_dir=HANDLERS, memory_mb=1024) as function:
            invocation = function.invoke(event)
            if invocation.status != "success":
                print(f"| {name} | {invocation.error} | | |")
                continue
            worker = invocation.result
            charged = subprocess.run(
                [sys.executable, str(PAGEMAP), str(worker)], capture_output=True, text=True
            ).stdout.strip()
            charged = f"{int(charged) / 1024:.1f} MB" if charged.isdigit() else charged
            pss = _tree_pss_kb(worker) / 1024
            print(f"| {name} | {invocation.max_memory_used_mb} MB | {charged} | {pss:.1f} MB |")


PEAK = textwrap.dedent(
    """
    import json, resource, sys
    from pytest_lambda import LambdaFunction

    with LambdaFunction("trivial.handler", code_dir=sys.argv[1]) as warm:
        warm.invoke({})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with LambdaFunction(
        "hostile.huge_response", code_dir=sys.argv[1], memory_mb=2048, timeout_s=60
    ) as function:
        invocation = function.invoke({"mb": 400})
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps([before, after, invocation.error.error_type]))
    """
)


def peak() -> None:
    output = subprocess.run(
        [sys.executable, "-c", PEAK, str(HANDLERS)], capture_output=True, text=True, check=True
    ).stdout
    before, after, error_type = json.loads(output.strip().splitlines()[-1])
    print(
        f"test process peak RSS: {before / 1024:.0f} MB before the invoke, {after / 1024:.0f} MB "
        f"after a 400 MB response was refused ({error_type})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeouts", type=int, default=20)
    parser.add_argument("--only", choices=["lateness", "memory", "peak"])
    args = parser.parse_args()
    import pytest_lambda
    from pytest_lambda import sandbox

    print(f"Python {sys.version.split()[0]}, harness at {Path(pytest_lambda.__file__).parent}")
    containment = getattr(sandbox, "containment_mechanism", lambda: "process group")()
    print(f"memory: {sandbox.MEMORY_MECHANISM}, containment: {containment}")
    print()
    if args.only in (None, "lateness"):
        lateness(args.timeouts)
        print()
    if args.only in (None, "memory"):
        memory()
        print()
    if args.only in (None, "peak"):
        peak()
    sandbox.shutdown_all()


if __name__ == "__main__":
    main()
