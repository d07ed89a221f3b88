"""Both sides of the differential test in one comparable form, and a readable report.

For every invoke of a scenario each side is reduced to three texts:

- `response`: what the Invoke API answers: the status code, the function-error header
  and the payload (response bytes as they are; an error payload as indented JSON, key
  order kept);
- `init log`: the function's records during Init (the cold start only);
- `log`: the function's records during the invoke (Init run again within the request
  included), without the platform's own.

Both sides are lists of records (one CloudWatch event each): the runtime's frames and
output lines, the harness's `Invocation.log_records`. Each record is written out closed
by a mark and its level (`RECORD_MARK`), so record boundaries (one two-line record or two
records) and levels show in the comparison, not only the text.

Then what legitimately differs is normalised on both sides: request ids, timestamps,
log stream names, trace ids, the Runtime API address, memory addresses, the code
directory (`/var/task` in Lambda), and the runtime's own frames in tracebacks and
warnings (awslambdaric's `bootstrap.py` or the harness's modules).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import fcntl
import importlib.util
import json
import logging
import os
import pickle
import re
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simplejson
from differential_runtime import Record, RuntimeClientEnvironment, RuntimeInvoke
from differential_scenarios import InvokeContext, Scenario

import pytest_lambda
from pytest_lambda import Invocation, LambdaContext, LambdaFunction

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
HARNESS_DIR = os.path.dirname(os.path.abspath(pytest_lambda.__file__))
# The host variables a Python process needs to start (the harness keeps the same ones).
HOST_VARIABLES = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")


def awslambdaric_dir() -> str:
    spec = importlib.util.find_spec("awslambdaric")
    assert spec is not None and spec.origin is not None
    return os.path.dirname(os.path.abspath(spec.origin))


# ---------------------------------------------------------------- the real runtime


def lambda_variables(scenario: Scenario, code_dir: Path, tmp_dir: Path) -> dict[str, str]:
    """The variables Lambda gives a function (the developer guide's list), for this
    interpreter."""
    name = scenario.function_name
    today = datetime.datetime.now(datetime.timezone.utc)
    variables = {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
    variables.update(
        {
            "_HANDLER": scenario.handler,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # Lambda names the runtime the function runs on; these tests run on this one.
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{today:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEEXAMPLE00",
            "AWS_SECRET_ACCESS_KEY": "exampleSecretAccessKeyExampleSecretAccess",
            "AWS_SESSION_TOKEN": "exampleSessionToken",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            # Stands in for the environment's own /tmp, as the harness's does.
            "TMPDIR": str(tmp_dir),
        }
    )
    variables.update(scenario.env)
    return variables


def invoke_headers(scenario: Scenario) -> dict[str, str]:
    """The Runtime API headers Lambda adds to a request (besides the id and deadline)."""
    headers = {
        "Lambda-Runtime-Invoked-Function-Arn": (
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{scenario.function_name}"
        ),
        "Lambda-Runtime-Trace-Id": (
            f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
            f"Parent={secrets.token_hex(8)};Sampled=0"
        ),
    }
    context = scenario.context
    if context is not None:
        if context.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(context.client_context)
        if context.identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(context.identity)
        if context.tenant_id is not None:
            headers["Lambda-Runtime-Aws-Tenant-Id"] = context.tenant_id
    return headers


def request_bodies(scenario: Scenario) -> list[bytes]:
    if scenario.raw_events:
        return list(scenario.raw_events)
    return [json.dumps(event).encode() for event in scenario.events]


def run_runtime(scenario: Scenario, code_dir: Path, tmp_dir: Path) -> list[RuntimeInvoke]:
    """The scenario under awslambdaric: one environment, every request in turn."""
    with RuntimeClientEnvironment(
        scenario.handler,
        str(code_dir),
        lambda_variables(scenario, code_dir, tmp_dir),
        timeout_s=scenario.timeout_s,
    ) as environment:
        return [
            environment.invoke(body, invoke_headers(scenario)) for body in request_bodies(scenario)
        ]


class RuntimeResults:
    """The real runtime's results, each scenario run once per test session.

    Kept on disk beside the session's temporary directory, so that pytest-xdist workers
    share them (and the scenarios' code directories) instead of each running them again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def code_dir(self, scenario: Scenario) -> Path:
        directory = self.root / scenario.id / "code"
        with self._locked(scenario):
            if not directory.exists():
                staging = self.root / scenario.id / "staging"
                for relative, text in scenario.files.items():
                    path = staging / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text)
                staging.rename(directory)
        return directory

    def get(self, scenario: Scenario) -> list[RuntimeInvoke]:
        code_dir = self.code_dir(scenario)
        stored = self.root / scenario.id / "runtime.pickle"
        with self._locked(scenario):
            if stored.exists():
                results: list[RuntimeInvoke] = pickle.loads(stored.read_bytes())
                return results
            tmp_dir = self.root / scenario.id / "tmp"
            tmp_dir.mkdir(exist_ok=True)
            results = run_runtime(scenario, code_dir, tmp_dir)
            stored.write_bytes(pickle.dumps(results))
            return results

    @contextlib.contextmanager
    def _locked(self, scenario: Scenario) -> Iterator[None]:
        with open(self.root / f"{scenario.id}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# ---------------------------------------------------------------- the harness


@dataclass
class HarnessInvoke:
    invocation: Invocation | None
    # A BaseException the invoke let out into the test (inline isolation).
    escaped: BaseException | None = None


def harness_context(context: InvokeContext | None) -> LambdaContext | None:
    if context is None:
        return None
    return LambdaContext(
        client_context=context.client_context,
        identity=context.identity,
        tenant_id=context.tenant_id,
    )


def run_harness(scenario: Scenario, code_dir: Path, isolation: str) -> list[HarnessInvoke]:
    """The scenario under the harness, through its public API only."""
    function = LambdaFunction(
        scenario.handler,
        code_dir=code_dir,
        isolation=isolation,
        name=scenario.function_name,
        timeout_s=scenario.timeout_s,
        env=dict(scenario.env),
        region=REGION,
    )
    results = []
    try:
        requests: list[Any] = list(scenario.raw_events or scenario.events)
        for request in requests:
            try:
                if scenario.raw_events:
                    invocation = function.invoke_raw(request)  # type: ignore[attr-defined]
                else:
                    invocation = function.invoke(request, context=harness_context(scenario.context))
            except BaseException as escaped:  # noqa: BLE001 - reported as a difference
                results.append(HarnessInvoke(None, escaped))
                break
            results.append(HarnessInvoke(invocation))
    finally:
        function.close()
    return results


@contextlib.contextmanager
def watch_test_process(found: list[str]) -> Iterator[None]:
    """Report what an inline function leaves changed in the test process, then undo it.

    In Lambda every environment is its own process, so nothing a function does reaches
    its caller; inline, the function shares the test's process. Whatever it leaves
    behind is a difference, and is put back so that later tests start clean.
    """
    root = logging.getLogger()
    handlers, level, cwd = list(root.handlers), root.level, os.getcwd()
    streams = (sys.stdout, sys.stderr)
    try:
        yield
    finally:
        leaks = []
        if root.handlers != handlers:
            leaks.append(f"root logger handlers: {handlers!r} before, {root.handlers!r} after")
            root.handlers[:] = handlers
        if root.level != level:
            leaks.append(f"root logger level: {level} before, {root.level} after")
            root.setLevel(level)
        if os.getcwd() != cwd:
            leaks.append(f"working directory: {cwd} before, {os.getcwd()} after")
            os.chdir(cwd)
        if (sys.stdout, sys.stderr) != streams:
            leaks.append(f"sys.stdout/sys.stderr: {streams!r} before, {(sys.stdout, sys.stderr)!r}")
            sys.stdout, sys.stderr = streams
        if leaks:
            found.append(
                "the test process after the invokes (Lambda keeps each environment to "
                "itself):\n" + "\n".join(f"  {leak}" for leak in leaks)
            )


# ---------------------------------------------------------------- normalisation


@dataclass(frozen=True)
class Side:
    """What is particular to one side's run, to be normalised away."""

    request_id: str
    code_dir: str
    runtime_dirs: tuple[str, ...]


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")
_LOG_STREAM = re.compile(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}")
_TRACE_ID = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]")
_RUNTIME_API = re.compile(r"127\.0\.0\.1:\d+")
_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
_FRAME = re.compile(r'^(\s*)File "([^"]+)", line \d+')
_WARNING_AT = re.compile(r"^(\S+\.py):\d+: (\w+Warning): ")


def _timestamp(match: re.Match[str]) -> str:
    return "<time>" + (".<ms>Z" if match.group(1) else "Z")


def normalise(text: str, side: Side) -> str:
    text = text.replace(side.request_id, "<request-id>") if side.request_id else text
    for directory in sorted({side.code_dir, os.path.realpath(side.code_dir)}, key=len)[::-1]:
        text = text.replace(directory, "<code>")
    text = _TIMESTAMP.sub(_timestamp, text)
    text = _LOG_STREAM.sub("<log-stream>", text)
    text = _TRACE_ID.sub("<trace-id>", text)
    text = _RUNTIME_API.sub("<runtime-api>", text)
    text = _ADDRESS.sub("0x<address>", text)
    return _collapse_runtime_frames(text, side)


def _is_runtime_path(path: str, side: Side) -> bool:
    return path.startswith("<frozen runpy>") or any(
        path.startswith(directory + os.sep) for directory in side.runtime_dirs
    )


def _collapse_runtime_frames(text: str, side: Side) -> str:
    """The runtime's own frames (and the source lines under them) become one marker line;
    a warning issued from the runtime's code loses its file, line and source line."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        frame = _FRAME.match(line)
        if frame and _is_runtime_path(frame.group(2), side):
            indent = frame.group(1)
            index += 1
            while index < len(lines):
                following = lines[index]
                nested = (
                    following.startswith(indent)
                    and following[len(indent) : len(indent) + 1] in (" ", "\u00a0")
                    and not _FRAME.match(following)
                )
                again = _FRAME.match(following)
                if nested or (again and _is_runtime_path(again.group(2), side)):
                    index += 1
                    continue
                break
            out.append(f"{indent}<runtime frames>")
            continue
        warning = _WARNING_AT.match(line)
        if warning and _is_runtime_path(warning.group(1), side):
            out.append(f"<runtime>: {warning.group(2)}: " + line[warning.end() :])
            index += 1
            if index < len(lines) and lines[index].startswith("  "):
                index += 1
            continue
        out.append(line)
        index += 1
    return "\n".join(out)


# ---------------------------------------------------------------- views


def response_text(
    status_code: int, function_error: str | None, payload: bytes | dict[str, Any], side: Side
) -> str:
    """The Invoke API's answer: status, function-error header, payload (bytes as they are,
    then indented when they hold a JSON object or array, so that a diff points at a key)."""
    lines = [f"StatusCode: {status_code}"]
    if function_error is not None:
        lines.append(f"FunctionError: {function_error}")
    if isinstance(payload, dict):
        error = dict(payload)
        if isinstance(error.get("stackTrace"), list):
            error["stackTrace"] = [normalise(entry, side) for entry in error["stackTrace"]]
        lines.append("Payload:")
        lines.append(normalise(json.dumps(error, indent=2, ensure_ascii=False), side))
        return "\n".join(lines)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        lines.append(f"Payload: {payload!r}")
        return "\n".join(lines)
    text = normalise(text, side)
    lines.append(f"Payload: {text}")
    try:
        # Numbers and constants kept as written: the indented view only moves them.
        value = simplejson.loads(
            text,
            parse_float=simplejson.RawJSON,
            parse_int=simplejson.RawJSON,
            parse_constant=simplejson.RawJSON,
            allow_nan=True,
        )
    except ValueError:
        value = None
    if isinstance(value, dict | list) and value:
        lines.append("Payload, indented:")
        lines.append(simplejson.dumps(value, indent=2, ensure_ascii=False))
    return "\n".join(lines)


def runtime_view(scenario: Scenario, result: RuntimeInvoke, side: Side) -> dict[str, str]:
    if scenario.raw_events and scenario.invoke_api_rejects:
        # The Invoke API refuses a body that is not JSON (400 InvalidRequestContentException).
        return {"response": "StatusCode: 400\nError: InvalidRequestContentException"}
    if result.error is not None:
        response = response_text(result.status_code, "Unhandled", result.error, side)
    else:
        response = response_text(result.status_code, None, result.response or b"", side)
    view = {"response": response}
    if result.init_records is not None:
        view["init log"] = normalise(render_records(runtime_records(result.init_records)), side)
    view["log"] = normalise(render_records(runtime_records(result.records)), side)
    return view


# The runtime's frame types (awslambdaric's lambda_runtime_log_utils) -> the record's level.
_FRAME_LEVELS = {
    0xA55A000A: "DEBUG",
    0xA55A000B: "DEBUG",
    0xA55A000E: "INFO",
    0xA55A000F: "INFO",
    0xA55A0012: "WARNING",
    0xA55A0013: "WARNING",
    0xA55A0016: "ERROR",
    0xA55A0017: "ERROR",
    0xA55A001A: "CRITICAL",
    0xA55A001B: "CRITICAL",
}
# Ends every record in a rendered log, with the record's level when it has one: record
# boundaries (one multi-line record or several) and levels are compared, not only text.
RECORD_MARK = " \u2016"


def render_records(records: list[tuple[str, str | None]]) -> str:
    """Records (text, level) as one text, each closed by the record mark (and its level)
    and a line end."""
    parts = []
    for text, level in records:
        body = text[:-1] if text.endswith("\n") else text
        parts.append(f"{body}{RECORD_MARK}{level or ''}\n")
    return "".join(parts)


def runtime_records(records: list[Record]) -> list[tuple[str, str | None]]:
    return [(r.text, _FRAME_LEVELS.get(r.frame_type or 0)) for r in records]


def harness_view(scenario: Scenario, result: HarnessInvoke, side: Side) -> dict[str, str]:
    if result.invocation is None:
        escaped = result.escaped
        return {
            "response": f"the invoke raised {type(escaped).__name__}({escaped!s}) into the test",
            ESCAPED: "",
        }
    invocation = result.invocation
    status_code = invocation.status_code
    if scenario.raw_events and scenario.invoke_api_rejects:
        error_type = invocation.error.error_type if invocation.error else None
        return {"response": f"StatusCode: {status_code}\nError: {error_type}"}
    if invocation.error is not None:
        function_error = invocation.function_error
        response = response_text(status_code, function_error, invocation.error.payload, side)
    else:
        response = response_text(status_code, None, invocation.response_payload or b"", side)
    view = {"response": response}
    init_log, log = split_harness_records(invocation)
    if invocation.init_duration_ms is not None or invocation.init_reports:
        view["init log"] = normalise(render_records(init_log), side)
    view["log"] = normalise(render_records(log), side)
    return view


# Marks a harness view whose invoke raised into the test: there are no logs to compare.
ESCAPED = "escaped"


def split_harness_records(
    invocation: Invocation,
) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """The function's records of the Init phase, and of the invoke phase (Init run again
    within the request included), without the platform's own."""
    init: list[tuple[str, str | None]] = []
    invoke: list[tuple[str, str | None]] = []
    for record in invocation.log_records:
        if record.origin == "function":
            (init if record.phase == "init" else invoke).append((record.text, record.level))
    return init, invoke


# ---------------------------------------------------------------- the report


def _shown(line: str) -> str:
    """A log line with what matters and cannot be seen spelled out."""
    shown = line.replace("\t", "\\t").replace("\r", "\\r").replace("\u00a0", "\\xa0")
    return "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" for c in shown)


def _lines(text: str, *, log: bool) -> list[str]:
    if not text:
        return ["<nothing>"]
    if not log:
        return text.split("\n")
    pieces = text.split("\n")
    lines = [_shown(piece) for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(_shown(pieces[-1]) + "  <no line end>")
    return lines


def differences(
    real: list[dict[str, str]], harness: list[dict[str, str]], isolation: str
) -> list[str]:
    """One readable block per differing part, the real runtime's version first."""
    blocks = []
    for number in range(max(len(real), len(harness))):
        real_view = real[number] if number < len(real) else {}
        harness_view_ = harness[number] if number < len(harness) else {}
        for part in ("response", "init log", "log"):
            if part not in real_view and part not in harness_view_:
                continue
            if part != "response" and ESCAPED in harness_view_:
                continue
            ours = real_view.get(part, "<not produced>")
            theirs = harness_view_.get(part, "<not produced>")
            if ours == theirs:
                continue
            log = part != "response"
            diff = difflib.unified_diff(
                _lines(ours, log=log),
                _lines(theirs, log=log),
                "real runtime",
                f"harness ({isolation})",
                lineterm="",
                n=3,
            )
            block = f"invoke {number + 1}, {part}:\n" + "\n".join(diff)
            # A lone surrogate in a payload must not break the report itself.
            blocks.append(block.encode("utf-8", "backslashreplace").decode("utf-8"))
    return blocks
