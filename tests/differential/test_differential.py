"""The harness against the real Lambda Python runtime client, scenario by scenario.

Each scenario (differential_scenarios.py) runs under awslambdaric, the runtime client
inside AWS's Python images, behind a fake Runtime API (differential_runtime.py), and
under the harness in both isolations, through the harness's public API only. The
Invoke API's answer and the function's log output must be the same once ids,
timestamps and paths are normalised (differential_compare.py says exactly what is).
When a new awslambdaric changes a string, this is the test that says so.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import sys

import pytest

if sys.platform != "linux" or importlib.util.find_spec("awslambdaric") is None:
    pytest.skip(
        "awslambdaric (the Lambda runtime interface client, Linux only) is not installed; "
        "pip install -e '.[test]' on Linux installs it",
        allow_module_level=True,
    )

from differential_compare import (  # noqa: E402
    HARNESS_DIR,
    RuntimeResults,
    Side,
    awslambdaric_dir,
    differences,
    harness_view,
    run_harness,
    runtime_view,
    watch_test_process,
)
from differential_scenarios import SCENARIOS, Scenario  # noqa: E402

from pytest_lambda import LambdaFunction  # noqa: E402

ISOLATIONS = ("process", "inline")
AWSLAMBDARIC_VERSION = importlib.metadata.version("awslambdaric")


@pytest.fixture(scope="session")
def runtime_results(tmp_path_factory: pytest.TempPathFactory) -> RuntimeResults:
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist every worker has its own directory below a shared one.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return RuntimeResults(shared / "differential")


def _cases() -> list[object]:
    return [
        pytest.param(isolation, scenario, id=f"{isolation}-{scenario.id}")
        for scenario in SCENARIOS
        for isolation in ISOLATIONS
    ]


@pytest.mark.parametrize(("isolation", "scenario"), _cases())
def test_matches_runtime(
    isolation: str, scenario: Scenario, runtime_results: RuntimeResults
) -> None:
    if not scenario.supported:
        pytest.skip(f"needs Python {'.'.join(map(str, scenario.min_python))} or later")
    if scenario.raw_events and not hasattr(LambdaFunction, "invoke_raw"):
        pytest.skip("needs LambdaFunction.invoke_raw(bytes) to send a request body as it is")
    if isolation == "inline" and scenario.inline_limit:
        pytest.skip(f"inline limit: {scenario.inline_limit}")

    code_dir = runtime_results.code_dir(scenario)
    real = runtime_results.get(scenario)
    leaks: list[str] = []
    with watch_test_process(leaks) if isolation == "inline" else contextlib.nullcontext():
        harness = run_harness(scenario, code_dir, isolation)

    real_views = [
        runtime_view(
            scenario, result, Side(result.request_id, str(code_dir), (awslambdaric_dir(),))
        )
        for result in real
    ]
    harness_views = [
        harness_view(
            scenario,
            result,
            Side(
                result.invocation.request_id if result.invocation else "",
                str(code_dir),
                (HARNESS_DIR,),
            ),
        )
        for result in harness
    ]
    found = differences(real_views, harness_views, isolation) + leaks
    if found:
        pytest.fail(
            f"{scenario.id}: the harness (isolation={isolation!r}) differs from the Lambda "
            f"runtime client (awslambdaric {AWSLAMBDARIC_VERSION}, Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}); '-' is the runtime, '+' the "
            "harness\n\n" + "\n\n".join(found),
            pytrace=False,
        )
