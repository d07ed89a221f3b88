"""The pytest plugin: ini keys, the marker, fixtures, report sections, the run's summary.

Each test run opens a session (pytest_lambda.session), kept in `config.stash`: it owns the
run's process-wide state and closes it when the test loop ends. A run started inside a
test (pytester) opens a session nested in the outer one, so it records only its own
invocations and closes nothing the outer run is using.

The plugin acts on the tests that use it (one of its fixtures or the lambda_function
marker): the guard is held around each of them (ini `lambda_guard`), and the others see
the process exactly as they would without the plugin.
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from .aws.guard import GUARD, guard, watch_botocore
from .config import FunctionConfig
from .context import LambdaContext
from .environments.process import registry as process_registry
from .errors import HarnessError
from .function import LambdaFunction
from .invocation import Invocation, display_logs
from .reporting import gates
from .session import Session, Stage, open_session
from .template import find_template

if TYPE_CHECKING:
    import responses

    from .aws import AWS
    from .http import LambdaHttpClient

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
    "lambda_template": (
        "template",
        "SAM/CloudFormation template to read functions from (default: template.yaml or "
        "template.yml in the rootdir or above the test file, when no handler is configured).",
        str,
    ),
    "lambda_logical_id": ("logical_id", "Logical id of the function in lambda_template.", str),
    "lambda_parameter_overrides": (
        "parameter_overrides",
        "The template's Parameters, in SAM's syntax: Key=Value Key2=Value2.",
        str,
    ),
    "lambda_code_dir": (
        "code_dir",
        "Directory holding the handler code (default: the template's CodeUri, else the "
        "rootdir). Relative paths: the rootdir, then the test file's directory and above.",
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
    "lambda_snapstart": (
        "snapstart",
        "true: functions use SnapStart (Init once, every cold start restored from the "
        "snapshot; python3.12 and later runtimes).",
        lambda value: _ini_bool("lambda_snapstart", value),
    ),
}
# Where a lambda_function fixture's function lives: a new one per test (the default), or
# kept, with its warm environments, for the module's or the session's tests.
SCOPES = ("function", "module", "session")
_SCOPE_HELP = (
    "How long the lambda_function fixture's function lives: function (a new one, so a cold "
    "start, per test; the default), module or session (kept warm across the tests of the "
    "module or session; the aws fixture's state is still fresh per test)."
)
_INHERIT_HELP = (
    "true (the default): a function's cold starts are forked from a template that keeps "
    "what its earlier Init imported from site-packages imported and warm; false: every Init "
    "imports everything itself."
)
_PRELOAD_HELP = (
    "Modules the fork server imports once, before any function's Init (e.g. boto3 "
    "botocore), so that cold starts skip them; their import cost then no longer shows in "
    "Init Duration."
)
_GUARD_HELP = (
    "Where real AWS is refused in the test process: used (the default: tests that use a "
    "pytest-lambda fixture or the lambda_function marker), all (every test) or off (no "
    "test; handlers in their environments are always guarded)."
)
GUARD_MODES = ("used", "all", "off")
# The plugin's fixtures: a test that requests one (directly or through another fixture)
# uses the plugin.
PLUGIN_FIXTURES = frozenset(
    {"lambda_function", "lambda_invoke", "lambda_context", "lambda_event", "aws",
     "lambda_responses", "lambda_http"}
)
PLUGIN_MARKERS = (MARKER, "lambda_http")
_PATH_SETTINGS = ("code_dir", "template")
_DEPLOY_HELP = (
    "true: a test that uses the aws fixture gets the configured template's resources "
    "deployed (aws.deploy()) before it runs. Default false; the marker's deploy= wins."
)
_SECTION_TITLE = "lambda invocations"
_invocations_key = pytest.StashKey[list[Invocation]]()
_session_key = pytest.StashKey[Session]()


def _ini_bool(key: str, value: str) -> bool:
    words = {"true": True, "1": True, "yes": True, "on": True}
    words.update({"false": False, "0": False, "no": False, "off": False})
    found = words.get(str(value).strip().lower())
    if found is None:
        raise HarnessError(f"ini key {key} = {value!r} is not a valid value; use true or false")
    return found


def pytest_addoption(parser: pytest.Parser) -> None:
    for key, (_, help_text, _convert) in _INI_KEYS.items():
        parser.addini(key, help_text, default=None)
    parser.addini("lambda_preload", _PRELOAD_HELP, type="args", default=[])
    parser.addini("lambda_inherit_imports", _INHERIT_HELP, default=None)
    parser.addini("lambda_scope", _SCOPE_HELP, default=None)
    parser.addini("lambda_deploy", _DEPLOY_HELP, type="bool", default=False)
    parser.addini("lambda_guard", _GUARD_HELP, default="used")
    gates.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before conftest.py files are imported: a boto3 client they build at import time
    # must still be refused at the point of sending in the tests that use the plugin.
    watch_botocore()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(handler_or_logical_id=None, *, memory_mb, timeout_s, env, isolation, "
        "template, logical_id, parameter_overrides, layers, runtime, deploy, code_dir, region, "
        "architecture, role_policy, reserved_concurrency, name, patches, log_format, "
        "log_level, system_log_level, ephemeral_storage_mb, snapstart, limits, scope): "
        "configure the "
        "lambda_function / lambda_invoke / lambda_context fixtures (a first argument without "
        "a dot is a template's logical id); the closest marker wins, setting by setting, "
        "over the lambda_* ini keys.",
    )
    mode = config.getini("lambda_guard")
    if mode not in GUARD_MODES:
        raise pytest.UsageError(
            f"ini lambda_guard = {mode!r} is not a guard mode; choose {', '.join(GUARD_MODES)}"
        )
    config.addinivalue_line(
        "markers",
        "lambda_http(api=None, *, front_door='http', integration_timeout_s=None): configure "
        "the lambda_http client: the template's API, function URL or load balancer it talks "
        "to by default (logical id), or for a handler without a template the front door in "
        "front of it (http, rest, url or alb); a smaller integration timeout for tests.",
    )
    config.addinivalue_line("markers", gates.describe_marker())
    # Gate settings are checked first: a bad one stops the run before anything starts.
    run_gates = gates.register(config)
    # Read now, so that a value that is not a boolean stops the run in one line.
    config.getini("lambda_deploy")
    session = open_session()
    config.stash[_session_key] = session
    recorder = _Recorder()
    config.stash[_recorder_key] = recorder
    session.add_listener(recorder.record)
    session.add_listener(run_gates.record)
    preload = config.getini("lambda_preload")
    if preload:
        try:
            process_registry.configure(preload=preload, session=session)
        except HarnessError as e:
            raise pytest.UsageError(f"pytest-lambda: ini key lambda_preload: {e}") from None
    inherit = config.getini("lambda_inherit_imports")
    if inherit not in (None, ""):
        try:
            inherits = _ini_bool("lambda_inherit_imports", inherit)
        except HarnessError as e:
            raise pytest.UsageError(str(e)) from None
        process_registry.configure(inherit_imports=inherits, session=session)
    scope = config.getini("lambda_scope")
    if scope not in (None, "") and scope not in SCOPES:
        raise pytest.UsageError(
            f"ini lambda_scope = {scope!r} is not a scope; choose {', '.join(SCOPES)}"
        )


def pytest_report_header(config: pytest.Config) -> str | None:
    """How process isolation contains environments and counts their memory, on this machine.

    Only under `-v`: a run that does not ask for detail looks as it does without the plugin.
    """
    from .environments import process

    if config.get_verbosity() < 1 or not process.supported():
        return None
    session = config.stash.get(_session_key, None)
    try:
        mechanism = process_registry.sandbox(session).expected_containment()
    except HarnessError as e:
        return f"pytest-lambda: process isolation: {e}"
    return (
        f"pytest-lambda: process isolation: containment {mechanism}, memory "
        f"{process.MEMORY_MECHANISM}"
    )


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
    """The invocations of the test being run, shown when it fails.

    The run's own record of every invocation, its summary and its reports are the gates'
    (pytest_lambda.reporting.gates).
    """

    current: list[Invocation] | None = None

    def record(self, invocation: Invocation) -> None:
        if self.current is not None:
            self.current.append(invocation)


_recorder_key = pytest.StashKey[_Recorder]()


def uses_plugin(item: pytest.Item) -> bool:
    """Whether the test carries the plugin's marker or requests one of its fixtures."""
    if any(item.get_closest_marker(name) is not None for name in PLUGIN_MARKERS):
        return True
    return any(_uses_fixture(item, name) for name in PLUGIN_FIXTURES)


def _uses_fixture(item: pytest.Item, name: str) -> bool:
    """Whether the test gets the plugin's fixture `name`, not a project's own of that name
    (Powertools' documentation has projects define `lambda_context`, moto users `aws`)."""
    if name not in getattr(item, "fixturenames", ()):
        return False
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get(name, ()) if info is not None else ()
    if not definitions:
        return True
    # The closest definition wins; one that requests its own name reaches the next one.
    for definition in reversed(definitions):
        if getattr(definition.func, "__module__", None) == __name__:
            return True
        if name not in definition.argnames:
            return False
    return False


def _is_guarded(item: pytest.Item) -> bool:
    mode = item.config.getini("lambda_guard")
    return mode == "all" or (mode == "used" and uses_plugin(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    recorder = item.config.stash[_recorder_key]
    recorder.current = item.stash.setdefault(_invocations_key, [])
    lambda_session = item.config.stash[_session_key]
    view = guard(lambda_session) if _is_guarded(item) else None
    if view is not None:
        view.enter()
    # Read, not changed: a function invoked in the test warns of variables the test sets
    # from here on, which it cannot see (see LambdaFunction).
    lambda_session.test_variables = dict(os.environ)
    lambda_session.tests_started += 1
    try:
        return (yield)
    finally:
        recorder.current = None
        lambda_session.test_variables = None
        if nextitem is None or not _uses_fixture(nextitem, "aws"):
            # moto's mock stays started only while tests in a row use `aws`: the next
            # test's own moto, or its real AWS, must not meet the harness's.
            lambda_session.close_resources((Stage.MOCKS,))
        if view is not None:
            view.exit()
        held = lambda_session.find(GUARD)
        if held is not None:
            # The next test finds the socket module as the standard library made it,
            # even if this one invoked inline functions (which held the guard meanwhile).
            held.settle()


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
    """ini values overlaid by the lambda_function markers, the closest winning per setting.

    Relative paths (code_dir, template, layers) are looked for in the rootdir, then in the
    test file's directory and those above it. With no handler and no template configured,
    the first template.yaml (or .yml) found there is the template, as `sam` finds it.
    """
    settings: dict[str, Any] = {}
    for key, (setting, _help, convert) in _INI_KEYS.items():
        value = config.getini(key)
        if value not in (None, ""):
            try:
                settings[setting] = convert(value)
            except ValueError:
                kind = (
                    "a whole number"
                    if convert is int
                    else "a number"
                    if convert is float
                    else "a valid value"
                )
                raise HarnessError(
                    f"ini key {key} = {value!r} is not {kind}, which {setting} takes"
                ) from None
    for marker in reversed(list(node.iter_markers(MARKER))):
        if len(marker.args) > 1:
            raise HarnessError(
                f"@pytest.mark.{MARKER} takes one positional argument, the handler "
                f"('app.handler') or a template's logical id ('HelloWorldFunction'), got "
                f"{marker.args!r}"
            )
        if marker.args:
            first = marker.args[0]
            if isinstance(first, str) and "." not in first and "/" not in first:
                # A handler always has a dot (module.function); a logical id never does.
                settings.pop("handler", None)
                settings["logical_id"] = first
            else:
                settings.pop("logical_id", None)
                settings["handler"] = first
        settings.update(marker.kwargs)
    bases = _path_bases(node, config)
    for setting in _PATH_SETTINGS:
        if settings.get(setting) is not None:
            settings[setting] = _found_path(setting, settings[setting], bases)
    layers = settings.get("layers")
    if isinstance(layers, list | tuple):
        settings["layers"] = [_found_path("layers", layer, bases) for layer in layers]
    elif layers is not None:
        # FunctionConfig says what a layer setting is.
        settings["layers"] = layers
    if settings.get("template") is None and (
        settings.get("handler") is None or settings.get("logical_id") is not None
    ):
        found = next(filter(None, (find_template(base) for base in bases)), None)
        if found is not None:
            settings["template"] = str(found)
    if settings.get("template") is None:
        settings.setdefault("code_dir", str(config.rootpath))
    return settings


def _path_bases(node: pytest.Item, config: pytest.Config) -> list[Path]:
    """Where relative paths are looked for: the rootdir, then the test file's directory and
    those above it, up to the repository's root (SAM projects have no ini file, so the
    rootdir is wherever pytest was started)."""
    bases = [config.rootpath]
    test_file = getattr(node, "path", None)
    if test_file is not None:
        directory = Path(test_file).parent
        for candidate in (directory, *directory.parents):
            bases.append(candidate)
            if (candidate / ".git").exists():
                break
    return list(dict.fromkeys(bases))


def _found_path(setting: str, value: Any, bases: list[Path]) -> str:
    """A path from a marker or the ini: absolute, or the first of `bases` it exists in."""
    if not isinstance(value, str | PathLike):
        raise HarnessError(
            f"{setting} must be a path (a str or a pathlib.Path), got "
            f"{type(value).__name__} {value!r}"
        )
    path = Path(value)
    if path.is_absolute():
        return str(path)
    for base in bases:
        if (base / path).exists():
            return str(base / path)
    tried = ", ".join(repr(str(base)) for base in bases)
    raise HarnessError(
        f"{setting} {str(value)!r} was not found: relative paths are looked for in the "
        f"rootdir, then in the test file's directory and those above it, and it is in none "
        f"of {tried}; give a path relative to one of them, or an absolute one"
    )


def _settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test's function settings; a bad one fails the test in one line, not a traceback."""
    try:
        return function_settings(request.node, request.config)
    except HarnessError as e:
        problem = str(e)
    # Outside the except block: the failure must not carry the error as its context.
    _fail(problem)


def _function_config(
    request: pytest.FixtureRequest, settings: dict[str, Any] | None = None
) -> FunctionConfig:
    settings = _settings(request) if settings is None else settings
    try:
        # deploy and scope are the plugin's own: how the fixtures use the function.
        return FunctionConfig.from_settings(settings, also_accepted=("deploy", "scope"))
    except HarnessError as e:
        problem = str(e)
    _fail(problem)


def _fail(problem: str) -> NoReturn:
    """Fail the test in one line: a configuration error, no traceback and no chain."""
    __tracebackhide__ = True
    pytest.fail(f"pytest-lambda: {problem}", pytrace=False)


_SOCKET_BLOCKED = (
    "pytest-socket's --disable-socket blocks the loopback sockets pytest-lambda needs "
    "(moto's server for `aws`, worker processes for process isolation): add "
    "--allow-hosts=127.0.0.1 (every other host stays blocked), or mark the test "
    "@pytest.mark.enable_socket"
)


def _require_loopback_sockets(*families: socket.AddressFamily) -> None:
    """Fail the test in one line if pytest-socket refuses the sockets the harness opens."""
    for family in families:
        try:
            # pytest-socket warns as it refuses: the failure below says it all.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = socket.socket(family, socket.SOCK_STREAM)
        except RuntimeError as e:
            if type(e).__name__ != "SocketBlockedError":
                raise
            blocked = True
        else:
            probe.close()
            blocked = False
        if blocked:
            _fail(_SOCKET_BLOCKED)


@pytest.fixture
def lambda_function(request: pytest.FixtureRequest) -> Iterator[LambdaFunction]:
    """The function configured by the lambda_function marker and lambda_* ini keys.

    A new execution environment per test: its first invoke is a cold start. With
    `scope="module"` or `"session"` (marker, or the lambda_scope ini key) the function and
    its warm environments are kept for the module's or the session's tests with the same
    configuration. In a test that also uses `aws`, it is the function a deployment of its
    template wires its events to; with deploy on (marker or ini) and a template configured,
    it brings `aws` itself.
    """
    settings = _settings(request)
    scope = _scope(request, settings)
    config = _function_config(request, settings)
    if config.isolation == "process":
        # The fork server's and workers' sockets (Unix ones where there are), the forwarder's.
        unix = getattr(socket, "AF_UNIX", None)
        _require_loopback_sockets(*([unix] if unix is not None else []), socket.AF_INET)
    uses_aws = "aws" in request.fixturenames or (
        _deploys(request, settings) and settings.get("template") is not None
    )
    aws = request.getfixturevalue("aws") if uses_aws else None
    deployed = aws.deployed_function(config) if aws is not None else None
    if deployed is not None:
        # The stack owns it and closes it with the aws fixture.
        yield deployed
        return
    if scope != "function":
        function = _kept_function(request, scope, config)
        if aws is not None:
            aws.adopt(function)
        yield function
        return
    function = LambdaFunction.from_config(config)
    if aws is not None:
        aws.adopt(function)
    try:
        yield function
    finally:
        function.close()


def _scope(request: pytest.FixtureRequest, settings: dict[str, Any]) -> str:
    """How long the test's function lives: the marker's scope=, else lambda_scope."""
    scope = settings.get("scope")
    if scope is None:
        scope = request.config.getini("lambda_scope") or "function"
    if scope not in SCOPES:
        _fail(
            f"scope={scope!r} is not a scope for the lambda_function fixture; choose "
            f"{', '.join(SCOPES)} (function: a new function per test)"
        )
    return str(scope)


@dataclass
class _Kept:
    """A function kept for the tests of a module or the session."""

    node: pytest.Item | pytest.Collector
    config: FunctionConfig
    function: LambdaFunction


_kept_key = pytest.StashKey[list[_Kept]]()


def _kept_function(
    request: pytest.FixtureRequest, scope: str, config: FunctionConfig
) -> LambdaFunction:
    """The module's or session's function for `config`, made by its first test and closed
    when the module or session is done."""
    node: pytest.Item | pytest.Collector | None
    node = request.node.session if scope == "session" else request.node.getparent(pytest.Module)
    if node is None:
        node = request.node.session
    kept = request.config.stash.setdefault(_kept_key, [])
    for entry in kept:
        if entry.node is node and entry.config == config:
            return entry.function
    entry = _Kept(node, config, LambdaFunction.from_config(config))
    kept.append(entry)

    def close() -> None:
        kept.remove(entry)
        entry.function.close()

    node.addfinalizer(close)
    return entry.function


def _deploys(request: pytest.FixtureRequest, settings: dict[str, Any]) -> bool:
    """Whether the test's template is deployed before it runs (marker, else ini)."""
    deploy = settings.get("deploy")
    if deploy is not None and not isinstance(deploy, bool):
        _fail(f"deploy takes True or False, got {type(deploy).__name__} {deploy!r}")
    return bool(request.config.getini("lambda_deploy") if deploy is None else deploy)


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


@pytest.fixture
def lambda_event() -> Callable[..., Any]:
    """`lambda_event(name, **overrides)`: a fresh copy of a sample event (see load_event)."""
    from .events import load_event

    return load_event


@pytest.fixture
def aws(request: pytest.FixtureRequest) -> Iterator[AWS]:
    """Moto-backed AWS, fresh for this test, shared with the handlers the test invokes.

    Its Region is the configured function's (marker or lambda_region), us-east-1 otherwise.
    `aws.deploy()` deploys the configured template (marker, lambda_template, or the
    rootdir's template.yaml when no handler is set); with `deploy=True` on the marker or
    lambda_deploy = true in the ini, it is deployed before the test runs.
    """
    settings = _settings(request)
    deploy = _deploys(request, settings)
    region = settings.get("region", "us-east-1")
    _require_loopback_sockets(socket.AF_INET)
    try:
        # moto and boto3 take half a second to import: only tests that use AWS pay for it.
        from .aws import AWS
    except HarnessError as e:
        problem = str(e)
    else:
        with AWS(region=region) as mocked:
            mocked.configure_deployment(
                template=settings.get("template"),
                parameter_overrides=settings.get("parameter_overrides"),
                isolation=settings.get("isolation"),
            )
            if deploy and settings.get("template") is not None:
                configured = []
                if {"lambda_function", "lambda_invoke"} & set(request.fixturenames):
                    # The test's own function is the one the template's events reach.
                    configured.append(_function_config(request, settings))
                failure = _deployment_problem(mocked, configured)
                if failure is not None:
                    _fail(failure)
            yield mocked
        return
    _fail(problem)


def _deployment_problem(aws: AWS, configs: list[FunctionConfig]) -> str | None:
    """Deploy the test's template; what went wrong, for a one-line failure."""
    try:
        aws.deploy(configs=configs)
    except HarnessError as e:
        return str(e)
    return None


@pytest.fixture
def lambda_responses() -> Iterator[responses.RequestsMock]:
    """`responses` for handlers' `requests` calls: register URLs, then invoke.

    Unregistered URLs raise ConnectionError, so a handler cannot reach the internet.
    """
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


_FRONT_DOORS = ("http", "rest", "url", "alb")


@pytest.fixture
def lambda_http(request: pytest.FixtureRequest) -> Iterator[LambdaHttpClient]:
    """A test client (an httpx.Client) in front of the configured function or template.

    With a template: its APIs, function URLs and load balancers (deployed to `aws` when the
    test uses it or deploys); the client's base URL is the only one, or the one named by
    `@pytest.mark.lambda_http("LogicalId")`; `lambda_http.api("LogicalId")` is a client
    for another. With a handler: the function behind an HTTP API's $default route (or the
    marker's front_door: rest, url, alb). Every response has `.invocation`.
    """
    from .http import (
        FrontDoor,
        FrontDoors,
        FunctionUrl,
        HttpApi,
        LoadBalancer,
        RestApi,
        from_stack,
    )
    from .http import from_template as doors_from_template

    marker = request.node.get_closest_marker("lambda_http")
    options = dict(marker.kwargs) if marker is not None else {}
    api = marker.args[0] if marker is not None and marker.args else options.pop("api", None)
    front_door = options.pop("front_door", "http")
    timeout = options.pop("integration_timeout_s", None)
    if options or front_door not in _FRONT_DOORS:
        pytest.fail(
            "pytest-lambda: @pytest.mark.lambda_http takes api, front_door "
            f"({', '.join(_FRONT_DOORS)}) and integration_timeout_s, got "
            f"{marker.kwargs if marker else {}!r}",
            pytrace=False,
        )
    settings = _settings(request)
    owned: FrontDoors | None = None
    try:
        if settings.get("template") is not None and settings.get("handler") is None:
            if "aws" in request.fixturenames or _deploys(request, settings):
                aws = request.getfixturevalue("aws")
                doors = from_stack(aws.deploy(), integration_timeout_s=timeout)
            else:
                overrides = {
                    k: v for k, v in settings.items() if k in ("isolation", "region", "env")
                }
                doors = owned = doors_from_template(
                    settings["template"],
                    parameter_overrides=settings.get("parameter_overrides"),
                    integration_timeout_s=timeout,
                    **overrides,
                )
        else:
            function = request.getfixturevalue("lambda_function")
            timed = {} if timeout is None else {"integration_timeout_s": timeout}
            door: FrontDoor
            if front_door == "rest":
                door = RestApi({"ANY /{proxy+}": function, "ANY /": function}, **timed)
            elif front_door == "url":
                door = FunctionUrl(function)
            elif front_door == "alb":
                door = LoadBalancer(function)
            else:
                door = HttpApi({"$default": function}, **timed)
            doors = FrontDoors([door])
        client = doors.client(api)
    except HarnessError as e:
        if owned is not None:
            owned.close()
        pytest.fail(f"pytest-lambda: {e}", pytrace=False)
    try:
        yield client
    finally:
        client.close()
        if owned is not None:
            owned.close()
