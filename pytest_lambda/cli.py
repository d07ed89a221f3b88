"""The `pytest-lambda` command: invoke a handler, generate, validate and list events."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import CODE_NOT_FOUND_ERRORS, HarnessError
from .function import LambdaFunction
from .invocation import display_logs

HELLO_WORLD_EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}
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
        help="invoke a handler once and print its logs, REPORT line and result",
        description="Invoke HANDLER (e.g. app.handler) with an event. Logs go to stderr, the "
        "result (or the error payload) to stdout; the exit status is 1 when the invoke fails.",
    )
    invoke.add_argument("handler", help="handler string, e.g. app.handler or src/app.handler")
    invoke.add_argument(
        "--event",
        "-e",
        default=None,
        help="a JSON file, '-' for stdin, or a sample event name (default: hello-world)",
    )
    invoke.add_argument("--memory-mb", type=int, default=128, help="memory size (128-10240)")
    invoke.add_argument("--timeout-s", type=float, default=3, help="timeout in seconds (1-900)")
    invoke.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the function (repeatable)",
    )
    invoke.add_argument("--code-dir", default=".", help="directory holding the handler code")
    invoke.add_argument("--name", default=None, help="function name")
    invoke.add_argument("--region", default="us-east-1", help="AWS Region")
    invoke.add_argument(
        "--isolation",
        choices=["process", "inline"],
        default="process",
        help="run in a worker process (default) or in this process",
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
    if args.command == "events":
        return _list_events()
    if args.command == "generate-event":
        return _generate(args.kind, args.fields)
    return _validate(args.file, args.kind)


def _invoke(args: argparse.Namespace) -> int:
    env: dict[str, str] = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep:
            raise HarnessError(f"--env takes NAME=VALUE, got {item!r}")
        env[name] = value
    event = _read_event(args.event)
    with LambdaFunction(
        args.handler,
        memory_mb=args.memory_mb,
        timeout_s=args.timeout_s,
        env=env,
        code_dir=args.code_dir,
        name=args.name,
        region=args.region,
        isolation=args.isolation,
    ) as function:
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


def _read_event(source: str | None) -> Any:
    if source is None:
        return dict(HELLO_WORLD_EVENT)
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
