"""Under load, nothing is left behind: 1,000 invokes at concurrency 64, 50 timeouts, 50 times
out of memory and 50 crashes, a session of 300 tests each with its own function under
xdist. What is counted: the processes below the test process, its descriptors and sockets,
its threads, the environments' /tmp directories and cgroups."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, LambdaFunction, sandbox
from pytest_lambda.environments.process import memory
from pytest_lambda.environments.process.registry import sandbox as session_sandbox
from pytest_lambda.environments.shared import session_directory
from pytest_lambda.retention import owner_alive
from pytest_lambda.session import current

from .conftest import SANDBOX_HANDLERS
from .test_sandbox_cleanup import leftover_directories, wait_for_no_processes

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Footprint:
    """What the test process holds, counted."""

    # Counted, not named: a fork server keeps one child forked ahead (its standby), a
    # new one each time the last starts an environment.
    processes: int
    descriptors: int
    sockets: int
    threads: int
    environment_dirs: tuple[str, ...]
    # Counted too: each fork server keeps the cgroups of its next environment, which its
    # standby joins ahead.
    environment_cgroups: int

    @classmethod
    def now(cls) -> Footprint:
        fork_servers = set(memory.children(os.getpid()))
        below = [
            pid
            for pid in memory.descendants(os.getpid())
            if pid not in fork_servers and _alive(pid)
        ]
        links = [_link(fd) for fd in os.listdir("/proc/self/fd")]
        root = Path(session_directory(current()))
        dirs = tuple(sorted(str(p) for p in root.glob("*/lambda-*")))
        plan = session_sandbox().plan()
        cgroups = tuple(
            sorted(str(p) for d in plan.session_dirs for p in Path(d).glob("env-*"))
        )
        return cls(
            len(below),
            len(links),
            sum(link.startswith("socket:") for link in links),
            threading.active_count(),
            dirs,
            len(cgroups),
        )


def steady(timeout_s: float = 5.0) -> Footprint:
    """The footprint once it stays the same for 100 ms: a fork server forks its next
    standby a few milliseconds after the last one starts an environment."""
    deadline = time.monotonic() + timeout_s
    last = Footprint.now()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = Footprint.now()
        if now == last:
            return now
        last = now
    return last


def settled_at(expected: Footprint, timeout_s: float = 5.0) -> Footprint:
    """The footprint once it is `expected`, or as it is after `timeout_s`: a fork server
    forks its next standby a moment after the last one starts an environment, and killed
    processes take a moment to be reaped."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = Footprint.now()
        if now == expected or time.monotonic() > deadline:
            return now
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _link(fd: str) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


@pytest.fixture
def footprint() -> Footprint:
    """The test process's footprint with the fork server running and no environment."""
    with LambdaFunction("basic.hello", code_dir=SANDBOX_HANDLERS) as warmup:
        warmup.invoke({})
    return steady()


def test_a_thousand_invokes_at_concurrency_64_leave_nothing(footprint: Footprint) -> None:
    with LambdaFunction("basic.count", code_dir=SANDBOX_HANDLERS) as function:
        invocations = function.invoke_many([{}] * 1000, concurrency=64)
        assert [i.status for i in invocations] == ["success"] * 1000
        assert sum(i.cold_start for i in invocations) == 64
        assert sorted(i.result for i in invocations)[-1] <= 1000 // 64 + 1
    assert settled_at(footprint) == footprint


@pytest.fixture(params=["cgroup", "process-tree"])
def containment(request: pytest.FixtureRequest):
    if request.param == "cgroup" and not sandbox.cgroups_available():
        pytest.skip("this machine lets the test process make no cgroups")
    sandbox.configure(containment=request.param)
    yield request.param
    sandbox.configure(containment=None)


def test_fifty_rounds_of_timeouts_oom_and_crashes_leave_nothing(
    containment: str, footprint: Footprint
) -> None:
    make = lambda handler, **settings: LambdaFunction(  # noqa: E731
        handler, code_dir=SANDBOX_HANDLERS, **settings
    )
    with (
        make("escape.daemon", timeout_s=1) as timeouts,
        make("memory_hog.grow_forever", memory_mb=128, timeout_s=30) as hogs,
        make("misbehave.hard_exit") as crashes,
        make("escape.daemon") as daemon_crashes,
    ):
        for invocation in timeouts.invoke_many([{"linger": 30}] * 50, concurrency=25):
            invocation.assert_timed_out()
        for invocation in hogs.invoke_many([{}] * 50, concurrency=5):
            invocation.assert_error(ErrorKind.OUT_OF_MEMORY)
        for invocation in crashes.invoke_many([{}] * 50, concurrency=25):
            invocation.assert_error(ErrorKind.EXIT)
        for invocation in daemon_crashes.invoke_many([{"exit": 9}] * 50, concurrency=25):
            invocation.assert_error(ErrorKind.EXIT)
    after = settled_at(footprint)
    # Zombies the fork server has not reaped yet are not counted (_alive).
    assert after == footprint


SESSION = textwrap.dedent(
    """
    import pytest
    from pytest_lambda import LambdaFunction

    HANDLERS = {handlers!r}


    @pytest.mark.parametrize("n", range(300))
    def test_own_function(n):
        with LambdaFunction("escape.daemon", code_dir=HANDLERS, name=f"f{{n}}") as function:
            assert function.invoke({{}}).ok
    """
)


def test_a_session_of_300_tests_each_with_its_function_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_many.py").write_text(SESSION.format(handlers=str(SANDBOX_HANDLERS)))
    (tmp_path / "tmp").mkdir()
    token = uuid.uuid4().hex
    env = dict(os.environ)
    env.update(
        SANDBOX_TOKEN=token,
        TMPDIR=str(tmp_path / "tmp"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "test_many.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "300 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
    # Each test's daemon, its worker, both fork servers: all gone.
    assert wait_for_no_processes(token) == []
    assert leftover_directories(tmp_path) == []
    assert cgroups_of_dead_sessions() == []


def cgroups_of_dead_sessions() -> list[str]:
    """The session cgroups whose test process is gone (none is ever left)."""
    parents = {os.path.dirname(d) for d in session_sandbox().plan().session_dirs}
    return [
        entry.path
        for parent in parents
        for entry in os.scandir(parent)
        if entry.name.startswith("pytest-lambda-")
        and not owner_alive(entry.name, "pytest-lambda-")
    ]
