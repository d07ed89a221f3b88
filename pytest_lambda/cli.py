"""The `pytest-lambda` command: invoke a function (like `sam local invoke`, without
Docker), generate, validate and list events."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import FunctionConfig
from .errors import CODE_NOT_FOUND_ERRORS, HarnessError
from .function import LambdaFunction
from .invocation import display_logs
from .reporting.baseline import DEFAULT_MAX_REGRESSION_PCT
from .session import current
from .template import find_template, load_template

if TYPE_CHECKING:
    from .aws import AWS

HELLO_WORLD_EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}
# The sample event of a function's first event source, as `sam local generate-event`
# would give (a function without one gets the console's hello-world).
SAMPLE_EVENT_OF_SOURCE = {
    "S3": "s3-put",
    "SQS": "sqs",
    "SNS": "sns",
    "DynamoDB": "dynamodb-stream",
    "Kinesis": "kinesis",
    "Schedule": "scheduled",
    "ScheduleV2": "scheduled",
    "EventBridgeRule": "eventbridge",
    "CloudWatchEvent": "eventbridge",
    "CloudWatchLogs": "cloudwatch-logs",
    "Api": "apigateway-rest",
    "HttpApi": "apigateway-http",
    "IoTRule": "iot",
    "AlexaSkill": "hello-world",
    "MSK": "msk",
    "MQ": "mq",
    "SelfManagedKafka": "kafka",
    "Cognito": "cognito-pre-signup",
}

# The status of a process killed by SIGPIPE (128 + 13), as `yes | head -1` leaves `yes`.
CLOSED_PIPE_STATUS = 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-lambda",
        description="Run AWS Lambda Python handlers locally the way Lambda runs them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    invoke = commands.add_parser(
        "invoke",
        help="invoke a function once and print its logs, REPORT line and result",
        description="Invoke a template's function by logical id (like `sam local invoke`), "
        "or a handler (e.g. app.handler), with an event. Logs go to stderr, the result (or "
        "the error payload) to stdout; the exit status is 1 when the invoke fails. Relative "
        "paths are relative to the working directory.",
    )
    invoke.add_argument(
        "function",
        nargs="?",
        default=None,
        metavar="LOGICAL_ID | HANDLER",
        help="a logical id of the template (no dot), or a handler string such as "
        "app.handler; default: the template's only function",
    )
    invoke.add_argument(
        "--template",
        "-t",
        default=None,
        help="the SAM/CloudFormation template (default: template.yaml or template.yml in "
        "the working directory)",
    )
    invoke.add_argument(
        "--event",
        "-e",
        default=None,
        help="a JSON file, '-' for stdin, or a sample event name (default: the sample of the "
        "function's first event source, hello-world without one)",
    )
    invoke.add_argument(
        "--env-vars",
        "-n",
        default=None,
        metavar="FILE",
        help='a JSON file of variables in SAM\'s format: {"Parameters": {...}} for every '
        'function, {"LogicalId": {...}} for one',
    )
    invoke.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=None,
        metavar="KEY=VALUE",
        help="the template's Parameters, in SAM's syntax (Key=Value or "
        "ParameterKey=Key,ParameterValue=Value)",
    )
    invoke.add_argument(
        "--aws",
        choices=["moto", "real"],
        default="moto",
        help="moto (default): the function's AWS calls go to an embedded moto, with the "
        "template's resources deployed; real: to real AWS, with your credentials",
    )
    invoke.add_argument(
        "--memory-mb", type=int, default=None, help="memory size (128-10240; default 128)"
    )
    invoke.add_argument(
        "--timeout-s", type=float, default=None, help="timeout in seconds (1-900; default 3)"
    )
    invoke.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the function (repeatable)",
    )
    invoke.add_argument(
        "--code-dir", default=None, help="directory holding the handler code (default: .)"
    )
    invoke.add_argument("--name", default=None, help="function name")
    invoke.add_argument("--region", default="us-east-1", help="AWS Region")
    invoke.add_argument(
        "--isolation",
        choices=["process", "inline"],
        default="process",
        help="run in a worker process (default) or in this process",
    )

    serve = commands.add_parser(
        "serve",
        help="serve a template's APIs, function URLs and load balancers on a loopback HTTP "
        "server (like `sam local start-api`, without Docker)",
        description="Serve the template's API Gateway REST and HTTP APIs, function URLs and "
        "ALB target groups on a real HTTP server on 127.0.0.1, for curl and browsers. "
        "Functions stay warm; their logs and REPORT lines are printed as requests complete; "
        "a change to their code discards their environments (the next request is a cold "
        "start), a change to the template rebuilds everything. The template's resources are "
        "deployed to an embedded moto. Ctrl-C stops it and leaves nothing running.",
    )
    serve.add_argument(
        "handler",
        nargs="?",
        default=None,
        metavar="HANDLER",
        help="without a template: a handler (e.g. app.handler) served behind an HTTP API's "
        "$default route",
    )
    serve.add_argument(
        "--template",
        "-t",
        default=None,
        help="the SAM/CloudFormation template (default: template.yaml or template.yml in "
        "the working directory)",
    )
    serve.add_argument("--port", "-p", type=int, default=3000, help="port (default 3000; 0: any)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=None,
        metavar="KEY=VALUE",
        help="the template's Parameters, in SAM's syntax",
    )
    serve.add_argument(
        "--isolation",
        choices=["process", "inline"],
        default="process",
        help="run functions in worker processes (default) or in this process",
    )
    serve.add_argument("--code-dir", default=None, help="with HANDLER: the code's directory")
    serve.add_argument("--region", default="us-east-1", help="AWS Region")
    serve.add_argument(
        "--no-reload", action="store_true", help="do not watch the code and the template"
    )

    commands.add_parser("events", help="list the sample event kinds")

    generate = commands.add_parser(
        "generate-event",
        help="print an event built by a factory",
        description="Print the event KIND built from --field value pairs (the factory's "
        "keyword arguments; JSON values such as lists are accepted).",
    )
    generate.add_argument("kind", help="event kind, e.g. s3-put (see 'pytest-lambda events')")
    generate.add_argument("fields", nargs=argparse.REMAINDER, help="--field value ...")

    validate = commands.add_parser(
        "validate", help="check an event file against the schema of its kind"
    )
    validate.add_argument("file", help="a JSON event file, or '-' for stdin")
    validate.add_argument("--kind", default=None, help="the kind (detected when omitted)")

    report = commands.add_parser(
        "report", help="work with the JSON reports of test runs (--lambda-report)"
    )
    report_commands = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    merge = report_commands.add_parser(
        "merge",
        help="combine the JSON reports of a suite's shards into one summary and report",
        description="Combine the --lambda-report files of a suite split across CI jobs: print "
        "the summary of all their invocations, optionally write the merged JSON report, the "
        "HTML report and compare with a baseline. The exit status is 1 when the baseline "
        "comparison finds regressions.",
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT", help="JSON report files")
    merge.add_argument("-o", "--output", metavar="PATH", help="write the merged JSON report")
    merge.add_argument("--html", metavar="PATH", help="write the HTML report")
    merge.add_argument(
        "--baseline", metavar="PATH", help="compare with an earlier report; regressions exit 1"
    )
    merge.add_argument(
        "--max-regression-pct",
        type=float,
        default=DEFAULT_MAX_REGRESSION_PCT,
        metavar="PCT",
        help="allowed growth against the baseline, in percent "
        f"(default {DEFAULT_MAX_REGRESSION_PCT:g})",
    )
    merge.add_argument("--full", action="store_true", help="list every function")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status = _run(args)
        # Inside the try: a reader that went away shows when the output is flushed.
        sys.stdout.flush()
        return status
    except HarnessError as e:
        print(f"pytest-lambda: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader closed the pipe (`pytest-lambda events | head -1`): stop quietly, and
        # point stdout at the null device so that the interpreter's last flush is quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return CLOSED_PIPE_STATUS


def _run(args: argparse.Namespace) -> int:
    if args.command == "invoke":
        return _invoke(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "events":
        return _list_events()
    if args.command == "generate-event":
        return _generate(args.kind, args.fields)
    if args.command == "report":
        return _merge_reports(args)
    return _validate(args.file, args.kind)


def _invoke(args: argparse.Namespace) -> int:
    env: dict[str, str] = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep:
            raise HarnessError(f"--env takes NAME=VALUE, got {item!r}")
        env[name] = value
    template = _template_path(args)
    logical_id = args.function if _is_logical_id(args.function) else None
    overrides: dict[str, Any] = {"region": args.region, "isolation": args.isolation}
    for setting, value in (
        ("memory_mb", args.memory_mb),
        ("timeout_s", args.timeout_s),
        ("code_dir", args.code_dir),
        ("name", args.name),
    ):
        if value is not None:
            overrides[setting] = value
    if (
        template is not None
        and logical_id is not None
        or (template is not None and args.function is None)
    ):
        config = FunctionConfig.from_template(
            template, logical_id, overrides, parameter_overrides=args.parameter_overrides
        )
        assert config.template_source is not None
        logical_id = config.template_source.logical_id
        config = config.with_changes(
            env=_variables(config, args.env_vars, logical_id, declared_only=True) | env
        )
    elif args.function is None or logical_id is not None:
        raise HarnessError(
            "no template found: pass -t template.yaml (or run where template.yaml is), or "
            "give a handler such as app.handler"
            if args.function is None
            else f"{args.function!r} is a logical id (a handler has a dot, like app.handler), "
            "but no template was found: pass -t template.yaml, or run where template.yaml is"
        )
    else:
        overrides.setdefault("code_dir", ".")
        config = FunctionConfig(handler=args.function, **overrides)
        config = config.with_changes(
            env=_variables(config, args.env_vars, None, declared_only=False) | env
        )
    event = _read_event(args.event, _default_event(template, logical_id, args))
    with _aws(args, template, config) as aws, _function(aws, config) as function:
        invocation = function.invoke(event)
    sys.stderr.write(display_logs(invocation.logs))
    if invocation.error is not None and invocation.error.error_type in CODE_NOT_FOUND_ERRORS:
        sys.stderr.write(
            f"pytest-lambda: the handler's module is looked up in {function.config.code_path}; "
            "pass --code-dir DIR to point at the folder that holds it\n"
        )
    sys.stderr.flush()
    if invocation.error is not None:
        print(json.dumps(invocation.error.payload, ensure_ascii=False))
        return 1
    if isinstance(invocation.result, bytes):
        sys.stdout.buffer.write(invocation.result)
        sys.stdout.buffer.write(b"\n")
    else:
        print(json.dumps(invocation.result, ensure_ascii=False))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .http import FrontDoors, HttpApi, from_stack

    if not 0 <= args.port <= 65535:
        raise HarnessError(f"--port must be 0-65535, got {args.port}")
    if args.handler is not None:
        function = LambdaFunction(
            args.handler,
            code_dir=args.code_dir or ".",
            isolation=args.isolation,
            region=args.region,
        )
        server = _server(
            lambda: FrontDoors([HttpApi({"$default": function}, region=args.region)]),
            args,
            (),
        )
        server.run()
        return 0
    template = args.template
    if template is None:
        found = find_template(os.getcwd())
        if found is None:
            raise HarnessError(
                "no template found: pass -t template.yaml (or run where template.yaml is), or "
                "give a handler such as app.handler"
            )
        template = str(found)
    elif not Path(template).is_file():
        raise HarnessError(f"template {template!r} does not exist (relative to {os.getcwd()!r})")
    from .aws import AWS
    from .aws.guard import command_line_advice

    with command_line_advice(), AWS(region=args.region) as aws:

        def build() -> FrontDoors:
            # A changed template starts from an empty account: deployed anew.
            aws.stop()
            aws.start()
            stack = aws.deploy(
                template, parameter_overrides=args.parameter_overrides, isolation=args.isolation
            )
            doors = from_stack(stack)
            if not len(doors):
                raise HarnessError(
                    f"template {template!r} has no API, function URL or load balancer in front "
                    "of a Python function"
                )
            return doors

        server = _server(build, args, (Path(template).resolve(),))
        server.run()
    return 0


def _server(build: Any, args: argparse.Namespace, watched: tuple[Path, ...]) -> Any:
    from .http.server import Server

    try:
        return Server(
            build, host=args.host, port=args.port, watched=watched, reload=not args.no_reload
        )
    except OSError as e:
        raise HarnessError(
            f"cannot listen on {args.host}:{args.port} ({e.strerror}); pass --port with a free port"
        ) from None


def _is_logical_id(function: str | None) -> bool:
    # A handler always has a dot (module.function); a logical id never does.
    return function is not None and "." not in function and "/" not in function


def _template_path(args: argparse.Namespace) -> str | None:
    if args.template is not None:
        if not Path(args.template).is_file():
            raise HarnessError(
                f"template {args.template!r} does not exist (relative to {os.getcwd()!r})"
            )
        return str(args.template)
    if args.function is not None and not _is_logical_id(args.function):
        return None
    found = find_template(os.getcwd())
    return None if found is None else str(found)


def _variables(
    config: FunctionConfig, env_vars: str | None, logical_id: str | None, *, declared_only: bool
) -> dict[str, str]:
    """The function's variables with an --env-vars file's applied, as `sam local` applies
    them: "Parameters" for every function, the function's own entry over it; a template's
    function only takes the variables its template declares."""
    variables = dict(config.env)
    if env_vars is None:
        return variables
    path = Path(env_vars)
    if not path.is_file():
        raise HarnessError(f"--env-vars file {env_vars!r} does not exist")
    document = _parse_json(path.read_text(encoding="utf-8"), env_vars)
    if not isinstance(document, Mapping):
        raise HarnessError(
            f'--env-vars file {env_vars!r} must be a JSON object: {{"Parameters": {{...}}, '
            '"LogicalId": {...}}'
        )
    given: dict[str, Any] = {}
    for key in ("Parameters", logical_id, config.function_name):
        entry = document.get(key) if key is not None else None
        if entry is None:
            continue
        if not isinstance(entry, Mapping):
            raise HarnessError(f"--env-vars file {env_vars!r}: {key!r} must be an object")
        given.update(entry)
    ignored = []
    for name, value in given.items():
        if declared_only and name not in variables:
            ignored.append(name)
            continue
        variables[name] = value if isinstance(value, str) else json.dumps(value)
    if ignored:
        sys.stderr.write(
            f"pytest-lambda: {', '.join(sorted(ignored))} from {env_vars} not set: the "
            "template does not declare them in the function's Environment (SAM sets only "
            "declared variables)\n"
        )
    return variables


def _default_event(template: str | None, logical_id: str | None, args: argparse.Namespace) -> str:
    """The sample event of the function's first event source (hello-world without one)."""
    if template is None or logical_id is None:
        return "hello-world"
    loaded = load_template(
        template, parameter_overrides=args.parameter_overrides, region=args.region
    )
    original = loaded.transformed.original_properties.get(logical_id, {})
    events = original.get("Events")
    if isinstance(events, Mapping):
        for event in events.values():
            kind = event.get("Type") if isinstance(event, Mapping) else None
            if isinstance(kind, str) and kind in SAMPLE_EVENT_OF_SOURCE:
                return SAMPLE_EVENT_OF_SOURCE[kind]
    return "hello-world"


@contextlib.contextmanager
def _aws(
    args: argparse.Namespace, template: str | None, config: FunctionConfig
) -> Iterator[AWS | None]:
    """moto (the template's resources deployed), or real AWS with the user's credentials."""
    if args.aws == "real":
        session = current()
        overlay = _real_credentials(args.region)
        session.remove_worker_hook(_GUARD_HOOK)
        session.add_overlay(overlay)
        sys.stderr.write(
            "pytest-lambda: --aws real: the function's AWS calls go to real AWS, signed with "
            "your credentials\n"
        )
        try:
            yield None
        finally:
            session.remove_overlay(overlay)
            session.add_worker_hook(_GUARD_HOOK)
        return
    from .aws import AWS
    from .aws.guard import command_line_advice

    with command_line_advice(), AWS(region=args.region) as aws:
        if template is not None:
            aws.deploy(template, parameter_overrides=args.parameter_overrides, configs=[config])
        yield aws


_GUARD_HOOK = "pytest_lambda.aws.guard:install_in_worker"


def _real_credentials(region: str) -> Any:
    """The overlay giving the function the user's own credentials, as `sam local` does."""
    import boto3

    credentials = boto3.session.Session().get_credentials()
    if credentials is None:
        raise HarnessError(
            "--aws real found no AWS credentials (environment, profile or SSO); configure "
            "them, or use --aws moto"
        )
    frozen = credentials.get_frozen_credentials()
    variables = {
        "AWS_ACCESS_KEY_ID": frozen.access_key,
        "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
    }
    if frozen.token:
        variables["AWS_SESSION_TOKEN"] = frozen.token

    def overlay(config: FunctionConfig) -> Mapping[str, str]:
        return variables

    return overlay


@contextlib.contextmanager
def _function(aws: AWS | None, config: FunctionConfig) -> Iterator[LambdaFunction]:
    deployed = aws.deployed_function(config) if aws is not None else None
    if deployed is not None:
        yield deployed
        return
    with LambdaFunction.from_config(config) as function:
        yield function


def _merge_reports(args: argparse.Namespace) -> int:
    from .reporting.merge import merge_files

    lines, regressed = merge_files(
        args.reports,
        output=args.output,
        html=args.html,
        baseline=args.baseline,
        max_regression_pct=args.max_regression_pct,
        full=args.full,
    )
    print("\n".join(lines))
    return 1 if regressed else 0


def _read_event(source: str | None, default: str = "hello-world") -> Any:
    if source is None:
        if default == "hello-world":
            return dict(HELLO_WORLD_EVENT)
        from .events import load_event

        return load_event(default)
    if source == "-":
        return _parse_json(sys.stdin.read(), "standard input")
    path = Path(source)
    if path.is_file():
        return _parse_json(path.read_text(encoding="utf-8"), source)
    if source.endswith(".json") or "/" in source or "\\" in source:
        raise HarnessError(f"event file {source!r} does not exist")
    from .events import load_event

    return load_event(source)


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise HarnessError(f"the event in {where} is not valid JSON: {e}") from None


def _list_events() -> int:
    from .events import list_kinds

    kinds = list_kinds()
    width = max(len(kind) for kind, _ in kinds)
    for kind, description in kinds:
        print(f"{kind:<{width}}  {description}")
    return 0


def _generate(kind: str, raw_fields: Sequence[str]) -> int:
    from .events import generate

    fields: dict[str, str] = {}
    items = list(raw_fields)
    while items:
        flag = items.pop(0)
        if not flag.startswith("--") or len(flag) == 2:
            raise HarnessError(f"expected --field value pairs, got {flag!r}")
        name, sep, value = flag[2:].partition("=")
        if not sep:
            if not items:
                raise HarnessError(f"--{name} needs a value")
            value = items.pop(0)
        fields[name.replace("-", "_")] = value
    try:
        event = generate(kind, fields)
    except (TypeError, ValueError) as e:
        # A field the factory does not take, or a value it cannot be given.
        raise HarnessError(str(e)) from None
    print(json.dumps(event, indent=2, ensure_ascii=False))
    return 0


def _validate(file: str, kind: str | None) -> int:
    from .events import detect_event_type, validation_errors

    if file == "-":
        event = _parse_json(sys.stdin.read(), "standard input")
    else:
        path = Path(file)
        if not path.is_file():
            raise HarnessError(f"event file {file!r} does not exist")
        event = _parse_json(path.read_text(encoding="utf-8"), file)
    name = "<stdin>" if file == "-" else file
    if kind is None and detect_event_type(event) is None:
        print(
            f"{name}: could not detect the event kind; pass --kind KIND "
            "(see 'pytest-lambda events')"
        )
        return 1
    problems = validation_errors(event, kind)
    if problems:
        for problem in problems:
            print(f"{name}: {problem}")
        return 1
    print(f"{name}: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
