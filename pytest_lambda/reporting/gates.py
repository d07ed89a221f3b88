"""CI gates in a pytest run: limits judged where each test runs, the run's records brought
together (pytest-xdist workers included), a baseline comparison, the summary and the
reports. `GatesPlugin` is registered by the pytest plugin (pytest_lambda.plugin).

Bad settings (a limit that is not a number, an unknown error kind, a baseline that is not
a report, a report path that cannot be written) stop the run before any test runs, with
one line and pytest's usage-error status (4).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ..errors import HarnessError
from ..invocation import Invocation
from ..limits import Limits, error_kinds
from .baseline import DEFAULT_MAX_REGRESSION_PCT, Baseline, compare
from .html_report import write_html_report
from .json_report import RunReport, load_report
from .judge import FUNCTION_LIMITS, LimitSet, Violation, failure_message, judge
from .logs_dir import LogEntry, write_logs_dir
from .metadata import Machine, run_metadata
from .records import InvocationRecord, wall_time
from .summary import (
    SUMMARY_MODES,
    comparison_table,
    comparison_title,
    function_table,
    price_note,
    quiet_line,
)

LIMITS_MARKER = "lambda_limits"
_WORKER_RECORDS = "pytest_lambda_records"
_WORKER_LOGS = "pytest_lambda_logs"
# JUnit XML properties are written for this many invocations of a test; the count is
# always written.
MAX_JUNIT_INVOCATIONS = 10


@dataclass(frozen=True)
class _Option:
    flag: str
    ini: str
    metavar: str
    help: str

    @property
    def dest(self) -> str:
        return self.ini


# Limits: the Limits setting each option and ini key sets.
_LIMIT_OPTIONS = {
    "max_duration_ms": _Option(
        "--lambda-max-duration-ms",
        "lambda_max_duration_ms",
        "MS",
        "Fail a test when an invoke's Duration exceeds MS milliseconds (Init excluded).",
    ),
    "max_init_ms": _Option(
        "--lambda-max-init-ms",
        "lambda_max_init_ms",
        "MS",
        "Fail a test when a cold start's Init Duration exceeds MS milliseconds.",
    ),
    "max_memory_pct": _Option(
        "--lambda-max-memory-pct",
        "lambda_max_memory_pct",
        "PCT",
        "Fail a test when an invoke's Max Memory Used exceeds PCT percent of the memory "
        "size (process isolation).",
    ),
    "max_cost_per_million": _Option(
        "--lambda-max-cost-per-million",
        "lambda_max_cost_per_million",
        "USD",
        "Fail a test when a million invokes like one of its own would cost more than USD "
        "dollars at list price.",
    ),
    "fail_on": _Option(
        "--lambda-fail-on",
        "lambda_fail_on",
        "KIND,...",
        "Error kinds that fail a test whenever an invoke ends with one, even one the test "
        "expected (e.g. timeout,out_of_memory).",
    ),
}
_BASELINE = _Option(
    "--lambda-baseline",
    "lambda_baseline",
    "PATH",
    "Compare the run with an earlier --lambda-report file and fail on regressions.",
)
_REGRESSION = _Option(
    "--lambda-max-regression-pct",
    "lambda_max_regression_pct",
    "PCT",
    "Allowed growth of p95 duration, Max Memory Used and cost per million against the "
    f"baseline, in percent (default {DEFAULT_MAX_REGRESSION_PCT:g}).",
)
_SUMMARY = _Option(
    "--lambda-summary",
    "lambda_summary",
    "MODE",
    "The end-of-run summary: compact (default; full with -v), full or off.",
)
_REPORT = _Option(
    "--lambda-report",
    "lambda_report",
    "PATH",
    "Write every invocation and per-function aggregates to PATH as JSON.",
)
_HTML = _Option(
    "--lambda-report-html",
    "lambda_report_html",
    "PATH",
    "Write a self-contained HTML report (charts, failed invocations' logs) to PATH.",
)
_LOGS_DIR = _Option(
    "--lambda-logs-dir",
    "lambda_logs_dir",
    "DIR",
    "Write each function's logs to DIR/<function>.log, as CloudWatch shows them.",
)
_OTHER_OPTIONS = (_BASELINE, _REGRESSION, _SUMMARY, _REPORT, _HTML, _LOGS_DIR)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("lambda", "AWS Lambda handlers (pytest-lambda)")
    for option in (*_LIMIT_OPTIONS.values(), *_OTHER_OPTIONS):
        group.addoption(
            option.flag, dest=option.dest, metavar=option.metavar, default=None, help=option.help
        )
        parser.addini(option.ini, f"Default of {option.flag}: {option.help}", default=None)


def describe_marker() -> str:
    return (
        f"{LIMITS_MARKER}(*, max_duration_ms, max_duration_ms_cold, max_duration_ms_warm, "
        "max_init_ms, max_memory_pct, max_cost_per_million, fail_on): limits for the "
        "invocations this test makes; the closest marker wins, setting by setting, over "
        "the --lambda-max-* options and ini keys, and a function's own limits= win over it."
    )


@dataclass
class GateSettings:
    """The run's gate settings, read from the command line and the ini file and checked."""

    limits: LimitSet
    summary: str | None
    baseline: Baseline | None
    max_regression_pct: float
    report: Path | None
    html: Path | None
    logs_dir: Path | None

    @classmethod
    def read(cls, config: pytest.Config, *, check_outputs: bool) -> GateSettings:
        """Raises pytest.UsageError, one line naming the setting, for a bad value."""
        try:
            return cls._read(config, check_outputs)
        except HarnessError as e:
            raise pytest.UsageError(f"pytest-lambda: {e}") from None

    @classmethod
    def _read(cls, config: pytest.Config, check_outputs: bool) -> GateSettings:
        limits = LimitSet()
        for from_ini in (True, False):
            for setting, option in _LIMIT_OPTIONS.items():
                raw, where = _raw(config, option, from_ini)
                if raw is None:
                    continue
                value: Any = (
                    error_kinds(raw, where) if setting == "fail_on" else _number(raw, where)
                )
                try:
                    checked = Limits(**{setting: value})
                except HarnessError as e:
                    raise HarnessError(f"{where}: {e}") from None
                limits = limits.layered(checked, where)
        summary, where = _value(config, _SUMMARY)
        if summary is not None and summary not in SUMMARY_MODES:
            raise HarnessError(
                f"{where}={summary!r} is not a summary mode; choose one of "
                f"{', '.join(SUMMARY_MODES)}"
            )
        regression_pct = DEFAULT_MAX_REGRESSION_PCT
        raw_pct, where = _value(config, _REGRESSION)
        if raw_pct is not None:
            regression_pct = _number(raw_pct, where, allow_zero=True)
        baseline = None
        baseline_path = _path(config, _BASELINE)
        if baseline_path is not None:
            data = load_report(baseline_path, _BASELINE.flag)
            baseline = Baseline.from_report(str(baseline_path), data)
        report, html, logs_dir = (_path(config, o) for o in (_REPORT, _HTML, _LOGS_DIR))
        if check_outputs:
            for path, option in ((report, _REPORT), (html, _HTML)):
                if path is not None:
                    _check_writable_file(path, option.flag)
            if logs_dir is not None:
                _check_writable_dir(logs_dir, _LOGS_DIR.flag)
        return cls(limits, summary, baseline, regression_pct, report, html, logs_dir)


@dataclass
class _Test:
    """The test being run: its limits and its invocations not judged yet."""

    nodeid: str
    limits: LimitSet | None
    limits_error: str | None
    pending: list[tuple[Invocation, InvocationRecord]] = field(default_factory=list)
    invocations: list[InvocationRecord] = field(default_factory=list)
    # Limits exceeded in a test that failed on its own: shown beside its failure.
    beside_failure: list[Violation] = field(default_factory=list)


def register(config: pytest.Config) -> GatesPlugin:
    """Check the gate settings (a bad one raises pytest.UsageError) and register the gates
    with pytest; the caller adds `GatesPlugin.record` to the run's invocation listeners."""
    gates = GatesPlugin(config)
    config.pluginmanager.register(gates, "pytest-lambda-gates")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistWorkers(gates), "pytest-lambda-gates-xdist")
    return gates


class GatesPlugin:
    """Records the run's invocations, judges them where their test runs, and reports."""

    def __init__(self, config: pytest.Config) -> None:
        workerinput = getattr(config, "workerinput", None)
        self.worker: str | None = workerinput["workerid"] if workerinput else None
        self.settings = GateSettings.read(config, check_outputs=self.worker is None)
        self.config = config
        self.records: list[InvocationRecord] = []
        self.log_entries: list[LogEntry] = []
        self.report: RunReport | None = None
        self._written: list[str] = []
        self._workers = 0
        self._test: _Test | None = None
        self._started = wall_time()
        self._keep_all_logs = self.settings.logs_dir is not None

    # -- recording -----------------------------------------------------------------------

    def record(self, invocation: Invocation) -> None:
        test = self._test
        record = InvocationRecord.from_invocation(
            invocation, test=test.nodeid if test else None, worker=self.worker
        )
        self.records.append(record)
        if self._keep_all_logs:
            self.log_entries.append(LogEntry.of(invocation))
        if test is not None:
            test.pending.append((invocation, record))
            test.invocations.append(record)

    def worker_finished(self, output: dict[str, Any]) -> None:
        """A pytest-xdist worker's records join the controller's."""
        self._workers += 1
        self.records.extend(InvocationRecord.from_json(r) for r in output.get(_WORKER_RECORDS, []))
        self.log_entries.extend(LogEntry.from_json(e) for e in output.get(_WORKER_LOGS, []))

    # -- judging, where the test runs ----------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        limits, error = self._test_limits(item)
        self._test = _Test(item.nodeid, limits, error)
        try:
            return (yield)
        finally:
            self._test = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self._test is not None and self._test.limits_error is not None:
            pytest.fail(self._test.limits_error, pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            result = yield
        except BaseException:
            # The test failed (or skipped) on its own: that outcome stands, and the limits
            # its invocations exceeded are shown beside a failure.
            if self._test is not None:
                self._test.beside_failure = self._judge_pending()
            raise
        violations = self._judge_pending()
        if violations:
            pytest.fail(failure_message(violations), pytrace=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        result = yield
        violations = self._judge_pending()
        if violations:
            pytest.fail(failure_message(violations), pytrace=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        test = self._test
        if call.when == "teardown" and test is not None and test.invocations:
            # JUnit XML reads user properties from the teardown report.
            item.user_properties.extend(_junit_properties(test.invocations))
        report: pytest.TestReport = yield
        if call.when == "call" and test is not None and test.beside_failure and report.failed:
            report.sections.append(("lambda limits", failure_message(test.beside_failure)))
        return report

    def _test_limits(self, item: pytest.Item) -> tuple[LimitSet | None, str | None]:
        limits = self.settings.limits
        for marker in reversed(list(item.iter_markers(LIMITS_MARKER))):
            if marker.args:
                return None, (
                    f"pytest-lambda: @pytest.mark.{LIMITS_MARKER} takes keyword arguments "
                    f"only (max_duration_ms=..., ...), got {marker.args!r}"
                )
            try:
                limits = limits.layered(Limits.coerce(marker.kwargs), f"@{LIMITS_MARKER}")
            except HarnessError as e:
                return None, f"pytest-lambda: @pytest.mark.{LIMITS_MARKER}: {e}"
        return limits, None

    def _judge_pending(self) -> list[Violation]:
        test = self._test
        if test is None or test.limits is None:
            return []
        found: list[Violation] = []
        for invocation, record in test.pending:
            limits = test.limits.layered(invocation.limits, FUNCTION_LIMITS)
            violations = judge(invocation, limits) + self._new_error_kind(invocation)
            if violations:
                record.violations = [v.message() for v in violations]
                record.keep_logs(invocation)
                found.extend(violations)
        test.pending.clear()
        return found

    def _new_error_kind(self, invocation: Invocation) -> list[Violation]:
        baseline = self.settings.baseline
        if baseline is None or invocation.error is None:
            return []
        known = baseline.error_kinds(invocation.function_name)
        kind = invocation.error.kind
        if known is None or kind.name in known:
            return []
        had = ", ".join(sorted(k.lower() for k in known)) or "none"
        return [
            Violation(
                invocation.function_name,
                "baseline",
                f"{invocation.function_name}: ended with error kind {kind.value} "
                f"({invocation.error.error_type}), which the baseline {baseline.path} never "
                f"had for it (it had: {had})",
                invocation.report_line,
            )
        ]

    # -- the end of the run --------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            # A pytest-xdist worker: the controller reports for the whole run.
            workeroutput[_WORKER_RECORDS] = [r.to_json() for r in self.records]
            workeroutput[_WORKER_LOGS] = [e.to_json() for e in self.log_entries]
            return
        finished = wall_time()
        run = run_metadata(
            started=_iso(self._started),
            finished=_iso(finished),
            duration_s=finished - self._started,
            workers=self._workers,
            tool="pytest",
        )
        report = RunReport.of(run, self.records)
        baseline = self.settings.baseline
        if baseline is not None and self.records:
            report.comparison = compare(
                report.functions,
                baseline,
                machine=Machine.this_one(),
                max_regression_pct=self.settings.max_regression_pct,
            )
            if report.comparison.regressions and session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.report = report
        self._write_outputs(report)

    def _write_outputs(self, report: RunReport) -> None:
        outputs: list[tuple[Path | None, str, Callable[[Path], object]]] = [
            (self.settings.report, "report", report.write),
            (self.settings.html, "HTML report", lambda p: write_html_report(p, report)),
            (
                self.settings.logs_dir,
                "logs",
                lambda p: write_logs_dir(p, self.log_entries),
            ),
        ]
        for path, what, write in outputs:
            if path is None:
                continue
            try:
                write(path)
            except OSError as e:
                # Checked writable before the run: say what happened since, and go on.
                self._written.append(f"pytest-lambda: could not write the {what} to {path}: {e}")
            else:
                self._written.append(f"pytest-lambda {what} written to {path}")
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if step_summary and report.records and self._mode() != "off":
            self._write_step_summary(Path(step_summary), report)

    def _mode(self) -> str:
        if self.settings.summary is not None:
            return self.settings.summary
        if self.config.get_verbosity() > 0:
            return "full"
        return "quiet" if self.config.get_verbosity() < 0 else "compact"

    def _write_step_summary(self, path: Path, report: RunReport) -> None:
        full = self._mode() == "full"
        lines = ["## pytest-lambda", ""]
        lines += function_table(report.functions.values(), full=full).markdown()
        if report.comparison is not None:
            lines += ["", f"**{comparison_title(report.comparison)}**", ""]
            lines += comparison_table(report.comparison, full=full).markdown()
            lines += [f"- REGRESSION {r}" for r in report.comparison.regressions]
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n\n")
        except OSError as e:
            self._written.append(f"pytest-lambda: could not write GITHUB_STEP_SUMMARY {path}: {e}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        report = self.report
        if report is None:
            return
        mode = self._mode()
        regressions = report.comparison.regressions if report.comparison else []
        if report.records and mode != "off":
            terminalreporter.section("pytest-lambda")
            if mode == "quiet":
                terminalreporter.write_line(quiet_line(report.functions.values()))
            else:
                full = mode == "full"
                table = function_table(report.functions.values(), full=full)
                for line in table.text():
                    terminalreporter.write_line(line)
                if full:
                    terminalreporter.write_line(price_note())
                if report.comparison is not None:
                    terminalreporter.write_line("")
                    terminalreporter.write_line(comparison_title(report.comparison))
                    for line in comparison_table(report.comparison, full=full).text():
                        terminalreporter.write_line(line)
        # Regressions fail the run: they are said whatever the summary mode.
        for regression in regressions:
            terminalreporter.write_line(f"pytest-lambda: REGRESSION {regression}", red=True)
        if regressions:
            assert report.comparison is not None
            terminalreporter.write_line(
                f"pytest-lambda: the run fails: {len(regressions)} regression"
                f"{'s' if len(regressions) != 1 else ''} against the baseline "
                f"{report.comparison.path}",
                red=True,
                bold=True,
            )
        if self.config.get_verbosity() >= 0:
            for line in self._written:
                terminalreporter.write_line(line)


class _XdistWorkers:
    """pytest-xdist's hook, registered only where pytest-xdist is installed."""

    def __init__(self, gates: GatesPlugin) -> None:
        self._gates = gates

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        self._gates.worker_finished(getattr(node, "workeroutput", {}))


def _junit_properties(records: list[InvocationRecord]) -> list[tuple[str, object]]:
    properties: list[tuple[str, object]] = [("lambda.invocations", len(records))]
    for record in records[:MAX_JUNIT_INVOCATIONS]:
        properties += [
            ("lambda.function", record.function),
            ("lambda.duration_ms", f"{record.duration_ms:.2f}"),
            ("lambda.billed_duration_ms", record.billed_duration_ms),
            ("lambda.max_memory_used_mb", record.max_memory_used_mb),
            ("lambda.cold_start", str(record.cold_start).lower()),
            ("lambda.error_kind", (record.error_kind or "").lower()),
        ]
    return properties


def _raw(config: pytest.Config, option: _Option, from_ini: bool) -> tuple[str | None, str]:
    if from_ini:
        value = config.getini(option.ini)
        return (value or None), f"ini key {option.ini}"
    value = config.getoption(option.dest)
    return value, option.flag


def _value(config: pytest.Config, option: _Option) -> tuple[str | None, str]:
    """The option's value (the command line over the ini key) and where it was set."""
    raw, where = _raw(config, option, from_ini=False)
    if raw is not None:
        return raw, where
    return _raw(config, option, from_ini=True)


def _path(config: pytest.Config, option: _Option) -> Path | None:
    """Paths on the command line are taken from the current directory, as pytest's own
    (--junitxml); those in the ini file from the rootdir."""
    raw, where = _value(config, option)
    if raw is None:
        return None
    path = Path(os.path.expanduser(raw))
    if where.startswith("ini") and not path.is_absolute():
        path = config.rootpath / path
    return path


def _number(raw: str, where: str, *, allow_zero: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (value >= 0 if allow_zero else value > 0) or value == float("inf"):
        rule = "0 or more" if allow_zero else "above 0"
        raise HarnessError(f"{where}={raw!r} is not a number {rule}")
    return value


def _check_writable_file(path: Path, flag: str) -> None:
    if path.is_dir():
        raise HarnessError(f"{flag}={str(path)!r} is a directory; give a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as e:
        raise HarnessError(
            f"{flag}={str(path)!r} cannot be written ({e.strerror or e}); choose a writable path"
        ) from None


def _check_writable_dir(path: Path, flag: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise HarnessError(
            f"{flag}={str(path)!r} cannot be written ({e.strerror or e}); choose a writable "
            "directory"
        ) from None


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat(timespec="seconds")
