"""Process isolation: warm invoke and cold start in a worker vs python-lambda-local.

Run from the repository root:

    python benchmarks/bench_sandbox.py

All figures come from the same run on the same trivial handler.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import EVENT, HANDLERS, logging_muted, python_lambda_local, samples  # noqa: E402
from common import row as table_row  # noqa: E402


def samples_ms(call: Callable[[], Any], rounds: int, warmup: int) -> list[float]:
    return samples(call, rounds, warmup, scale=1e3)


def row(name: str, durations: list[float]) -> str:
    return table_row(name, durations, digits=3)


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

    with logging_muted():
        local_ms = samples_ms(python_lambda_local(trivial.handler), args.local_rounds, warmup=5)
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
