"""The pytest plugin: ini keys, the marker, fixtures, report sections, the run's summary.

Each test run opens a session (pytest_lambda.session), kept in `config.stash`: it owns the
run's process-wide state and closes it when the test loop ends. A run started inside a
test (pytester) opens a session nested in the outer one, so it records only its own
invocations and closes nothing the outer run is using.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .aws.guard import install_guard
from .config import FunctionConfig
from .context import LambdaContext
from .environments.process import registry as process_registry
from .errors import HarnessError
from .function import LambdaFunction
from .invocation import Invocation, display_logs
from .reporting import aggregate, summary_lines, write_json_report
from .session import Session, open_session

if TYPE_CHECKING:
    import responses

    from .aws import AWS

MARKER = "lambda_function"

# ini key -> (FunctionConfig setting, help text, converter)
_INI_KEYS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    "lambda_handler": (
        "handler",
        "Default handler string, e.g. app.handler or src/app.handler.",
        str,
    ),
    "lambda_memory_mb": ("memory_mb", "Default memory size in MB (128-10240).", int),
    "lambda_timeout_s": ("timeout_s", "Default timeout in seconds (1-900).", float),
    "lambda_isolation": (
        "isolation",
        "Default isolation: process (worker processes, the default) or inline.",
        str,
    ),
    "lambda_template": ("template", "SAM/CloudFormation template to read functions from.", str),
    "lambda_logical_id": ("logical_id", "Logical id of the function in lambda_template.", str),
    "lambda_code_dir": (
        "code_dir",
        "Directory holding the handler code, relative to the rootdir (default: the rootdir).",
        str,
    ),
    "lambda_region": ("region", "Default AWS Region of functions (default us-east-1).", str),
    "lambda_architecture": ("architecture", "Default architecture: x86_64 or arm64.", str),
    "lambda_log_format": ("log_format", "Default log format: Text (the default) or JSON.", str),
    "lambda_log_level": (
        "log_level",
        "Default application log level (JSON format): TRACE, DEBUG, INFO, WARN, ERROR, FATAL.",
        str,
    ),
    "lambda_system_log_level": (
        "system_log_level",
        "Default system log level (JSON format): DEBUG, INFO or WARN.",
        str,
    ),
    "lambda_ephemeral_storage_mb": (
        "ephemeral_storage_mb",
        "Default size of the functions' /tmp in MB (512-10240).",
        int,
    ),
}
_PRELOAD_HELP = (
    "Modules the fork server imports once, before any function's Init (e.g. boto3 "
    "botocore), so that cold starts skip them; their import cost then no longer shows in "
    "Init Duration."
)
_PATH_SETTINGS = ("code_dir", "template")
_SECTION_TITLE = "lambda invocations"
_invocations_key = pytest.StashKey[list[Invocation]]()
_session_key = pytest.StashKey[Session]()


def pytest_addoption(parser: pytest.Parser) -> None:
    for key, (_, help_text, _convert) in _INI_KEYS.items():
        parser.addini(key, help_text, default=None)
    parser.addini("lambda_preload", _PRELOAD_HELP, type="args", default=[])
    group = parser.getgroup("lambda", "AWS Lambda handlers (pytest-lambda)")
    group.addoption(
        "--lambda-report",
        metavar="PATH",
        default=None,
        help="Write every invocation and per-function aggregates to PATH as JSON.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(handler=None, *, memory_mb, timeout_s, env, isolation, template, "
        "logical_id, code_dir, region, architecture, role_policy, reserved_concurrency, name, "
        "log_format, log_level, system_log_level, ephemeral_storage_mb): "
        "configure the lambda_function / lambda_invoke / lambda_context fixtures; "
        "the closest marker wins, setting by setting, over the lambda_* ini keys.",
    )
    session = open_session()
    config.stash[_session_key] = session
    # Real credentials hidden and real AWS endpoints refused for the whole run.
    install_guard()
    recorder = _Recorder()
    config.stash[_recorder_key] = recorder
    session.add_listener(recorder.record)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistRecords(recorder), "pytest-lambda-xdist")
    preload = config.getini("lambda_preload")
    if preload:
        process_registry.configure(preload=preload, session=session)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    try:
        return (yield)
    finally:
        # Workers save their coverage data as they exit: before pytest-cov combines it.
        lambda_session = session.config.stash.get(_session_key, None)
        if lambda_session is not None:
            lambda_session.close_resources()


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_session_key, None)
    if session is not None:
        session.close()


@dataclass
class _Recorder:
    """A record of every invocation of the run, and the test being run's invocations.

    The run keeps records (plain dicts), not Invocations: those hold logs and payloads,
    and a long run would keep them all alive.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    current: list[Invocation] | None = None
    current_test: str | None = None

    def record(self, invocation: Invocation) -> None:
        record = invocation.to_record()
        record["test"] = self.current_test
        self.records.append(record)
        if self.current is not None:
            self.current.append(invocation)


class _XdistRecords:
    """Brings the records of pytest-xdist workers to the controller's summary and report."""

    def __init__(self, recorder: _Recorder) -> None:
        self._recorder = recorder

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {})
        self._recorder.records.extend(output.get(_WORKER_OUTPUT_KEY, []))


_WORKER_OUTPUT_KEY = "pytest_lambda_records"


_recorder_key = pytest.StashKey[_Recorder]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    recorder = item.config.stash[_recorder_key]
    recorder.current = item.stash.setdefault(_invocations_key, [])
    recorder.current_test = item.nodeid
    try:
        return (yield)
    finally:
        recorder.current = None
        recorder.current_test = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    recorder = session.config.stash.get(_recorder_key, None)
    if workeroutput is not None and recorder is not None:
        # An xdist worker: the controller prints the summary for the whole run.
        workeroutput[_WORKER_OUTPUT_KEY] = recorder.records


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    invocations = item.stash.get(_invocations_key, [])
    if report.failed and invocations:
        report.sections.append((_SECTION_TITLE, _describe_invocations(invocations)))
    return report


def _describe_invocations(invocations: list[Invocation]) -> str:
    blocks = []
    for invocation in invocations:
        header = f"--- {invocation.function_name} {invocation.request_id}: {invocation.status}"
        if invocation.error is not None:
            header += f" ({invocation.error.error_type})"
        blocks.append(header + "\n" + display_logs(invocation.logs).rstrip("\n"))
    return "\n".join(blocks)


def function_settings(node: pytest.Item, config: pytest.Config) -> dict[str, Any]:
    """ini values overlaid by the lambda_function markers, the closest winning per setting."""
    settings: dict[str, Any] = {}
    for key, (setting, _help, convert) in _INI_KEYS.items():
        value = config.getini(key)
        if value not in (None, ""):
            try:
                settings[setting] = convert(value)
            except ValueError:
                raise HarnessError(f"ini key {key} = {value!r} is not a valid value") from None
    for marker in reversed(list(node.iter_markers(MARKER))):
        if len(marker.args) > 1:
            raise HarnessError(
                f"@pytest.mark.{MARKER} takes the handler as its only positional argument, "
                f"got {marker.args!r}"
            )
        if marker.args:
            settings["handler"] = marker.args[0]
        settings.update(marker.kwargs)
    for setting in _PATH_SETTINGS:
        if settings.get(setting) is not None:
            settings[setting] = str(config.rootpath / Path(settings[setting]))
    settings.setdefault("code_dir", str(config.rootpath))
    return settings


def _settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test's function settings; a bad one fails the test in one line, not a traceback."""
    try:
        return function_settings(request.node, request.config)
    except HarnessError as e:
        pytest.fail(f"pytest-lambda: {e}", pytrace=False)


def _function_config(
    request: pytest.FixtureRequest, settings: dict[str, Any] | None = None
) -> FunctionConfig:
    try:
        return FunctionConfig.from_settings(_settings(request) if settings is None else settings)
    except HarnessError as e:
        pytest.fail(f"pytest-lambda: {e}", pytrace=False)


@pytest.fixture
def lambda_function(request: pytest.FixtureRequest) -> Iterator[LambdaFunction]:
    """The function configured by the lambda_function marker and lambda_* ini keys.

    A new execution environment per test: its first invoke is a cold start.
    """
    function = LambdaFunction.from_config(_function_config(request))
    try:
        yield function
    finally:
        function.close()


class LambdaInvoker:
    """`lambda_invoke(event)`: invoke the configured function; the function is `.function`."""

    def __init__(self, function: LambdaFunction) -> None:
        self.function = function

    def __call__(self, event: Any = None, *, context: LambdaContext | None = None) -> Invocation:
        return self.function.invoke(event, context=context)


@pytest.fixture
def lambda_invoke(lambda_function: LambdaFunction) -> LambdaInvoker:
    """A callable that invokes the configured function and returns the Invocation."""
    return LambdaInvoker(lambda_function)


@pytest.fixture
def lambda_context(request: pytest.FixtureRequest) -> LambdaContext:
    """A fresh LambdaContext; it follows the configured function's name, memory and timeout.

    Called directly (`handler(event, lambda_context)`), its countdown runs from the
    fixture's set-up, test set-up included. Passed to `lambda_invoke(event,
    context=lambda_context)` it supplies the request id, identity, client context and
    tenant id; the invoke's deadline is its own start plus the function's timeout.
    """
    settings = _settings(request)
    if settings.get("handler") is None and settings.get("template") is None:
        return LambdaContext()
    config = _function_config(request, settings)
    return LambdaContext(
        timeout_s=config.timeout_s,
        function_name=config.function_name,
        memory_limit_in_mb=str(config.memory_mb),
        region=config.region,
        account_id=config.account_id,
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash.get(_recorder_key, None)
    if recorder is None or not recorder.records or hasattr(config, "workeroutput"):
        return
    functions = aggregate(recorder.records)
    terminalreporter.section("pytest-lambda")
    for line in summary_lines(functions):
        terminalreporter.write_line(line)
    path = config.getoption("--lambda-report")
    if path:
        write_json_report(path, recorder.records, functions)
        terminalreporter.write_line(f"pytest-lambda report written to {path}")


@pytest.fixture
def lambda_event() -> Callable[..., Any]:
    """`lambda_event(name, **overrides)`: a fresh copy of a sample event (see load_event)."""
    from .events import load_event

    return load_event


@pytest.fixture
def aws(request: pytest.FixtureRequest) -> Iterator[AWS]:
    """Moto-backed AWS, fresh for this test, shared with the handlers the test invokes.

    Its Region is the configured function's (marker or lambda_region), us-east-1 otherwise.
    """
    # moto and boto3 take half a second to import: only tests that use AWS pay for it.
    from .aws import AWS

    region = _settings(request).get("region", "us-east-1")
    with AWS(region=region) as mocked:
        yield mocked


@pytest.fixture
def lambda_responses() -> Iterator[responses.RequestsMock]:
    """`responses` for handlers' `requests` calls: register URLs, then invoke.

    Unregistered URLs raise ConnectionError, so a handler cannot reach the internet.
    """
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
