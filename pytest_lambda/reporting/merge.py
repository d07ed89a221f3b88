"""Merging the JSON reports of a suite split across CI jobs (shards) into one report."""

from __future__ import annotations

import json
import platform
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import HarnessError
from .baseline import DEFAULT_MAX_REGRESSION_PCT, Baseline, compare
from .html_report import write_html_report
from .json_report import RunReport, load_report
from .metadata import DISTRIBUTION, Machine, package_version
from .records import InvocationRecord
from .summary import comparison_table, comparison_title, function_table

MERGE_TOOL = "pytest-lambda report merge"


def merge_reports(reports: Sequence[Mapping[str, Any]]) -> RunReport:
    """One report holding every shard's invocations, aggregated again.

    The merged run is made on one machine if every shard ran on the same kind of
    machine; otherwise its machine is null, and a baseline comparison says so.
    """
    if not reports:
        raise HarnessError("report merge needs at least one report")
    shards: list[dict[str, Any]] = []
    for data in reports:
        run = dict(data["run"])
        shards.extend(run["shards"] if run.get("shards") else [run])
    records = [InvocationRecord.from_json(item) for data in reports for item in data["invocations"]]
    machines = {json.dumps(shard["machine"], sort_keys=True) for shard in shards}
    machine = shards[0]["machine"] if len(machines) == 1 else None
    pythons = {shard["python_version"] for shard in shards}
    platforms = {shard["platform"] for shard in shards}
    started = min(shard["started"] for shard in shards)
    finished = max(shard["finished"] for shard in shards)
    run = {
        "tool": MERGE_TOOL,
        "started": started,
        "finished": finished,
        # The shards ran side by side: the merged run took as long as the longest.
        "duration_s": max(shard["duration_s"] for shard in shards),
        "workers": sum(shard["workers"] for shard in shards),
        "hostname": socket.gethostname(),
        "machine": machine,
        "python_version": pythons.pop() if len(pythons) == 1 else "several",
        "python_implementation": platform.python_implementation(),
        "platform": platforms.pop() if len(platforms) == 1 else "several",
        "pytest_lambda_version": package_version(DISTRIBUTION),
        "ci": shards[0].get("ci"),
        "shards": shards,
    }
    return RunReport.of(run, sorted(records, key=lambda r: r.timestamp))


def run_machine(run: Mapping[str, Any]) -> Machine | None:
    """The machine a report's run was made on (None: its shards ran on several)."""
    machine = run.get("machine")
    return None if machine is None else Machine.from_json(machine)


def merge_files(
    paths: Sequence[str],
    *,
    output: str | None = None,
    html: str | None = None,
    baseline: str | None = None,
    max_regression_pct: float = DEFAULT_MAX_REGRESSION_PCT,
    full: bool = False,
) -> tuple[list[str], bool]:
    """`pytest-lambda report merge`: the lines to print, and whether the baseline found
    regressions. Writes the merged JSON report and the HTML report when asked to."""
    if max_regression_pct < 0:
        raise HarnessError(f"--max-regression-pct must be 0 or more, got {max_regression_pct:g}")
    reports = [load_report(path, "report") for path in paths]
    against = None
    if baseline is not None:
        against = Baseline.from_report(baseline, load_report(baseline, "--baseline"))
    merged = merge_reports(reports)
    lines = [f"{len(paths)} reports merged: {len(merged.records)} invocations"]
    if merged.records:
        lines += function_table(merged.functions.values(), full=full).text()
    if against is not None:
        merged.comparison = compare(
            merged.functions,
            against,
            machine=run_machine(merged.run),
            max_regression_pct=max_regression_pct,
        )
        lines += ["", comparison_title(merged.comparison)]
        lines += comparison_table(merged.comparison, full=full).text()
        lines += [f"REGRESSION {r}" for r in merged.comparison.regressions]
    if output is not None:
        merged.write(output)
        lines.append(f"merged report written to {output}")
    if html is not None:
        write_html_report(html, merged)
        lines.append(f"HTML report written to {html}")
    regressed = bool(merged.comparison and merged.comparison.regressions)
    return lines, regressed
