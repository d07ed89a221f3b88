"""The functions' tests. Under the gates of pytest.ini they pass; each variable of
README.md, set when running them, makes one gate fail."""

import os
from pathlib import Path

import pytest

from pytest_lambda import LambdaFunction, events

FUNCTIONS = str(Path(__file__).parent / "functions")
ORDER = {"items": [{"price": 5, "quantity": 2}, {"price": 1, "quantity": 3}]}


def switches(*names):
    """The variables of README.md that are set, for the functions' environment."""
    return {name: os.environ[name] for name in names if name in os.environ}


# Orders answer an API: warm requests have a tighter budget than cold starts.
@pytest.mark.lambda_limits(max_duration_ms_warm=200)
@pytest.mark.lambda_function(
    "orders.handler", code_dir=FUNCTIONS, name="orders", env=switches("ORDERS_DELAY_MS")
)
def test_orders_are_priced(lambda_invoke):
    for _ in range(5):
        response = lambda_invoke(events.apigateway_http(method="POST", body=ORDER)).assert_ok()
        assert response["statusCode"] == 200


@pytest.mark.lambda_function(
    "thumbnails.handler",
    code_dir=FUNCTIONS,
    name="thumbnails",
    memory_mb=256,
    env=switches("THUMBNAIL_WORK_MB"),
)
def test_thumbnails_fit_in_memory(lambda_invoke):
    assert lambda_invoke({}).assert_ok()["thumbnail_bytes"] > 0


@pytest.mark.lambda_function(
    "export.handler",
    code_dir=FUNCTIONS,
    name="export",
    memory_mb=1024,
    timeout_s=3,
    env=switches("EXPORT_DELAY_MS"),
)
def test_export_tolerates_a_slow_database(lambda_invoke):
    # This test accepts a timeout (the export is retried later); the suite's fail_on
    # does not: a timeout fails it all the same.
    invocation = lambda_invoke({"rows": 10})
    assert invocation.status in ("success", "timeout")


@pytest.mark.lambda_limits(fail_on=())
@pytest.mark.lambda_function(
    "export.handler",
    code_dir=FUNCTIONS,
    name="export-short-timeout",
    timeout_s=1,
    env={"EXPORT_DELAY_MS": "3000"},
)
def test_export_times_out_past_its_timeout(lambda_invoke):
    # A timeout on purpose: this test opts out of the suite's fail_on.
    lambda_invoke({"rows": 10}).assert_timed_out()


def test_startup_initialises_quickly():
    # A function made in the test carries its own limits.
    with LambdaFunction(
        "startup.handler",
        code_dir=FUNCTIONS,
        name="startup",
        env=switches("STARTUP_IMPORT_DELAY_MS"),
        limits={"max_init_ms": 1000},
    ) as function:
        assert function.invoke({}).assert_ok() == "ready"
