"""function.update_configuration(): settings changed as UpdateFunctionConfiguration changes
them, checked as the constructor checks them; the next invoke is a cold start."""

from __future__ import annotations

import pytest

from pytest_lambda import HarnessError


def test_new_variables_reach_a_new_environment(make_function) -> None:
    function = make_function("app.variables", env={"STAGE": "dev", "OLD": "kept?"})
    first = function.invoke({})
    function.update_configuration(env={"STAGE": "prod"})
    second = function.invoke({})
    assert (first.cold_start, second.cold_start) == (True, True)
    assert first.assert_ok()["STAGE"] == "dev"
    # As Lambda's Environment: the variables are replaced, not merged.
    assert second.assert_ok()["STAGE"] == "prod" and "OLD" not in second.assert_ok()
    assert function.invoke({}).cold_start is False


def test_memory_and_timeout_reach_the_context(make_function) -> None:
    function = make_function("app.describe_context")
    function.invoke({}).assert_ok()
    function.update_configuration(memory_mb=512, timeout_s=10)
    invocation = function.invoke({})
    seen = invocation.assert_ok()
    assert invocation.cold_start and invocation.memory_size_mb == 512
    assert seen["memory_limit_in_mb"] == "512"
    assert 9_000 < seen["remaining_ms"] <= 10_000


def test_reserved_concurrency_is_updated(make_function) -> None:
    function = make_function("app.echo")
    function.invoke({}).assert_ok()
    function.update_configuration(reserved_concurrency=0)
    function.invoke({}).assert_error("TooManyRequestsException")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"memory_mb": 64}, "memory_mb=64 is out of range"),
        ({"timeout_s": 901}, "timeout_s=901 is out of range"),
        ({"env": {"AWS_REGION": "x"}}, "'AWS_REGION' is reserved by Lambda"),
        ({"memmory_mb": 256}, "did you mean 'memory_mb'?"),
    ],
)
def test_a_bad_setting_is_refused_and_changes_nothing(make_function, settings, message) -> None:
    function = make_function("app.echo")
    function.invoke({}).assert_ok()
    with pytest.raises(HarnessError, match=message):
        function.update_configuration(**settings)
    assert function.config.memory_mb == 128
    assert function.invoke({}).cold_start is False


@pytest.mark.parametrize("setting", ["name", "region", "account_id"])
def test_what_identifies_the_function_cannot_change(make_function, setting) -> None:
    with pytest.raises(HarnessError, match=f"{setting} cannot be updated"):
        make_function("app.echo").update_configuration(**{setting: "other"})
