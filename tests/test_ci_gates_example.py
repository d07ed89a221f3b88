"""examples/ci_gates: each gate passing, then failing when its regression is switched on,
as its README describes (the example run in pytester, its own pytest.ini in force)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ci_gates"


@pytest.fixture
def example(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(
        EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    return pytester


def test_every_gate_passes_as_the_example_stands(example: pytest.Pytester) -> None:
    result = example.runpytest("-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*= pytest-lambda =*", "total (5 functions) * 9 * 5 * 1 * 0 *"], consecutive=False
    )


SCENARIOS = {
    "duration": (
        {"ORDERS_DELAY_MS": "300"},
        "test_orders_are_priced",
        "pytest-lambda: orders: Duration 3??.?? ms on a warm invoke exceeds "
        "max_duration_ms_warm = 200 ms (@lambda_limits)",
    ),
    "memory": (
        {"THUMBNAIL_WORK_MB": "200"},
        "test_thumbnails_fit_in_memory",
        "pytest-lambda: thumbnails: Max Memory Used 2?? MB is 8?.?% of its 256 MB, above "
        "max_memory_pct = 80% (ini key lambda_max_memory_pct)",
    ),
    "cost": (
        {"EXPORT_DELAY_MS": "700"},
        "test_export_tolerates_a_slow_database",
        "pytest-lambda: export: a million invocations like this one would cost $1?.*, above "
        "max_cost_per_million = $10 (ini key lambda_max_cost_per_million)",
    ),
    "init": (
        {"STARTUP_IMPORT_DELAY_MS": "1500"},
        "test_startup_initialises_quickly",
        "pytest-lambda: startup: Init Duration 1???.?? ms exceeds max_init_ms = 1000 ms "
        "(the function's limits=)",
    ),
    "fail_on": (
        {"EXPORT_DELAY_MS": "4000"},
        "test_export_tolerates_a_slow_database",
        "pytest-lambda: export: ended with error kind timeout (Sandbox.Timedout), which "
        "fail_on makes a failure (ini key lambda_fail_on)",
    ),
}


@pytest.mark.parametrize("gate", SCENARIOS)
def test_each_limit_fails_its_test_when_its_regression_is_switched_on(
    example: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, gate: str
) -> None:
    variables, failing_test, message = SCENARIOS[gate]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = example.runpytest()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([f"*_ {failing_test} _*", message, "  REPORT RequestId: *"])


def test_a_baseline_fails_the_run_on_a_slower_function(
    example: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    example.runpytest("--lambda-report=baseline.json").assert_outcomes(passed=5)
    monkeypatch.setenv("ORDERS_DELAY_MS", "100")
    result = example.runpytest("--lambda-baseline=baseline.json")
    result.assert_outcomes(passed=5)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "baseline baseline.json: regressions beyond 20% fail the run",
            "pytest-lambda: REGRESSION orders: p95 duration 1??.?? ms against the baseline's "
            "*.?? ms (+*%), more than the 20% allowed",
            "pytest-lambda: the run fails: * against the baseline baseline.json",
        ],
        consecutive=False,
    )


def test_a_baseline_fails_a_test_on_an_error_kind_it_never_had(
    example: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    example.runpytest("--lambda-report=baseline.json").assert_outcomes(passed=5)
    monkeypatch.setenv("EXPORT_DELAY_MS", "4000")
    # fail_on off: the test tolerates the timeout, the baseline does not.
    result = example.runpytest("--lambda-baseline=baseline.json", "--lambda-fail-on=")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_export_tolerates_a_slow_database _*",
            "pytest-lambda: export: ended with error kind timeout (Sandbox.Timedout), which the "
            "baseline baseline.json never had for it (it had: none)",
            "pytest-lambda: REGRESSION export: failed with error kind timeout (1 invocation), "
            "which the baseline never had for it",
        ],
        consecutive=False,
    )
