"""A test process that dies before its clean-up runs (a handler's os._exit in an inline
environment, SIGKILL) leaves its session's directory behind; the next session removes it,
as pytest's tmp_path retention removes the directories of runs that are gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pytest_lambda import LambdaFunction

    code_dir, how = sys.argv[1], sys.argv[2]
    function = LambdaFunction("leaves.handler", code_dir=code_dir, isolation="inline")
    if how == "exit":
        function.invoke({"exit": True})
    function.invoke({})
    if how == "wait":
        open(os.path.join(code_dir, "ready"), "w").close()
        time.sleep(60)
    function.close()
    """
)
HANDLER = textwrap.dedent(
    """
    import os, tempfile

    def handler(event, context):
        with open(os.path.join(tempfile.gettempdir(), "kept"), "w") as f:
            f.write("x")
        if event.get("exit"):
            os._exit(0)
        return "ok"
    """
)


def run(tmp_path: Path, how: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["TMPDIR"] = str(tmp_path / "tmp")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "code"), how],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def sessions(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "tmp").glob("pytest-lambda-of-*/session-*"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir()
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "leaves.py").write_text(HANDLER)
    return tmp_path


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_the_next_session_removes_a_dead_sessions_directory(project: Path, how: str) -> None:
    if how == "exit":
        first = run(project, "exit")
        first.communicate(timeout=60)
    else:
        first = run(project, "wait")
        deadline = time.monotonic() + 30
        while not (project / "code" / "ready").exists():
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    (left,) = sessions(project)
    assert [p.name for p in left.glob("lambda-leaves-handler-tmp-*/kept")] == ["kept"]
    second = run(project, "close")
    output = second.communicate(timeout=60)[0]
    assert second.returncode == 0, output
    assert sessions(project) == []
    # The directory of every session is removed once none is left in it.
    assert list((project / "tmp").iterdir()) == []


def test_a_live_sessions_directory_is_left_alone(project: Path) -> None:
    first = run(project, "wait")
    try:
        deadline = time.monotonic() + 30
        while not (project / "code" / "ready").exists():
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        (alive,) = sessions(project)
        second = run(project, "close")
        assert second.communicate(timeout=60)[1] is None and second.returncode == 0
        assert sessions(project) == [alive]
    finally:
        first.kill()
        first.communicate()
