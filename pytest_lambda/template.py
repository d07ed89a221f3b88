"""A SAM or CloudFormation template -> the settings of one of its functions.

The settings are returned as the template states them; FunctionConfig checks them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import HarnessError

_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation's short-form intrinsics (!Ref, !Sub, ...)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
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


def load_template(path: str | os.PathLike[str]) -> dict[str, Any]:
    template_path = Path(path)
    if not template_path.is_file():
        raise HarnessError(
            f"template {os.fspath(path)!r} does not exist (resolved from {os.getcwd()!r}); "
            "point template= (or lambda_template) at your template.yaml"
        )
    try:
        document = yaml.load(template_path.read_text(encoding="utf-8"), Loader=_TemplateLoader)
    except yaml.YAMLError as e:
        raise HarnessError(f"template {os.fspath(path)!r} is not valid YAML/JSON: {e}") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise HarnessError(
            f"template {os.fspath(path)!r} has no Resources section; is it a SAM or "
            "CloudFormation template?"
        )
    return document


def function_settings(
    path: str | os.PathLike[str],
    logical_id: str | None = None,
    *,
    overridden: Collection[str] = (),
) -> dict[str, Any]:
    """The settings of one function of the template (the only one, or `logical_id`).

    Settings named in `overridden` are not read from the template at all, so that the
    caller's value can stand in for one the template computes at deploy time.
    """
    document = load_template(path)
    functions = {
        name: resource
        for name, resource in document["Resources"].items()
        if isinstance(resource, dict) and resource.get("Type") in _FUNCTION_TYPES
    }
    if not functions:
        raise HarnessError(
            f"template {os.fspath(path)!r} defines no AWS::Serverless::Function or "
            "AWS::Lambda::Function"
        )
    if logical_id is None:
        if len(functions) > 1:
            raise HarnessError(
                f"template {os.fspath(path)!r} defines {len(functions)} functions "
                f"({', '.join(sorted(functions))}); pass logical_id= to choose one"
            )
        logical_id = next(iter(functions))
    if logical_id not in functions:
        close = difflib.get_close_matches(logical_id, list(functions), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise HarnessError(
            f"template {os.fspath(path)!r} has no function {logical_id!r}{hint} "
            f"(functions: {', '.join(sorted(functions))})"
        )
    resource = functions[logical_id]
    serverless = resource["Type"] == "AWS::Serverless::Function"
    globals_ = document.get("Globals", {}).get("Function", {}) if serverless else {}
    properties = {**globals_, **(resource.get("Properties") or {})}
    resolver = _Resolver(document, path, logical_id)

    def resolve(value: Any, prop: str, setting: str = "") -> Any:
        return None if setting in overridden else resolver(value, prop)

    handler = resolve(properties.get("Handler"), "Handler", "handler")
    if handler is None and "handler" not in overridden:
        raise HarnessError(
            f"function {logical_id!r} in {os.fspath(path)!r} has no Handler property"
        )
    settings: dict[str, Any] = {"handler": handler}
    if "MemorySize" in properties:
        settings["memory_mb"] = _as_int(
            resolve(properties["MemorySize"], "MemorySize", "memory_mb")
        )
    if "Timeout" in properties:
        settings["timeout_s"] = _as_int(resolve(properties["Timeout"], "Timeout", "timeout_s"))
    name = resolve(properties.get("FunctionName"), "FunctionName", "name")
    settings["name"] = name if name is not None else logical_id
    variables = {
        **((globals_.get("Environment") or {}).get("Variables") or {}),
        **(((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}),
    }
    if "env" not in overridden:
        settings["env"] = {
            key: str(resolver(value, f"Environment.Variables.{key}"))
            for key, value in variables.items()
        }
    architectures = properties.get("Architectures")
    if isinstance(architectures, list) and architectures:
        settings["architecture"] = resolve(architectures[0], "Architectures", "architecture")
    code_uri = properties.get("CodeUri") if serverless else None
    template_dir = Path(path).resolve().parent
    if isinstance(code_uri, str):
        settings["code_dir"] = str(template_dir / code_uri)
    else:
        settings["code_dir"] = str(template_dir)
    policies = properties.get("Policies")
    if policies is not None:
        settings["role_policy"] = policies
    reserved = properties.get("ReservedConcurrentExecutions")
    if reserved is not None:
        settings["reserved_concurrency"] = _as_int(
            resolve(reserved, "ReservedConcurrentExecutions", "reserved_concurrency")
        )
    logging_config = properties.get("LoggingConfig")
    if isinstance(logging_config, dict):
        for prop, setting in _LOGGING_CONFIG.items():
            if prop in logging_config:
                settings[setting] = resolve(logging_config[prop], f"LoggingConfig.{prop}", setting)
    storage = properties.get("EphemeralStorage")
    if isinstance(storage, dict) and "Size" in storage:
        settings["ephemeral_storage_mb"] = _as_int(
            resolve(storage["Size"], "EphemeralStorage.Size", "ephemeral_storage_mb")
        )
    return settings


# LoggingConfig's properties -> the function settings they give.
_LOGGING_CONFIG = {
    "LogFormat": "log_format",
    "ApplicationLogLevel": "log_level",
    "SystemLogLevel": "system_log_level",
}


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


class _Resolver:
    """Resolves the intrinsics a local run can know: !Ref to a parameter's Default."""

    def __init__(self, document: Mapping[str, Any], path: str | os.PathLike[str], logical_id: str):
        self._parameters = document.get("Parameters") or {}
        self._where = f"function {logical_id!r} in {os.fspath(path)!r}"

    def __call__(self, value: Any, prop: str) -> Any:
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            parameter = self._parameters.get(value["Ref"])
            if isinstance(parameter, dict) and "Default" in parameter:
                return parameter["Default"]
            raise HarnessError(
                f"{self._where}: {prop} refers to {value['Ref']!r}, which has no Default "
                f"the harness can use; give the parameter a Default or pass {prop} to the "
                "marker/LambdaFunction as an override"
            )
        raise HarnessError(
            f"{self._where}: {prop} uses {next(iter(value))}, which cannot be resolved "
            "locally; pass the value to the marker/LambdaFunction as an override"
        )
