"""Per-test cost of the `aws` fixture, and a handler's S3 GetObject from another process.

1. One bucket and one table ready, then torn down: `AWS()` against the fixture users
   write by hand today (`mock_aws()` + fresh boto3 clients), in the same run.
2. S3 GetObject through the moto server from a separate process, as a handler in
   isolation="process" makes it (the worker's boto3 reaches the server over loopback).

    python benchmarks/bench_aws.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

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


def handler_get_object(rounds: int) -> float:
    with AWS() as aws:
        aws.bucket("bench-bucket", {"key": b"x" * 1024})
        worker = textwrap.dedent(
            f"""
            import statistics, time, boto3
            s3 = boto3.client("s3")
            s3.get_object(Bucket="bench-bucket", Key="key")["Body"].read()
            times = []
            for _ in range({rounds}):
                started = time.perf_counter()
                s3.get_object(Bucket="bench-bucket", Key="key")["Body"].read()
                times.append((time.perf_counter() - started) * 1000)
            print(statistics.median(times))
            """
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=aws.endpoint_url,
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="ASIAFAKEWORKER",
            AWS_SECRET_ACCESS_KEY="fake",
        )
        out = subprocess.run(
            [sys.executable, "-c", worker], env=env, capture_output=True, text=True, check=True
        )
        return float(out.stdout)


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
    get_object_ms = handler_get_object(rounds)
    print(f"handler S3 GetObject from another process (median): {get_object_ms:.2f} ms")


if __name__ == "__main__":
    main()
