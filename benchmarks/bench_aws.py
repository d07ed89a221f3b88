"""Per-test cost of the `aws` fixture, and a process-isolated handler's S3 GetObject.

1. One bucket and one table ready, then torn down: `AWS()` against the fixture users
   write by hand today (`mock_aws()` + fresh boto3 clients), in the same run.
2. A handler in isolation="process" (a worker forked from the zygote), warm, with its S3
   client created at module level as in a real function, reading a 1 KB object through
   the moto server: the GetObject as the handler times it, the REPORT Duration, and the
   invoke's round trip from the test process.

    python benchmarks/bench_aws.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from pytest_lambda import LambdaFunction  # noqa: E402
from pytest_lambda.aws import AWS, install_guard  # noqa: E402

KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}]
ATTRIBUTES = [{"AttributeName": "pk", "AttributeType": "S"}]


def with_aws_fixture() -> None:
    with AWS() as aws:
        aws.bucket("bench-bucket")
        aws.table("bench-table")


def with_hand_written_mock() -> None:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bench-bucket")
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="bench-table",
            KeySchema=KEY_SCHEMA,
            AttributeDefinitions=ATTRIBUTES,
            BillingMode="PAY_PER_REQUEST",
        )


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


HANDLER = """\
import time

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    started = time.perf_counter()
    s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    return (time.perf_counter() - started) * 1000
"""


def handler_get_object(rounds: int) -> dict[str, list[float]]:
    """Warm invokes of a process-isolated handler doing one GetObject each."""
    event = {"bucket": "bench-bucket", "key": "key"}
    with tempfile.TemporaryDirectory() as code_dir, AWS() as aws:
        Path(code_dir, "get_object.py").write_text(HANDLER)
        aws.bucket("bench-bucket", {"key": b"x" * 1024})
        with LambdaFunction("get_object.handler", code_dir=code_dir) as function:
            for _ in range(20):
                function.invoke(event).assert_ok()
            figures: dict[str, list[float]] = {"get_object": [], "duration": [], "invoke": []}
            for _ in range(rounds):
                started = time.perf_counter()
                invocation = function.invoke(event)
                figures["invoke"].append((time.perf_counter() - started) * 1000)
                figures["get_object"].append(invocation.assert_ok())
                figures["duration"].append(invocation.duration_ms)
    return figures


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    install_guard()
    # The hand-written fixture first: once AWS() has run, moto's mock stays on for the
    # session and a user's mock_aws() nested in it would skip its own start-up cost.
    hand_written = [timed(with_hand_written_mock) for _ in range(rounds + 10)][10:]
    fixture = [timed(with_aws_fixture) for _ in range(rounds + 10)][10:]
    print(f"per test, one bucket + one table (median of {rounds}):")
    print(f"  aws fixture          {statistics.median(fixture):7.2f} ms")
    print(f"  hand-written mock_aws {statistics.median(hand_written):6.2f} ms")
    figures = handler_get_object(rounds)
    print(f"handler in isolation='process', warm, 1 KB object ({rounds} invokes):")
    for label, name in (
        ("s3.get_object in the handler", "get_object"),
        ("Duration (REPORT)", "duration"),
        ("invoke round trip", "invoke"),
    ):
        values = figures[name]
        print(
            f"  {label:<30} median {statistics.median(values):5.2f} ms  p90 {p90(values):5.2f} ms"
        )


if __name__ == "__main__":
    main()
