"""Limits: stated on a function, checked up front, and judged against invocations."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, FunctionConfig, HarnessError, LambdaFunction, Limits
from pytest_lambda.reporting.judge import LimitSet, failure_message, judge

from .conftest import REQUEST_ID


def test_limits_from_a_mapping_with_error_kinds_in_any_case() -> None:
    limits = Limits.coerce(
        {"max_duration_ms": 100, "max_memory_pct": 80, "fail_on": ["Timeout", "OUT_OF_MEMORY"]}
    )
    assert limits == Limits(
        max_duration_ms=100.0,
        max_memory_pct=80.0,
        fail_on=frozenset({ErrorKind.TIMEOUT, ErrorKind.OUT_OF_MEMORY}),
    )
    assert Limits(fail_on="timeout, exit").fail_on == {ErrorKind.TIMEOUT, ErrorKind.EXIT}
    assert Limits(fail_on=[ErrorKind.INIT]).fail_on == {ErrorKind.INIT}
    assert Limits(fail_on=()).fail_on == frozenset()
    assert Limits.coerce(None) is None
    assert limits.settings() == {
        "max_duration_ms": 100.0,
        "max_memory_pct": 80.0,
        "fail_on": frozenset({ErrorKind.TIMEOUT, ErrorKind.OUT_OF_MEMORY}),
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_duration_ms": 0}, "max_duration_ms must be a number above 0, got 0"),
        ({"max_init_ms": -5}, "max_init_ms must be a number above 0, got -5"),
        (
            {"max_duration_ms_warm": "100"},
            "max_duration_ms_warm must be a number above 0, got '100'",
        ),
        ({"max_duration_ms_cold": True}, "max_duration_ms_cold must be a number above 0, got True"),
        (
            {"max_cost_per_million": math.inf},
            "max_cost_per_million must be a number above 0, got inf",
        ),
        (
            {"max_memory_pct": 120},
            "max_memory_pct=120 is out of range: it is Max Memory Used as a percentage of the "
            "memory size, above 0 and at most 100",
        ),
        (
            {"fail_on": ["timeout", "slow"]},
            "fail_on: unknown error kind 'slow'; the kinds are unhandled, timeout, out_of_memory, "
            "init, marshal, unmarshal, payload_too_large, exit, permission, throttled",
        ),
        ({"fail_on": 3}, "fail_on must be error kinds (e.g. timeout,out_of_memory), got 3"),
        (
            {"max_duration": 100},
            "unknown limit(s) 'max_duration'; accepted limits are max_duration_ms, "
            "max_duration_ms_cold, max_duration_ms_warm, max_init_ms, max_memory_pct, "
            "max_cost_per_million, fail_on",
        ),
    ],
)
def test_a_bad_limit_is_one_line_naming_the_setting_and_the_value(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(HarnessError) as raised:
        Limits.coerce(settings)
    assert str(raised.value) == message


def test_limits_must_be_limits_or_a_mapping() -> None:
    with pytest.raises(HarnessError, match=r"^limits must be a Limits or a mapping of its"):
        Limits.coerce(100)  # type: ignore[arg-type]


def test_a_function_carries_its_limits_in_its_configuration(handlers_dir: Path) -> None:
    function = LambdaFunction(
        "app.hello", code_dir=handlers_dir, limits={"max_duration_ms_warm": 50}
    )
    assert function.config.limits == Limits(max_duration_ms_warm=50)
    config = FunctionConfig(handler="app.hello", code_dir=str(handlers_dir))
    assert config.limits is None
    assert config.with_changes(limits={"max_init_ms": 200}).limits == Limits(max_init_ms=200)
    assert FunctionConfig.from_settings(
        {"handler": "app.hello", "code_dir": str(handlers_dir), "limits": Limits(max_init_ms=9)}
    ).limits == Limits(max_init_ms=9)
    with pytest.raises(HarnessError, match="^max_memory_pct must be a number above 0"):
        LambdaFunction("app.hello", code_dir=handlers_dir, limits={"max_memory_pct": "lots"})


def test_its_invocations_carry_them_and_where_they_ran(handlers_dir: Path) -> None:
    with LambdaFunction(
        "app.hello", code_dir=handlers_dir, isolation="inline", limits={"max_init_ms": 500}
    ) as function:
        invocation = function.invoke({})
    assert invocation.limits == Limits(max_init_ms=500)
    assert invocation.isolation == "inline"


def test_the_most_specific_setting_wins_and_remembers_where_it_was_set() -> None:
    suite = LimitSet().layered(Limits(max_duration_ms=100, max_init_ms=300), "ini")
    test = suite.layered(Limits(max_duration_ms=50), "@lambda_limits")
    function = test.layered(Limits(fail_on=["timeout"]), "the function's limits=")
    assert (function.get("max_duration_ms").value, function.get("max_duration_ms").source) == (
        50.0,
        "@lambda_limits",
    )
    assert function.get("max_init_ms").source == "ini"
    assert function.get("fail_on").value == {ErrorKind.TIMEOUT}
    assert function.get("max_memory_pct") is None
    assert suite.layered(None, "nothing") is suite
    assert not LimitSet()


def _limits(**settings: object) -> LimitSet:
    return LimitSet().layered(Limits(**settings), "--lambda-test")  # type: ignore[arg-type]


def test_a_duration_past_the_limit_names_function_limit_value_and_report_line(
    invocation,
) -> None:
    slow = invocation(duration_ms=73.125, init_duration_ms=None)
    [violation] = judge(slow, _limits(max_duration_ms=50))
    assert violation.limit == "max_duration_ms"
    assert violation.message() == (
        "orders: Duration 73.12 ms on a warm invoke exceeds max_duration_ms = 50 ms "
        "(--lambda-test)\n"
        f"  REPORT RequestId: {REQUEST_ID}\tDuration: 73.12 ms\tBilled Duration: 74 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB"
    )
    assert judge(invocation(duration_ms=50.0), _limits(max_duration_ms=50)) == []


def test_cold_and_warm_durations_are_judged_apart(invocation) -> None:
    cold = invocation(duration_ms=80.0, init_duration_ms=200.0)
    warm = invocation(duration_ms=80.0)
    warm_only = _limits(max_duration_ms_warm=50)
    assert judge(cold, warm_only) == []
    assert [v.limit for v in judge(warm, warm_only)] == ["max_duration_ms_warm"]
    both = _limits(max_duration_ms=60, max_duration_ms_cold=100)
    assert judge(cold, both) == []
    assert [v.limit for v in judge(warm, both)] == ["max_duration_ms"]
    [violation] = judge(cold, _limits(max_duration_ms_cold=70))
    assert violation.text.startswith("orders: Duration 80.00 ms on a cold start exceeds")


def test_init_memory_and_cost(invocation) -> None:
    cold = invocation(init_duration_ms=250.5, max_memory_used_mb=120, memory_size_mb=128)
    limits = _limits(max_init_ms=200, max_memory_pct=90, max_cost_per_million=0.2)
    texts = [v.text for v in judge(cold, limits)]
    assert texts == [
        "orders: Init Duration 250.50 ms exceeds max_init_ms = 200 ms (--lambda-test)",
        "orders: Max Memory Used 120 MB is 93.8% of its 128 MB, above max_memory_pct = 90% "
        "(--lambda-test)",
        # 261 ms billed at 128 MB: $0.20 + 0.032625 GB-s * $16.6667, per million.
        "orders: a million invocations like this one would cost $0.7438, above "
        "max_cost_per_million = $0.2 (--lambda-test)",
    ]


def test_inline_memory_is_the_test_process_and_is_not_judged(invocation) -> None:
    inline = invocation(isolation="inline", max_memory_used_mb=127)
    assert judge(inline, _limits(max_memory_pct=50)) == []


def test_fail_on_fails_an_expected_error_and_only_fail_on_judges_what_the_platform_ended(
    invocation,
) -> None:
    timeout = invocation(error=ErrorKind.TIMEOUT, duration_ms=3000.0, max_memory_used_mb=50)
    everything_else = _limits(max_duration_ms=10, max_memory_pct=10, max_cost_per_million=0.1)
    assert judge(timeout, everything_else) == []
    [violation] = judge(timeout, _limits(fail_on="timeout"))
    assert violation.text == (
        "orders: ended with error kind timeout (Sandbox.Timedout), which fail_on makes a "
        "failure (--lambda-test)"
    )
    assert violation.report_line.endswith("\tStatus: timeout\t")
    oom = invocation(error=ErrorKind.OUT_OF_MEMORY, max_memory_used_mb=128)
    assert judge(oom, everything_else) == []
    assert judge(invocation(error=ErrorKind.UNHANDLED), _limits(fail_on="timeout")) == []


def test_a_throttled_invoke_has_no_report_line(invocation) -> None:
    throttled = invocation(error=ErrorKind.THROTTLED, served=False, duration_ms=0.0)
    assert judge(throttled, _limits(max_duration_ms=1, max_cost_per_million=0.01)) == []
    [violation] = judge(throttled, _limits(fail_on="throttled"))
    assert violation.message().endswith("\n  (no REPORT line: the Invoke API refused the request)")


def test_one_message_lists_ten_violations_and_counts_the_rest(invocation) -> None:
    violations = [
        v for _ in range(12) for v in judge(invocation(duration_ms=9.0), _limits(max_duration_ms=1))
    ]
    message = failure_message(violations)
    assert message.count("pytest-lambda: orders: Duration 9.00 ms") == 10
    assert message.endswith("\npytest-lambda: ... and 2 more")
