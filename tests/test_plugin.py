"""The pytest plugin, tested through real pytest runs (pytester)."""

from __future__ import annotations

import json
import sys

import pytest

HANDLER = """
import os

CALLS = 0


def handler(event, context):
    global CALLS
    CALLS += 1
    print("event", event)
    return {
        "calls": CALLS,
        "memory": context.memory_limit_in_mb,
        "name": context.function_name,
        "remaining_s": round(context.get_remaining_time_in_millis() / 1000),
        "stage": os.environ.get("STAGE"),
    }


def fail(event, context):
    print("about to fail")
    raise ValueError("bad input")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini("[pytest]\nlambda_isolation = inline\n")
    return pytester


def test_marker_configures_the_function_and_invoke_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler", memory_mb=256, env={"STAGE": "dev"})
        def test_invoke(lambda_invoke, lambda_function):
            first = lambda_invoke({"a": 1})
            second = lambda_invoke({"a": 2})
            assert first.result == {
                "calls": 1, "memory": "256", "name": "app-handler", "remaining_s": 3,
                "stage": "dev",
            }
            assert first.cold_start and not second.cold_start
            assert second.result["calls"] == 2
            assert lambda_function.config.memory_mb == 256
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_closest_marker_wins_setting_by_setting(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        pytestmark = pytest.mark.lambda_function(
            handler="app.handler", memory_mb=512, timeout_s=10
        )

        class TestClass:
            pytestmark = pytest.mark.lambda_function(memory_mb=1024)

            @pytest.mark.lambda_function(timeout_s=20)
            def test_function_marker(self, lambda_invoke):
                result = lambda_invoke({}).result
                assert (result["memory"], result["remaining_s"]) == ("1024", 20)

            def test_class_marker(self, lambda_invoke):
                result = lambda_invoke({}).result
                assert (result["memory"], result["remaining_s"]) == ("1024", 10)

        def test_module_marker(lambda_invoke):
            result = lambda_invoke({}).result
            assert (result["memory"], result["remaining_s"]) == ("512", 10)
        """
    )
    project.runpytest().assert_outcomes(passed=3)


def test_ini_keys_give_suite_defaults(pytester: pytest.Pytester) -> None:
    pytester.mkdir("src")
    pytester.path.joinpath("src", "app.py").write_text(HANDLER)
    pytester.makeini(
        """
        [pytest]
        lambda_handler = app.handler
        lambda_code_dir = src
        lambda_memory_mb = 2048
        lambda_timeout_s = 30
        lambda_isolation = inline
        """
    )
    pytester.makepyfile(
        test_it="""
        def test_invoke(lambda_invoke):
            result = lambda_invoke({}).result
            assert (result["memory"], result["remaining_s"]) == ("2048", 30)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_ini_keys_are_listed_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*--lambda-report=PATH*Write every invocation and per-function aggregates to",
            "*lambda_handler (string):*",
            "*Default handler string, e.g. app.handler or",
            "*lambda_memory_mb (string):*",
            "*Default memory size in MB (128-10240).",
        ]
    )


def test_missing_handler_is_a_one_line_error_saying_where_to_set_it(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_it="""
        def test_invoke(lambda_invoke):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: no handler configured: pass handler= to "
            "@pytest.mark.lambda_function(...) or LambdaFunction(...), set lambda_handler in "
            "the [[]pytest[]] ini section, or point lambda_template at a SAM template",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_bad_marker_setting_names_the_limit_and_the_value(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler", memory_mb=64)
        def test_invoke(lambda_invoke):
            pass

        @pytest.mark.lambda_function("app.handler", memory=256)
        def test_typo(lambda_invoke):
            pass
        """
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: memory_mb=64 is out of range: Lambda allows 128 to 10,240 MB "
            "in 1 MB steps",
            "*pytest-lambda: unknown function setting(s) 'memory' (did you mean 'memory_mb'?)*",
        ]
    )
    # Once each, as one line: no chained "During handling of the above exception".
    assert "During handling" not in result.stdout.str()
    reported = [line for line in result.stdout.lines if line.startswith("pytest-lambda: ")]
    assert len(reported) == 2, "each error once"


def test_a_typo_of_a_marker_only_setting_names_it(project) -> None:
    # deploy and scope are the plugin's own settings, not LambdaFunction's: a typo of one
    # is pointed at it, and the list of accepted settings names them.
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler", scop="module")
        def test_typo(lambda_invoke):
            pass
        """
    )
    result = project.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: unknown function setting(s) 'scop' (did you mean 'scope'?); "
            "accepted settings are *, deploy, scope*"
        ]
    )


def test_bad_ini_value_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=HANDLER)
    pytester.makeini("[pytest]\nlambda_handler = app.handler\nlambda_memory_mb = lots\n")
    pytester.makepyfile(test_it="def test_invoke(lambda_invoke):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pytest-lambda: ini key lambda_memory_mb = 'lots' is not*"])


def test_failing_test_shows_its_invocations_logs_and_report(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.fail")
        def test_fails(lambda_invoke):
            lambda_invoke({"x": 1}).assert_ok()

        @pytest.mark.lambda_function("app.handler")
        def test_passes(lambda_invoke):
            lambda_invoke({"x": 1}).assert_ok()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected a successful invoke, but it failed",
            '*error payload: {"errorMessage": "bad input", "errorType": "ValueError"*',
            "*- lambda invocations -*",
            "--- app-fail *: error (ValueError)",
            f"INIT_START Runtime Version: python:{sys.version_info[0]}.{sys.version_info[1]}.v38*",
            "START RequestId: * Version: $LATEST",
            "about to fail",
            "[[]ERROR[]] ValueError: bad input",
            "Traceback (most recent call last):",
            "*File *app.py*, line *, in fail",
            "END RequestId: *",
            "REPORT RequestId: *\tDuration: * ms\tBilled Duration: * ms\tMemory Size: 128 MB*",
        ]
    )
    # Passing tests keep their invocations out of the report.
    assert result.stdout.str().count("- lambda invocations -") == 1


def test_lambda_context_fixture(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest
        from pytest_lambda import LambdaContext

        def test_default(lambda_context):
            assert isinstance(lambda_context, LambdaContext)
            assert lambda_context.memory_limit_in_mb == "128"
            assert 2900 < lambda_context.get_remaining_time_in_millis() <= 3000

        @pytest.mark.lambda_function("app.handler", memory_mb=512, timeout_s=60, name="orders")
        def test_configured(lambda_context):
            assert lambda_context.function_name == "orders"
            assert lambda_context.memory_limit_in_mb == "512"
            assert lambda_context.invoked_function_arn == (
                "arn:aws:lambda:us-east-1:123456789012:function:orders"
            )
            assert 59000 < lambda_context.get_remaining_time_in_millis() <= 60000
        """
    )
    project.runpytest().assert_outcomes(passed=2)


def test_template_marker(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        template="""
        AWSTemplateFormatVersion: "2010-09-09"
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Timeout: 15
            Runtime: python3.11
        Resources:
          OrdersFunction:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              MemorySize: 1024
              Environment:
                Variables:
                  STAGE: prod
        """,
    )
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function(template="template.yaml")
        def test_invoke(lambda_invoke):
            result = lambda_invoke({}).result
            assert result["name"] == "OrdersFunction"
            assert (result["memory"], result["remaining_s"]) == ("1024", 15)
            assert result["stage"] == "prod"
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_json_report_and_summary_table(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_ok(lambda_invoke):
            lambda_invoke({})
            lambda_invoke({})

        @pytest.mark.lambda_function("app.fail")
        def test_error(lambda_invoke):
            lambda_invoke({}).assert_error(ValueError)
        """
    )
    result = project.runpytest("--lambda-report=report.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= pytest-lambda =*",
            "function * invokes * cold * errors * throttles * p50 ms * p95 ms * max ms *",
            "app-fail * 1 * 1 * 1 * 0 *unhandled 1",
            "app-handler * 2 * 1 * 0 * 0 *",
            "pytest-lambda report written to report.json",
        ]
    )
    report = json.loads((project.path / "report.json").read_text())
    assert [r["function"] for r in report["invocations"]] == [
        "app-handler",
        "app-handler",
        "app-fail",
    ]
    assert report["invocations"][0]["cold_start"] is True
    assert report["invocations"][2]["error_type"] == "ValueError"
    assert report["functions"]["app-fail"]["error_kinds"] == {"UNHANDLED": 1}
    assert report["functions"]["app-handler"]["invocations"] == 2


def test_no_summary_without_invocations(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it="def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert "pytest-lambda" not in result.stdout.str()


def test_lambda_event_fixture_gives_fresh_copies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_it="""
        import pytest
        from freezegun import freeze_time
        from pytest_lambda import validate_event

        def test_sample(lambda_event):
            event = lambda_event("hello-world")
            assert event == {"key1": "value1", "key2": "value2", "key3": "value3"}
            event["key1"] = "changed"
            assert lambda_event("hello-world")["key1"] == "value1"

        @freeze_time("2026-11-27T07:25:01.123Z")
        def test_overrides_follow_the_frozen_clock(lambda_event):
            event = lambda_event("s3-put", bucket="photos", key="a b.jpg")
            record = event["Records"][0]
            assert record["s3"]["bucket"]["name"] == "photos"
            assert record["s3"]["object"]["key"] == "a+b.jpg"
            assert record["eventTime"] == "2026-11-27T07:25:01.123Z"
            assert validate_event(event) == "s3-put"

        def test_unknown_name(lambda_event):
            lambda_event("s3-pt")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*unknown event 's3-pt'; did you mean 's3-put'? Run 'pytest-lambda events' to list them."]
    )


def test_xdist_workers_report_to_the_controller(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.parametrize("n", range(4))
        @pytest.mark.lambda_function("app.handler")
        def test_invoke(lambda_invoke, n):
            lambda_invoke({"n": n}).assert_ok()
        """
    )
    result = project.runpytest_subprocess("-n", "2", "--lambda-report=report.json")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*= pytest-lambda =*", "app-handler * 4 * 4 * 0 * 0 *"])
    report = json.loads((project.path / "report.json").read_text())
    assert len(report["invocations"]) == 4
    assert {r["test"] for r in report["invocations"]} == {
        f"test_it.py::test_invoke[{n}]" for n in range(4)
    }
    assert report["functions"]["app-handler"]["cold_starts"] == 4


def test_invocations_are_recorded_while_aws_triggers_listen(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_upload_triggers(aws, lambda_function):
            aws.bucket("uploads").notify(lambda_function)
            aws.s3.put_object(Bucket="uploads", Key="a.txt", Body=b"a")
            lambda_function.invoke({})
        """
    )
    result = project.runpytest("--lambda-report=report.json")
    result.assert_outcomes(passed=1)
    report = json.loads((project.path / "report.json").read_text())
    assert report["functions"]["app-handler"]["invocations"] == 2


def test_bad_ini_value_fails_the_context_and_aws_fixtures_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nlambda_handler = app.handler\nlambda_memory_mb = lots\n")
    pytester.makepyfile(test_it="def test_context(lambda_context):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*pytest-lambda: ini key lambda_memory_mb = 'lots' is not*"])
    assert "Traceback" not in result.stdout.str()


def test_a_handler_module_not_found_says_where_to_set_the_code_dir(
    project: pytest.Pytester,
) -> None:
    project.mkdir("src")
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("handlers.main", code_dir="src")
        def test_invoke(lambda_invoke):
            lambda_invoke({}).assert_ok()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Unable to import module 'handlers': No module named 'handlers'*",
            f"*the handler's module was looked up in {project.path / 'src'}; set code_dir= on "
            "the lambda_function marker or LambdaFunction, or lambda_code_dir in the ini",
        ]
    )



def test_a_pytest_run_inside_a_test_leaves_the_outer_run_alone(project: pytest.Pytester) -> None:
    # A run started inside a test (pytester) records only its own invocations and shuts
    # down only what it started: the outer run's environments, fork server and guard stay.
    # Three runs nest in this process: this suite, the run below, and the one it starts.
    project.makepyfile(
        test_outer=f"""
        import json
        import os

        import pytest

        from pytest_lambda import LambdaFunction

        pytest_plugins = ["pytester"]
        HANDLER = {HANDLER!r}
        INNER = (
            "import pytest\\n"
            "@pytest.mark.lambda_function('app.handler', name='inner', isolation='process')\\n"
            "def test_inner(lambda_invoke):\\n"
            "    lambda_invoke({{}}).assert_ok()\\n"
        )


        # The marker: this test uses the plugin, so it is guarded, inner run or not.
        @pytest.mark.lambda_function("app.handler")
        def test_outer(pytester, request):
            code_dir = str(request.config.rootpath)
            with LambdaFunction("app.handler", code_dir=code_dir, name="outer") as outer:
                first = outer.invoke({{}})
                pytester.makepyfile(app=HANDLER, test_inner=INNER)
                result = pytester.runpytest("--lambda-report=inner.json")
                result.assert_outcomes(passed=1)
                inner = json.loads((pytester.path / "inner.json").read_text())
                assert [r["function"] for r in inner["invocations"]] == ["inner"]
                again = outer.invoke({{}})
                assert not again.cold_start
                assert (first.assert_ok()["calls"], again.assert_ok()["calls"]) == (1, 2)
                assert os.environ["AWS_ACCESS_KEY_ID"].startswith("ASIAFAKE")
        """
    )
    result = project.runpytest("--lambda-report=outer.json")
    result.assert_outcomes(passed=1)
    report = json.loads((project.path / "outer.json").read_text())
    assert [r["function"] for r in report["invocations"]] == ["outer", "outer"]


def test_logging_and_storage_settings_from_ini_and_marker(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("app.py").write_text(
        "import logging\n"
        "import os\n\n\n"
        "def handler(event, context):\n"
        "    logging.debug('debug record')\n"
        "    logging.info('info record')\n"
        "    stats = os.statvfs(os.environ['TMPDIR'])\n"
        "    return os.environ.get('AWS_LAMBDA_LOG_LEVEL')\n"
    )
    pytester.makeini(
        """
        [pytest]
        lambda_handler = app.handler
        lambda_log_format = JSON
        lambda_log_level = INFO
        lambda_system_log_level = WARN
        lambda_ephemeral_storage_mb = 1024
        """
    )
    pytester.makepyfile(
        test_it="""
        import pytest

        def test_ini(lambda_invoke, lambda_function):
            invocation = lambda_invoke({})
            assert invocation.result == "INFO"
            assert lambda_function.config.ephemeral_storage_mb == 1024
            messages = [r.message for r in invocation.log_records if r.origin == "function"]
            assert messages == ["info record"]
            # system_log_level WARN: no platform records at INFO.
            assert [r for r in invocation.log_records if r.origin == "platform"] == []

        @pytest.mark.lambda_function(log_level="DEBUG", system_log_level="INFO")
        def test_marker(lambda_invoke):
            invocation = lambda_invoke({})
            assert invocation.result == "DEBUG"
            messages = [r.message for r in invocation.log_records if r.origin == "function"]
            assert messages == ["debug record", "info record"]
            assert invocation.log_records[-1].type == "platform.report"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_bad_logging_ini_value_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nlambda_handler = app.handler\nlambda_log_level = DEBUG\n")
    pytester.makepyfile(test_it="def test_invoke(lambda_invoke):\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        ["*pytest-lambda: log_level='DEBUG' needs log_format='JSON': Lambda filters logs*"]
    )
