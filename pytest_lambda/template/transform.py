"""A template's shape checked, and SAM templates turned into CloudFormation by the SAM
transform itself (the `aws-sam-translator` package AWS runs for `Transform:
AWS::Serverless-2016-10-31`): Globals, policy templates, event sources, connectors and
the implicit resources (roles, permissions, APIs) come out as AWS makes them.

The transform expects packaged templates (code in S3). Local paths (CodeUri, ContentUri,
DefinitionUri) are swapped for placeholder S3 locations before it runs and read back
after, as `sam local` does; a function with no CodeUri gets the template's directory.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import HarnessError
from .reading import Document

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PLACEHOLDER_BUCKET = "pytest-lambda-local"
_PLACEHOLDER_PREFIX = f"s3://{PLACEHOLDER_BUCKET}/"
# Properties of SAM resources that name local files or directories.
_LOCAL_PATHS = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
}
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


@dataclass(frozen=True)
class Transformed:
    """A template as CloudFormation would deploy it (SAM resources expanded).

    `renamed` maps the logical ids the transform changed (layers get a hash suffix) to
    their new ids; `original_types` gives each original resource's type.
    """

    body: dict[str, Any]
    renamed: dict[str, str]
    original_types: dict[str, str]
    original_properties: dict[str, dict[str, Any]]


def local_path(value: Any) -> str | None:
    """The local path a placeholder S3 location stands for (None: not a placeholder)."""
    if isinstance(value, Mapping):
        bucket, key = (
            value.get("S3Bucket", value.get("Bucket")),
            value.get("S3Key", value.get("Key")),
        )
        if bucket == PLACEHOLDER_BUCKET and isinstance(key, str):
            return bytes.fromhex(key).decode()
    if isinstance(value, str) and value.startswith(_PLACEHOLDER_PREFIX):
        return bytes.fromhex(value[len(_PLACEHOLDER_PREFIX) :]).decode()
    return None


def _placeholder(path: str) -> str:
    return _PLACEHOLDER_PREFIX + path.encode().hex()


def is_sam(body: Mapping[str, Any]) -> bool:
    transform = body.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in transforms or any(
        isinstance(r, Mapping) and str(r.get("Type", "")).startswith("AWS::Serverless::")
        for r in body["Resources"].values()
    )


def check_shape(document: Document) -> None:
    """What CloudFormation would refuse before reading any value, named precisely."""
    body, shown = document.body, str(document.path)
    for section in ("Parameters", "Conditions", "Mappings", "Outputs"):
        if section in body and not isinstance(body[section], Mapping):
            raise HarnessError(
                f"template {shown!r}: {section} must be a mapping of names to definitions, "
                f"got {_kind(body[section])}"
            )
    transform = body.get("Transform")
    for name in transform if isinstance(transform, list) else [transform]:
        if name is not None and name != SAM_TRANSFORM:
            raise HarnessError(
                f"template {shown!r}: Transform {name!r} is not supported by the harness (only "
                f"{SAM_TRANSFORM}); expand it first (e.g. `sam build`) or remove it"
            )
    if "Globals" in body:
        globals_ = body["Globals"]
        if not isinstance(globals_, Mapping) or not globals_:
            raise HarnessError(
                f"template {shown!r}: Globals is {_kind(globals_)}; give it sections such as "
                "Function: (a mapping of properties) or remove it"
            )
        for section, properties in globals_.items():
            if not isinstance(properties, Mapping):
                raise HarnessError(
                    f"template {shown!r}: Globals.{section} must be a mapping of properties, "
                    f"got {_kind(properties)}"
                )
        function_globals = globals_.get("Function")
        if function_globals is not None:
            _check_environment(shown, "Globals.Function", function_globals)
    for logical_id, resource in body["Resources"].items():
        where = f"template {shown!r}: resource {logical_id!r}"
        if not isinstance(resource, Mapping):
            raise HarnessError(f"{where} must be a mapping with a Type, got {_kind(resource)}")
        if not isinstance(resource.get("Type"), str) or not resource["Type"]:
            raise HarnessError(f"{where} has no Type (a string like 'AWS::S3::Bucket')")
        properties = resource.get("Properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise HarnessError(
                f"{where}: Properties must be a mapping of property names to values, got "
                f"{_kind(properties)}"
            )
        if resource["Type"] in FUNCTION_TYPES and properties is not None:
            _check_environment(shown, f"resource {logical_id!r}", properties)


def _check_environment(shown: str, owner: str, properties: Mapping[str, Any]) -> None:
    where = f"template {shown!r}: {owner}"
    if "Environment" not in properties:
        return
    environment = properties["Environment"]
    if not isinstance(environment, Mapping):
        raise HarnessError(
            f"{where}: Environment must be a mapping with Variables:, got {_kind(environment)}"
        )
    variables = environment.get("Variables")
    if variables is None:
        return
    if not isinstance(variables, Mapping):
        raise HarnessError(
            f"{where}: Environment.Variables must be a mapping of names to values, got "
            f"{_kind(variables)}"
        )
    for name, value in variables.items():
        if value is None:
            raise HarnessError(
                f"{where}: Environment.Variables.{name} is null; CloudFormation refuses a null "
                'value: give it one ("" for an empty string) or remove the variable'
            )
        if isinstance(value, list) or (isinstance(value, Mapping) and len(value) != 1):
            raise HarnessError(
                f"{where}: Environment.Variables.{name} must be a string (or an intrinsic "
                f"function giving one), got {_kind(value)}"
            )


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the {type(value).__name__} {value!r}"


_cache: dict[tuple[Any, ...], Transformed] = {}
_cache_lock = threading.Lock()


def transform(document: Document, parameters: Mapping[str, Any]) -> Transformed:
    """The template as CloudFormation would see it after its transforms (cached)."""
    key = (
        document.path,
        document.digest,
        tuple(sorted((k, repr(v)) for k, v in parameters.items())),
    )
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    check_shape(document)
    body = document.body
    original_types = {lid: r["Type"] for lid, r in body["Resources"].items()}
    original_properties = {
        lid: dict(r.get("Properties") or {}) for lid, r in body["Resources"].items()
    }
    if is_sam(body):
        result = Transformed(
            *_sam_transform(document, parameters), original_types, original_properties
        )
    else:
        result = Transformed(copy.deepcopy(body), {}, original_types, original_properties)
    with _cache_lock:
        for stale in [k for k in _cache if k[0] == document.path and k[1] != document.digest]:
            del _cache[stale]
        _cache[key] = result
    return result


def _with_placeholders(body: dict[str, Any]) -> dict[str, Any]:
    """A copy whose local paths are placeholder S3 locations the transform accepts."""
    body = copy.deepcopy(body)
    globals_ = body.get("Globals") or {}
    function_globals = globals_.get("Function") or {}
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = _local_to_placeholder(function_globals["CodeUri"])
    global_code = "CodeUri" in function_globals or "InlineCode" in function_globals
    for resource in body["Resources"].values():
        kind = resource["Type"]
        if kind not in _LOCAL_PATHS:
            continue
        properties = resource.setdefault("Properties", {})
        if properties is None:
            properties = resource["Properties"] = {}
        for name in _LOCAL_PATHS[kind]:
            if isinstance(properties.get(name), str):
                properties[name] = _local_to_placeholder(properties[name])
        if (
            kind == "AWS::Serverless::Function"
            and not global_code
            and not {"CodeUri", "InlineCode", "ImageUri"} & set(properties)
            and properties.get("PackageType", function_globals.get("PackageType")) != "Image"
        ):
            # SAM CLI's default: the code is the template's directory.
            properties["CodeUri"] = _placeholder(".")
    return body


def _local_to_placeholder(value: str) -> str:
    return value if value.startswith("s3://") else _placeholder(value)


def _sam_transform(
    document: Document, parameters: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    # The transform is imported on first use: it costs ~0.3 s, paid only by template users.
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import (
        ExceptionWithMessage,
        InvalidDocumentException,
    )
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    shown = str(document.path)
    region = str(parameters.get("AWS::Region", "us-east-1"))
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(
        get_bundled_managed_policy_map("aws"),
        Parser(),
        boto_session=_RegionOnly(region),
        metrics=metrics,
    )
    body = _with_placeholders(document.body)
    original_ids = set(body["Resources"])
    try:
        translated: dict[str, Any] = translator.translate(body, dict(parameters))
    except InvalidDocumentException as e:
        causes = [
            cause.message if isinstance(cause, ExceptionWithMessage) else str(cause)
            for cause in e.causes
        ]
        raise HarnessError(
            f"template {shown!r} is refused by the SAM transform: {' '.join(causes)}"
        ) from None
    except Exception as e:
        raise HarnessError(
            f"template {shown!r} could not be transformed by the SAM transform "
            f"({type(e).__name__}: {e}); check the template with `sam validate`"
        ) from None
    finally:
        metrics.publish()
    renamed = {}
    for logical_id in original_ids - set(translated["Resources"]):
        matches = [
            new
            for new, resource in translated["Resources"].items()
            if new.startswith(logical_id)
            and new not in original_ids
            and resource.get("Type") == "AWS::Lambda::LayerVersion"
        ]
        if len(matches) == 1:
            renamed[logical_id] = matches[0]
    return translated, renamed


class _RegionOnly:
    """What the transform asks of a boto3 session: only its Region (no credentials)."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name
