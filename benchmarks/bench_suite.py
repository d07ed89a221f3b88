"""A suite of real handler tests four ways, side by side: direct calls in mock_aws(), the
harness with a cold start per test, SnapStart, and warm reuse; and cold starts of real
handlers (boto3, boto3 + Powertools, boto3 + pydantic) and of the trivial one against
python-lambda-local's `call()`.

The suite: N generated tests (200 by default), each calling a handler that imports boto3
at module level (its DynamoDB table and S3 client built there, as real handlers do) and
writes and reads an order in DynamoDB and its receipt in S3. Each variant is a whole
`pytest` process over its own test file; the variants run turn about, `--repeat` times:

- (a) direct: what people write today: `mock_aws()` per test, the handler module imported
  once, a hand-made context, the plugin not loaded (`-p no:lambda`);
- (b) harness: the `aws` fixture and `lambda_invoke`, a new function (a cold start) per
  test, process isolation;
- (c) SnapStart: the same with `snapstart=True` (runtime python3.12: on an older
  interpreter the RuntimeVersionWarning is filtered);
- (d) warm: the same function kept for the module (`scope="module"`), `aws` fresh per test.

Per-test time is what pytest reports for the test (set-up, call and tear-down, fixtures
included); total is the wall time of the `pytest` process. Then, in this process: cold
starts of fresh functions per handler kind (Init Duration and the invoke's wall time, the
first cold start of each kind, which teaches the template, reported apart), and the
trivial handler's cold start against python-lambda-local's `call()`.

    python benchmarks/bench_suite.py [--tests 200] [--repeat 3] [--cold 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import EVENT, HANDLERS, logging_muted, python_lambda_local, samples  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("direct", "harness", "snapstart", "warm")

HANDLER = """\
import json
import os

import boto3

dynamodb = boto3.resource("dynamodb")
orders = dynamodb.Table(os.environ.get("ORDERS_TABLE", "orders"))
s3 = boto3.client("s3")
BUCKET = os.environ.get("RECEIPTS_BUCKET", "receipts")


def handler(event, context):
    order = {"pk": event["order_id"], "amount": event["amount"], "by": context.aws_request_id}
    orders.put_item(Item=order)
    s3.put_object(Bucket=BUCKET, Key=f"{event['order_id']}.json", Body=json.dumps(event))
    stored = orders.get_item(Key={"pk": event["order_id"]})["Item"]
    receipt = s3.get_object(Bucket=BUCKET, Key=f"{event['order_id']}.json")["Body"].read()
    return {"amount": int(stored["amount"]), "receipt": json.loads(receipt)["order_id"]}
"""

# Records each test's time (set-up + call + tear-down) as pytest reports it.
RECORDER = """\
import json
import os

_durations = {}


def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as f:
        json.dump(_durations, f)
"""

DIRECT = """\
import os
import uuid

import boto3
import pytest
from moto import mock_aws

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

import orders  # noqa: E402


class Context:
    function_name = "orders"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return 3000


@pytest.mark.parametrize("n", range({tests}))
def test_order(n):
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="orders",
            KeySchema=[{{"AttributeName": "pk", "KeyType": "HASH"}}],
            AttributeDefinitions=[{{"AttributeName": "pk", "AttributeType": "S"}}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("s3").create_bucket(Bucket="receipts")
        result = orders.handler({{"order_id": f"o-{{n}}", "amount": n}}, Context())
        assert result == {{"amount": n, "receipt": f"o-{{n}}"}}
"""

HARNESS = """\
import pytest

pytestmark = pytest.mark.lambda_function("orders.handler"{options})


@pytest.mark.parametrize("n", range({tests}))
def test_order(n, aws, lambda_invoke):
    aws.table("orders")
    aws.bucket("receipts")
    invocation = lambda_invoke({{"order_id": f"o-{{n}}", "amount": n}})
    assert invocation.assert_ok() == {{"amount": n, "receipt": f"o-{{n}}"}}
"""

OPTIONS = {
    "harness": "",
    "snapstart": ', snapstart=True, runtime="python3.12"',
    "warm": ', scope="module"',
}

INI = """\
[pytest]
addopts = -p no:randomly -p no:cacheprovider -p bench_recorder
filterwarnings = ignore::pytest_lambda.notices.RuntimeVersionWarning
"""


def write_suite(directory: Path, tests: int) -> None:
    (directory / "orders.py").write_text(HANDLER)
    (directory / "bench_recorder.py").write_text(RECORDER)
    (directory / "pytest.ini").write_text(INI)
    (directory / "test_direct.py").write_text(DIRECT.format(tests=tests))
    for variant, options in OPTIONS.items():
        (directory / f"test_{variant}.py").write_text(
            HARNESS.format(tests=tests, options=options)
        )


def run_variant(directory: Path, variant: str) -> dict[str, Any]:
    durations = directory / f"durations-{variant}.json"
    command = [sys.executable, "-m", "pytest", "-q", f"test_{variant}.py"]
    if variant == "direct":
        command += ["-p", "no:lambda"]
    variables = {
        **os.environ,
        "BENCH_DURATIONS": str(durations),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(directory)]),
    }
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=directory, env=variables, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{variant} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    per_test = sorted(v * 1000 for v in json.loads(durations.read_text()).values())
    return {"wall_s": wall, "per_test_ms": per_test, "load": load}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def suite(args: argparse.Namespace) -> None:
    directory = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-suite-"))
    directory.mkdir(parents=True, exist_ok=True)
    write_suite(directory, args.tests)
    rounds: list[dict[str, dict[str, Any]]] = []
    try:
        for _ in range(args.repeat):
            rounds.append({variant: run_variant(directory, variant) for variant in VARIANTS})
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    print(f"\n{args.tests} tests per variant, {args.repeat} rounds (medians of the rounds)\n")
    print("| variant | per-test p50 ms | per-test p95 ms | total wall s | x direct (wall) |")
    print("|---|---:|---:|---:|---:|")
    for variant in VARIANTS:
        p50 = statistics.median(statistics.median(r[variant]["per_test_ms"]) for r in rounds)
        p95 = statistics.median(percentile(r[variant]["per_test_ms"], 0.95) for r in rounds)
        wall = statistics.median(r[variant]["wall_s"] for r in rounds)
        ratio = statistics.median(r[variant]["wall_s"] / r["direct"]["wall_s"] for r in rounds)
        print(f"| {variant} | {p50:.1f} | {p95:.1f} | {wall:.2f} | {ratio:.2f} |")
    print("\nwall-time ratio to direct, per round:")
    for index, r in enumerate(rounds, 1):
        ratios = ", ".join(
            f"{v} {r[v]['wall_s'] / r['direct']['wall_s']:.2f}" for v in VARIANTS[1:]
        )
        loads = ", ".join(f"{r[v]['load']:.1f}" for v in VARIANTS)
        print(f"  round {index}: {ratios} (load average at each start: {loads})")
    print("\nper-test p50 ratio, direct / variant (median of rounds):")
    for variant in VARIANTS[1:]:
        speedup = statistics.median(
            statistics.median(r["direct"]["per_test_ms"])
            / statistics.median(r[variant]["per_test_ms"])
            for r in rounds
        )
        print(f"  {variant}: {speedup:.2f}x")


COLD_HANDLERS = {
    "trivial": "trivial.handler",
    "boto3 only": "cold_boto3.handler",
    "boto3 + Powertools": "cold_powertools.handler",
    "boto3 + pydantic": "cold_pydantic.handler",
}


def cold_starts(args: argparse.Namespace) -> None:
    from pytest_lambda import LambdaFunction, sandbox

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # The fork server starts once per test process; its start is not a cold start.
    with LambdaFunction("trivial.handler", code_dir=HANDLERS) as warmup:
        warmup.invoke(EVENT).assert_ok()
    # First, while this process has imported nothing heavy (python-lambda-local runs in it).
    trivial_against_python_lambda_local(args)
    first: dict[str, tuple[float, float]] = {}
    rows: dict[str, list[tuple[float, float, float | None]]] = {k: [] for k in COLD_HANDLERS}
    for round_ in range(args.cold + 1):
        for kind, handler in COLD_HANDLERS.items():
            with LambdaFunction(handler, code_dir=HANDLERS) as function:
                started = time.perf_counter()
                invocation = function.invoke(EVENT)
                wall = (time.perf_counter() - started) * 1000
                invocation.assert_ok()
            figures = (invocation.init_duration_ms or 0.0, wall)
            if round_ == 0:
                first[kind] = figures
            else:
                rows[kind].append((*figures, invocation.inherited_import_ms))
    sandbox.shutdown_all()
    print(f"\ncold starts, process isolation ({args.cold} fresh functions per handler, p50 ms)\n")
    print(
        "| handler | Init Duration | cold invoke wall | template's import + warm "
        "(not in Init) | first cold start: Init / wall |"
    )
    print("|---|---:|---:|---:|---:|")
    for kind, values in rows.items():
        init = statistics.median(v[0] for v in values)
        wall = statistics.median(v[1] for v in values)
        inherited = [v[2] for v in values if v[2] is not None]
        shown = f"{statistics.median(inherited):.1f}" if inherited else "-"
        print(
            f"| {kind} | {init:.1f} | {wall:.1f} | {shown} | "
            f"{first[kind][0]:.1f} / {first[kind][1]:.1f} |"
        )


def trivial_against_python_lambda_local(args: argparse.Namespace) -> None:
    from pytest_lambda import LambdaFunction

    sys.path.insert(0, str(HANDLERS))
    import trivial

    invoke_ms: list[float] = []
    whole_ms: list[float] = []
    local_ms: list[float] = []
    local = python_lambda_local(trivial.handler)
    with logging_muted():
        # Turn about, so that the load of the moment falls on both alike; each after a
        # pause, so that neither meets what the other left running (the zygote forks its
        # next standby child a few milliseconds after a cold start).
        for _ in range(args.trivial):
            time.sleep(0.02)
            started = time.perf_counter()
            with LambdaFunction("trivial.handler", code_dir=HANDLERS) as fresh:
                invoked = time.perf_counter()
                fresh.invoke(EVENT).assert_ok()
                invoke_ms.append((time.perf_counter() - invoked) * 1000)
            whole_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)
            local_ms += samples(local, 1, 0, scale=1e3)
    cold, local_p50 = statistics.median(invoke_ms), statistics.median(local_ms)
    print(f"\ntrivial handler, {args.trivial} calls each, turn about (ms)\n")
    print("| | p50 | p90 |")
    print("|---|---:|---:|")
    print(
        f"| pytest-lambda cold start (invoke of a new function) | {cold:.2f} | "
        f"{percentile(invoke_ms, 0.9):.2f} |"
    )
    print(
        f"| the same with the function's creation and close | "
        f"{statistics.median(whole_ms):.2f} | {percentile(whole_ms, 0.9):.2f} |"
    )
    print(f"| python-lambda-local `call()` | {local_p50:.2f} | {percentile(local_ms, 0.9):.2f} |")
    print(f"\ncold start / call(): {cold / local_p50:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", type=int, default=30, help="fresh functions per handler")
    parser.add_argument("--trivial", type=int, default=300, help="trivial cold starts")
    parser.add_argument("--keep", help="write the suite here and keep it")
    parser.add_argument("--skip-suite", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    if not args.skip_suite:
        suite(args)
    if not args.skip_cold:
        cold_starts(args)


if __name__ == "__main__":
    main()
