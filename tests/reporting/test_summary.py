"""Per-function aggregates and the summary table (compact, full, quiet, Markdown)."""

from __future__ import annotations

import pytest

from pytest_lambda import ErrorKind
from pytest_lambda.reporting import aggregate
from pytest_lambda.reporting.stats import percentile
from pytest_lambda.reporting.summary import function_table, quiet_line


def test_percentiles_interpolate_between_the_closest_ranks() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 50) == 10.5
    assert percentile(values, 95) == pytest.approx(19.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_a_function_as_the_monitoring_tab_shows_it(record) -> None:
    records = [record(duration_ms=float(d)) for d in range(1, 20)]  # warm: 1..19 ms
    records += [
        record(duration_ms=20.0, init_duration_ms=100.0),
        record(duration_ms=5.0, init_duration_ms=300.0, max_memory_used_mb=64),
        record(error=ErrorKind.UNHANDLED),
        record(error=ErrorKind.TIMEOUT, duration_ms=3000.0),
        record(error=ErrorKind.THROTTLED, served=False, duration_ms=0.0),
    ]
    stats = aggregate(records)["orders"]
    assert (stats.invocations, stats.cold_starts, stats.throttles) == (24, 2, 1)
    assert (stats.errors, stats.timeouts, stats.failures) == (2, 1, 2)
    assert stats.error_kinds == {"UNHANDLED": 1, "TIMEOUT": 1, "THROTTLED": 1}
    # Durations of served invokes only (the throttled one has none): 23 of them.
    served = sorted([float(d) for d in range(1, 20)] + [20.0, 5.0, 10.0, 3000.0])
    assert stats.p50_duration_ms == percentile(served, 50)
    assert stats.p95_duration_ms == round(percentile(served, 95), 2)
    assert stats.max_duration_ms == 3000.0
    assert stats.p50_init_duration_ms == 200.0
    assert (stats.max_memory_used_mb, stats.memory_size_mb, stats.memory_used_pct) == (
        64,
        128,
        50.0,
    )
    billed = sum(r.billed_duration_ms for r in records)
    assert stats.billed_duration_ms == billed
    assert stats.gb_seconds == pytest.approx(0.125 * billed / 1000)
    assert stats.cost_usd == pytest.approx(sum(r.cost_usd for r in records))
    assert stats.cost_per_million_usd == pytest.approx(stats.cost_usd / 23 * 1e6)
    assert stats.right_size_mb is None  # 128 MB is Lambda's smallest


def test_right_sizing_keeps_headroom_above_the_peak(record) -> None:
    stats = aggregate([record(memory_size_mb=1024, max_memory_used_mb=78)])["orders"]
    assert stats.right_size_mb == 128
    assert stats.right_size_cost_per_million_usd < stats.cost_per_million_usd
    stats = aggregate([record(memory_size_mb=256, max_memory_used_mb=100)])["orders"]
    assert stats.right_size_mb == 130  # 100 MB and 30% above it
    half_used = aggregate([record(memory_size_mb=256, max_memory_used_mb=128)])["orders"]
    assert half_used.right_size_mb is None
    inline = aggregate([record(memory_size_mb=1024, isolation="inline")])["orders"]
    assert inline.right_size_mb is None


def _run(record, functions: int, failing: tuple[str, ...] = ()):
    records = []
    for n in range(functions):
        name = f"fn-{n:02d}"
        # Later functions are billed more: they come first among those without problems.
        records.append(record(function=name, duration_ms=float(n + 1)))
    records += [record(function=name, error=ErrorKind.UNHANDLED) for name in failing]
    return aggregate(records)


def test_compact_shows_problems_first_then_the_largest_bills_and_folds_the_rest(record) -> None:
    functions = _run(record, 14, failing=("fn-00", "fn-03"))
    lines = function_table(functions.values(), full=False).text()
    names = [line.split()[0] for line in lines[1:11]]
    assert names == ["fn-03", "fn-00", "fn-13", "fn-12", "fn-11", "fn-10", "fn-09", "fn-08",
                     "fn-07", "fn-06"]  # fmt: skip
    assert lines[11].startswith("... 4 more functions")
    assert lines[12].split()[:7] == ["total", "(14", "functions)", "16", "0", "2", "0"]
    assert "run cost $" in lines[12]
    assert "(-v or --lambda-summary=full lists every function)" in lines


def test_full_lists_every_function(record) -> None:
    functions = _run(record, 14)
    lines = function_table(functions.values(), full=True).text()
    assert len([line for line in lines if line.startswith("fn-")]) == 14
    assert not any(line.startswith("...") for line in lines)


def test_the_header_and_a_row(record) -> None:
    functions = aggregate(
        [
            record(duration_ms=12.5, init_duration_ms=150.0, max_memory_used_mb=61),
            record(duration_ms=2.25, max_memory_used_mb=58),
            record(error=ErrorKind.TIMEOUT, duration_ms=3000.0),
        ]
    )
    header, row, *_ = function_table(functions.values(), full=False).text()
    assert header.split() == [
        "function", "invokes", "cold", "errors", "throttles", "p50", "ms", "p95", "ms", "max",
        "ms", "init", "p50", "ms", "memory", "used", "GB-s", "$", "per", "1M", "error", "kinds",
    ]  # fmt: skip
    cells = row.split()
    assert cells[:8] == ["orders", "3", "1", "1", "0", "12.50", "2701.25", "3000.00"]
    assert cells[8:12] == ["150.00", "61/128", "MB", "48%"]
    assert cells[-2:] == ["timeout", "1"]


def test_inline_memory_is_not_shown_as_the_functions(record) -> None:
    functions = aggregate([record(isolation="inline")])
    lines = function_table(functions.values(), full=False).text()
    assert " n/a " in lines[1]
    assert any(line.startswith("memory: n/a for inline functions") for line in lines)


def test_quiet_is_one_line_of_totals(record) -> None:
    functions = aggregate(
        [record(), record(function="b", error=ErrorKind.THROTTLED, served=False, duration_ms=0.0)]
    )
    assert quiet_line(functions.values()) == (
        "pytest-lambda: 2 functions, 2 invocations (0 cold), 0 errors, 1 throttle, "
        "0.00125 GB-s, $0.000000"
    )


def test_markdown_is_the_same_table(record) -> None:
    functions = _run(record, 2, failing=("fn|pipe",))
    markdown = function_table(functions.values(), full=False).markdown()
    assert markdown[0].startswith("| function | invokes | cold | errors |")
    assert markdown[1].startswith("| --- | ---: |")
    assert markdown[2].startswith("| fn\\|pipe | 1 |")
    assert any(line.startswith("| total (3 functions) | 3 | 0 | 1 | 0 |") for line in markdown)
    inline = aggregate([record(isolation="inline")])
    assert (
        function_table(inline.values(), full=False)
        .markdown()[-1]
        .startswith("- memory: n/a for inline functions")
    )
