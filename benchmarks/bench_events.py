"""Factory + validation cost of an S3 put event (target: median < 200 microseconds).

Run: python benchmarks/bench_events.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from pytest_lambda import events


def one_round() -> float:
    start = time.perf_counter()
    event = events.s3_put(bucket="bench-bucket", key="reports/2030 Q1.csv", size=4096)
    events.validate_event(event, "s3-put")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    for _ in range(200):  # warm-up: schemas compiled and cached, caches primed
        one_round()
    samples = sorted(one_round() * 1e6 for _ in range(args.rounds))
    median = statistics.median(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(
        f"s3_put + validate_event: median {median:.1f} us, p90 {p90:.1f} us ({args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
