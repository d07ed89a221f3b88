"""What every benchmark shares: the trivial handler, timing, table rows, the peer to beat."""

from __future__ import annotations

import io
import logging
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

HANDLERS = Path(__file__).resolve().parent / "handlers"
EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}


def samples(call: Callable[[], Any], rounds: int, warmup: int, scale: float) -> list[float]:
    """Each call's duration, in seconds times `scale` (1e3 for ms, 1e6 for µs)."""
    for _ in range(warmup):
        call()
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * scale)
    return durations


def row(name: str, durations: list[float], digits: int = 2) -> str:
    """A markdown table row: name, median, p90, count."""
    ordered = sorted(durations)
    p90 = ordered[int(len(ordered) * 0.9)]
    median = statistics.median(durations)
    return f"| {name} | {median:,.{digits}f} | {p90:,.{digits}f} | {len(durations):,} |"


def python_lambda_local(handler: Callable[[Any, Any], Any]) -> Callable[[], Any]:
    """One call of the trivial event through python-lambda-local's `call()`, output muted."""
    from lambda_local.context import Context
    from lambda_local.main import call

    context = Context(3)
    sink = io.StringIO()

    def invoke() -> Any:
        with redirect_stdout(sink), redirect_stderr(sink):
            return call(handler, EVENT, context)

    return invoke


@contextmanager
def logging_muted() -> Iterator[None]:
    """python-lambda-local logs every call through the root logger: time the call, not
    the terminal."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
