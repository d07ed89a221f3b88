"""Inherited imports: a function's later cold starts fork from a template that keeps what
its first Init imported from site-packages imported (and botocore's models loaded), while
the function's own modules, variables, endpoints and credentials stay its own.

Each test writes its handler to a directory of its own: what a session learned from one
function's Init is keyed by its code directory and handler, so no other test teaches it.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import HarnessError, LambdaFunction, sandbox
from pytest_lambda.aws import AWS

INHERITS = """\
import sys

INHERITED = "jmespath" in sys.modules
OWN_MODULE_LOADED = "helper" in sys.modules

import jmespath  # noqa: E402

import helper  # noqa: E402

COUNT = 0


def handler(event, context):
    global COUNT
    COUNT += 1
    previous = getattr(jmespath, "marker", None)
    jmespath.marker = event.get("marker")
    return {
        "inherited": INHERITED,
        "own_module_loaded": OWN_MODULE_LOADED,
        "count": COUNT,
        "helper_count": helper.bump(),
        "previous_marker": previous,
    }
"""

HELPER = """\
CALLS = 0


def bump():
    global CALLS
    CALLS += 1
    return CALLS
"""


def write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(textwrap.dedent(source))
    return directory


@pytest.fixture
def inherits_dir(tmp_path: Path) -> Path:
    write(tmp_path, "helper", HELPER)
    return write(tmp_path, "inherits", INHERITS)


def cold_start(code_dir: Path, handler: str = "inherits.handler", **settings):
    with LambdaFunction(handler, code_dir=code_dir, **settings) as function:
        invocation = function.invoke({"marker": settings.get("name", "x")})
        invocation.assert_ok()
        return invocation


def test_a_later_cold_start_inherits_what_the_first_imported(inherits_dir: Path) -> None:
    first = cold_start(inherits_dir)
    assert first.result["inherited"] is False
    assert first.inherited_import_ms is None
    later = cold_start(inherits_dir)
    assert later.result["inherited"] is True
    # What the template spent importing, reported apart from Init Duration (measured).
    assert later.inherited_import_ms is not None and later.inherited_import_ms > 0
    assert later.init_duration_ms is not None
    assert "Init Duration: " in later.report_line


def test_the_function_s_own_modules_are_imported_at_every_cold_start(
    inherits_dir: Path,
) -> None:
    cold_start(inherits_dir)
    for _ in range(2):
        result = cold_start(inherits_dir).result
        # Module globals are fresh: the handler's module and its helper ran again.
        assert result["own_module_loaded"] is False
        assert result["count"] == 1
        assert result["helper_count"] == 1


def test_what_a_handler_changes_in_an_inherited_module_stays_in_its_environment(
    inherits_dir: Path,
) -> None:
    cold_start(inherits_dir, name="teacher")
    assert cold_start(inherits_dir, name="one").result["previous_marker"] is None
    assert cold_start(inherits_dir, name="two").result["previous_marker"] is None


def test_a_template_imports_under_the_function_s_own_variables(tmp_path: Path) -> None:
    # Powertools reads POWERTOOLS_DEBUG as it is imported: with it set, its logger is at
    # DEBUG. A function with the variable must not inherit an import made without it.
    write(
        tmp_path,
        "debugging",
        """\
        import logging

        import aws_lambda_powertools  # noqa: F401


        def handler(event, context):
            return logging.getLogger("aws_lambda_powertools").level
        """,
    )
    assert cold_start(tmp_path, "debugging.handler").result == logging.NOTSET
    assert cold_start(tmp_path, "debugging.handler").inherited_import_ms is not None
    debugging = cold_start(tmp_path, "debugging.handler", env={"POWERTOOLS_DEBUG": "true"})
    assert debugging.result == logging.DEBUG
    assert cold_start(tmp_path, "debugging.handler").result == logging.NOTSET


def test_endpoints_and_credentials_are_the_environment_s_own(tmp_path: Path) -> None:
    # The template loads botocore's models once; clients, sessions, endpoints and
    # credentials are built by each environment from its own variables.
    write(
        tmp_path,
        "clients",
        """\
        import boto3

        s3 = boto3.client("s3")


        def handler(event, context):
            credentials = boto3.DEFAULT_SESSION.get_credentials()
            return {"endpoint": s3.meta.endpoint_url, "key": credentials.access_key}
        """,
    )
    with AWS() as aws:
        mocked = cold_start(tmp_path, "clients.handler")
        assert mocked.result["endpoint"] == aws.endpoint_url
    plain = cold_start(tmp_path, "clients.handler")
    assert plain.inherited_import_ms is not None
    assert plain.result["endpoint"] == "https://s3.amazonaws.com"
    assert plain.result["key"] == "ASIAFAKEPYTESTLAMBDA"
    with AWS() as aws:
        again = cold_start(tmp_path, "clients.handler")
        assert again.inherited_import_ms is not None
        assert again.result["endpoint"] == aws.endpoint_url
        assert again.result["key"] != "ASIAFAKEPYTESTLAMBDA"


def test_inherited_imports_can_be_turned_off(inherits_dir: Path) -> None:
    sandbox.configure(inherit_imports=False)
    try:
        cold_start(inherits_dir)
        later = cold_start(inherits_dir)
        assert later.result["inherited"] is False
        assert later.inherited_import_ms is None
    finally:
        sandbox.configure(inherit_imports=None)


def test_the_variable_turns_them_off(inherits_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv(sandbox.INHERIT_VARIABLE, "0")
    cold_start(inherits_dir)
    assert cold_start(inherits_dir).result["inherited"] is False


def test_the_setting_is_a_bool() -> None:
    with pytest.raises(HarnessError, match="inherit_imports must be True or False"):
        sandbox.configure(inherit_imports="yes")  # type: ignore[arg-type]
