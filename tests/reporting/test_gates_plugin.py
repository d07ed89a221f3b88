"""CI gates in real pytest runs (pytester): limits, fail-on, bad settings, JUnit XML
properties, the logs directory, GitHub's job summary."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import pytest

APP = """
import time

COLD = True


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("mb"):
        blob = bytearray(event["mb"] * 1024 * 1024)
        blob[::4096] = b"x" * len(blob[::4096])
    if event.get("fail"):
        raise ValueError(event["fail"])
    return "ok"


def slow_when_warm(event, context):
    global COLD
    if not COLD:
        time.sleep(0.3)
    COLD = False
    return "ok"
"""

SLOW_INIT = """
import time

time.sleep(0.3)


def handler(event, context):
    return "ok"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=APP, slow_init=SLOW_INIT)
    pytester.makeini("[pytest]\nlambda_isolation = inline\n")
    return pytester


TESTS = """
import pytest

@pytest.mark.lambda_function("app.handler", name="quick")
def test_quick(lambda_invoke):
    lambda_invoke({}).assert_ok()

@pytest.mark.lambda_function("app.handler", name="slow")
def test_slow(lambda_invoke):
    lambda_invoke({"sleep": 0.3}).assert_ok()
"""


def test_a_duration_past_the_limit_fails_the_test_with_one_message(project) -> None:
    project.makepyfile(test_it=TESTS)
    result = project.runpytest("--lambda-max-duration-ms=200")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_slow _*",
            "pytest-lambda: slow: Duration 3??.?? ms on a cold start exceeds max_duration_ms = "
            "200 ms (--lambda-max-duration-ms)",
            "  REPORT RequestId: *\tDuration: 3??.?? ms\tBilled Duration: * ms\tMemory Size: 128 "
            "MB\tMax Memory Used: * MB\tInit Duration: * ms",
            "*- lambda invocations -*",
            "FAILED test_it.py::test_slow - Failed: pytest-lambda: slow: Duration *",
        ]
    )
    assert "test_quick" not in result.stdout.str().split("short test summary")[1]
    assert "Traceback" not in result.stdout.str()


def test_ini_keys_set_the_limits_and_the_command_line_wins(project) -> None:
    project.makepyfile(test_it=TESTS)
    project.makeini("[pytest]\nlambda_isolation = inline\nlambda_max_duration_ms = 200\n")
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*exceeds max_duration_ms = 200 ms (ini key lambda_max_duration_ms)"]
    )
    project.runpytest("--lambda-max-duration-ms=2000").assert_outcomes(passed=2)


def test_the_closest_lambda_limits_marker_wins_and_the_functions_own_limits_win_over_it(
    project,
) -> None:
    project.makepyfile(
        test_it="""
        import pytest
        from pytest_lambda import LambdaFunction

        pytestmark = pytest.mark.lambda_limits(max_duration_ms=200, max_init_ms=5000)

        @pytest.mark.lambda_limits(max_duration_ms=2000)
        @pytest.mark.lambda_function("app.handler")
        def test_marker_allows_it(lambda_invoke):
            lambda_invoke({"sleep": 0.3}).assert_ok()

        @pytest.mark.lambda_function("app.handler")
        def test_module_marker_refuses_it(lambda_invoke):
            lambda_invoke({"sleep": 0.3}).assert_ok()

        @pytest.mark.lambda_function("app.handler", limits={"max_duration_ms": 2000})
        def test_function_limits_allow_it(lambda_invoke):
            lambda_invoke({"sleep": 0.3}).assert_ok()

        def test_function_made_in_the_test(request):
            with LambdaFunction(
                "app.handler", code_dir=str(request.config.rootpath), isolation="inline",
                name="own", limits={"max_duration_ms": 50},
            ) as function:
                function.invoke({"sleep": 0.3}).assert_ok()
        """
    )
    result = project.runpytest("--lambda-max-duration-ms=5000")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_module_marker_refuses_it _*",
            "pytest-lambda: app-handler: Duration * ms on a cold start exceeds max_duration_ms "
            "= 200 ms (@lambda_limits)",
            "*_ test_function_made_in_the_test _*",
            "pytest-lambda: own: Duration * ms on a cold start exceeds max_duration_ms = 50 ms "
            "(the function's limits=)",
        ]
    )


def test_cold_and_warm_durations_are_judged_apart(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_limits(max_duration_ms_warm=200, max_duration_ms_cold=5000)
        @pytest.mark.lambda_function("app.handler")
        def test_slow_cold_start_is_allowed(lambda_invoke):
            lambda_invoke({"sleep": 0.3}).assert_ok()
            lambda_invoke({}).assert_ok()

        @pytest.mark.lambda_limits(max_duration_ms_warm=200)
        @pytest.mark.lambda_function("app.slow_when_warm")
        def test_slow_warm_invoke_is_not(lambda_invoke):
            assert lambda_invoke({}).cold_start
            lambda_invoke({}).assert_ok()
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "pytest-lambda: app-slow_when_warm: Duration 3??.?? ms on a warm invoke exceeds "
            "max_duration_ms_warm = 200 ms (@lambda_limits)",
        ]
    )


def test_init_memory_and_cost_limits(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("slow_init.handler")
        def test_init(lambda_invoke):
            lambda_invoke({}).assert_ok()

        @pytest.mark.lambda_function("app.handler", isolation="process", memory_mb=256)
        def test_memory(lambda_invoke):
            lambda_invoke({"mb": 100}).assert_ok()

        @pytest.mark.lambda_function("app.handler", memory_mb=10240)
        def test_cost(lambda_invoke):
            lambda_invoke({"sleep": 0.1}).assert_ok()
        """
    )
    result = project.runpytest(
        "--lambda-max-init-ms=100",
        "--lambda-max-memory-pct=30",
        "--lambda-max-cost-per-million=5",
    )
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "pytest-lambda: slow_init-handler: Init Duration 3??.?? ms exceeds max_init_ms = 100 "
            "ms (--lambda-max-init-ms)",
            "pytest-lambda: app-handler: Max Memory Used 1?? MB is *% of its 256 MB, above "
            "max_memory_pct = 30% (--lambda-max-memory-pct)",
            # 10 GB for 100 ms: $16.87 per million.
            "pytest-lambda: app-handler: a million invocations like this one would cost $1?.*, "
            "above max_cost_per_million = $5 (--lambda-max-cost-per-million)",
        ],
        consecutive=False,
    )


TIMEOUT_TESTS = """
import pytest

@pytest.mark.lambda_function("app.handler", timeout_s=1)
def test_times_out_on_purpose(lambda_invoke):
    lambda_invoke({"sleep": 5}).assert_timed_out()

@pytest.mark.lambda_limits(fail_on=())
@pytest.mark.lambda_function("app.handler", timeout_s=1)
def test_opted_out(lambda_invoke):
    lambda_invoke({"sleep": 5}).assert_timed_out()
"""


def test_a_test_may_expect_a_timeout_unless_fail_on_says_otherwise(project) -> None:
    project.makepyfile(test_it=TIMEOUT_TESTS)
    project.runpytest("--lambda-max-duration-ms=10").assert_outcomes(passed=2)
    result = project.runpytest("--lambda-fail-on=Timeout,out_of_memory")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_times_out_on_purpose _*",
            "pytest-lambda: app-handler: ended with error kind timeout (Sandbox.Timedout), "
            "which fail_on makes a failure (--lambda-fail-on)",
            "  REPORT RequestId: *\tDuration: 1000.00 ms\t*\tStatus: timeout",
        ]
    )


def test_a_test_failing_on_its_own_shows_the_limits_it_exceeded_beside(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_fails(lambda_invoke):
            lambda_invoke({"sleep": 0.3})
            assert False, "its own failure"
        """
    )
    result = project.runpytest("--lambda-max-duration-ms=100")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: its own failure",
            "*- lambda limits -*",
            "pytest-lambda: app-handler: Duration * exceeds max_duration_ms = 100 ms*",
        ]
    )


def test_a_report_that_cannot_be_written_at_the_end_is_said_in_one_line(project) -> None:
    project.makepyfile(
        test_it="""
        import os
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_takes_the_path(lambda_invoke):
            lambda_invoke({}).assert_ok()
            os.mkdir("report.json")
        """
    )
    result = project.runpytest("--lambda-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["pytest-lambda: could not write the report to report.json: [[]Errno 21[]] *"]
    )


def test_a_test_that_skips_itself_stays_skipped(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_skips(lambda_invoke):
            lambda_invoke({"sleep": 0.3})
            pytest.skip("not today")
        """
    )
    result = project.runpytest("--lambda-max-duration-ms=100", "--lambda-report=report.json")
    result.assert_outcomes(skipped=1)
    report = json.loads((project.path / "report.json").read_text())
    assert report["invocations"][0]["violations"] != []


def test_a_bad_lambda_limits_marker_errors_its_test_in_one_line(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_limits(max_duration_ms="fast")
        def test_bad():
            pass

        @pytest.mark.lambda_limits(100)
        def test_positional():
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*pytest-lambda: @pytest.mark.lambda_limits: max_duration_ms must be a number above "
            "0, got 'fast'",
            "*pytest-lambda: @pytest.mark.lambda_limits takes keyword arguments only "
            "(max_duration_ms=..., ...), got (100,)",
        ],
        consecutive=False,
    )
    assert "Traceback" not in result.stdout.str()


BAD_SETTINGS = [
    (
        ["--lambda-max-duration-ms=fast"],
        "pytest-lambda: --lambda-max-duration-ms='fast' is not a number above 0",
    ),
    (["--lambda-max-init-ms=0"], "pytest-lambda: --lambda-max-init-ms='0' is not a number above 0"),
    (
        ["--lambda-max-memory-pct=150"],
        "pytest-lambda: --lambda-max-memory-pct: max_memory_pct=150 is out of range: it is Max "
        "Memory Used as a percentage of the memory size, above 0 and at most 100",
    ),
    (
        ["--lambda-max-cost-per-million=$5"],
        "pytest-lambda: --lambda-max-cost-per-million='$5' is not a number above 0",
    ),
    (
        ["--lambda-fail-on=timeout,oom"],
        "pytest-lambda: --lambda-fail-on: unknown error kind 'oom'; the kinds are unhandled, "
        "timeout, out_of_memory, init, marshal, unmarshal, payload_too_large, exit, "
        "permission, throttled",
    ),
    (
        ["--lambda-max-regression-pct=-5"],
        "pytest-lambda: --lambda-max-regression-pct='-5' is not a number 0 or more",
    ),
    (
        ["--lambda-summary=loud"],
        "pytest-lambda: --lambda-summary='loud' is not a summary mode; choose one of compact, "
        "full, off",
    ),
    (
        ["--lambda-baseline=missing.json"],
        "pytest-lambda: --lambda-baseline 'missing.json': no such file",
    ),
    (
        ["--lambda-baseline=app.py"],
        "pytest-lambda: --lambda-baseline 'app.py' is not JSON (Expecting value: line 1 column 1 "
        "(char 0)); pass a --lambda-report file",
    ),
    (
        ["--lambda-baseline=other.json"],
        "pytest-lambda: --lambda-baseline 'other.json' is not a pytest-lambda report: $: "
        "'version' is a required property (and * more problems)",
    ),
    (
        ["--lambda-report=app.py/report.json"],
        "pytest-lambda: --lambda-report='app.py/report.json' cannot be written (*); choose a "
        "writable path",
    ),
    (
        ["--lambda-report-html=."],
        "pytest-lambda: --lambda-report-html='.' is a directory; give a file path",
    ),
    (
        ["--lambda-logs-dir=app.py"],
        "pytest-lambda: --lambda-logs-dir='app.py' cannot be written (*); choose a writable "
        "directory",
    ),
]


@pytest.mark.parametrize(
    ("args", "line"), BAD_SETTINGS, ids=[a[0].split("=")[0] for a, _ in BAD_SETTINGS]
)
def test_a_bad_setting_stops_the_run_before_any_test_with_one_line(
    project, args: list[str], line: str
) -> None:
    project.makefile(".json", other='{"invocations": [], "functions": {}}')
    project.makepyfile(
        test_it="""
        def test_runs():
            open("ran", "w").close()
        """
    )
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    said = [text for text in result.stderr.lines if text.strip()]
    assert len(said) == 1, said
    result.stderr.fnmatch_lines([f"ERROR: {line}"])
    assert not (project.path / "ran").exists()


def test_a_bad_ini_value_names_the_ini_key(project) -> None:
    project.makeini("[pytest]\nlambda_max_init_ms = soon\nlambda_fail_on = timeout, slow\n")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-lambda: ini key lambda_max_init_ms='soon' is not a number above 0"]
    )


def test_options_and_ini_keys_are_listed_with_help(project) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*--lambda-max-duration-ms=MS*",
            "*--lambda-max-init-ms=MS*",
            "*--lambda-max-memory-pct=PCT*",
            "*--lambda-max-cost-per-million=USD*",
            "*--lambda-fail-on=KIND,...*",
            "*--lambda-baseline=PATH*",
            "*--lambda-max-regression-pct=PCT*",
            "*--lambda-summary=MODE*",
            "*--lambda-report=PATH*",
            "*--lambda-report-html=PATH*",
            "*--lambda-logs-dir=DIR*",
            "*lambda_max_duration_ms (string):*",
            "*Default of --lambda-max-duration-ms: Fail a test*",
        ],
        consecutive=False,
    )
    markers = project.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.lambda_limits(*, max_duration_ms, *"])


def test_junit_xml_gets_each_tests_invocations_as_properties(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler")
        def test_two(lambda_invoke):
            lambda_invoke({}).assert_ok()
            lambda_invoke({"fail": "no"}).assert_error(ValueError)

        def test_none():
            pass
        """
    )
    project.runpytest("--junitxml=junit.xml").assert_outcomes(passed=2)
    tree = ET.parse(project.path / "junit.xml")
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    properties = [(p.get("name"), p.get("value")) for p in cases["test_two"].iter("property")]
    names = [name for name, _ in properties]
    assert (
        names
        == ["lambda.invocations"]
        + [
            "lambda.function",
            "lambda.duration_ms",
            "lambda.billed_duration_ms",
            "lambda.max_memory_used_mb",
            "lambda.cold_start",
            "lambda.error_kind",
        ]
        * 2
    )
    values = dict(properties[:7])
    assert values["lambda.invocations"] == "2"
    assert values["lambda.function"] == "app-handler"
    assert values["lambda.cold_start"] == "true"
    assert float(values["lambda.duration_ms"]) >= 0
    assert [v for n, v in properties if n == "lambda.error_kind"] == ["", "unhandled"]
    assert [v for n, v in properties if n == "lambda.cold_start"] == ["true", "false"]
    assert list(cases["test_none"].iter("property")) == []


def test_the_logs_directory_has_each_functions_logs_as_cloudwatch_shows_them(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.lambda_function("app.handler", name="first")
        def test_first(lambda_invoke):
            lambda_invoke({}).assert_ok()
            lambda_invoke({"fail": "bad input"})

        @pytest.mark.lambda_function("app.handler", name="second")
        def test_second(lambda_invoke):
            lambda_invoke({}).assert_ok()
        """
    )
    result = project.runpytest("--lambda-logs-dir=logs/lambda")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["pytest-lambda logs written to logs/lambda"])
    logs = project.path / "logs" / "lambda"
    assert sorted(p.name for p in logs.iterdir()) == ["first.log", "second.log"]
    first = (logs / "first.log").read_text().splitlines()
    # The runtime of a function without one configured is the interpreter's.
    runtime = f"python:{sys.version_info.major}.{sys.version_info.minor}"
    assert first[0].startswith(f"INIT_START Runtime Version: {runtime}.v38\t")
    assert first[1].startswith("START RequestId: ")
    platform_lines = [
        line.split(" ")[0] for line in first if line.startswith(("START", "END", "REPORT"))
    ]
    assert platform_lines == ["START", "END", "REPORT", "START", "END", "REPORT"]
    assert "[ERROR] ValueError: bad input" in first


def test_github_job_summary_gets_the_table_as_markdown(project, monkeypatch) -> None:
    summary = project.path / "step-summary"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.makepyfile(test_it=TESTS)
    project.runpytest().assert_outcomes(passed=2)
    text = summary.read_text()
    assert text.startswith("# earlier step\n## pytest-lambda\n\n| function | invokes |")
    assert "| slow | 1 | 1 | 0 | 0 |" in text
    assert "| total (2 functions) | 2 | 2 | 0 | 0 |" in text


def test_no_job_summary_when_nothing_was_invoked_or_the_summary_is_off(
    project, monkeypatch
) -> None:
    summary = project.path / "step-summary"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.makepyfile(test_it="def test_nothing():\n    pass\n")
    project.runpytest().assert_outcomes(passed=1)
    project.makepyfile(test_it=TESTS)
    project.runpytest("--lambda-summary=off").assert_outcomes(passed=2)
    assert not summary.exists()


def test_report_paths_in_the_ini_file_are_taken_from_the_rootdir(project) -> None:
    project.makeini(
        "[pytest]\nlambda_isolation = inline\nlambda_report = out/lambda.json\n"
        "lambda_summary = off\n"
    )
    project.mkdir("tests")
    project.path.joinpath("tests", "test_it.py").write_text(TESTS)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project.path / "tests")
        result = project.runpytest(
            "--rootdir", str(project.path), "-c", str(project.path / "tox.ini")
        )
    result.assert_outcomes(passed=2)
    assert "= pytest-lambda =" not in result.stdout.str()
    assert json.loads((project.path / "out" / "lambda.json").read_text())["invocations"]


def test_the_json_report_lists_the_limits_each_invocation_exceeded(project) -> None:
    project.makepyfile(test_it=TESTS)
    project.runpytest("--lambda-max-duration-ms=200", "--lambda-report=out/report.json")
    report = json.loads((project.path / "out" / "report.json").read_text())
    by_function = {r["function"]: r for r in report["invocations"]}
    assert by_function["quick"]["violations"] == []
    assert by_function["quick"]["logs"] is None
    [violation] = by_function["slow"]["violations"]
    assert violation.startswith("slow: Duration ")
    assert "\n  REPORT RequestId: " in violation
    assert by_function["slow"]["logs"].startswith("INIT_START ")
    assert report["functions"]["slow"]["limit_violations"] == 1
