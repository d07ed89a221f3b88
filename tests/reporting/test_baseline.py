"""Comparing a run with a baseline: regressions, new error kinds, other machines."""

from __future__ import annotations

import dataclasses

from pytest_lambda import ErrorKind
from pytest_lambda.reporting import aggregate
from pytest_lambda.reporting.baseline import Baseline, compare
from pytest_lambda.reporting.metadata import Machine

HERE = Machine("Linux", "x86_64", "AMD EPYC 7763", 2, "3.12")


def _functions(record, *, duration_ms: float, memory_mb: int = 40, invokes: int = 5, **more):
    return aggregate(
        [
            record(duration_ms=duration_ms, max_memory_used_mb=memory_mb, **more)
            for _ in range(invokes)
        ]
    )


def _baseline(functions, machine: Machine | None = HERE) -> Baseline:
    return Baseline("baseline.json", machine, functions)


def test_a_slower_p95_beyond_the_allowed_percentage_is_a_regression(record) -> None:
    before = _baseline(_functions(record, duration_ms=100.0))
    now = _functions(record, duration_ms=125.0)
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert comparison.same_machine
    # The cost grew by 12.8% only (the request charge does not grow).
    assert comparison.regressions == [
        "orders: p95 duration 125.00 ms against the baseline's 100.00 ms (+25%), more than the "
        "20% allowed"
    ]
    row = comparison.functions[0]
    assert (row.function, row.status) == ("orders", "compared")
    assert [(m.metric, m.regression) for m in row.metrics] == [
        ("p95_duration_ms", True),
        ("max_memory_used_mb", False),
        ("cost_per_million_usd", False),
    ]
    assert compare(now, before, machine=HERE, max_regression_pct=30).regressions == []


def test_memory_and_cost_regress_too(record) -> None:
    before = _baseline(_functions(record, duration_ms=100.0, memory_mb=40, memory_size_mb=512))
    now = _functions(record, duration_ms=100.0, memory_mb=60, memory_size_mb=1024)
    assert compare(now, before, machine=HERE, max_regression_pct=20).regressions == [
        "orders: Max Memory Used 60 MB against the baseline's 40 MB (+50%), more than the 20% "
        "allowed",
        "orders: cost per 1M invocations $1.8667 against the baseline's $1.0333 (+80.6%), more "
        "than the 20% allowed",
    ]


def test_changes_within_the_noise_of_the_measurement_are_not_regressions(record) -> None:
    # +50% of a 1 ms p95 is half a millisecond: the clock's and the scheduler's noise.
    before = _baseline(_functions(record, duration_ms=1.0, memory_mb=2))
    now = _functions(record, duration_ms=1.5, memory_mb=3)
    assert compare(now, before, machine=HERE, max_regression_pct=20).regressions == []


def test_an_error_kind_the_baseline_never_had_is_a_regression(record) -> None:
    before = _baseline(aggregate([record(), record(error=ErrorKind.UNHANDLED)]))
    now = aggregate([record(), record(error=ErrorKind.UNHANDLED), record(error=ErrorKind.TIMEOUT)])
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert comparison.functions[0].new_error_kinds == ["TIMEOUT"]
    assert comparison.regressions == [
        "orders: failed with error kind timeout (1 invocation), which the baseline never had for it"
    ]


def test_new_and_missing_functions_are_listed_not_judged(record) -> None:
    before = _baseline(aggregate([record(function="gone")]))
    now = aggregate([record(function="fresh", error=ErrorKind.UNHANDLED)])
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert [(r.function, r.status) for r in comparison.functions] == [
        ("fresh", "new"),
        ("gone", "missing"),
    ]
    assert comparison.regressions == []


def test_a_baseline_from_another_cpu_is_flagged_durations_shown_not_judged(record) -> None:
    other_cpu = dataclasses.replace(HERE, cpu_model="Intel Xeon Platinum 8375C", cpu_count=4)
    before = _baseline(_functions(record, duration_ms=10.0, memory_mb=40), other_cpu)
    now = _functions(record, duration_ms=50.0, memory_mb=80)
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert not comparison.same_machine
    assert comparison.machine_differences == [
        "baseline CPU Intel Xeon Platinum 8375C vs AMD EPYC 7763",
        "baseline CPUs 4 vs 2",
    ]
    by_metric = {m.metric: m for m in comparison.functions[0].metrics}
    assert by_metric["p95_duration_ms"].change_pct == 400.0
    assert (by_metric["p95_duration_ms"].gated, by_metric["p95_duration_ms"].not_judged) == (
        False,
        "other machine",
    )
    # Memory does not depend on the CPU: still judged.
    assert comparison.regressions == [
        "orders: Max Memory Used 80 MB against the baseline's 40 MB (+100%), more than the 20% "
        "allowed"
    ]


def test_another_python_makes_memory_incomparable_too(record) -> None:
    before = _baseline(
        _functions(record, duration_ms=10.0, memory_mb=40), dataclasses.replace(HERE, python="3.11")
    )
    now = _functions(record, duration_ms=50.0, memory_mb=80)
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert comparison.machine_differences == ["baseline Python 3.11 vs 3.12"]
    assert comparison.regressions == []
    assert comparison.functions[0].metrics[1].not_judged == "other machine"


def test_shards_on_several_machines_are_flagged(record) -> None:
    before = _baseline(_functions(record, duration_ms=10.0))
    now = _functions(record, duration_ms=50.0)
    comparison = compare(now, before, machine=None, max_regression_pct=20)
    assert comparison.machine_differences == ["this run's shards ran on different machines"]
    assert comparison.regressions == []


def test_a_p95_of_a_few_invokes_is_shown_not_judged(record) -> None:
    before = _baseline(_functions(record, duration_ms=10.0, invokes=4))
    now = _functions(record, duration_ms=50.0, invokes=4)
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert comparison.regressions == []
    assert comparison.functions[0].metrics[0].not_judged == "fewer than 5 invokes"


def test_inline_functions_have_no_memory_to_compare(record) -> None:
    before = _baseline(_functions(record, duration_ms=10.0, isolation="inline"))
    now = _functions(record, duration_ms=10.0, isolation="inline", memory_mb=90)
    comparison = compare(now, before, machine=HERE, max_regression_pct=20)
    assert [m.metric for m in comparison.functions[0].metrics] == [
        "p95_duration_ms",
        "cost_per_million_usd",
    ]
