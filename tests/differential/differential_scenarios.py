"""The handler scenarios the differential test runs under the real runtime and the harness.

Each scenario is a tiny code directory (written out at test time: some of them are
deliberately broken Python), the handler string, the requests to send and the
settings Lambda would give the function. The ids are the test ids.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InvokeContext:
    """What a caller can attach to an invoke: the Runtime API passes it as headers."""

    client_context: Mapping[str, Any] | None = None
    identity: Mapping[str, Any] | None = None
    tenant_id: str | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    group: str
    files: Mapping[str, str]
    handler: str = "app.handler"
    # Each event is one invoke, in order, in the same execution environment.
    events: tuple[Any, ...] = ({},)
    # Request bodies sent as they are (LambdaFunction.invoke_raw); replaces `events`.
    raw_events: tuple[bytes, ...] = ()
    # For raw bodies: the Invoke API refuses a body that is not JSON (400
    # InvalidRequestContentException) before any runtime sees it.
    invoke_api_rejects: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    context: InvokeContext | None = None
    # Why the scenario cannot run inline at all (it would end the test process).
    inline_limit: str | None = None
    min_python: tuple[int, int] = (3, 10)
    timeout_s: int = 3

    @property
    def function_name(self) -> str:
        return f"differential-{self.id}".replace("_", "-")[:64]

    @property
    def supported(self) -> bool:
        return sys.version_info[:2] >= self.min_python


def _code(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def _app(source: str, **extra_files: str) -> dict[str, str]:
    return {"app.py": _code(source), **{name: _code(text) for name, text in extra_files.items()}}


JSON_LOGS = {"AWS_LAMBDA_LOG_FORMAT": "JSON"}

CLIENT_CONTEXT = {
    "client": {
        "installation_id": "install-1",
        "app_title": "Demo",
        "app_version_name": "1.0",
        "app_version_code": "100",
        "app_package_name": "com.example.demo",
    },
    "custom": {"tenant": "acme"},
    "env": {"platform": "Android", "locale": "en_US"},
}
W3C_CLIENT_CONTEXT = {
    **CLIENT_CONTEXT,
    "w3c": {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate": "vendor=value",
        "baggage": "userId=alice",
        "unlisted": "dropped",
    },
}
COGNITO_IDENTITY = {
    "cognitoIdentityId": "us-east-1:11111111-2222-3333-4444-555555555555",
    "cognitoIdentityPoolId": "us-east-1:66666666-7777-8888-9999-000000000000",
}

# Describes a context object without assuming how it is built: its repr, whether it
# carries a __dict__ or __slots__, and what its class offers beyond the runtime's.
_DESCRIBE = """
def describe(obj):
    if obj is None:
        return None
    cls = type(obj)
    return {
        "type": cls.__name__,
        "repr": repr(obj),
        "slots": list(getattr(cls, "__slots__", [])),
        "has_dict": hasattr(obj, "__dict__"),
        "public": sorted(n for n in dir(cls) if not n.startswith("_")),
    }
"""

SCENARIOS: list[Scenario] = []


def add(id: str, group: str, source: str | Mapping[str, str], **settings: Any) -> None:
    files = _app(source) if isinstance(source, str) else dict(source)
    SCENARIOS.append(Scenario(id, group, files, **settings))


# ---------------------------------------------------------------- successful returns
add(
    "return_dict",
    "returns",
    """
    def handler(event, context):
        return {"a": 1, "b": [1, 2.5, None, True, False], "c": {"d": "e"}, "event": event}
""",
    events=({"key": "value", "n": [1, 2]},),
)
add(
    "return_str",
    "returns",
    """
    def handler(event, context):
        return "hello"
""",
)
add(
    "return_none",
    "returns",
    """
    def handler(event, context):
        return None
""",
)
add(
    "return_bytes",
    "returns",
    """
    def handler(event, context):
        return b"\\x00\\xffraw bytes"
""",
)
add(
    "return_decimal",
    "returns",
    """
    from decimal import Decimal

    def handler(event, context):
        return {"price": Decimal("1.10"), "big": Decimal("1E+2"), "nan": Decimal("NaN"),
                "neg": Decimal("-0.000")}
""",
)
add(
    "return_namedtuple",
    "returns",
    """
    from collections import namedtuple

    Point = namedtuple("Point", "x y")

    def handler(event, context):
        return {"point": Point(1, 2), "tuple": (1, "a")}
""",
)
add(
    "return_unicode",
    "returns",
    """
    def handler(event, context):
        return {"text": "h\\u00e9llo \\u2713 \\U0001f600", "echo": event}
""",
    events=({"name": "Zo\u00eb \u2603"},),
)
add(
    "return_nan_inf",
    "returns",
    """
    def handler(event, context):
        return [float("nan"), float("inf"), -float("inf"), 1e100, 0.1, 2 ** 70]
""",
)
add(
    "return_lone_surrogate",
    "returns",
    """
    def handler(event, context):
        return {"text": "\\ud800"}
""",
)
add(
    "return_set",
    "returns",
    """
    def handler(event, context):
        return {"tags": {1, 2}}
""",
)
add(
    "return_datetime",
    "returns",
    """
    import datetime

    def handler(event, context):
        return {"at": datetime.datetime(2024, 1, 2, 3, 4, 5)}
""",
)
add(
    "return_object",
    "returns",
    """
    class Order:
        pass

    def handler(event, context):
        return Order()
""",
)
add(
    "return_circular",
    "returns",
    """
    def handler(event, context):
        value = {}
        value["self"] = value
        return value
""",
)
add(
    "return_dict_keys",
    "returns",
    """
    def handler(event, context):
        return {1: "int", 1.5: "float", True: "bool", None: "none"}
""",
)
add(
    "event_str",
    "returns",
    """
    def handler(event, context):
        return {"event": event, "type": type(event).__name__}
""",
    events=("hello",),
)
add(
    "event_none",
    "returns",
    """
    def handler(event, context):
        return {"event": event, "type": type(event).__name__}
""",
    events=(None,),
)

# ---------------------------------------------------------------- handler exceptions
add(
    "raise_simple",
    "exceptions",
    """
    def handler(event, context):
        raise ValueError("bad value")
""",
)
add(
    "raise_in_expression",
    "exceptions",
    """
    def price(item):
        return item["unit"] * item["qty"]

    def handler(event, context):
        total = price(event) + int(event["discount"]) * 2
        return total
""",
    events=({"unit": 3, "qty": 2, "discount": "ten"},),
)
add(
    "raise_chained",
    "exceptions",
    """
    def handler(event, context):
        try:
            {}["key"]
        except KeyError as e:
            raise RuntimeError("lookup failed") from e
""",
)
add(
    "raise_key_error",
    "exceptions",
    """
    def handler(event, context):
        return event["missing"]
""",
)
add(
    "raise_in_helper",
    "exceptions",
    {
        "app.py": _code("""
        import helper

        def handler(event, context):
            return helper.parse(event)
    """),
        "helper.py": _code("""
        def parse(event):
            return int(event["n"])
    """),
    },
    events=({"n": "x"},),
)
add(
    "raise_in_stdlib",
    "exceptions",
    """
    import json

    def handler(event, context):
        return json.loads("{not json")
""",
)
add(
    "raise_no_message",
    "exceptions",
    """
    def handler(event, context):
        raise ValueError()
""",
)
add(
    "raise_multiline_message",
    "exceptions",
    """
    def handler(event, context):
        raise ValueError("first line\\nsecond line")
""",
)
add(
    "raise_str_fails",
    "exceptions",
    """
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("cannot describe myself")

    def handler(event, context):
        raise Unprintable()
""",
)
add(
    "raise_keyboard_interrupt",
    "exceptions",
    """
    def handler(event, context):
        raise KeyboardInterrupt
""",
)
add(
    "raise_base_exception",
    "exceptions",
    """
    class Abort(BaseException):
        pass

    def handler(event, context):
        raise Abort("stop everything")
""",
)
add(
    "raise_exception_group",
    "exceptions",
    """
    def handler(event, context):
        raise ExceptionGroup("several", [ValueError("a"), KeyError("b")])
""",
    min_python=(3, 11),
)
add(
    "handler_not_callable",
    "exceptions",
    """
    handler = 42
""",
)

# ---------------------------------------------------------------- init errors
add(
    "init_import_error",
    "init",
    """
    import module_that_does_not_exist

    def handler(event, context):
        return 1
""",
)
add(
    "init_nested_import_error",
    "init",
    {
        "app.py": _code("""
        import helper

        def handler(event, context):
            return 1
    """),
        "helper.py": _code("""
        from collections import NoSuchThing
    """),
    },
)
add(
    "init_syntax_error",
    "init",
    """
    def handler(event, context)
        return 1
""",
)
add(
    "init_handler_missing",
    "init",
    """
    def handler(event, context):
        return 1
""",
    handler="app.other_handler",
)
add(
    "init_malformed_handler",
    "init",
    """
    def handler(event, context):
        return 1
""",
    handler="app",
)
add(
    "init_builtin_module",
    "init",
    """
    def handler(event, context):
        return 1
""",
    handler="sys.handler",
)
add(
    "init_raise_at_import",
    "init",
    """
    import os

    SETTING = os.environ["SETTING_THAT_IS_NOT_SET"]

    def handler(event, context):
        return 1
""",
)
add(
    "init_exit_at_import",
    "init",
    """
    import sys

    sys.exit(3)

    def handler(event, context):
        return 1
""",
)
add(
    "init_logs",
    "init",
    """
    import logging
    import sys

    print("loading")
    logging.warning("warned at import")
    sys.stderr.write("stderr at import\\n")

    def handler(event, context):
        return "ok"
""",
)
add(
    "init_package_path",
    "init",
    {
        "app.py": "",
        "pkg/__init__.py": "",
        "pkg/mod.py": _code("""
        def handler(event, context):
            return __name__
    """),
    },
    handler="pkg/mod.handler",
)

# ---------------------------------------------------------------- exits and crashes
add(
    "exit_zero",
    "exits",
    """
    import sys

    def handler(event, context):
        print("leaving")
        sys.exit(0)
""",
)
add(
    "exit_three",
    "exits",
    """
    import sys

    def handler(event, context):
        sys.exit(3)
""",
)
add(
    "exit_message",
    "exits",
    """
    import sys

    def handler(event, context):
        sys.exit("giving up")
""",
)
add(
    "exit_os_exit",
    "exits",
    """
    import os

    def handler(event, context):
        os._exit(7)
""",
    inline_limit="os._exit() would end the test process (a documented inline limit)",
)
add(
    "exit_sigsegv",
    "exits",
    """
    import os
    import signal

    def handler(event, context):
        os.kill(os.getpid(), signal.SIGSEGV)
""",
    inline_limit="a fatal signal would end the test process",
)
add(
    "raise_after_closing_stdio",
    "exits",
    """
    import os

    def handler(event, context):
        os.close(1)
        os.close(2)
        raise ValueError("raised with stdout and stderr closed")
""",
)

# ---------------------------------------------------------------- unmarshal (raw bodies)
_ECHO = """
    def handler(event, context):
        return {"event": event}
"""
add(
    "raw_trailing_comma",
    "unmarshal",
    _ECHO,
    raw_events=(b'{"a": [1, 2,]}',),
    invoke_api_rejects=True,
)
add("raw_single_quotes", "unmarshal", _ECHO, raw_events=(b"{'a': 1}",), invoke_api_rejects=True)
add(
    "raw_extra_data",
    "unmarshal",
    _ECHO,
    raw_events=(b'{"a": 1} {"b": 2}',),
    invoke_api_rejects=True,
)
add("raw_nan_literal", "unmarshal", _ECHO, raw_events=(b'{"a": NaN}',), invoke_api_rejects=True)
add("raw_utf8_bom", "unmarshal", _ECHO, raw_events=(b'\xef\xbb\xbf{"a": 1}',))
add("raw_duplicate_keys", "unmarshal", _ECHO, raw_events=(b'{"a": 1, "a": 2}',))
add(
    "raw_unicode_escapes",
    "unmarshal",
    _ECHO,
    raw_events=(b'{"s": "\\ud83d\\ude00 \\u00e9", "big": 12345678901234567890}',),
)

# ---------------------------------------------------------------- logging
add(
    "log_print",
    "logging",
    """
    def handler(event, context):
        print("hello")
        print("a", "b", sep=", ")
        print("\\u00fcnic\\u00f6de \\u2713")
        return "ok"
""",
)
add(
    "log_print_no_newline",
    "logging",
    """
    def handler(event, context):
        print("partial", end="")
        return "ok"
""",
)
add(
    "log_stderr",
    "logging",
    """
    import sys

    def handler(event, context):
        sys.stderr.write("to stderr\\n")
        print("to stdout", file=sys.stderr)
        return "ok"
""",
)
add(
    "log_levels_default",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug")
        logging.info("info")
        logging.warning("warning")
        logging.error("error")
        logging.critical("critical")
        logging.getLogger("orders").warning("named logger %s", 42)
        return "ok"
""",
)
add(
    "log_exception",
    "logging",
    """
    import logging

    logger = logging.getLogger()

    def handler(event, context):
        try:
            return 1 / len(event)
        except ZeroDivisionError:
            logger.exception("could not divide")
        return "ok"
""",
)
add(
    "log_multiline",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.warning("first\\nsecond\\nthird")
        print("p1\\np2")
        return "ok"
""",
)
add(
    "log_interleaved_partial_line",
    "logging",
    """
    import logging

    def handler(event, context):
        print("start of line ", end="")
        logging.warning("in between")
        print("end of line")
        return "ok"
""",
)
add(
    "log_no_newline_then_error",
    "logging",
    """
    import sys

    def handler(event, context):
        sys.stdout.write("no newline")
        raise KeyError("k")
""",
)
add(
    "log_context_log_then_error",
    "logging",
    """
    def handler(event, context):
        context.log("record without a line end")
        raise KeyError("k")
""",
)
add(
    "log_context_log",
    "logging",
    """
    def handler(event, context):
        context.log("a")
        context.log("b")
        context.log({"k": 1})
        return "ok"
""",
)
add(
    "log_basic_config",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.basicConfig(level=logging.INFO)
        logging.info("info after basicConfig")
        logging.warning("warning after basicConfig")
        return "ok"
""",
)
add(
    "log_basic_config_force",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.basicConfig(force=True, level=logging.INFO, format="%(levelname)s|%(message)s")
        logging.info("request %s", event["n"])
        return "ok"
""",
    events=({"n": 1}, {"n": 2}),
)
add(
    "log_set_level",
    "logging",
    """
    import logging

    logging.getLogger().setLevel(logging.INFO)

    def handler(event, context):
        logging.info("info once the function raised the level")
        return "ok"
""",
)
add(
    "log_level_debug",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug")
        logging.info("info")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"},
)
add(
    "log_level_warn",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.info("info")
        logging.warning("warning")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "WARN"},
)
add(
    "log_level_info",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug")
        logging.info("info")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "INFO"},
)
add(
    "log_level_lowercase_trace",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug")
        logging.info("info")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "trace"},
)
add(
    "log_level_trace",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug under TRACE")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "TRACE"},
)
add(
    "log_level_error",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.warning("warning")
        logging.error("error")
        raise ValueError("unhandled")
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "ERROR"},
)
add(
    "log_json",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.info("info")
        logging.warning("order placed", extra={"orderId": 42, "items": ["a", "b"]})
        logging.getLogger("orders").error("named %s", "logger")
        print("plain print")
        context.log("context log")
        return "ok"
""",
    env=JSON_LOGS,
)
add(
    "log_json_dict_message",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.warning({"event": "placed", "n": 1})
        logging.warning({"event": "with args %s"}, "x")
        return "ok"
""",
    env=JSON_LOGS,
)
add(
    "log_json_exception",
    "logging",
    """
    import logging

    def handler(event, context):
        try:
            {}["k"]
        except KeyError:
            logging.exception("lookup failed")
        raise ValueError("unhandled under JSON")
""",
    env=JSON_LOGS,
)
add(
    "log_json_debug",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.debug("debug")
        logging.log(25, "between info and warning")
        return "ok"
""",
    env={**JSON_LOGS, "AWS_LAMBDA_LOG_LEVEL": "DEBUG"},
)
add(
    "log_json_init_error",
    "logging",
    """
    import module_that_does_not_exist

    def handler(event, context):
        return 1
""",
    env=JSON_LOGS,
)
add(
    "log_format_error",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.warning("%d items", "not a number")
        return "logged"
""",
)
add(
    "log_level_fatal",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.error("error")
        logging.critical("critical")
        return logging.getLogger().level
""",
    env={"AWS_LAMBDA_LOG_LEVEL": "FATAL"},
)
add(
    "log_json_non_ascii",
    "logging",
    """
    import logging

    def handler(event, context):
        logging.warning("h\u00e9llo \u2713", extra={"city": "Z\u00fcrich"})
        raise ValueError("na\u00efve \u2603")
""",
    env=JSON_LOGS,
)
add(
    "log_json_print_and_stderr",
    "logging",
    """
    import sys

    def handler(event, context):
        print('{"level": "debug", "msg": "a JSON line"}')
        sys.stderr.write("to stderr\n")
        return "ok"
""",
    env=JSON_LOGS,
)
add(
    "log_warnings_warn",
    "logging",
    """
    import warnings

    def handler(event, context):
        warnings.warn("careful")
        return "ok"
""",
)
add(
    "log_fd_level",
    "logging",
    """
    import os

    def handler(event, context):
        os.write(1, b"written to fd 1\\n")
        os.write(2, b"written to fd 2\\n")
        return "ok"
""",
)
add(
    "log_subprocess",
    "logging",
    """
    import subprocess

    def handler(event, context):
        subprocess.run(["sh", "-c", "echo from a child; echo child stderr >&2"], check=True)
        return "ok"
""",
)
add(
    "log_stdout_buffer",
    "logging",
    """
    import sys

    def handler(event, context):
        sys.stdout.buffer.write(b"through the buffer\\n")
        sys.stdout.flush()
        return [sys.stdout.fileno(), sys.stderr.fileno()]
""",
)

# ---------------------------------------------------------------- the context object
add(
    "context_attributes",
    "context",
    """
    NAMES = ["aws_request_id", "log_group_name", "log_stream_name", "function_name",
             "memory_limit_in_mb", "function_version", "invoked_function_arn", "tenant_id",
             "client_context"]

    def handler(event, context):
        result = {name: [getattr(context, name), type(getattr(context, name)).__name__]
                  for name in NAMES}
        remaining = context.get_remaining_time_in_millis()
        result["remaining"] = [type(remaining).__name__, 0 < remaining <= 3000]
        result["identity"] = repr(context.identity)
        result["type"] = type(context).__name__
        result["public"] = sorted(n for n in dir(context) if not n.startswith("_"))
        return result
""",
)
add(
    "context_repr",
    "context",
    """
    def handler(event, context):
        return repr(context)
""",
)
add(
    "context_identity_objects",
    "context",
    _DESCRIBE
    + """
def handler(event, context):
    client_context = context.client_context
    return {
        "identity": describe(context.identity),
        "identity_ids": [context.identity.cognito_identity_id,
                         context.identity.cognito_identity_pool_id],
        "client_context": describe(client_context),
        "client": describe(client_context.client),
        "custom": client_context.custom,
        "env": client_context.env,
        "app_title": client_context.client.app_title,
    }
""",
    context=InvokeContext(client_context=CLIENT_CONTEXT, identity=COGNITO_IDENTITY),
)
add(
    "context_default_identity",
    "context",
    _DESCRIBE
    + """
def handler(event, context):
    return {"identity": describe(context.identity), "client_context": context.client_context}
""",
)
add(
    "context_w3c",
    "context",
    """
    def handler(event, context):
        return {"w3c": context.w3c(), "custom": context.client_context.custom}
""",
    context=InvokeContext(client_context=W3C_CLIENT_CONTEXT),
)
add(
    "context_tenant_id",
    "context",
    """
    import logging

    def handler(event, context):
        logging.warning("for a tenant")
        return context.tenant_id
""",
    env=JSON_LOGS,
    context=InvokeContext(tenant_id="tenant-42"),
)
add(
    "context_with_caller_context",
    "context",
    """
    def handler(event, context):
        return [context.function_name, context.memory_limit_in_mb, context.invoked_function_arn,
                context.log_group_name, 0 < context.get_remaining_time_in_millis() <= 3000]
""",
    context=InvokeContext(identity=COGNITO_IDENTITY),
)
add(
    "context_deadline_with_caller_context",
    "context",
    """
    def handler(event, context):
        return context.get_remaining_time_in_millis() > 5000
""",
    timeout_s=10,
    context=InvokeContext(tenant_id="tenant-42"),
)
add(
    "context_reads_variables_per_invoke",
    "context",
    """
    import os

    def handler(event, context):
        seen = [context.function_name, context.memory_limit_in_mb]
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "renamed"
        os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "256"
        return seen
""",
    events=({}, {}),
)

# ---------------------------------------------------------------- async handlers
add(
    "async_handler",
    "async",
    """
    async def handler(event, context):
        return "never awaited"
""",
)

# ---------------------------------------------------------------- process state
add(
    "environment_variables",
    "environment",
    """
    import os

    # The host's own plumbing (how the interpreter is found) differs by machine; Python
    # sets LC_CTYPE itself when the host lacks LANG's locale (PEP 538).
    HOST = {"PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT", "LC_CTYPE"}
    # Set, but with values that differ by nature: the role's credentials, where the
    # runtime lives, the private /tmp stand-in.
    MASKED = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
              "LAMBDA_RUNTIME_DIR", "TMPDIR"}
    # The harness's guard (a deliberate difference, in the README's fidelity notes): the
    # function's SDK must not read the developer's AWS configuration or reach for EC2's
    # instance metadata.
    GUARD = {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"}

    def handler(event, context):
        return {name: "<set>" if name in MASKED else value
                for name, value in sorted(os.environ.items())
                if name not in HOST | GUARD
                and not name.startswith(("COV_CORE_", "COVERAGE_"))}
""",
)
add(
    "working_directory",
    "environment",
    {
        "app.py": _code("""
        import os
        import sys

        def handler(event, context):
            with open("data.txt") as f:
                data = f.read()
            return {"cwd": os.getcwd(), "path0": sys.path[0], "data": data}
    """),
        "data.txt": "relative file\n",
    },
)
add(
    "warm_state",
    "environment",
    """
    COUNT = 0

    def handler(event, context):
        global COUNT
        COUNT += 1
        return COUNT
""",
    events=({}, {}, {}),
)
add(
    "trace_id",
    "environment",
    """
    import os

    def handler(event, context):
        return os.environ.get("_X_AMZN_TRACE_ID", "")
""",
)
