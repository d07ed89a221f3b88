"""The end-of-run summary: per function, what the Lambda console's Monitoring tab would show
(invocations, duration, errors, throttles) plus cold starts, Init, memory and cost.

Compact by default: the functions that matter first (failures, throttles, limits
exceeded, then the largest share of GB-seconds), the rest folded into one line with a
count, the totals always. Full: every function. Quiet: the totals in one line. The same
tables render as Markdown for CI job summaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import report
from .baseline import METRIC_LABELS, Comparison, FunctionComparison, MetricChange, metric_value
from .stats import RIGHT_SIZE_HEADROOM_PCT, FunctionStats, Totals

COMPACT_ROWS = 10
SUMMARY_MODES = ("compact", "full", "off")


@dataclass
class Table:
    """Rows of cells under a header; the first column is left-aligned, the last too when
    it holds words."""

    header: list[str]
    rows: list[list[str]]
    footer: list[str]

    def text(self) -> list[str]:
        every = [self.header, *self.rows]
        widths = [max(len(row[i]) for row in every) for i in range(len(self.header))]

        def line(cells: Sequence[str]) -> str:
            out = []
            for i, cell in enumerate(cells):
                left = i == 0 or i == len(cells) - 1
                out.append(cell.ljust(widths[i]) if left else cell.rjust(widths[i]))
            return "  ".join(out).rstrip()

        return [line(self.header)] + [line(row) for row in self.rows] + self.footer

    def markdown(self) -> list[str]:
        aligns = ["---"] + ["---:"] * (len(self.header) - 2) + ["---"]
        lines = [_md_row(self.header), _md_row(aligns)]
        lines.extend(_md_row(row) for row in self.rows)
        if self.footer:
            lines.append("")
            lines.extend(f"- {note}" for note in self.footer)
        return lines


_HEADER = [
    "function",
    "invokes",
    "cold",
    "errors",
    "throttles",
    "p50 ms",
    "p95 ms",
    "max ms",
    "init p50 ms",
    "memory used",
    "GB-s",
    "$ per 1M",
    "error kinds",
]


def ordered(functions: Iterable[FunctionStats]) -> list[FunctionStats]:
    """The functions that matter first: those with problems, then by GB-seconds."""
    return sorted(functions, key=lambda s: (not s.has_problems, -s.gb_seconds, s.function))


def function_table(functions: Iterable[FunctionStats], *, full: bool) -> Table:
    stats = ordered(functions)
    shown = stats if full else stats[:COMPACT_ROWS]
    rows = [_function_row(s) for s in shown]
    folded = stats[len(shown) :]
    if folded:
        with_problems = sum(1 for s in folded if s.has_problems)
        detail = f", {with_problems} of them with problems" if with_problems else ""
        rows.append([f"... {len(folded)} more functions{detail}"] + [""] * (len(_HEADER) - 1))
    totals = Totals.of(stats)
    rows.append(
        [
            f"total ({_count(totals.functions, 'function')})",
            str(totals.invocations),
            str(totals.cold_starts),
            str(totals.errors + totals.timeouts - totals.throttles),
            str(totals.throttles),
            "",
            "",
            "",
            "",
            "",
            _amount(totals.gb_seconds),
            "",
            f"run cost ${totals.cost_usd:.6f}",
        ]
    )
    footer = []
    if folded:
        footer.append("(-v or --lambda-summary=full lists every function)")
    footer.extend(notes(stats))
    return Table(list(_HEADER), rows, footer)


def notes(stats: Sequence[FunctionStats]) -> list[str]:
    """What the table cannot say in a cell: right-sizing, inline memory, limits."""
    lines = []
    for s in stats:
        if s.right_size_mb is not None and s.right_size_cost_per_million_usd is not None:
            lines.append(
                f"right-sizing: {s.function} peaked at {s.max_memory_used_mb} MB of "
                f"{s.memory_size_mb} MB; {s.right_size_mb} MB, the smallest size with "
                f"{RIGHT_SIZE_HEADROOM_PCT}% headroom above that peak, would cost "
                f"${s.right_size_cost_per_million_usd:.4f} instead of "
                f"${s.cost_per_million_usd:.4f} per 1M invocations at this run's durations "
                "(Lambda gives smaller sizes less CPU: measure again)"
            )
    if any(not s.memory_measured for s in stats):
        lines.append(
            "memory: n/a for inline functions (they run in the test process, whose memory "
            "is not theirs); process isolation measures it"
        )
    exceeded = sum(s.limit_violations for s in stats)
    if exceeded:
        lines.append(
            f"limits: {_count(exceeded, 'invocation')} exceeded a limit (their tests failed)"
        )
    return lines


def quiet_line(functions: Iterable[FunctionStats]) -> str:
    totals = Totals.of(functions)
    line = (
        f"pytest-lambda: {_count(totals.functions, 'function')}, "
        f"{_count(totals.invocations, 'invocation')} ({totals.cold_starts} cold), "
        f"{_count(totals.errors + totals.timeouts - totals.throttles, 'error')}, "
        f"{_count(totals.throttles, 'throttle')}, {_amount(totals.gb_seconds)} GB-s, "
        f"${totals.cost_usd:.6f}"
    )
    if totals.limit_violations:
        line += f"; {_count(totals.limit_violations, 'invocation')} exceeded a limit"
    return line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def price_note() -> str:
    prices = ", ".join(
        f"{arch} ${price:.10f}/GB-s" for arch, price in report.PRICE_PER_GB_SECOND_USD.items()
    )
    return (
        f"prices: us-east-1 list price, ${report.PRICE_PER_REQUEST_USD * 1_000_000:.2f} per 1M "
        f"requests and {prices}; free tier not deducted"
    )


def comparison_table(comparison: Comparison, *, full: bool) -> Table:
    header = ["function", *(METRIC_LABELS[m] for m in _METRIC_ORDER), "new error kinds"]
    rows_in_order = sorted(comparison.functions, key=_comparison_rank)
    interesting = [r for r in rows_in_order if _comparison_rank(r) < 3]
    shown = rows_in_order if full else interesting[:COMPACT_ROWS]
    rows = [_comparison_row(r) for r in shown]
    folded = len(rows_in_order) - len(shown)
    footer = []
    if folded:
        rows.append([f"... {folded} more functions"] + [""] * (len(header) - 1))
        footer.append("(-v or --lambda-summary=full lists every function)")
    return Table(header, rows, footer)


def comparison_title(comparison: Comparison) -> str:
    title = (
        f"baseline {comparison.path}: regressions beyond "
        f"{comparison.max_regression_pct:g}% fail the run"
    )
    if not comparison.same_machine:
        title += (
            "; FLAGGED: made on another machine ("
            + "; ".join(comparison.machine_differences)
            + "): durations and cost are shown, not judged"
        )
    return title


_METRIC_ORDER = ("p95_duration_ms", "max_memory_used_mb", "cost_per_million_usd")


def _comparison_rank(row: FunctionComparison) -> int:
    if row.new_error_kinds or any(m.regression for m in row.metrics):
        return 0
    if row.status != "compared":
        return 1 if row.status == "missing" else 2
    return 3


def _comparison_row(row: FunctionComparison) -> list[str]:
    if row.status != "compared":
        label = "new in this run" if row.status == "new" else "not invoked in this run"
        return [row.function, label, "", "", ""]
    by_metric = {m.metric: m for m in row.metrics}
    cells = [row.function]
    for metric in _METRIC_ORDER:
        change = by_metric.get(metric)
        cells.append("n/a" if change is None else _change_cell(change))
    cells.append(", ".join(kind.lower() for kind in row.new_error_kinds) or "-")
    return cells


def _change_cell(change: MetricChange) -> str:
    if change.current is None or change.baseline is None:
        return "-"
    now = metric_value(change.metric, change.current)
    then = metric_value(change.metric, change.baseline)
    pct = "" if change.change_pct is None else f" {change.change_pct:+g}%"
    if change.regression:
        mark = " REGRESSION"
    elif change.not_judged is not None:
        mark = f" ~ ({change.not_judged})"
    else:
        mark = ""
    return f"{now} (was {then}){pct}{mark}"


def _function_row(s: FunctionStats) -> list[str]:
    kinds = ", ".join(
        f"{kind.lower()} {count}"
        for kind, count in sorted(s.error_kinds.items())
        if kind != "THROTTLED"
    )
    memory = (
        f"{s.max_memory_used_mb}/{s.memory_size_mb} MB {s.memory_used_pct:.0f}%"
        if s.memory_measured
        else "n/a"
    )
    return [
        s.function,
        str(s.invocations),
        str(s.cold_starts),
        str(s.failures),
        str(s.throttles),
        _ms(s.p50_duration_ms),
        _ms(s.p95_duration_ms),
        _ms(s.max_duration_ms),
        _ms(s.p50_init_duration_ms),
        memory,
        _amount(s.gb_seconds),
        f"{s.cost_per_million_usd:.4f}",
        kinds,
    ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _amount(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 1:
        return f"{value:,.2f}"
    text = f"{value:.6f}".rstrip("0")
    return "<0.000001" if text.endswith(".") else text


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
