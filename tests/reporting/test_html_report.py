"""The HTML report: self-contained, escaped, and rendered by a real browser."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, LambdaFunction
from pytest_lambda.reporting import InvocationRecord, RunReport
from pytest_lambda.reporting.baseline import Baseline, compare
from pytest_lambda.reporting.html_report import COLD, USED, WARM, render, write_html_report
from pytest_lambda.reporting.metadata import Machine, run_metadata

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


def _report(records: list[InvocationRecord]) -> RunReport:
    run = run_metadata(
        started="2026-11-30T10:00:00+00:00",
        finished="2026-11-30T10:00:05+00:00",
        duration_s=5.0,
        workers=2,
        tool="pytest",
    )
    return RunReport.of(run, records)


@pytest.fixture
def real_report(handlers_dir: Path) -> RunReport:
    """A report of real invokes: cold and warm, process and inline, an error, a timeout."""
    records: list[InvocationRecord] = []

    def keep(function: LambdaFunction, events: list[object]) -> None:
        for event in events:
            invocation = function.invoke(event)
            records.append(
                InvocationRecord.from_invocation(
                    invocation, test="test_app.py::test_it", worker="gw0"
                )
            )

    with LambdaFunction("app.echo", code_dir=handlers_dir, name="orders", memory_mb=1024) as f:
        keep(f, [{"n": n} for n in range(30)])
    with LambdaFunction("app.count", code_dir=handlers_dir, name="counter") as f:
        keep(f, [{}] * 12)
    with LambdaFunction("app.fail", code_dir=handlers_dir, name="failing") as f:
        keep(f, [{}, {}])
    with LambdaFunction("app.spin", code_dir=handlers_dir, name="spinning", timeout_s=1) as f:
        keep(f, [{"spin": True}])
    with LambdaFunction("app.hello", code_dir=handlers_dir, name="inline", isolation="inline") as f:
        keep(f, [{}] * 3)
    return _report(records)


def test_the_report_fetches_nothing_and_runs_no_script(real_report: RunReport) -> None:
    page = render(real_report)
    assert page.startswith("<!doctype html>")
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
    ) in page
    assert "<script" not in page
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"https?://", page.replace('http-equiv="Content-Security-Policy"', ""))


def test_the_report_shows_every_function_and_the_failed_invocations_logs(
    real_report: RunReport,
) -> None:
    page = render(real_report)
    for name in ("orders", "counter", "failing", "spinning", "inline"):
        assert f"<h3>{name}</h3>" in page
    assert page.count('aria-label="duration histogram"') == 5
    assert "<h2>Failed invocations (3)</h2>" in page
    assert "failing · error · ValueError · test_app.py::test_it" in page
    assert "spinning · timeout · Sandbox.Timedout" in page
    assert "[ERROR] ValueError: boom" in page
    assert "right-sizing: orders peaked at" in page
    assert "memory: n/a for inline functions" in page


def test_everything_from_the_run_is_escaped(record: Callable[..., InvocationRecord]) -> None:
    failing = record(function="fn", error=ErrorKind.UNHANDLED, test="t.py::test[<b>]")
    failing.logs = "<script>alert('logs')</script>\n"
    failing.violations = ["fn: <img> exceeded"]
    page = render(_report([failing]))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;logs&#x27;)&lt;/script&gt;" in page
    assert "t.py::test[&lt;b&gt;]" in page
    assert "fn: &lt;img&gt; exceeded" in page


def test_a_baseline_comparison_is_part_of_the_report(record) -> None:
    report = _report([record(duration_ms=50.0) for _ in range(5)])
    before = _report([record(duration_ms=10.0) for _ in range(5)])
    other = Machine("Linux", "x86_64", "Another CPU", 8, "3.12")
    report.comparison = compare(
        report.functions,
        Baseline("main.json", other, before.functions),
        machine=Machine.this_one(),
        max_regression_pct=20,
    )
    page = render(report)
    assert "<h2>Against the baseline</h2>" in page
    assert (
        '<p class="flag">baseline main.json: regressions beyond 20% fail the run; FLAGGED' in page
    )


def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _screenshot(browser: str, page: Path, png: Path, profile: Path) -> None:
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # root in containers
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,2200",
        f"--screenshot={png}",
        page.as_uri(),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=90)
    finally:
        # The browser's helpers (zygote, GPU, network service) go with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert png.is_file(), output.decode(errors="replace")


@pytest.mark.skipif(
    _browser() is None,
    reason="no Chromium installed to render the HTML report in (Debian: apt-get install chromium)",
)
def test_a_real_browser_renders_the_charts(real_report: RunReport, tmp_path: Path) -> None:
    from PIL import Image

    page = tmp_path / "report.html"
    write_html_report(page, real_report)
    png = tmp_path / "report.png"
    browser = _browser()
    assert browser is not None
    _screenshot(browser, page, png, tmp_path / "profile")
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 2200)
    colors = image.getcolors(maxcolors=1 << 20)
    assert colors is not None
    counts = {rgb: count for count, rgb in colors}
    assert len(counts) > 100  # text, tables and charts, not a blank or an error page

    def pixels(hex_color: str) -> int:
        return counts.get(tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)), 0)

    # The charts drawn: warm and cold bars of the histograms, the GB-seconds bars (warm's
    # colour too) and the memory bars.
    assert pixels(WARM) > 2000
    assert pixels(COLD) > 500
    assert pixels(USED) > 1000
