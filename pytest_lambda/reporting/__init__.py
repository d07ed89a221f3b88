"""What a run reports about its invocations: limits judged where each test runs, the
summary printed at the end of a run, baselines, and the JSON, HTML and log-file reports.

A run keeps one `InvocationRecord` per invoke (not the Invocation, which holds payloads
and logs); `GatesPlugin` (gates.py) is the pytest side, registered by the plugin.
"""

from __future__ import annotations

from .json_report import RunReport, load_report, report_schema, schema_errors
from .records import InvocationRecord
from .stats import FunctionStats, aggregate

__all__ = [
    "FunctionStats",
    "InvocationRecord",
    "RunReport",
    "aggregate",
    "load_report",
    "report_schema",
    "schema_errors",
]
