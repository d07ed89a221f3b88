"""FunctionConfig and LambdaFunction(...): Lambda's limits, refused with clear messages."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from pytest_lambda import FunctionConfig, HarnessError, LambdaFunction
from pytest_lambda.config import default_function_name


@pytest.fixture
def config(handlers_dir: Path):
    def build(**settings):
        settings.setdefault("handler", "app.hello")
        settings.setdefault("code_dir", str(handlers_dir))
        return FunctionConfig(**settings)

    return build


def test_defaults(config) -> None:
    built = config()
    assert built.handler == "app.hello"
    assert built.memory_mb == 128
    assert built.timeout_s == 3
    assert built.name == "app-hello"
    assert built.function_name == "app-hello"
    assert built.env == {}
    assert built.region == "us-east-1"
    assert built.isolation == "process"
    assert built.architecture == "x86_64"
    assert built.reserved_concurrency is None
    assert built.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:app-hello"


def test_is_frozen(config) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        config().memory_mb = 256


@pytest.mark.parametrize(
    ("handler", "name"),
    [("src/app.handler", "src-app-handler"), ("app.handler", "app-handler"), ("a_b.c", "a_b-c")],
)
def test_default_function_name(handler: str, name: str) -> None:
    assert default_function_name(handler) == name


def test_default_function_name_is_at_most_64_characters() -> None:
    name = default_function_name("m" * 100 + ".handler")
    assert len(name) == 64


@pytest.mark.parametrize("memory_mb", [128, 1769, 10_240])
def test_memory_limits_accepted(config, memory_mb: int) -> None:
    assert config(memory_mb=memory_mb).memory_mb == memory_mb


@pytest.mark.parametrize("memory_mb", [127, 10_241, 0, -128])
def test_memory_out_of_range(config, memory_mb: int) -> None:
    with pytest.raises(HarnessError) as raised:
        config(memory_mb=memory_mb)
    message = str(raised.value)
    assert f"memory_mb={memory_mb}" in message
    assert "128" in message
    assert "10,240" in message


@pytest.mark.parametrize("memory_mb", ["128", True, 128.0, None])
def test_memory_must_be_a_whole_number(config, memory_mb: object) -> None:
    with pytest.raises(HarnessError, match=re.escape(f"got {memory_mb!r}")) as raised:
        config(memory_mb=memory_mb)
    assert "memory_mb must be a whole number of MB between 128 and 10240" in str(raised.value)


@pytest.mark.parametrize("timeout_s", [1, 2.5, 900])
def test_timeout_limits_accepted(config, timeout_s: float) -> None:
    assert config(timeout_s=timeout_s).timeout_s == timeout_s


@pytest.mark.parametrize("timeout_s", [0, 0.5, 901, -1])
def test_timeout_out_of_range(config, timeout_s: float) -> None:
    with pytest.raises(HarnessError) as raised:
        config(timeout_s=timeout_s)
    message = str(raised.value)
    assert f"timeout_s={timeout_s} is out of range" in message
    assert "1 to 900 seconds" in message


@pytest.mark.parametrize("timeout_s", ["3", True, None])
def test_timeout_must_be_a_number(config, timeout_s: object) -> None:
    with pytest.raises(HarnessError, match=re.escape(f"got {timeout_s!r}")):
        config(timeout_s=timeout_s)


@pytest.mark.parametrize("name", ["bad name", "orders!", "a.b", "", "ünïcode"])
def test_function_name_characters(config, name: str) -> None:
    with pytest.raises(HarnessError, match=re.escape(f"function name {name!r} is invalid")):
        config(name=name)


def test_function_name_length(config) -> None:
    assert config(name="f" * 64).name == "f" * 64
    with pytest.raises(HarnessError) as raised:
        config(name="f" * 65)
    assert "is 65 characters; Lambda allows at most 64" in str(raised.value)


@pytest.mark.parametrize("handler", ["app. handler", "app.handler ", " app.handler", "", "a\tb.c"])
def test_handler_with_spaces_or_empty(config, handler: str) -> None:
    with pytest.raises(HarnessError) as raised:
        config(handler=handler)
    assert repr(handler) in str(raised.value)
    assert "no spaces" in str(raised.value)


def test_handler_must_be_a_string(config) -> None:
    with pytest.raises(HarnessError, match="got 42"):
        config(handler=42)


def test_handler_length(config) -> None:
    with pytest.raises(HarnessError, match="is 129 characters; Lambda allows at most 128"):
        config(handler="m" * 121 + ".handler", name="long")


@pytest.mark.parametrize("name", ["1X", "A", "MY-VAR", "with space", "", "_HANDLER", "_PRIVATE"])
def test_env_name_format(config, name: str) -> None:
    with pytest.raises(HarnessError) as raised:
        config(env={name: "v"})
    assert f"environment variable name {name!r} is invalid" in str(raised.value)


@pytest.mark.parametrize(
    "name", ["AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID", "LAMBDA_TASK_ROOT"]
)
def test_env_reserved_names(config, name: str) -> None:
    with pytest.raises(HarnessError) as raised:
        config(env={name: "v"})
    assert f"environment variable {name!r} is reserved by Lambda" in str(raised.value)


@pytest.mark.parametrize("value", [8080, None, True, b"bytes"])
def test_env_values_must_be_strings(config, value: object) -> None:
    with pytest.raises(HarnessError) as raised:
        config(env={"PORT": value})
    message = str(raised.value)
    assert "environment variable 'PORT' must be a string" in message
    assert repr(value) in message


def test_env_total_size(config) -> None:
    # Names and values count: 2 + 4094 = 4096 bytes is the limit exactly.
    assert config(env={"AB": "x" * 4094}).env == {"AB": "x" * 4094}
    with pytest.raises(HarnessError) as raised:
        config(env={"AB": "x" * 4095})
    message = str(raised.value)
    assert "4,097 bytes" in message
    assert "4,096 bytes" in message


def test_env_size_counts_utf8_bytes(config) -> None:
    with pytest.raises(HarnessError, match="4,098 bytes"):
        config(env={"AB": "é" * 2048})


def test_env_must_be_a_mapping(config) -> None:
    with pytest.raises(HarnessError, match="env must be a mapping"):
        config(env=["A=1"])


@pytest.mark.parametrize(
    ("setting", "value", "choices"),
    [("isolation", "thread", "inline, process"), ("architecture", "x86", "x86_64, arm64")],
)
def test_unknown_choices(config, setting: str, value: str, choices: str) -> None:
    with pytest.raises(HarnessError) as raised:
        config(**{setting: value})
    assert str(raised.value) == f"{setting}={value!r} is not supported; choose one of {choices}"


@pytest.mark.parametrize("region", ["moon-1", "US-EAST-1", "useast1"])
def test_region_format(config, region: str) -> None:
    with pytest.raises(HarnessError, match=re.escape(f"region={region!r} is invalid")):
        config(region=region)


def test_region_accepted(config) -> None:
    built = config(region="ap-southeast-2")
    assert built.function_arn.startswith("arn:aws:lambda:ap-southeast-2:")


def test_code_dir_must_exist(config, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(HarnessError) as raised:
        config(code_dir=str(missing))
    message = str(raised.value)
    assert f"code_dir {str(missing)!r} is not a directory" in message
    assert "lambda_code_dir" in message


def test_code_dir_accepts_a_path(config, handlers_dir: Path) -> None:
    assert config(code_dir=handlers_dir).code_dir == str(handlers_dir)


@pytest.mark.parametrize("value", [-1, 1.5, "2", True])
def test_reserved_concurrency(config, value: object) -> None:
    with pytest.raises(HarnessError) as raised:
        config(reserved_concurrency=value)
    message = str(raised.value)
    assert "reserved_concurrency must be a whole number" in message
    assert f"got {value!r}" in message


def test_reserved_concurrency_zero_is_allowed(config) -> None:
    assert config(reserved_concurrency=0).reserved_concurrency == 0


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"memory_mb": 127}, "memory_mb=127 is out of range"),
        ({"memory_mb": "128"}, "got '128'"),
        ({"timeout_s": 901}, "timeout_s=901 is out of range"),
        ({"name": "x" * 65}, "is 65 characters"),
        ({"env": {"AWS_REGION": "x"}}, "'AWS_REGION' is reserved"),
        ({"isolation": "thread"}, "isolation='thread' is not supported"),
        ({"architecture": "arm"}, "architecture='arm' is not supported"),
        ({"reserved_concurrency": -1}, "got -1"),
    ],
)
def test_lambda_function_checks_its_settings(handlers_dir: Path, settings, expected: str) -> None:
    settings.setdefault("isolation", "inline")
    with pytest.raises(HarnessError, match=re.escape(expected)):
        LambdaFunction("app.hello", code_dir=handlers_dir, **settings)


def test_lambda_function_code_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="is not a directory"):
        LambdaFunction("app.hello", code_dir=tmp_path / "missing", isolation="inline")


def test_from_settings_without_a_handler_explains_every_way_to_set_one() -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_settings({"memory_mb": 256})
    message = str(raised.value)
    assert "no handler configured" in message
    assert "@pytest.mark.lambda_function" in message
    assert "lambda_handler" in message
    assert "lambda_template" in message


def test_from_settings_with_a_handler_of_none() -> None:
    with pytest.raises(HarnessError, match="no handler configured"):
        FunctionConfig.from_settings({"handler": None})


def test_from_settings(handlers_dir: Path) -> None:
    built = FunctionConfig.from_settings(
        {"handler": "app.hello", "memory_mb": 256, "code_dir": str(handlers_dir)}
    )
    assert (built.handler, built.memory_mb) == ("app.hello", 256)


@pytest.mark.parametrize(
    ("setting", "suggestion"),
    [("memroy_mb", "memory_mb"), ("timeout", "timeout_s"), ("architechture", "architecture")],
)
def test_unknown_setting_suggests_the_close_one(setting: str, suggestion: str) -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_settings({"handler": "app.hello", setting: 1})
    message = str(raised.value)
    assert f"unknown function setting(s) {setting!r} (did you mean {suggestion!r}?)" in message
    assert "accepted settings are handler, memory_mb" in message


def test_unknown_setting_without_a_close_match() -> None:
    with pytest.raises(HarnessError) as raised:
        FunctionConfig.from_settings({"handler": "app.hello", "zzzzzz": 1})
    assert "'zzzzzz';" in str(raised.value)
    assert "did you mean" not in str(raised.value)


def test_logical_id_without_a_template() -> None:
    with pytest.raises(HarnessError, match="logical_id='Fn' names a function of a template, but"):
        FunctionConfig.from_settings({"handler": "app.hello", "logical_id": "Fn"})


def test_with_changes_checks_again(config) -> None:
    built = config()
    assert built.with_changes(memory_mb=512).memory_mb == 512
    with pytest.raises(HarnessError, match="memory_mb=64 is out of range"):
        built.with_changes(memory_mb=64)
    with pytest.raises(HarnessError, match="did you mean 'timeout_s'"):
        built.with_changes(timeout=5)


def test_a_nul_character_in_the_handler_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="contains a NUL character"):
        FunctionConfig(handler="app.hand\x00ler", code_dir=str(tmp_path))


def test_a_nul_character_in_a_variable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"environment variable 'TOKEN' contains a NUL"):
        FunctionConfig(handler="app.handler", code_dir=str(tmp_path), env={"TOKEN": "a\x00b"})


def test_the_runtime_is_the_interpreters_unless_set(tmp_path: Path) -> None:
    config = FunctionConfig(handler="app.handler", code_dir=str(tmp_path))
    assert config.runtime == f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert (
        FunctionConfig(handler="app.handler", code_dir=str(tmp_path), runtime="python3.13").runtime
        == "python3.13"
    )
