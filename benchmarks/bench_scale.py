"""A generated suite at scale: serial against `-n 2`, and the plugin's own overhead.

The suite: N tests (500 by default) in files of 50, each with the `aws` fixture and a
bucket holding one object, invoking (process isolation, the default) a handler that
reads the object with boto3, as a real function would. The suite preloads boto3 in the
fork server (`lambda_preload`), as a suite of boto3 handlers should.

Measured, turn about, `--repeat` times:

1. wall time of `pytest` serially and with `-n 2` (pytest-xdist), reports on in both
   (`--lambda-report`, `--lambda-report-html`, `--lambda-logs-dir`, `--junitxml`, a
   duration limit, the full summary);
2. the plugin's own time in those runs: every hook of the plugin and its gates (per-test
   wrappers, limits judged, records kept, JUnit properties, worker output, the
   controller's aggregation, summary and reports), its invocation listeners, its import
   and configuration. A timing plugin (`-p bench_timing`, written next to the suite)
   wraps each of them and adds up their time per process.

    python benchmarks/bench_scale.py [--tests 500] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS_PER_FILE = 50

HANDLER = """\
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    body = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    return len(body)
"""

INI = """\
[pytest]
lambda_handler = reader.handler
lambda_preload = boto3 botocore
"""

TEST = """
def test_read_{n:03d}(aws, lambda_invoke):
    aws.bucket("data-{n:03d}", {{"key-{n:03d}": b"x" * 1024}})
    invocation = lambda_invoke({{"bucket": "data-{n:03d}", "key": "key-{n:03d}"}})
    assert invocation.assert_ok() == 1024
"""

# Wraps the plugin's own work with a clock, before pytest registers it: its import, its
# options and gate settings, its per-test hooks and listeners, its reporting. Not timed:
# what the suite needs from the engine (the session, the guard, the fork server, started
# at configure and closed after the test loop), nor the fixtures (the tests' own work).
TIMING_PLUGIN = """\
import atexit
import functools
import inspect
import json
import os
import time

_spent = {"startup": 0.0, "per_test": 0.0, "reporting": 0.0}
_clock = time.perf_counter

started = _clock()
import pytest_lambda.plugin as plugin
from pytest_lambda.reporting import gates
_spent["startup"] += _clock() - started


def _timed(function, bucket):
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def steps(*args, **kwargs):
            inner = function(*args, **kwargs)
            began = _clock()
            try:
                value = next(inner)
            finally:
                _spent[bucket] += _clock() - began
            while True:
                try:
                    sent = yield value
                except BaseException as error:
                    began = _clock()
                    try:
                        value = inner.throw(error)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        _spent[bucket] += _clock() - began
                else:
                    began = _clock()
                    try:
                        value = inner.send(sent)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        _spent[bucket] += _clock() - began
        return steps

    @functools.wraps(function)
    def call(*args, **kwargs):
        began = _clock()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[bucket] += _clock() - began
    return call


plugin.pytest_addoption = _timed(plugin.pytest_addoption, "startup")
plugin.pytest_runtest_protocol = _timed(plugin.pytest_runtest_protocol, "per_test")
plugin.pytest_runtest_makereport = _timed(plugin.pytest_runtest_makereport, "per_test")
plugin._Recorder.record = _timed(plugin._Recorder.record, "per_test")
gates.GatesPlugin.__init__ = _timed(gates.GatesPlugin.__init__, "startup")
gates.GatesPlugin.record = _timed(gates.GatesPlugin.record, "per_test")
for name in ("pytest_runtest_protocol", "pytest_runtest_setup", "pytest_runtest_call",
             "pytest_runtest_teardown", "pytest_runtest_makereport"):
    setattr(gates.GatesPlugin, name, _timed(getattr(gates.GatesPlugin, name), "per_test"))
for name in ("pytest_sessionfinish", "pytest_terminal_summary", "worker_finished"):
    setattr(gates.GatesPlugin, name, _timed(getattr(gates.GatesPlugin, name), "reporting"))


@atexit.register
def _save():
    role = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    path = os.path.join(os.environ["BENCH_TIMING_DIR"], f"{role}-{os.getpid()}.json")
    with open(path, "w") as f:
        json.dump({"role": role, **_spent}, f)
"""

REPORTING = [
    "--lambda-report=out/report.json",
    "--lambda-report-html=out/report.html",
    "--lambda-logs-dir=out/logs",
    "--junitxml=out/junit.xml",
    "--lambda-max-duration-ms=5000",
    "--lambda-summary=full",
]


def generate(directory: Path, tests: int) -> None:
    (directory / "reader.py").write_text(HANDLER)
    (directory / "pytest.ini").write_text(INI)
    (directory / "bench_timing.py").write_text(TIMING_PLUGIN)
    for first in range(0, tests, TESTS_PER_FILE):
        numbers = range(first, min(first + TESTS_PER_FILE, tests))
        body = "".join(TEST.format(n=n) for n in numbers)
        (directory / f"test_generated_{first // TESTS_PER_FILE:02d}.py").write_text(body)


def run(directory: Path, workers: int, tests: int) -> dict[str, float]:
    """One run: its wall time, and the plugin's time (the controller's; under -n the
    busier worker's)."""
    timing = directory / "timing"
    timing.mkdir(exist_ok=True)
    for old in timing.iterdir():
        old.unlink()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_timing"]
    if workers:
        command += ["-n", str(workers)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)]),
        "BENCH_TIMING_DIR": str(timing),
    }
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        command + REPORTING, cwd=directory, env=environment, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0 or f"{tests} passed" not in done.stdout:
        raise SystemExit(f"the suite failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    processes = [json.loads(p.read_text()) for p in timing.iterdir()]
    controller = next(p for p in processes if p["role"] == "controller")
    workers_spent = [p for p in processes if p["role"] != "controller"]
    busiest = max(workers_spent, key=_spent, default=None)
    figures = {"wall": wall, "cpu": cpu}
    for bucket in BUCKETS:
        # Under -n, the controller's start-up and reporting and the busier worker's
        # start-up and per-test hooks are on the critical path.
        figures[bucket] = controller[bucket] + (busiest[bucket] if busiest else 0.0)
    figures["plugin"] = sum(figures[bucket] for bucket in BUCKETS)
    return figures


BUCKETS = ("startup", "per_test", "reporting")


def _children_cpu() -> float:
    """CPU seconds of every finished child process tree (pytest, its workers, their
    execution environments: each is waited for by its parent)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _spent(process: dict[str, float]) -> float:
    return sum(process[bucket] for bucket in BUCKETS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="generate the suite here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        generate(directory, args.tests)
        print(f"{args.tests} tests, load average {os.getloadavg()[0]:.2f} at the start")
        print(
            "| round | load | serial s | -n 2 s | speed-up | CPU s serial / -n 2 | CPU-bound "
            "speed-up | plugin serial: start-up + per test + reporting | share | plugin -n 2 "
            "| share |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
        speedups, cpu_bound, serial_shares, parallel_shares = [], [], [], []
        for round_number in range(1, args.repeat + 1):
            load = os.getloadavg()[0]
            # Turn about: which of the two goes first alternates between rounds.
            order = (0, 2) if round_number % 2 else (2, 0)
            runs = {workers: run(directory, workers, args.tests) for workers in order}
            serial, parallel = runs[0], runs[2]
            speedups.append(serial["wall"] / parallel["wall"])
            # On two otherwise idle cores: the serial run's chain of work, against the
            # parallel run's work shared by two cores.
            cpu_bound.append(serial["cpu"] / (parallel["cpu"] / 2))
            serial_shares.append(serial["plugin"] / serial["wall"] * 100)
            parallel_shares.append(parallel["plugin"] / parallel["wall"] * 100)
            print(
                f"| {round_number} | {load:.1f} | {serial['wall']:.1f} | {parallel['wall']:.1f} | "
                f"{speedups[-1]:.2f}x | {serial['cpu']:.1f} / {parallel['cpu']:.1f} | "
                f"{cpu_bound[-1]:.2f}x | {serial['startup']:.3f} + {serial['per_test']:.3f} + "
                f"{serial['reporting']:.3f} s | {serial_shares[-1]:.2f}% | "
                f"{parallel['plugin']:.3f} s | {parallel_shares[-1]:.2f}% |"
            )
        print(
            f"median of {args.repeat}: -n 2 is {statistics.median(speedups):.2f}x serial "
            f"(target >= 1.6x; CPU-bound {statistics.median(cpu_bound):.2f}x); the plugin's "
            f"own time is {statistics.median(serial_shares):.2f}% of the wall time serially, "
            f"{statistics.median(parallel_shares):.2f}% under -n 2 (target < 2%); load "
            f"average {os.getloadavg()[0]:.2f} at the end"
        )


if __name__ == "__main__":
    main()
