"""The variables Lambda starts a function's process with, and its per-request trace header."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from .config import FunctionConfig
from .context import new_log_stream_name, random_hex

# Variables of the host that the function keeps: what a process needs to start programs
# and libraries, and what coverage.py needs to follow the code into workers.
INHERITED_HOST_VARIABLES = (
    "PATH",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SYSTEMROOT",
)
INHERITED_HOST_PREFIXES = ("COV_CORE_", "COVERAGE_")

# Lambda hands every function the execution role's temporary credentials; tests get
# well-formed fake ones so that nothing can sign a request for a real account.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIAFAKEPYTESTLAMBDA",
    "AWS_SECRET_ACCESS_KEY": "fakeSecretAccessKeyForPytestLambdaHarness00",
    "AWS_SESSION_TOKEN": "FakeSessionTokenForPytestLambdaHarness",
}


def new_trace_id(now: float | None = None) -> str:
    """An X-Ray trace header as Lambda sets it in `_X_AMZN_TRACE_ID`."""
    epoch = int(time.time() if now is None else now)
    digits = random_hex(40)
    return f"Root=1-{epoch:08x}-{digits[:24]};Parent={digits[24:]};Sampled=0"


def function_variables(
    config: FunctionConfig,
    tmp_dir: str,
    overlay: Mapping[str, str] | None = None,
    host: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every variable the function's process starts with, as Lambda sets them.

    `overlay` is what the session adds (see Session.overlay_variables: the guard's safe
    settings, the mocked AWS endpoint); the function's own `env` comes last and wins.
    """
    host = os.environ if host is None else host
    variables = {
        name: value
        for name, value in host.items()
        if name in INHERITED_HOST_VARIABLES or name.startswith(INHERITED_HOST_PREFIXES)
    }
    variables.update(
        {
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "_HANDLER": config.handler,
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": new_log_stream_name(),
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "LAMBDA_TASK_ROOT": str(config.code_path),
            "LAMBDA_RUNTIME_DIR": os.path.dirname(os.path.abspath(__file__)),
            "TMPDIR": tmp_dir,
            **FAKE_CREDENTIALS,
        }
    )
    if config.snapstart:
        # A snapshot is restored into many environments: Lambda gives SnapStart functions
        # no log group or stream variables ("Monitoring for Lambda SnapStart").
        variables["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
        del variables["AWS_LAMBDA_LOG_GROUP_NAME"], variables["AWS_LAMBDA_LOG_STREAM_NAME"]
    if overlay:
        variables.update(overlay)
    variables.update(config.env)
    if config.log_format == "JSON":
        # Lambda tells the runtime its logging controls; the runtime formats its records as
        # JSON and sets the root logger's level from them (INFO unless configured).
        variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        variables["AWS_LAMBDA_LOG_LEVEL"] = config.log_level or "INFO"
    return variables
