"""A template's function -> the settings FunctionConfig takes (checked there).

Every property of the function is either honoured, inert for a local run (a description,
tags), warned about once (naming the file, the resource and the property), or refused
with an error that says what to do instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from typing import Any

from ..errors import HarnessError
from .intrinsics import NO_VALUE, Where
from .model import Template
from .roles import role_policy
from .transform import local_path

FUNCTION_TYPE = "AWS::Lambda::Function"
_PYTHON_RUNTIME = re.compile(r"python3\.\d+")
# No behaviour a local run could show.
_INERT = frozenset(
    {
        "Description",
        "Tags",
        "KmsKeyArn",
        "CodeSigningConfigArn",
        "RecursiveLoop",
        "PackageType",
    }
)
_WARNED = {
    "TracingConfig": "not honoured: no X-Ray daemon runs, traces are not sampled",
    "VpcConfig": "not honoured: the function reaches what the test process reaches",
    "DeadLetterConfig": "not honoured: failed asynchronous invokes are not sent anywhere",
    "FileSystemConfigs": "not honoured: no EFS file system is mounted",
    "RuntimeManagementConfig": "not honoured: the runtime is the interpreter running the tests",
}
# SAM properties that leave no trace on the function itself.
_SAM_WARNED = {
    "AutoPublishAlias": "not honoured: invokes go to $LATEST, not an alias",
    "ProvisionedConcurrencyConfig": "not honoured: no environments are started in advance",
    "EventInvokeConfig": "not honoured: asynchronous invoke destinations are not called",
    "DeploymentPreference": "not honoured: there is no gradual deployment",
}
# Read by the settings below (the rest of this module says how).
_HONOURED = frozenset(
    {
        "Code",
        "Handler",
        "Runtime",
        "MemorySize",
        "Timeout",
        "Environment",
        "Architectures",
        "ReservedConcurrentExecutions",
        "Layers",
        "EphemeralStorage",
        "LoggingConfig",
        "Role",
        "FunctionName",
        "ImageConfig",
        "SnapStart",
    }
)
# SnapStart.ApplyOn: what Lambda accepts (botocore's SnapStartApplyOn).
_SNAPSTART_APPLY_ON = {"PublishedVersions": True, "None": False}
_LOGGING = {
    "LogFormat": "log_format",
    "ApplicationLogLevel": "log_level",
    "SystemLogLevel": "system_log_level",
}


def function_ids(template: Template) -> list[str]:
    return list(template.of_type(FUNCTION_TYPE))


def choose_function(template: Template, logical_id: str | None) -> str:
    """The logical id of the function meant (the only one when `logical_id` is None)."""
    functions = function_ids(template)
    shown = template.shown
    if not functions:
        raise HarnessError(
            f"template {shown!r} defines no AWS::Serverless::Function or AWS::Lambda::Function"
        )
    if logical_id is None:
        if len(functions) > 1:
            raise HarnessError(
                f"template {shown!r} defines {len(functions)} functions "
                f"({', '.join(sorted(functions))}); pass logical_id= (or the logical id as the "
                "marker's first argument) to choose one"
            )
        return functions[0]
    if logical_id not in functions:
        close = difflib.get_close_matches(logical_id, functions, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise HarnessError(
            f"template {shown!r} has no function {logical_id!r}{hint} "
            f"(functions: {', '.join(sorted(functions))})"
        )
    return logical_id


def function_settings(
    template: Template,
    logical_id: str | None,
    overrides: Mapping[str, Any],
    *,
    known_settings: Collection[str] = (),
) -> dict[str, Any]:
    """The settings of one function (the only one, or `logical_id`).

    Settings in `overrides` are not read from the template (so an override stands in for
    a value the template computes at deploy time); variables in an `env` override are
    not read either. Settings the configuration does not know (`known_settings`, when
    given) are warned about instead of returned.
    """
    logical_id = choose_function(template, logical_id)
    reader = _Reader(template, logical_id, overrides, known_settings)
    return reader.settings()


class _Reader:
    def __init__(
        self,
        template: Template,
        logical_id: str,
        overrides: Mapping[str, Any],
        known_settings: Collection[str],
    ) -> None:
        self.template = template
        self.logical_id = logical_id
        self.overrides = overrides
        self.known = known_settings
        self.properties = template.properties(logical_id)
        self.settings_: dict[str, Any] = {}

    def where(self, prop: str) -> Where:
        return Where(self.template.shown, self.logical_id, prop)

    def read(self, prop: str) -> Any:
        if prop not in self.properties:
            return None
        value = self.template.resolve(self.properties[prop], self.where(prop))
        return None if value is NO_VALUE else value

    def put(self, setting: str, prop: str, value: Any) -> None:
        if self.known and setting not in self.known:
            self.template.warn_once(
                self.logical_id, prop, f"not honoured by this version of the harness ({value!r})"
            )
            return
        self.settings_[setting] = value

    def wanted(self, setting: str) -> bool:
        return setting not in self.overrides

    def settings(self) -> dict[str, Any]:
        image = self._is_image()
        if self.wanted("handler"):
            handler = self.read("Handler")
            if handler is None and image:
                # An image's handler is its command (CMD ["app.handler"]).
                command = (self.read("ImageConfig") or {}).get("Command") or [None]
                handler = command[0]
            if handler is None:
                raise HarnessError(
                    f"function {self.logical_id!r} in {self.template.shown!r} has no Handler "
                    "property" + (" (nor ImageConfig.Command); pass handler=" if image else "")
                )
            self.put("handler", "Handler", handler)
        if self.wanted("code_dir"):
            self.put("code_dir", "Code", self._code_dir(image))
        if self.wanted("runtime") and not image:
            runtime = self.read("Runtime")
            if runtime is not None:
                if not isinstance(runtime, str) or not _PYTHON_RUNTIME.fullmatch(runtime):
                    raise self.where("Runtime").error(
                        f"{runtime!r} is not a Python runtime; pytest-lambda runs Python "
                        "handlers only (python3.9 and later)"
                    )
                self.put("runtime", "Runtime", runtime)
        for setting, prop in (
            ("memory_mb", "MemorySize"),
            ("timeout_s", "Timeout"),
            ("reserved_concurrency", "ReservedConcurrentExecutions"),
        ):
            if self.wanted(setting) and prop in self.properties:
                self.put(setting, prop, _as_int(self.read(prop)))
        if self.wanted("name"):
            name = self.read("FunctionName")
            self.put("name", "FunctionName", self.logical_id if name is None else name)
        self.settings_["env"] = self._variables()
        if self.wanted("architecture") and "Architectures" in self.properties:
            self.put("architecture", "Architectures", self._architecture())
        if self.wanted("layers"):
            layers = self._layers()
            if layers:
                self.put("layers", "Layers", layers)
        if self.wanted("role_policy"):
            self.put("role_policy", "Role", role_policy(self.template, self.logical_id))
        if self.wanted("ephemeral_storage_mb") and "EphemeralStorage" in self.properties:
            storage = self.read("EphemeralStorage")
            if not isinstance(storage, Mapping):
                raise self.where("EphemeralStorage").error(
                    f"must be a mapping with a Size (MB), got {storage!r}"
                )
            if "Size" in storage:
                self.put("ephemeral_storage_mb", "EphemeralStorage.Size", _as_int(storage["Size"]))
        if self.wanted("snapstart") and "SnapStart" in self.properties:
            self.put("snapstart", "SnapStart", self._snapstart())
        self._logging()
        self._warn_unhonoured()
        return self.settings_

    def _is_image(self) -> bool:
        code = self.properties.get("Code")
        return self.read("PackageType") == "Image" or (
            isinstance(code, Mapping) and "ImageUri" in code
        )

    def _code_dir(self, image: bool) -> str:
        where = self.where("Code")
        if image:
            raise where.error(
                "a container image function (PackageType: Image / ImageUri) cannot be run "
                "from the image; pass code_dir= pointing at the handler's source"
            )
        code = self.properties.get("Code")
        path = local_path(code)
        if path is None and isinstance(code, str):
            path = code
        if code is None:
            # As `sam local` does: code not stated is the template's directory.
            path = "."
        if path is None:
            resolved = self.read("Code")
            if isinstance(resolved, Mapping) and "ZipFile" in resolved:
                raise where.error(
                    "inline code (InlineCode / ZipFile) is not supported; put the handler in a "
                    "file and point CodeUri (or code_dir=) at its directory"
                )
            location = _s3_location(resolved)
            raise where.error(
                f"the code is in S3 ({location}); the harness runs local code: point CodeUri "
                "at the source directory, or pass code_dir= pointing at it"
            )
        return str((self.template.document.directory / path).resolve())

    def _variables(self) -> dict[str, str]:
        environment = self.properties.get("Environment")
        variables = environment.get("Variables") if isinstance(environment, Mapping) else None
        if not isinstance(variables, Mapping):
            return {}
        overridden = self.overrides.get("env") or {}
        if "env" in self.overrides and not isinstance(overridden, Mapping):
            return {}
        rendered = {}
        for name, value in variables.items():
            if name in overridden:
                continue
            where = self.where(f"Environment.Variables.{name}")
            resolved = self.template.resolve(value, where)
            if resolved is NO_VALUE:
                continue
            rendered[name] = _rendered(resolved, where)
        return rendered

    def _snapstart(self) -> bool:
        snapstart = self.read("SnapStart")
        apply_on = snapstart.get("ApplyOn") if isinstance(snapstart, Mapping) else None
        if apply_on not in _SNAPSTART_APPLY_ON:
            raise self.where("SnapStart").error(
                "must be a mapping with ApplyOn: PublishedVersions (SnapStart on) or None "
                f"(off), got {snapstart!r}"
            )
        return _SNAPSTART_APPLY_ON[apply_on]

    def _architecture(self) -> Any:
        architectures = self.read("Architectures")
        if not isinstance(architectures, list) or len(architectures) != 1:
            raise self.where("Architectures").error(
                f"Lambda takes exactly one architecture (x86_64 or arm64), got {architectures!r}"
            )
        return architectures[0]

    def _layers(self) -> list[str]:
        raw = self.properties.get("Layers")
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise self.where("Layers").error(f"must be a list of layers, got {raw!r}")
        directories = []
        for index, item in enumerate(raw):
            where = self.where(f"Layers[{index}]")
            directories.append(self._layer_directory(item, where))
        return directories

    def _layer_directory(self, item: Any, where: Where) -> str:
        template = self.template
        target = item.get("Ref") if isinstance(item, Mapping) and len(item) == 1 else None
        if not isinstance(target, str):
            arn = template.resolve(item, where)
            by_arn = {
                template.ref(lid, where): lid
                for lid in template.of_type("AWS::Lambda::LayerVersion")
            }
            target = by_arn.get(arn)
            if target is None:
                raise where.error(
                    f"layer {arn!r} is not defined in the template, so its content cannot be "
                    "found locally; pass layers=[...] with the layer's local directory"
                )
        target = template.logical_id(target)
        resource = template.resources.get(target)
        if resource is None or resource.get("Type") != "AWS::Lambda::LayerVersion":
            raise where.error(f"{target!r} is not an AWS::Lambda::LayerVersion of the template")
        content = template.properties(target).get("Content")
        path = local_path(content)
        if path is None and isinstance(content, str):
            path = content
        if path is None:
            raise where.error(
                f"layer {target!r} has its content in S3 "
                f"({_s3_location(template.prop(target, 'Content'))}); point ContentUri at the "
                "layer's local directory, or pass layers=[...]"
            )
        return str((template.document.directory / path).resolve())

    def _logging(self) -> None:
        config = self.read("LoggingConfig")
        if not isinstance(config, Mapping):
            return
        for prop, setting in _LOGGING.items():
            if prop in config and self.wanted(setting):
                self.put(setting, f"LoggingConfig.{prop}", config[prop])
        if "LogGroup" in config:
            self.template.warn_once(
                self.logical_id,
                "LoggingConfig.LogGroup",
                "not honoured: AWS_LAMBDA_LOG_GROUP_NAME stays /aws/lambda/<name>",
            )

    def _warn_unhonoured(self) -> None:
        for prop in self.properties:
            if prop in _HONOURED or prop in _INERT:
                continue
            if prop == "TracingConfig":
                mode = self.read(prop)
                if isinstance(mode, Mapping) and mode.get("Mode") != "Active":
                    continue
            message = _WARNED.get(prop, "not honoured by the harness")
            self.template.warn_once(self.logical_id, prop, message)
        original = self.template.transformed.original_properties.get(self.logical_id, {})
        for prop, message in _SAM_WARNED.items():
            if prop in original:
                self.template.warn_once(self.logical_id, prop, message)


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _rendered(value: Any, where: Where) -> str:
    """A variable's value as CloudFormation passes it to Lambda: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise where.error(f"must be a string, got {value!r}")


def _s3_location(value: Any) -> str:
    if isinstance(value, Mapping):
        bucket = value.get("S3Bucket") or value.get("Bucket")
        key = value.get("S3Key") or value.get("Key")
        return f"s3://{bucket}/{key}"
    return repr(value)
