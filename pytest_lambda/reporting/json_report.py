"""The JSON report: `{"invocations": [...one record per invoke...], "functions": {...}}`."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from .summary import Aggregates, Record


def write_json_report(
    path: str | os.PathLike[str], records: Sequence[Record], functions: Aggregates
) -> None:
    report = {"invocations": list(records), "functions": functions}
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(report, indent=2) + "\n")
