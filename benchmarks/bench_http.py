"""HTTP through the test client: requests per second and p50 for a warm function.

Timed turn about in one run, per request:
- the warm invoke alone (`function.invoke(event)` with a prebuilt HTTP API event);
- the same function through `HttpApi(...).client().get(...)` (routing, the event built
  from the request, the invoke, the response translated, httpx's request and response);
- the same handler's response built by an ASGI app behind Mangum, called directly in this
  process (no invoke at all: what an in-process Mangum test costs).
The overhead of the test client is the client's p50 minus the warm invoke's p50.
Target: under 1 ms per request. `sam local start-api` needs about a second per request
(users' reports, see benchmarks/README.md).

    python benchmarks/bench_http.py [--rounds 2000] [--isolation process|inline]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HANDLERS  # noqa: E402

from pytest_lambda import LambdaContext, LambdaFunction, events  # noqa: E402
from pytest_lambda.http import HttpApi  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--isolation", choices=["process", "inline"], default="process")
    args = parser.parse_args()

    function = LambdaFunction("http_app.handler", code_dir=HANDLERS, isolation=args.isolation)
    api = HttpApi({"GET /hello": function})
    client = api.client()
    event = events.apigateway_http(path="/hello")
    sys.path.insert(0, str(HANDLERS))
    import http_app

    context = LambdaContext()

    def invoke() -> None:
        function.invoke(event).assert_ok()

    def through_client() -> None:
        response = client.get("/hello")
        assert response.status_code == 200

    def mangum() -> None:
        assert http_app.mangum_handler(event, context)["statusCode"] == 200

    calls = {"warm invoke": invoke, "test client": through_client, "Mangum, direct": mangum}
    for call in calls.values():
        for _ in range(50):
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            timings[name].append((time.perf_counter() - started) * 1000)
    print(f"isolation={args.isolation}, {args.rounds} rounds, turn about\n")
    print("| what | p50 ms | p90 ms | requests/s (1/p50) |")
    print("|---|---:|---:|---:|")
    for name, durations in timings.items():
        ordered = sorted(durations)
        p50 = statistics.median(durations)
        p90 = ordered[int(len(ordered) * 0.9)]
        print(f"| {name} | {p50:.3f} | {p90:.3f} | {1000 / p50:,.0f} |")
    overhead = statistics.median(timings["test client"]) - statistics.median(timings["warm invoke"])
    pairs = [c - i for c, i in zip(timings["test client"], timings["warm invoke"], strict=True)]
    print(
        f"\ntest client overhead over the warm invoke: {overhead:.3f} ms (p50 difference), "
        f"{statistics.median(pairs):.3f} ms (median of pairs); target < 1 ms"
    )
    ratio = 1000 / statistics.median(timings["test client"])
    print(f"sam local start-api (~1 s per request) is ~{ratio:,.0f}x slower")
    client.close()
    function.close()


if __name__ == "__main__":
    main()
