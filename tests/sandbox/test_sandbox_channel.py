"""The channel treats the worker as untrusted: a handler that writes to it (a stalled frame,
junk, a pickle, a 4 GB length) gets a timeout or Runtime.ExitError, never a hang of the test
process, an allocation it asked for, or code run in the test process."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind

from .conftest import SANDBOX_HANDLERS

REPO_ROOT = Path(__file__).resolve().parents[2]


def assert_runtime_exit(invocation) -> None:
    error = invocation.assert_error(ErrorKind.EXIT)
    assert error.payload["errorType"] == "Runtime.ExitError"
    assert error.message.startswith(f"RequestId: {invocation.request_id} Error: Runtime exited")


@pytest.mark.timeout(30)
def test_a_stalled_frame_is_a_timeout_not_a_hang(make_function) -> None:
    function = make_function("hostile.stalled_frame", timeout_s=2)
    invocation = function.invoke({})
    invocation.assert_timed_out()
    assert function.invoke({"claimed": 10}).cold_start


@pytest.mark.timeout(30)
def test_a_frame_claiming_4_gb_is_refused(make_function) -> None:
    function = make_function("hostile.junk_frame", timeout_s=2)
    invocation = function.invoke({"huge": True})
    assert_runtime_exit(invocation)
    assert "malformed message" in invocation.logs
    # The environment starts again.
    assert function.invoke({"huge": True}).cold_start


@pytest.mark.timeout(30)
@pytest.mark.parametrize("size", [0, 1, 7, 64, 4096])
def test_junk_frames_are_runtime_exit_errors(make_function, size: int) -> None:
    invocation = make_function("hostile.junk_frame", timeout_s=2).invoke({"size": size})
    assert_runtime_exit(invocation)


@pytest.mark.timeout(30)
def test_a_pickle_from_the_worker_is_never_loaded(make_function, tmp_path: Path) -> None:
    marker = tmp_path / "ran-in-the-test-process"
    invocation = make_function("hostile.pickle_frame").invoke({"path": str(marker)})
    assert_runtime_exit(invocation)
    assert not marker.exists()


def test_no_pickle_is_loaded_from_any_child_process(make_function, monkeypatch) -> None:
    """Nothing a worker or the fork server sends is unpickled in the test process."""
    from pytest_lambda import sandbox

    loaded = []
    original = pickle.loads

    def recorded(*args, **kwargs):
        loaded.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(pickle, "loads", recorded)
    # A fork server started afresh: its first message too.
    sandbox.shutdown_all()
    function = make_function("basic.hello")
    assert function.invoke({}).cold_start
    assert function.invoke({}).ok
    make_function("misbehave.sys_exit").invoke({"code": 2}).assert_error(ErrorKind.EXIT)
    sandbox.shutdown_all()
    assert loaded == []


@pytest.mark.timeout(30)
def test_an_exit_is_seen_while_a_child_holds_the_channel(make_function) -> None:
    function = make_function("hostile.exit_while_a_child_holds_the_channel", timeout_s=20)
    invocation = function.invoke({})
    assert_runtime_exit(invocation)
    assert invocation.error is not None
    assert invocation.error.message.endswith("exit status 3")


def test_an_oversized_error_is_refused_as_a_response(make_function) -> None:
    invocation = make_function("hostile.huge_error", memory_mb=512).invoke({"mb": 7})
    error = invocation.assert_error(ErrorKind.PAYLOAD_TOO_LARGE)
    assert error.error_type == "Function.ResponseSizeTooLarge"


PEAK_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from pytest_lambda import LambdaFunction

    with LambdaFunction("basic.hello", code_dir=sys.argv[1]) as warm:
        warm.invoke({})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with LambdaFunction(
        "hostile.huge_response", code_dir=sys.argv[1], memory_mb=2048, timeout_s=60
    ) as function:
        invocation = function.invoke({"mb": int(sys.argv[2])})
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kb": before, "after_kb": after,
                      "payload": invocation.error.payload if invocation.error else None}))
    """
)


def test_a_refused_400_mb_response_never_reaches_the_test_process() -> None:
    """Only its size crosses the channel: the test process's peak memory stays put."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(SANDBOX_HANDLERS), "400"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["payload"] == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (419430400 bytes) exceeded maximum allowed "
        "payload size (6291556 bytes).",
    }
    grown_mb = (measured["after_kb"] - measured["before_kb"]) / 1024
    # Before: the whole response crossed, twice (the frame and its unpickled copy): +800 MB.
    assert grown_mb < 50, measured
