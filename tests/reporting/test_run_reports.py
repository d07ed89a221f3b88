"""The summary, the JSON report and its schema, baselines, pytest-xdist and shards, in real
pytest runs (pytester)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from pytest_lambda.cli import main as cli
from pytest_lambda.reporting import report_schema, schema_errors

APP = """
import os
import time


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError(event["fail"])
    return "ok"
"""

# Twelve functions: one fails, one is throttled, one sleeps; the rest are quick.
MANY = """
import pytest
from pytest_lambda import LambdaFunction

@pytest.mark.parametrize("n", range(9))
def test_quick(request, n):
    with LambdaFunction("app.handler", code_dir=str(request.config.rootpath),
                        isolation="inline", name=f"quick-{n}") as function:
        function.invoke({}).assert_ok()

@pytest.mark.lambda_function("app.handler", name="failing")
def test_failing(lambda_invoke):
    lambda_invoke({"fail": "boom"}).assert_error(ValueError)

@pytest.mark.lambda_function("app.handler", name="throttled", reserved_concurrency=0)
def test_throttled(lambda_invoke):
    lambda_invoke({}).assert_error("TooManyRequestsException")

@pytest.mark.lambda_function("app.handler", name="sleepy")
def test_sleepy(lambda_invoke):
    for _ in range(5):
        lambda_invoke({"sleep": 0.05}).assert_ok()
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=APP)
    pytester.makeini("[pytest]\nlambda_isolation = inline\n")
    return pytester


def _valid(path: Path) -> dict:
    data = json.loads(path.read_text())
    assert schema_errors(data) == []
    return data


def test_the_schema_ships_in_the_package_and_is_a_draft_2020_12_schema() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["version", "run", "invocations", "functions"]
    assert schema_errors({"version": 1}) != []


def test_compact_summary_puts_what_matters_first_and_folds_the_rest(project) -> None:
    project.makepyfile(test_it=MANY)
    result = project.runpytest()
    result.assert_outcomes(passed=12)
    result.stdout.fnmatch_lines(
        [
            "*= pytest-lambda =*",
            "function * invokes * cold * errors * throttles * p50 ms * p95 ms * max ms * init p50 "
            "ms * memory used * GB-s * $ per 1M * error kinds",
            "failing * 1 * 1 * 1 * 0 *unhandled 1",
            "throttled * 1 * 0 * 0 * 1 *",
            "sleepy * 5 * 1 * 0 * 0 *",
            "quick-* 1 * 1 * 0 * 0 *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "... 2 more functions*",
            "total (12 functions) * 16 * 11 * 1 * 1 * run cost $*",
            "(-v or --lambda-summary=full lists every function)",
        ]
    )
    rows = [line for line in result.stdout.lines if line.startswith("quick-")]
    assert len(rows) == 7


def test_full_summary_with_dash_v_or_the_option_and_quiet_under_dash_q(project) -> None:
    project.makepyfile(test_it=MANY)
    for args in (["-v"], ["--lambda-summary=full"]):
        result = project.runpytest(*args)
        rows = [line for line in result.stdout.lines if line.startswith("quick-")]
        assert len(rows) == 9, args
        result.stdout.fnmatch_lines(["prices: us-east-1 list price, $0.20 per 1M requests*"])
    quiet = project.runpytest("-q")
    quiet.stdout.fnmatch_lines(
        [
            "pytest-lambda: 12 functions, 16 invocations (11 cold), 1 error, 1 throttle, "
            "* GB-s, $0.0000*"
        ]
    )
    assert "total (12 functions)" not in quiet.stdout.str()
    explicit = project.runpytest("-v", "--lambda-summary=compact")
    assert len([line for line in explicit.stdout.lines if line.startswith("quick-")]) == 7


def test_summary_off(project) -> None:
    project.makepyfile(test_it=MANY)
    result = project.runpytest("--lambda-summary=off")
    assert "pytest-lambda" not in result.stdout.str()


def test_the_json_report_of_a_run_validates_against_the_schema(project) -> None:
    project.makepyfile(test_it=MANY)
    project.runpytest("--lambda-report=report.json").assert_outcomes(passed=12)
    report = _valid(project.path / "report.json")
    assert report["version"] == 1
    run = report["run"]
    assert run["tool"] == "pytest"
    assert run["workers"] == 0
    assert set(run["machine"]) == {"system", "architecture", "cpu_model", "cpu_count", "python"}
    assert len(report["invocations"]) == 16
    throttled = next(r for r in report["invocations"] if r["function"] == "throttled")
    assert (throttled["served"], throttled["report_line"], throttled["error_kind"]) == (
        False,
        "",
        "THROTTLED",
    )
    failing = report["functions"]["failing"]
    assert failing["error_kinds"] == {"UNHANDLED": 1}
    sleepy = report["functions"]["sleepy"]
    assert sleepy["p95_duration_ms"] >= 50
    assert sleepy["cold_starts"] == 1


def test_an_empty_run_still_writes_its_report(project) -> None:
    project.makepyfile(test_it="def test_nothing():\n    pass\n")
    result = project.runpytest("--lambda-report=report.json", "--lambda-report-html=r.html")
    assert "= pytest-lambda =" not in result.stdout.str()
    report = _valid(project.path / "report.json")
    assert (report["invocations"], report["functions"]) == ([], {})
    assert "None: every invoke succeeded" in (project.path / "r.html").read_text()


BASELINE_TESTS = """
import os
import pytest

SLEEP = float(os.environ.get("SLEEP", "0.01"))

@pytest.mark.lambda_function("app.handler", name="steady")
def test_steady(lambda_invoke):
    for _ in range(5):
        lambda_invoke({"sleep": SLEEP}).assert_ok()

@pytest.mark.lambda_function("app.handler", name="flaky")
def test_flaky(lambda_invoke):
    if os.environ.get("NEW_ERROR"):
        lambda_invoke({"fail": "new"}).assert_error(ValueError)
    else:
        lambda_invoke({}).assert_ok()
"""


def test_a_baseline_catches_slower_functions_and_new_error_kinds(project, monkeypatch) -> None:
    project.makepyfile(test_it=BASELINE_TESTS)
    project.runpytest("--lambda-report=baseline.json").assert_outcomes(passed=2)
    _valid(project.path / "baseline.json")

    # The same run again: the allowed growth is wide enough for any load on the machine.
    same = project.runpytest(
        "--lambda-baseline=baseline.json", "--lambda-max-regression-pct=100000"
    )
    assert same.ret == pytest.ExitCode.OK
    same.stdout.fnmatch_lines(
        [
            "baseline baseline.json: regressions beyond 100000% fail the run",
            "function * p95 duration * Max Memory Used * cost per 1M invocations * new error kinds",
        ]
    )

    monkeypatch.setenv("SLEEP", "0.2")
    monkeypatch.setenv("NEW_ERROR", "1")
    slower = project.runpytest("--lambda-baseline=baseline.json", "--lambda-report=now.json")
    assert slower.ret == pytest.ExitCode.TESTS_FAILED
    slower.assert_outcomes(passed=1, failed=1)
    slower.stdout.fnmatch_lines(
        [
            "*_ test_flaky _*",
            "pytest-lambda: flaky: ended with error kind unhandled (ValueError), which the "
            "baseline baseline.json never had for it (it had: none)",
        ]
    )
    slower.stdout.fnmatch_lines(
        [
            "steady * 2??.?? ms (was *.?? ms) +*% REGRESSION*",
            "flaky * unhandled",
        ]
    )
    slower.stdout.fnmatch_lines(
        [
            "pytest-lambda: REGRESSION steady: p95 duration 2??.?? ms against the baseline's *",
            "pytest-lambda: REGRESSION flaky: failed with error kind unhandled (1 invocation), "
            "which the baseline never had for it",
            "pytest-lambda: the run fails: * regressions against the baseline baseline.json",
        ],
        consecutive=False,
    )
    report = _valid(project.path / "now.json")
    assert report["baseline"]["same_machine"] is True
    assert report["baseline"]["functions"]["steady"]["metrics"][0]["regression"] is True


def test_a_baseline_from_another_machine_is_flagged_not_compared(project, monkeypatch) -> None:
    project.makepyfile(test_it=BASELINE_TESTS)
    project.runpytest("--lambda-report=baseline.json").assert_outcomes(passed=2)
    baseline = json.loads((project.path / "baseline.json").read_text())
    baseline["run"]["machine"]["cpu_model"] = "Some Other CPU"
    (project.path / "baseline.json").write_text(json.dumps(baseline))
    monkeypatch.setenv("SLEEP", "0.2")
    result = project.runpytest("--lambda-baseline=baseline.json", "--lambda-summary=off")
    assert result.ret == pytest.ExitCode.OK
    assert "REGRESSION" not in result.stdout.str()
    full = project.runpytest("--lambda-baseline=baseline.json", "-v")
    full.stdout.fnmatch_lines(
        [
            "baseline baseline.json: regressions beyond 20% fail the run; FLAGGED: made on "
            "another machine (baseline CPU Some Other CPU vs *): durations and cost are shown, "
            "not judged",
            "*steady * 2??.?? ms (was *) +*% ~ (other machine)*",
        ]
    )


def test_limits_are_judged_in_the_workers_and_every_worker_reports(project) -> None:
    project.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.parametrize("n", range(6))
        @pytest.mark.lambda_function("app.handler", isolation="process")
        def test_invoke(lambda_invoke, aws, n):
            aws.bucket(f"bucket-{n}")
            lambda_invoke({"sleep": 0.3 if n == 5 else 0}).assert_ok()
        """
    )
    result = project.runpytest_subprocess(
        "-n",
        "2",
        "--lambda-max-duration-ms=200",
        "--lambda-report=report.json",
        "--lambda-logs-dir=logs",
        "--junitxml=junit.xml",
    )
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            "pytest-lambda: app-handler: Duration 3??.?? ms on a cold start exceeds "
            "max_duration_ms = 200 ms (--lambda-max-duration-ms)",
            "app-handler * 6 * 6 * 0 * 0 *",
        ],
        consecutive=False,
    )
    report = _valid(project.path / "report.json")
    assert report["run"]["workers"] == 2
    assert {r["worker"] for r in report["invocations"]} <= {"gw0", "gw1"}
    assert {r["test"] for r in report["invocations"]} == {
        f"test_it.py::test_invoke[{n}]" for n in range(6)
    }
    assert report["functions"]["app-handler"]["limit_violations"] == 1
    log = (project.path / "logs" / "app-handler.log").read_text()
    assert log.count("REPORT RequestId: ") == 6
    assert (project.path / "junit.xml").read_text().count('name="lambda.invocations"') == 6


def test_shards_merge_into_one_summary_report_and_baseline_comparison(
    project, capsys, monkeypatch
) -> None:
    project.makepyfile(test_it=MANY)
    project.runpytest("--lambda-report=baseline.json", "-k", "not sleepy")
    project.runpytest("--lambda-report=shard1.json", "-k", "quick")
    project.runpytest("--lambda-report=shard2.json", "-k", "not quick")
    monkeypatch.chdir(project.path)
    capsys.readouterr()
    status = cli(
        [
            "report",
            "merge",
            "shard1.json",
            "shard2.json",
            "-o",
            "merged.json",
            "--html",
            "merged.html",
            "--baseline",
            "baseline.json",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0] == "2 reports merged: 16 invocations"
    assert any(line.startswith("total (12 functions)") for line in lines)
    assert "baseline baseline.json: regressions beyond 20% fail the run" in lines
    assert any(line.startswith("sleepy") and "new in this run" in line for line in lines)
    assert lines[-2:] == [
        "merged report written to merged.json",
        "HTML report written to merged.html",
    ]
    merged = _valid(project.path / "merged.json")
    assert merged["run"]["tool"] == "pytest-lambda report merge"
    assert len(merged["run"]["shards"]) == 2
    assert len(merged["invocations"]) == 16
    assert merged["functions"]["failing"]["errors"] == 1
    assert "<svg" in (project.path / "merged.html").read_text()


def test_merge_exits_1_on_regressions_and_refuses_what_is_not_a_report(
    project, capsys, monkeypatch
) -> None:
    project.makepyfile(test_it=BASELINE_TESTS)
    project.runpytest("--lambda-report=baseline.json")
    monkeypatch.setenv("NEW_ERROR", "1")
    project.runpytest("--lambda-report=shard.json")
    monkeypatch.chdir(project.path)
    capsys.readouterr()
    merge = ["report", "merge", "shard.json", "--baseline", "baseline.json"]
    assert cli([*merge, "--max-regression-pct", "100000"]) == 1
    assert "REGRESSION flaky: failed with error kind unhandled" in capsys.readouterr().out
    (project.path / "junk.json").write_text("[]")
    assert cli(["report", "merge", "shard.json", "junk.json"]) == 2
    assert capsys.readouterr().err == (
        "pytest-lambda: error: report 'junk.json' is not a pytest-lambda report: $: [] is not "
        "of type 'object'\n"
    )
