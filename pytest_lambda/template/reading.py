"""A template file -> its document: YAML (with CloudFormation's short forms) or JSON.

Documents are cached per file path and content hash: a suite reads the same template for
every test, and reading and parsing it again would cost more than the test.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import HarnessError


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader reading CloudFormation's short forms (!Ref, !Sub, !GetAtt a.b, ...).

    Dates stay strings (`AWSTemplateFormatVersion: 2010-09-09` unquoted is common, and
    CloudFormation reads no YAML timestamps).
    """


_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if tag_suffix == "Ref":
        name = "Ref"
    elif tag_suffix == "Condition":
        name = "Condition"
    else:
        name = f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Document:
    """A template file as read: its resolved path, content hash and parsed document.

    The document is shared by every reader of the file: never change it.
    """

    path: Path
    digest: str
    body: dict[str, Any]

    @property
    def directory(self) -> Path:
        return self.path.parent


_cache: dict[tuple[Path, str], Document] = {}
_cache_lock = threading.Lock()


def read_document(path: str | os.PathLike[str]) -> Document:
    """The template at `path`, parsed (cached per path and content)."""
    template_path = Path(path)
    if not template_path.is_file():
        raise HarnessError(
            f"template {os.fspath(path)!r} does not exist (resolved from {os.getcwd()!r}); "
            "point template= (or lambda_template, or -t) at your template.yaml"
        )
    resolved = template_path.resolve()
    data = resolved.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = (resolved, digest)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    document = Document(resolved, digest, _parse(data, os.fspath(path)))
    with _cache_lock:
        # A file that changed leaves its old entry behind: drop it.
        for stale in [k for k in _cache if k[0] == resolved]:
            del _cache[stale]
        _cache[key] = document
    return document


def _parse(data: bytes, shown: str) -> dict[str, Any]:
    if b"\x00" in data:
        raise HarnessError(
            f"template {shown!r} is binary (it holds NUL bytes); a SAM or CloudFormation "
            "template is YAML or JSON text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise HarnessError(
            f"template {shown!r} is not UTF-8 text (byte {e.start} is {data[e.start]:#04x}); "
            "save it as UTF-8"
        ) from None
    body: Any
    if text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as e:
            raise HarnessError(f"template {shown!r} is not valid JSON: {e}") from None
    else:
        try:
            body = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as e:
            raise HarnessError(
                f"template {shown!r} is not valid YAML/JSON: {' '.join(str(e).split())}"
            ) from None
    if not isinstance(body, dict) or not isinstance(body.get("Resources"), dict):
        raise HarnessError(
            f"template {shown!r} has no Resources section; is it a SAM or CloudFormation template?"
        )
    return body
