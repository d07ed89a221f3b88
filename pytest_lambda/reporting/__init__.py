"""What a run reports about its invocations: per-function aggregates, the summary table
printed at the end of a run, and the JSON report (`--lambda-report=PATH`).

Records are plain dicts (`Invocation.to_record()` plus the test's node id): a long run
keeps one per invoke, without the logs and payloads an Invocation holds.
"""

from __future__ import annotations

from .json_report import write_json_report
from .summary import aggregate, summary_lines

__all__ = ["aggregate", "summary_lines", "write_json_report"]
