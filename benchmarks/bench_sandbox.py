"""Process isolation: warm invoke and cold start in a worker vs python-lambda-local.

Run from the repository root:

    python benchmarks/bench_sandbox.py

All figures come from the same run on the same trivial handler.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

HANDLERS = Path(__file__).resolve().parent / "handlers"
EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}


def samples_ms(call: Callable[[], Any], rounds: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e3)
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"| {name} | {statistics.median(samples):,.3f} | {p90:,.3f} | {len(samples):,} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-rounds", type=int, default=5_000)
    parser.add_argument("--cold-rounds", type=int, default=300)
    parser.add_argument("--local-rounds", type=int, default=200)
    args = parser.parse_args()

    from pytest_lambda import LambdaFunction, sandbox

    # The fork server starts once per test process; its start is not a cold start.
    with LambdaFunction("trivial.handler", code_dir=HANDLERS) as warmup:
        warmup.invoke(EVENT)

    function = LambdaFunction("trivial.handler", code_dir=HANDLERS)
    function.invoke(EVENT)

    def warm() -> Any:
        return function.invoke(EVENT).result

    warm_ms = samples_ms(warm, args.warm_rounds, warmup=200)
    function.close()

    init_ms: list[float] = []

    def cold() -> Any:
        with LambdaFunction("trivial.handler", code_dir=HANDLERS) as fresh:
            started = time.perf_counter()
            invocation = fresh.invoke(EVENT)
            cold_ms.append((time.perf_counter() - started) * 1e3)
            init_ms.append(invocation.init_duration_ms or 0.0)
            return invocation.result

    cold_ms: list[float] = []
    samples_ms(cold, args.cold_rounds, warmup=10)
    cold_ms = cold_ms[10:]
    init_ms = init_ms[10:]

    rows = [
        row("pytest-lambda process, warm invoke", warm_ms),
        row("pytest-lambda process, cold start (new environment + import + invoke)", cold_ms),
        row("  of which Init Duration (as reported)", init_ms),
    ]
    sys.path.insert(0, str(HANDLERS))
    import trivial
    from lambda_local.context import Context
    from lambda_local.main import call

    context = Context(3)
    sink = io.StringIO()

    def local() -> Any:
        with redirect_stdout(sink), redirect_stderr(sink):
            return call(trivial.handler, EVENT, context)

    logging.disable(logging.CRITICAL)
    try:
        local_ms = samples_ms(local, args.local_rounds, warmup=5)
    finally:
        logging.disable(logging.NOTSET)
    rows.append(row("python-lambda-local `call()`", local_ms))
    sandbox.shutdown_all()

    print(f"Python {sys.version.split()[0]}, memory mechanism: {sandbox.MEMORY_MECHANISM}")
    print()
    print("| harness | median ms | p90 ms | calls |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    print()
    warm_median, cold_median = statistics.median(warm_ms), statistics.median(cold_ms)
    print(f"warm invoke median {warm_median:.3f} ms (target <= 0.5)")
    print(f"cold start median {cold_median:.3f} ms (target <= 15)")
    print(
        f"python-lambda-local call() is {statistics.median(local_ms) / warm_median:.0f}x a warm "
        f"invoke and {statistics.median(local_ms) / cold_median:.1f}x a cold start"
    )


if __name__ == "__main__":
    main()
