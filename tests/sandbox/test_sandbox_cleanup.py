"""No worker outlives the session: normal end, failing fixture, Ctrl-C, SIGKILL, xdist."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from .conftest import SANDBOX_HANDLERS

REPO_ROOT = Path(__file__).resolve().parents[2]

INNER_TESTS = textwrap.dedent(
    """
    import os
    import time

    import pytest

    from pytest_lambda import LambdaFunction

    HANDLERS = {handlers!r}
    TOKEN = os.environ["SANDBOX_TOKEN"]
    # Kept referenced: an environment nobody references is killed by its finalizer.
    STARTED = []


    def start(name):
        function = LambdaFunction(
            "sleepy.handler", code_dir=HANDLERS, name=name, env={{"SANDBOX_TOKEN": TOKEN}}
        )
        function.invoke({{"seconds": 0}})
        function.invoke_many([{{"seconds": 0}}] * 2, concurrency=2)
        STARTED.append(function)


    @pytest.fixture
    def broken_fixture():
        start("in-fixture")
        raise RuntimeError("fixture fails after starting an environment")


    def test_leaves_environments_open():
        start("left-open")
        open(os.environ["READY_FILE"], "a").close()
        if os.environ.get("WAIT"):
            time.sleep(60)


    def test_with_failing_fixture(broken_fixture):
        pass


    def test_worker_dies():
        start("dying")
        if os.environ.get("PYTEST_XDIST_WORKER"):
            os._exit(1)
    """
)


def processes_with(token: str) -> list[int]:
    """Pids whose environment carries the token (fork server, workers, their children)."""
    marker = f"SANDBOX_TOKEN={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    with open(f"/proc/{entry}/stat") as stat:
                        if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                            found.append(int(entry))
        except OSError:
            continue
    return found


def leftover_directories(tmp_path: Path, timeout_s: float = 10.0) -> list[str]:
    """What the harness left in the session's /tmp once its processes are gone."""

    def ours() -> list[str]:
        return sorted(
            entry.name
            for entry in (tmp_path / "tmp").iterdir()
            if entry.name.startswith(("pytest-lambda-", "lambda-"))
        )

    deadline = time.monotonic() + timeout_s
    left = ours()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = ours()
    return left


def wait_for_no_processes(token: str, timeout_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    left = processes_with(token)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = processes_with(token)
    return left


def start_inner_pytest(
    tmp_path: Path, *args: str, wait: bool
) -> tuple[subprocess.Popen[bytes], str]:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS.format(handlers=str(SANDBOX_HANDLERS)))
    token = uuid.uuid4().hex
    env = dict(os.environ)
    # A /tmp of its own, to check that no environment's directory is left behind.
    (tmp_path / "tmp").mkdir()
    env.update(
        SANDBOX_TOKEN=token,
        TMPDIR=str(tmp_path / "tmp"),
        READY_FILE=str(tmp_path / "ready"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    if wait:
        env["WAIT"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, "test_inner.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return process, token


def wait_ready(tmp_path: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists():
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "the inner pytest never started its environments"
        time.sleep(0.05)


def test_normal_end_and_failing_fixture_leave_nothing(tmp_path: Path) -> None:
    process, token = start_inner_pytest(tmp_path, "-k", "not worker_dies", wait=False)
    output = process.communicate(timeout=60)[0].decode()
    assert "1 passed" in output and "1 error" in output, output
    assert wait_for_no_processes(token) == []
    assert leftover_directories(tmp_path) == []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_or_killed_session_leaves_nothing(tmp_path: Path, how: signal.Signals) -> None:
    process, token = start_inner_pytest(tmp_path, "-k", "leaves_environments_open", wait=True)
    try:
        wait_ready(tmp_path, process)
        assert len(processes_with(token)) >= 3  # the fork server and the workers
        process.send_signal(how)
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert wait_for_no_processes(token) == []
    assert leftover_directories(tmp_path) == []


def test_xdist_worker_exit_leaves_nothing(tmp_path: Path) -> None:
    process, token = start_inner_pytest(tmp_path, "-n", "2", wait=False)
    output = process.communicate(timeout=90)[0].decode()
    assert "worker_dies" in output, output
    assert wait_for_no_processes(token) == []
    assert leftover_directories(tmp_path) == []


def test_pytest_cov_measures_handler_lines_in_workers(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            def handler(event, context):
                if event.get("a"):
                    return "a"
                return "b"


            def unused(event, context):
                return "never"
            """
        ).lstrip()
    )
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
            from pytest_lambda import LambdaFunction


            def test_handler():
                with LambdaFunction("app.handler", code_dir=".") as function:
                    assert function.invoke({"a": 1}).assert_ok() == "a"
                    assert function.invoke({}).assert_ok() == "b"
            """
        ).lstrip()
    )
    (tmp_path / ".coveragerc").write_text("[run]\npatch = subprocess\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    for name in [n for n in env if n.startswith(("COV_CORE_", "COVERAGE_"))]:
        del env[name]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--cov=.",
            "--cov-report=term-missing",
            "test_app.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    app_line = next(line for line in result.stdout.splitlines() if line.startswith("app.py"))
    # Only `unused`'s body is missed: the handler's lines ran in a worker and were counted.
    assert app_line.split()[1:] == ["6", "1", "83%", "8"], result.stdout
    assert sorted(p.name for p in tmp_path.glob(".coverage*")) == [".coverage", ".coveragerc"]
