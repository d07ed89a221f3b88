"""FunctionConfig: the one place where a function's settings are read and checked.

Every limit here is Lambda's own (the quotas and CreateFunction constraints of the AWS
Lambda Developer Guide); a value Lambda would refuse is refused up front with a
HarnessError that names the setting, the limit, the value received and how to fix it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from .context import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from .errors import HarnessError
from .limits import Limits
from .logs import APPLICATION_LEVELS, SYSTEM_LEVELS
from .patching import Patch, parse_patches
from .policy import load_policy
from .template import TemplateSource, function_settings

MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MIN_TIMEOUT_S = 1
MAX_TIMEOUT_S = 900
MAX_ENV_BYTES = 4 * 1024
MAX_FUNCTION_NAME = 64
MAX_HANDLER_LENGTH = 128
ISOLATIONS = ("inline", "process")
ARCHITECTURES = ("x86_64", "arm64")
# The Lambda runtime that matches the interpreter running the tests.
INTERPRETER_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
MAX_LAYERS = 5
# Settings that say where a function's settings come from, not settings of the function.
TEMPLATE_SETTINGS = ("template", "logical_id", "parameter_overrides")
LOG_FORMATS = ("Text", "JSON")
MIN_EPHEMERAL_STORAGE_MB = 512
MAX_EPHEMERAL_STORAGE_MB = 10_240
# SnapStart for Python starts with python3.12 (AWS Lambda Developer Guide, "Improving
# startup performance with Lambda SnapStart").
MIN_SNAPSTART_PYTHON = 12

Isolation = Literal["inline", "process"]
LogFormat = Literal["Text", "JSON"]
Architecture = Literal["x86_64", "arm64"]

_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]+")
_HANDLER = re.compile(r"[^\s]+")
_ENV_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+")
_PYTHON_RUNTIME = re.compile(r"python3\.(\d+)")

# Keys Lambda sets itself; CreateFunction refuses them in Environment.Variables.
RESERVED_ENV_NAMES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


@dataclass(frozen=True)
class FunctionConfig:
    """A function's configuration, as CreateFunction would accept it."""

    handler: str
    memory_mb: int = 128
    timeout_s: float = 3
    name: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    region: str = DEFAULT_REGION
    code_dir: str = "."
    isolation: Isolation = "process"
    architecture: Architecture = "x86_64"
    role_policy: Any = None
    reserved_concurrency: int | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    runtime: str = INTERPRETER_RUNTIME
    layers: Sequence[str | os.PathLike[str]] = ()
    # Where the settings were read (set by from_template), so that a deployment of the
    # same template recognises the function.
    template_source: TemplateSource | None = field(default=None, compare=False)
    # Names replaced in the function's modules ({target: replacement}; see patching.py).
    patches: tuple[Patch, ...] = ()
    limits: Limits | None = None
    # Lambda's logging controls (LoggingConfig): the log format, and the levels Lambda
    # filters the function's records and its own at (JSON format only).
    log_format: LogFormat = "Text"
    log_level: str | None = None
    system_log_level: str | None = None
    # The size of the environment's /tmp (EphemeralStorage).
    ephemeral_storage_mb: int = MIN_EPHEMERAL_STORAGE_MB
    # SnapStart (SnapStart.ApplyOn: PublishedVersions): Init runs once, in a snapshot every
    # cold start is restored from.
    snapstart: bool = False

    def __post_init__(self) -> None:
        _check_handler(self.handler)
        _check_memory(self.memory_mb)
        _check_timeout(self.timeout_s)
        if self.name is None:
            object.__setattr__(self, "name", default_function_name(self.handler))
        _check_function_name(self.function_name)
        object.__setattr__(self, "env", _checked_env(self.env))
        _check_choice("region", self.region, None, _REGION, "a Region code like 'us-east-1'")
        _check_choice("isolation", self.isolation, ISOLATIONS)
        _check_choice("architecture", self.architecture, ARCHITECTURES)
        if not isinstance(self.code_dir, str | os.PathLike):
            raise HarnessError(
                f"code_dir must be a directory path (a str or a pathlib.Path), got "
                f"{type(self.code_dir).__name__} {self.code_dir!r}"
            )
        object.__setattr__(self, "code_dir", os.fspath(self.code_dir))
        if not Path(self.code_dir).is_dir():
            raise HarnessError(
                f"code_dir {self.code_dir!r} is not a directory (resolved from "
                f"{os.getcwd()!r}); point code_dir (or the lambda_code_dir ini key) at the "
                "folder that holds your handler module"
            )
        if self.reserved_concurrency is not None and (
            isinstance(self.reserved_concurrency, bool)
            or not isinstance(self.reserved_concurrency, int)
            or self.reserved_concurrency < 0
        ):
            raise HarnessError(
                "reserved_concurrency must be a whole number of environments, 0 or more "
                f"(0 throttles every invoke), got {self.reserved_concurrency!r}"
            )
        if not re.fullmatch(r"\d{12}", str(self.account_id)):
            raise HarnessError(f"account_id must be 12 digits, got {self.account_id!r}")
        if not isinstance(self.runtime, str) or not _PYTHON_RUNTIME.fullmatch(self.runtime):
            raise HarnessError(
                f"runtime={self.runtime!r} is not a Python runtime; pytest-lambda runs Python "
                f"handlers only: use a runtime like {INTERPRETER_RUNTIME!r} (the interpreter "
                "running the tests)"
            )
        object.__setattr__(self, "layers", _checked_layers(self.layers))
        if self.role_policy is not None:
            # A policy that does not parse fails here, at the line that configured it, not
            # at the first invoke under `aws`.
            load_policy(self.role_policy)
        object.__setattr__(
            self, "patches", parse_patches(self.patches, picklable=self.isolation == "process")
        )
        object.__setattr__(self, "limits", Limits.coerce(self.limits))
        _check_logging(self.log_format, self.log_level, self.system_log_level)
        _check_ephemeral_storage(self.ephemeral_storage_mb)
        _check_snapstart(self)

    @property
    def function_name(self) -> str:
        assert self.name is not None  # set in __post_init__
        return self.name

    @property
    def code_path(self) -> Path:
        return Path(self.code_dir).resolve()

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def import_paths(self) -> list[str]:
        """The function's own sys.path entries, first to last: its code, then its layers as
        Lambda extracts them to /opt (python/lib/python3.X/site-packages, then python/).

        Lambda extracts layers in order into one /opt, a later layer's file replacing an
        earlier one's: so a later layer's directories come first here.
        """
        site_packages: list[str] = []
        python: list[str] = []
        for layer in reversed(self.layers):
            root = Path(layer).resolve()
            content = root / "python"
            if not content.is_dir():
                # The layer's python/ directory given itself.
                python.append(str(root))
                continue
            packages = content / "lib" / self.runtime / "site-packages"
            if packages.is_dir():
                site_packages.append(str(packages))
            python.append(str(content))
        return [str(self.code_path), *site_packages, *python]

    def runtime_mismatch(self) -> str | None:
        """Why the function does not run on its runtime's Python, if it does not."""
        if self.runtime == INTERPRETER_RUNTIME:
            return None
        return (
            f"function {self.function_name!r} is configured for {self.runtime}, but runs on "
            f"the interpreter running the tests ({INTERPRETER_RUNTIME}): what differs between "
            f"the two versions is not what Lambda would show; run the tests under "
            f"{self.runtime} to match, or set runtime={INTERPRETER_RUNTIME!r}"
        )

    def with_changes(self, **changes: Any) -> FunctionConfig:
        """A copy with some settings changed, checked again."""
        unknown = set(changes) - set(setting_names())
        if unknown:
            raise HarnessError(_unknown_settings_message(unknown))
        return replace(self, **changes)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], *, also_accepted: Collection[str] = ()
    ) -> FunctionConfig:
        """Build from marker keywords / ini values, where a template can supply defaults.
        `also_accepted`: names the caller takes itself (named by the unknown-setting error)."""
        settings = {k: v for k, v in settings.items() if k not in also_accepted}
        template = settings.pop("template", None)
        logical_id = settings.pop("logical_id", None)
        parameter_overrides = settings.pop("parameter_overrides", None)
        unknown = set(settings) - set(setting_names())
        if unknown:
            raise HarnessError(_unknown_settings_message(unknown, also_accepted))
        if template is not None:
            return cls.from_template(
                template, logical_id, settings, parameter_overrides=parameter_overrides
            )
        if logical_id is not None:
            raise HarnessError(
                f"logical_id={logical_id!r} names a function of a template, but no template "
                "is configured: pass template= (or set lambda_template), or put a "
                "template.yaml in the rootdir"
            )
        if parameter_overrides is not None:
            raise HarnessError(
                f"parameter_overrides={parameter_overrides!r:.60} sets a template's "
                "Parameters, but no template is configured: pass template= (or set "
                "lambda_template)"
            )
        if "handler" not in settings or settings["handler"] is None:
            raise HarnessError(
                "no handler configured: pass handler= to @pytest.mark.lambda_function(...) "
                "or LambdaFunction(...), set lambda_handler in the [pytest] ini section, or "
                "point lambda_template at a SAM template"
            )
        env = settings.get("env")
        if isinstance(env, Mapping) and any(value is None for value in env.values()):
            settings["env"] = {k: v for k, v in env.items() if v is not None}
        return cls(**settings)

    @classmethod
    def from_template(
        cls,
        path: str | os.PathLike[str],
        logical_id: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        *,
        parameter_overrides: Any = None,
    ) -> FunctionConfig:
        """The function a SAM/CloudFormation template defines (the only one, or `logical_id`).

        Settings in `overrides` win over the template's, which are then not read at all (so
        an override can stand in for a value the template computes at deploy time). An
        `env` override is merged into the template's variables, one by one: a value of None
        removes the template's variable.
        """
        if not isinstance(path, str | os.PathLike):
            raise HarnessError(
                f"template must be the path of a SAM or CloudFormation template, got "
                f"{type(path).__name__} {path!r}"
            )
        if logical_id is not None and not isinstance(logical_id, str):
            raise HarnessError(
                f"logical_id must be a template's logical id like 'HelloWorldFunction', got "
                f"{type(logical_id).__name__} {logical_id!r}"
            )
        overrides = dict(overrides or {})
        settings, source = function_settings(
            path,
            logical_id,
            overrides=overrides,
            parameter_overrides=parameter_overrides,
            region=overrides.get("region", DEFAULT_REGION),
            account_id=overrides.get("account_id", DEFAULT_ACCOUNT_ID),
            known_settings=setting_names(),
        )
        env = dict(settings.pop("env", {}))
        override_env = overrides.pop("env", None)
        if override_env is not None:
            if not isinstance(override_env, Mapping):
                raise HarnessError(
                    f"env must be a mapping of names to strings, got {override_env!r}"
                )
            for name, value in override_env.items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        return cls(**{**settings, **overrides, "env": env, "template_source": source})


def setting_names() -> list[str]:
    """The settings a function accepts (FunctionConfig's fields that users set)."""
    return [f.name for f in fields(FunctionConfig) if f.name != "template_source"]


def _checked_layers(layers: object) -> tuple[str, ...]:
    if isinstance(layers, str | os.PathLike) or not isinstance(layers, Sequence):
        raise HarnessError(
            f"layers must be a list of layer directories, got {layers!r}; pass layers=[...]"
        )
    if len(layers) > MAX_LAYERS:
        raise HarnessError(
            f"{len(layers)} layers given; Lambda allows at most {MAX_LAYERS} per function"
        )
    checked = []
    for layer in layers:
        if not isinstance(layer, str | os.PathLike) or not Path(layer).is_dir():
            raise HarnessError(
                f"layer {layer!r} is not a directory (resolved from {os.getcwd()!r}); a layer "
                "is the directory holding its python/ folder (or that python/ folder itself)"
            )
        # Absolute now: the working directory may change before an environment starts.
        checked.append(os.path.abspath(layer))
    return tuple(checked)


def default_function_name(handler: str) -> str:
    """A valid function name derived from the handler (`src/app.handler` -> `src-app-handler`)."""
    name = re.sub(r"[^a-zA-Z0-9_-]+", "-", handler).strip("-")
    return (name or "function")[:MAX_FUNCTION_NAME]


def _unknown_settings_message(unknown: set[str], also_accepted: Collection[str] = ()) -> str:
    known = setting_names() + list(TEMPLATE_SETTINGS) + list(also_accepted)
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    return (
        f"unknown function setting(s) {', '.join(parts)}; accepted settings are {', '.join(known)}"
    )


def _check_handler(handler: object) -> None:
    if isinstance(handler, str) and "\x00" in handler:
        raise HarnessError(
            f"handler {handler!r} contains a NUL character; the runtime reads the handler "
            "from its environment, which cannot hold one"
        )
    if not isinstance(handler, str) or not _HANDLER.fullmatch(handler):
        raise HarnessError(
            f"handler must be a handler string like 'app.handler' or 'src/app.handler' "
            f"(no spaces), got {handler!r}"
        )
    if len(handler) > MAX_HANDLER_LENGTH:
        raise HarnessError(
            f"handler {handler!r} is {len(handler)} characters; Lambda allows at most "
            f"{MAX_HANDLER_LENGTH}"
        )


def _check_memory(memory_mb: object) -> None:
    if isinstance(memory_mb, bool) or not isinstance(memory_mb, int):
        raise HarnessError(
            f"memory_mb must be a whole number of MB between {MIN_MEMORY_MB} and "
            f"{MAX_MEMORY_MB}, got {memory_mb!r}"
        )
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise HarnessError(
            f"memory_mb={memory_mb} is out of range: Lambda allows {MIN_MEMORY_MB} to "
            f"{MAX_MEMORY_MB:,} MB in 1 MB steps"
        )


def _check_timeout(timeout_s: object) -> None:
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise HarnessError(
            f"timeout_s must be a number of seconds between {MIN_TIMEOUT_S} and "
            f"{MAX_TIMEOUT_S}, got {timeout_s!r}"
        )
    if not MIN_TIMEOUT_S <= timeout_s <= MAX_TIMEOUT_S:
        raise HarnessError(
            f"timeout_s={timeout_s} is out of range: Lambda allows {MIN_TIMEOUT_S} to "
            f"{MAX_TIMEOUT_S} seconds"
        )


def _check_function_name(name: object) -> None:
    if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
        raise HarnessError(
            f"function name {name!r} is invalid: use letters, digits, '-' and '_' only"
        )
    if len(name) > MAX_FUNCTION_NAME:
        raise HarnessError(
            f"function name {name!r} is {len(name)} characters; Lambda allows at most "
            f"{MAX_FUNCTION_NAME}"
        )


def _checked_env(env: object) -> dict[str, str]:
    if env is None:
        return {}
    if not isinstance(env, Mapping):
        raise HarnessError(
            f"env must be a mapping of names to strings, like {{'STAGE': 'dev'}}, got "
            f"{type(env).__name__} {env!r:.60}"
        )
    checked: dict[str, str] = {}
    for name, value in env.items():
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise HarnessError(
                f"environment variable name {name!r} is invalid: Lambda requires a letter "
                "followed by at least one letter, digit or '_'"
            )
        if name in RESERVED_ENV_NAMES:
            raise HarnessError(
                f"environment variable {name!r} is reserved by Lambda and cannot be set; "
                "the harness sets it as Lambda does"
            )
        if not isinstance(value, str):
            raise HarnessError(
                f"environment variable {name!r} must be a string (Lambda stores strings), "
                f"got {type(value).__name__} {value!r}; pass {json.dumps(str(value))}"
            )
        if "\x00" in value:
            raise HarnessError(
                f"environment variable {name!r} contains a NUL character ({value!r}); a "
                "process's environment cannot hold one"
            )
        checked[name] = value
    size = env_size_bytes(checked)
    if size > MAX_ENV_BYTES:
        raise HarnessError(
            f"environment variables take {size:,} bytes; Lambda allows at most "
            f"{MAX_ENV_BYTES:,} bytes in total (names and values)"
        )
    return checked


def env_size_bytes(env: Mapping[str, str]) -> int:
    """Lambda counts the names and values of all variables towards its 4 KB."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in env.items())


def _check_choice(
    setting: str,
    value: object,
    choices: tuple[str, ...] | None,
    pattern: re.Pattern[str] | None = None,
    described: str = "",
) -> None:
    if choices is not None and value not in choices:
        raise HarnessError(
            f"{setting}={value!r} is not supported; choose one of {', '.join(choices)}"
        )
    if pattern is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
        raise HarnessError(f"{setting}={value!r} is invalid; expected {described}")


def _check_logging(log_format: object, log_level: object, system_log_level: object) -> None:
    _check_choice("log_format", log_format, LOG_FORMATS)
    for setting, value, choices in (
        ("log_level", log_level, APPLICATION_LEVELS),
        ("system_log_level", system_log_level, SYSTEM_LEVELS),
    ):
        if value is None:
            continue
        _check_choice(setting, value, choices)
        if log_format != "JSON":
            raise HarnessError(
                f"{setting}={value!r} needs log_format='JSON': Lambda filters logs by level "
                "only in the JSON log format"
            )


def _check_ephemeral_storage(size_mb: object) -> None:
    if isinstance(size_mb, bool) or not isinstance(size_mb, int):
        raise HarnessError(
            f"ephemeral_storage_mb must be a whole number of MB between "
            f"{MIN_EPHEMERAL_STORAGE_MB} and {MAX_EPHEMERAL_STORAGE_MB:,}, got {size_mb!r}"
        )
    if not MIN_EPHEMERAL_STORAGE_MB <= size_mb <= MAX_EPHEMERAL_STORAGE_MB:
        raise HarnessError(
            f"ephemeral_storage_mb={size_mb} is out of range: Lambda allows "
            f"{MIN_EPHEMERAL_STORAGE_MB} to {MAX_EPHEMERAL_STORAGE_MB:,} MB of /tmp"
        )


def _check_snapstart(config: FunctionConfig) -> None:
    """SnapStart as Lambda accepts it: Python 3.12 and later, /tmp of 512 MB, a snapshot
    (a forked process: process isolation)."""
    snapstart = config.snapstart
    if not isinstance(snapstart, bool):
        raise HarnessError(
            f"snapstart must be True or False (SnapStart.ApplyOn: PublishedVersions or None "
            f"in a template), got {snapstart!r}"
        )
    if not snapstart:
        return
    match = _PYTHON_RUNTIME.fullmatch(config.runtime)
    if match is None or int(match.group(1)) < MIN_SNAPSTART_PYTHON:
        raise HarnessError(
            f"snapstart=True needs a python3.{MIN_SNAPSTART_PYTHON} or later runtime (Lambda "
            f"offers SnapStart for those only), got runtime={config.runtime!r}; set "
            f"runtime='python3.{MIN_SNAPSTART_PYTHON}' (the tests may still run on another "
            "interpreter, with a RuntimeVersionWarning)"
        )
    if config.ephemeral_storage_mb > MIN_EPHEMERAL_STORAGE_MB:
        raise HarnessError(
            f"snapstart=True does not go with ephemeral_storage_mb={config.ephemeral_storage_mb}:"
            f" Lambda allows SnapStart only with the default {MIN_EPHEMERAL_STORAGE_MB} MB of /tmp"
        )
    if config.isolation != "process":
        raise HarnessError(
            f"snapstart=True needs isolation='process' (a snapshot is a worker process that "
            f"restored environments are forked from), got isolation={config.isolation!r}"
        )
