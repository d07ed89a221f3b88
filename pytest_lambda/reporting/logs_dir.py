"""`--lambda-logs-dir=DIR`: each function's logs in one file, as CloudWatch shows them.

`DIR/<function name>.log` holds every invoke of the function in the order they ended
(INIT_START on cold starts, START, the function's output, END, REPORT), across all
pytest-xdist workers. Function names are file-name safe by Lambda's own rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..invocation import Invocation, display_logs
from .records import wall_time


@dataclass(frozen=True)
class LogEntry:
    """One invoke's logs, with when it ended (seconds since the epoch, real time)."""

    function: str
    ended: float
    text: str

    @classmethod
    def of(cls, invocation: Invocation) -> LogEntry:
        return cls(invocation.function_name, wall_time(), display_logs(invocation.logs))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogEntry:
        return cls(data["function"], data["ended"], data["text"])

    def to_json(self) -> dict[str, Any]:
        return {"function": self.function, "ended": self.ended, "text": self.text}


def write_logs_dir(directory: str | os.PathLike[str], entries: Iterable[LogEntry]) -> list[Path]:
    """Write the files; the paths written, one per function."""
    by_function: dict[str, list[LogEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.ended):
        by_function.setdefault(entry.function, []).append(entry)
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for function, group in by_function.items():
        path = root / f"{function}.log"
        path.write_text("".join(entry.text for entry in group), encoding="utf-8")
        written.append(path)
    return written
