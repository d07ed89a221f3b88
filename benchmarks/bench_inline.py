"""Inline invoke overhead: a direct call vs LambdaFunction.invoke vs python-lambda-local.

Run from the repository root:

    python benchmarks/bench_inline.py

Every figure comes from the same run on the same handler, so the ratios hold on a noisy
machine even where the absolute numbers move.
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
from common import EVENT, HANDLERS, logging_muted, python_lambda_local, row, samples  # noqa: E402


def interleaved_us(
    first: Callable[[], Any], second: Callable[[], Any], rounds: int, warmup: int = 200
) -> tuple[list[float], list[float]]:
    """Time two calls turn about, so that machine noise falls on both alike."""
    for _ in range(warmup):
        first()
        second()
    first_samples, second_samples = [], []
    clock = time.perf_counter
    for _ in range(rounds):
        started = clock()
        first()
        between = clock()
        second()
        ended = clock()
        first_samples.append((between - started) * 1e6)
        second_samples.append((ended - between) * 1e6)
    return first_samples, second_samples


def describe(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"| {name} | {statistics.median(samples):,.2f} | {p90:,.2f} | {len(samples):,} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000, help="invokes per harness")
    parser.add_argument(
        "--local-rounds", type=int, default=200, help="calls of python-lambda-local (slow)"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(HANDLERS))
    import trivial

    from pytest_lambda import LambdaFunction

    function = LambdaFunction("trivial.handler", code_dir=HANDLERS, isolation="inline")
    function.invoke(EVENT)  # the cold start is not what is measured here

    def direct() -> Any:
        return trivial.handler(EVENT, None)

    def inline() -> Any:
        # Reading .result decodes the response, as a test would.
        return function.invoke(EVENT).result

    direct_us, inline_us = interleaved_us(direct, inline, args.rounds)
    function.invocations.clear()
    rows = [row("direct call", direct_us), row("pytest-lambda inline invoke", inline_us)]
    overhead = statistics.median(inline_us) - statistics.median(direct_us)

    with logging_muted():
        local_us = samples(python_lambda_local(trivial.handler), args.local_rounds, 5, 1e6)
    rows.append(row("python-lambda-local `call()`", local_us))
    local_median = statistics.median(local_us)

    print(f"Python {sys.version.split()[0]}, {args.rounds:,} invokes")
    print()
    print("| harness | median µs | p90 µs | calls |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    print()
    print(f"inline invoke overhead over a direct call: {overhead:.2f} µs median (target <= 25)")
    print(
        f"python-lambda-local call() is {local_median / statistics.median(inline_us):,.0f}x "
        "the inline invoke"
    )


if __name__ == "__main__":
    main()
