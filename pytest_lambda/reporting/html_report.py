"""The HTML report (`--lambda-report-html=PATH`): one self-contained file.

Everything is inline (styles, SVG charts) and the page's Content-Security-Policy forbids
any fetch, so it opens the same from a CI artifact, an email or a machine offline. No
script runs in it.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .baseline import Comparison
from .json_report import RunReport
from .records import InvocationRecord
from .stats import FunctionStats, Totals, percentile
from .summary import comparison_table, comparison_title, function_table, notes, ordered, price_note

WARM = "#1c7ed6"
COLD = "#f08c00"
USED = "#2f9e44"
NEAR = "#e03131"
GRID = "#dee2e6"
INK = "#212529"
MUTED = "#868e96"
# The failed invocations listed with their logs; the rest are counted.
MAX_LOGGED_INVOCATIONS = 200

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;
margin:0;background:#f8f9fa}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 12px}
h3{font-size:16px;margin:0 0 8px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.meta{color:#868e96;margin:0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.card{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:10px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card span{color:#868e96;font-size:12px}
.card.bad b{color:#e03131}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{border-bottom:1px solid #dee2e6;padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:last-child,td:last-child{text-align:left}
th{background:#f1f3f5}
.scroll{overflow-x:auto}
.notes{color:#495057;margin:8px 0 0;padding-left:18px}
.flag{background:#fff3bf;border:1px solid #fcc419;border-radius:6px;padding:8px 12px}
.regression{background:#ffe3e3;border:1px solid #ffa8a8;border-radius:6px;padding:8px 12px}
.functions{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px}
.function{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:12px}
.function.problem{border-color:#ffa8a8}
.figures{color:#495057;font-size:12px;margin:0 0 8px}
svg{display:block;width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#495057}
details{background:#fff;border:1px solid #dee2e6;border-radius:6px;margin:6px 0;padding:6px 10px}
summary{cursor:pointer;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
pre{background:#212529;color:#f8f9fa;padding:10px;border-radius:6px;overflow-x:auto;
font-size:12px;white-space:pre-wrap;word-break:break-all}
.violation{color:#c92a2a;font-size:12px;margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
"""


def write_html_report(path: str | os.PathLike[str], report: RunReport) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(render(report))


def render(report: RunReport) -> str:
    stats = ordered(report.functions.values())
    by_function: dict[str, list[InvocationRecord]] = {}
    for record in report.records:
        by_function.setdefault(record.function, []).append(record)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No fetch of any kind: the report is complete in itself.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>pytest-lambda report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        _header(report, stats),
    ]
    if report.comparison is not None:
        parts.append(_comparison(report.comparison))
    table = function_table(stats, full=True)
    parts.append("<h2>Functions</h2>")
    parts.append(_table(table.header, table.rows))
    extra = notes(stats) + [price_note()]
    parts.append("<ul class=notes>" + "".join(f"<li>{_e(n)}</li>" for n in extra) + "</ul>")
    if stats:
        parts.append("<h2>Where the GB-seconds went</h2>")
        parts.append(_cost_chart(stats))
        parts.append("<h2>Memory against memory size</h2>")
        parts.append(_memory_chart(stats))
        parts.append(
            '<h2>Duration per function</h2><p class="legend">Duration of each invoke (ms), '
            f'<i style="background:{WARM}"></i>warm <i style="background:{COLD}"></i>cold '
            "start (Init Duration apart)</p>"
        )
        parts.append('<div class="functions">')
        for s in stats:
            parts.append(_function_card(s, by_function.get(s.function, [])))
        parts.append("</div>")
    parts.append(_failed_invocations(report.records))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _header(report: RunReport, stats: Sequence[FunctionStats]) -> str:
    run = report.run
    totals = Totals.of(stats)
    machine = run.get("machine")
    where = (
        f"{machine['cpu_model']} x{machine['cpu_count']}, {machine['system']} "
        f"{machine['architecture']}, Python {run.get('python_version', machine['python'])}"
        if machine
        else "several machines"
    )
    workers = run.get("workers", 0)
    meta = (
        f"{_e(run.get('tool', 'pytest'))} run started {_e(run.get('started', ''))}, "
        f"{run.get('duration_s', 0):.1f} s on {_e(where)}"
        + (f", {workers} pytest-xdist workers" if workers else "")
        + (f", {len(run['shards'])} shards" if run.get("shards") else "")
    )
    cards = [
        ("functions", str(totals.functions), False),
        ("invocations", str(totals.invocations), False),
        ("cold starts", str(totals.cold_starts), False),
        ("errors", str(totals.errors + totals.timeouts - totals.throttles), bool(totals.errors)),
        ("throttles", str(totals.throttles), bool(totals.throttles)),
        ("limits exceeded", str(totals.limit_violations), bool(totals.limit_violations)),
        ("GB-seconds", f"{totals.gb_seconds:.4f}", False),
        ("run cost (USD)", f"{totals.cost_usd:.6f}", False),
    ]
    card_html = "".join(
        f'<div class="card{" bad" if bad else ""}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'
        for label, value, bad in cards
    )
    return (
        f"<header><h1>pytest-lambda report</h1><p class=meta>{meta}</p>"
        f'<div class="cards">{card_html}</div></header>'
    )


def _comparison(comparison: Comparison) -> str:
    table = comparison_table(comparison, full=True)
    parts = ["<h2>Against the baseline</h2>"]
    css = "flag" if not comparison.same_machine else ""
    parts.append(f'<p class="{css}">{_e(comparison_title(comparison))}</p>')
    if comparison.regressions:
        items = "".join(f"<li>{_e(r)}</li>" for r in comparison.regressions)
        parts.append(f'<div class="regression"><b>Regressions</b><ul>{items}</ul></div>')
    parts.append(_table(table.header, table.rows))
    return "\n".join(parts)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


@dataclass
class _Bar:
    label: str
    value: float
    text: str
    color: str
    limit: float | None = None


def _bar_chart(bars: Sequence[_Bar], *, scale_max: float, title: str) -> str:
    """Horizontal bars, one per row, with the value written at the end of each."""
    row, label_w, width = 22, 220, 1000
    height = row * len(bars) + 10
    plot = width - label_w - 330
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * row
        length = 0 if scale_max <= 0 else max(1.0, plot * bar.value / scale_max)
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(_short(bar.label))}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{plot}" height="14" fill="{GRID}" rx="2"/>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="14" '
            f'fill="{bar.color}" rx="2"/>'
            f'<text x="{label_w + plot + 8}" y="{y + 15}">{_e(bar.text)}</text>'
        )
        if bar.limit is not None and scale_max > 0:
            x = label_w + plot * bar.limit / scale_max
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 20}" stroke="{INK}" '
                'stroke-dasharray="3 2"/>'
            )
    out.append("</svg>")
    return "".join(out)


def _cost_chart(stats: Sequence[FunctionStats]) -> str:
    by_cost = sorted(stats, key=lambda s: -s.gb_seconds)
    total = sum(s.gb_seconds for s in stats) or 1.0
    bars = [
        _Bar(
            s.function,
            s.gb_seconds,
            f"{s.gb_seconds:.6f} GB-s ({100 * s.gb_seconds / total:.0f}%), "
            f"${s.cost_per_million_usd:.4f} per 1M",
            WARM,
        )
        for s in by_cost
    ]
    return _bar_chart(
        bars,
        scale_max=max((s.gb_seconds for s in stats), default=0.0),
        title="GB-seconds per function, with the cost of a million invocations",
    )


def _memory_chart(stats: Sequence[FunctionStats]) -> str:
    measured = [s for s in stats if s.memory_measured]
    if not measured:
        return "<p class=meta>Only inline functions ran: their memory is the test process's.</p>"
    bars = []
    for s in sorted(measured, key=lambda s: -s.memory_used_pct):
        text = f"{s.max_memory_used_mb} of {s.memory_size_mb} MB ({s.memory_used_pct:.0f}%)"
        if s.right_size_mb is not None:
            text += f", {s.right_size_mb} MB would do"
        color = NEAR if s.memory_used_pct >= 90 else USED
        limit = None if s.right_size_mb is None else 100 * s.right_size_mb / s.memory_size_mb
        bars.append(_Bar(s.function, s.memory_used_pct, text, color, limit))
    chart = _bar_chart(bars, scale_max=100, title="Max Memory Used as a share of memory size")
    return chart + (
        "<p class=meta>The bar is Max Memory Used as a share of the memory size; a dashed line "
        "marks a right-sized memory size.</p>"
    )


def _function_card(stats: FunctionStats, records: Sequence[InvocationRecord]) -> str:
    served = [r for r in records if r.served]
    figures = (
        f"{stats.invocations} invokes, {stats.cold_starts} cold, {stats.failures} errors, "
        f"{stats.throttles} throttles; p50 {_ms(stats.p50_duration_ms)}, "
        f"p95 {_ms(stats.p95_duration_ms)}, max {_ms(stats.max_duration_ms)}; "
        f"Init p50 {_ms(stats.p50_init_duration_ms)}; {stats.memory_size_mb} MB "
        f"{stats.architecture}, ${stats.cost_per_million_usd:.4f} per 1M"
    )
    css = "function problem" if stats.has_problems else "function"
    return (
        f'<section class="{css}"><h3>{_e(stats.function)}</h3>'
        f"<p class=figures>{_e(figures)}</p>{_histogram(served)}</section>"
    )


def _histogram(records: Sequence[InvocationRecord]) -> str:
    """Duration distribution, warm and cold stacked, with p50 and p95 marked."""
    width, height, left, bottom, top = 360, 150, 34, 24, 10
    if not records:
        return "<p class=meta>No invoke was served.</p>"
    durations = [r.duration_ms for r in records]
    high = max(durations) or 1.0
    bins = max(5, min(24, round(math.sqrt(len(records)) * 2)))
    step = high / bins
    warm = [0] * bins
    cold = [0] * bins
    for r in records:
        index = min(bins - 1, int(r.duration_ms / step))
        (cold if r.cold_start else warm)[index] += 1
    tallest = max(w + c for w, c in zip(warm, cold, strict=True)) or 1
    plot_w, plot_h = width - left - 8, height - bottom - top
    bar_w = plot_w / bins
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        'aria-label="duration histogram"><title>Duration of each invoke, ms</title>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{tallest}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 6}">0 ms</text>',
        f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end">{high:.2f} ms</text>',
    ]
    for i in range(bins):
        x = left + i * bar_w
        y = float(top + plot_h)
        for count, color, start in ((warm[i], WARM, "warm"), (cold[i], COLD, "cold")):
            if count:
                h = plot_h * count / tallest
                y -= h
                out.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" '
                    f'height="{h:.1f}" fill="{color}"><title>{count} {start} invokes, '
                    f"{i * step:.2f}-{(i + 1) * step:.2f} ms</title></rect>"
                )
    ordered_durations = sorted(durations)
    for row, (name, pct) in enumerate((("p50", 50), ("p95", 95))):
        value = percentile(ordered_durations, pct)
        assert value is not None
        x = left + plot_w * value / high
        # Labels near the right edge go on the line's left; p50 and p95 on two rows.
        anchor, text_x = ("end", x - 3) if x > left + plot_w - 30 else ("start", x + 3)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{INK}" '
            f'stroke-dasharray="4 3"/><text x="{text_x:.1f}" y="{top + 8 + 12 * row}" '
            f'text-anchor="{anchor}">{name}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _failed_invocations(records: Sequence[InvocationRecord]) -> str:
    logged = [r for r in records if r.logs is not None]
    if not logged:
        return (
            "<h2>Failed invocations</h2>"
            "<p class=meta>None: every invoke succeeded within its limits.</p>"
        )
    parts = [f"<h2>Failed invocations ({len(logged)})</h2>"]
    for r in logged[:MAX_LOGGED_INVOCATIONS]:
        what = r.error_type or ("limit exceeded" if r.violations else r.status)
        summary = f"{r.function} · {r.status} · {what} · {r.test or 'outside a test'}"
        violations = "".join(f'<p class="violation">{_e(v)}</p>' for v in r.violations)
        parts.append(
            f"<details><summary>{_e(summary)}</summary>{violations}<pre>{_e(r.logs or '')}</pre>"
            "</details>"
        )
    if len(logged) > MAX_LOGGED_INVOCATIONS:
        parts.append(
            f"<p class=meta>... and {len(logged) - MAX_LOGGED_INVOCATIONS} more; the JSON "
            "report has them all.</p>"
        )
    return "\n".join(parts)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def _short(label: str) -> str:
    return label if len(label) <= 32 else label[:31] + "…"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
