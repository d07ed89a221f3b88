"""The JSON report: `{"version", "run", "invocations", "functions"[, "baseline"]}`.

Its JSON Schema ships in the package (`report.schema.json`, `report_schema()`); reports
read back (a baseline, shards to merge) are checked against it first.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import HarnessError
from .baseline import Comparison
from .records import InvocationRecord
from .stats import FunctionStats, aggregate

REPORT_VERSION = 1
SCHEMA_FILE = "report.schema.json"


@dataclass
class RunReport:
    """A run's report: where it ran, its invocations, its functions, its comparison."""

    run: dict[str, Any]
    records: list[InvocationRecord]
    functions: dict[str, FunctionStats]
    comparison: Comparison | None = None

    @classmethod
    def of(cls, run: dict[str, Any], records: Sequence[InvocationRecord]) -> RunReport:
        return cls(run, list(records), aggregate(records))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": REPORT_VERSION,
            "run": self.run,
            "invocations": [record.to_json() for record in self.records],
            "functions": {name: stats.to_json() for name, stats in self.functions.items()},
        }
        if self.comparison is not None:
            data["baseline"] = self.comparison.to_json()
        return data

    def write(self, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")


@functools.cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of the report."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(data: object) -> list[str]:
    """What makes `data` not a report, most relevant first ([] for a valid report)."""
    # jsonschema is imported when a report is read, not with the plugin at pytest's start.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(report_schema())
    errors = list(validator.iter_errors(data))
    if not errors:
        return []
    first = best_match(errors)
    ordered = [first, *(e for e in errors if e is not first)]
    return [f"{e.json_path}: {e.message}" for e in ordered]


def load_report(path: str | os.PathLike[str], role: str) -> dict[str, Any]:
    """A report read from `path` and checked against the schema; `role` names it in errors
    (e.g. "--lambda-baseline")."""
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise HarnessError(f"{role} {where!r}: no such file") from None
    except OSError as e:
        raise HarnessError(f"{role} {where!r} cannot be read: {e.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise HarnessError(
            f"{role} {where!r} is not JSON ({e}); pass a --lambda-report file"
        ) from None
    problems = schema_errors(data)
    if problems:
        raise HarnessError(
            f"{role} {where!r} is not a pytest-lambda report: {problems[0]}"
            + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")
        )
    loaded: dict[str, Any] = data
    return loaded
