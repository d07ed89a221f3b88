"""Sample events on disk, and `load_event`.

Samples live in sample_events/ at the repository's top level; the wheel ships them as
pytest_lambda/sample_events. Both places are looked up, the installed one first.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
from pathlib import Path
from typing import Any

from ._core import (
    REGISTRY,
    EventArgumentError,
    Kind,
    Variant,
    accepted_keywords,
    check_keywords,
    short_repr,
)
from ._validate import UnknownEventError

VARIANT_SEPARATOR = "--"


def sample_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    return [package / "sample_events", package.parent / "sample_events"]


@functools.lru_cache(maxsize=1)
def sample_dir() -> Path:
    for candidate in sample_dirs():
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "sample_events/ not found; looked in " + ", ".join(map(str, sample_dirs()))
    )


def sample_names() -> list[str]:
    """Every loadable name: each kind, then each kind--variant."""
    names: list[str] = []
    for kind in REGISTRY.values():
        names.append(kind.name)
        names.extend(f"{kind.name}{VARIANT_SEPARATOR}{v.name}" for v in kind.variants)
    return names


def resolve(name: str) -> tuple[Kind, Variant | None]:
    if not isinstance(name, str):
        raise EventArgumentError(
            f"an event is named by a string like 's3-put' or 'sqs--fifo', got "
            f"{type(name).__name__} {short_repr(name)}; 'pytest-lambda events' lists them"
        )
    kind_name, _, variant_name = name.partition(VARIANT_SEPARATOR)
    kind = REGISTRY.get(kind_name)
    if kind is not None:
        if not variant_name:
            return kind, None
        for variant in kind.variants:
            if variant.name == variant_name:
                return kind, variant
    close = difflib.get_close_matches(name, sample_names(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise UnknownEventError(
        f"unknown event {name!r}{hint} Run 'pytest-lambda events' to list them."
    )


@functools.cache
def _read(name: str) -> Any:
    with (sample_dir() / f"{name}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def load_event(name: str, **overrides: Any) -> Any:
    """A fresh copy of a sample event: "s3-put", or a variant such as "sqs--fifo".

    Without overrides it is the sample file, deep-copied so no test can change what another
    one gets. With overrides the event is built by the kind's factory from the variant's
    preset arguments updated with the overrides (`load_event("s3-put", bucket="b")` is
    `events.s3_put(bucket="b")`), so every derived field (URL-encoded key, MD5 digests,
    ids, timestamps from the current clock) stays consistent. An override the factory does
    not accept raises TypeError listing the accepted ones.
    """
    kind, variant = resolve(name)
    if not overrides:
        return copy.deepcopy(_read(name))
    check_keywords(f"load_event({name!r})", overrides, accepted_keywords(kind.factory))
    preset = dict(variant.preset) if variant else {}
    return kind.factory(**{**preset, **overrides})
