"""SAM and CloudFormation templates, read the way AWS reads them.

- reading.py: the file -> its document (YAML short forms, JSON), cached per content;
- transform.py: the template's shape checked; SAM's transform run (aws-sam-translator);
- parameters.py: Parameters with defaults, overrides in SAM's syntax, constraints;
- intrinsics.py: Ref, Fn::GetAtt, Fn::Sub, ... and conditions, resolved on demand;
- resources.py: what Ref and Fn::GetAtt give per resource type, physical names;
- model.py: `Template`, the transformed template for one set of parameter values;
- functions.py and roles.py: a function's settings and its execution role's policies.

Settings come out as the template states them; FunctionConfig checks them.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .functions import choose_function, function_ids
from .functions import function_settings as _function_settings
from .intrinsics import NO_VALUE, Where, referenced_id
from .model import DEFAULT_STACK_NAME, Template, load_template
from .parameters import parse_overrides
from .resources import STREAM_LABEL
from .transform import local_path

# What `sam` looks for in a project's directory.
TEMPLATE_NAMES = ("template.yaml", "template.yml")

__all__ = [
    "DEFAULT_STACK_NAME",
    "NO_VALUE",
    "STREAM_LABEL",
    "TEMPLATE_NAMES",
    "Template",
    "TemplateSource",
    "Where",
    "referenced_id",
    "choose_function",
    "find_template",
    "function_ids",
    "function_settings",
    "load_template",
    "local_path",
    "parse_overrides",
]


@dataclass(frozen=True)
class TemplateSource:
    """Where a function's settings were read: the template, the function's logical id and
    the parameter overrides (so that a deployment finds the same function)."""

    path: str
    logical_id: str
    parameter_overrides: tuple[tuple[str, str], ...] = ()


def find_template(directory: str | os.PathLike[str]) -> Path | None:
    """The project's template.yaml (or .yml) in `directory`, as `sam` finds it."""
    for name in TEMPLATE_NAMES:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate
    return None


def function_settings(
    path: str | os.PathLike[str],
    logical_id: str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    parameter_overrides: Any = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    known_settings: Collection[str] = (),
) -> tuple[dict[str, Any], TemplateSource]:
    """The settings of one function of the template, and where they came from."""
    parsed = parse_overrides(parameter_overrides)
    template = load_template(path, parameter_overrides=parsed, region=region, account_id=account_id)
    chosen = choose_function(template, logical_id)
    settings = _function_settings(template, chosen, overrides or {}, known_settings=known_settings)
    source = TemplateSource(str(template.path), chosen, tuple(sorted(parsed.items())))
    return settings, source
