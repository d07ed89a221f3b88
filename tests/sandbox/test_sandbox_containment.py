"""Every process a handler starts belongs to its environment, however it detaches (a
double fork, a session of its own): frozen with it between invokes, killed with it at a
timeout, out of memory, a crash and close, and counted in its memory. Each test runs with
every containment mechanism this machine offers (cgroups where the kernel lets the test
process make them, the process tree otherwise)."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

from pytest_lambda import ErrorKind, LambdaFunction, sandbox

from .conftest import SANDBOX_HANDLERS, wait_gone


@pytest.fixture(params=["cgroup", "process-tree"])
def containment(request: pytest.FixtureRequest):
    if request.param == "cgroup" and not sandbox.cgroups_available():
        pytest.skip("this machine lets the test process make no cgroups")
    sandbox.configure(containment=request.param)
    yield request.param
    sandbox.configure(containment=None)


def read_pid(path: Path) -> int:
    deadline = time.monotonic() + 5
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, "the handler never wrote its daemon's pid"
        time.sleep(0.01)
    return int(path.read_text())


def counted(path: Path) -> int:
    return int(path.read_bytes() or b"0")


def test_the_mechanism_is_reported(containment) -> None:
    mechanism = sandbox.containment_mechanism()
    if containment == "cgroup":
        assert mechanism.startswith("cgroup")
    else:
        assert mechanism == "process-tree"


def test_a_double_forked_daemon_dies_at_the_timeout(
    make_function, containment, tmp_path: Path
) -> None:
    function = make_function("escape.daemon", timeout_s=1)
    pid_file = tmp_path / "pid"
    function.invoke({"linger": 10, "pid_file": str(pid_file)}).assert_timed_out()
    assert wait_gone(read_pid(pid_file))


def test_a_double_forked_daemon_dies_at_close(make_function, containment) -> None:
    function = make_function("escape.daemon")
    daemon = function.invoke({}).assert_ok()
    assert not wait_gone(daemon, timeout_s=0.2)
    function.close()
    assert wait_gone(daemon)


def test_a_double_forked_daemon_dies_with_a_crash(
    make_function, containment, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    invocation = make_function("escape.daemon").invoke({"exit": 3, "pid_file": str(pid_file)})
    invocation.assert_error(ErrorKind.EXIT)
    assert wait_gone(read_pid(pid_file))


def test_a_300_mb_daemon_is_out_of_memory(make_function, containment, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    function = make_function("escape.memory_daemon", memory_mb=128, timeout_s=20)
    invocation = function.invoke({"mb": 300, "pid_file": str(pid_file)})
    invocation.assert_error(ErrorKind.OUT_OF_MEMORY)
    assert "Max Memory Used: 128 MB\t" in invocation.report_line
    assert wait_gone(read_pid(pid_file))


@pytest.mark.parametrize("handler", ["escape.new_session_child", "escape.daemon"])
def test_detached_processes_are_frozen_between_invokes(
    make_function, containment, tmp_path: Path, handler: str
) -> None:
    counter = tmp_path / "counter"
    function = make_function(handler)
    function.invoke({"counter": str(counter), "linger": 0.1}).assert_ok()
    frozen_at = counted(counter)
    time.sleep(0.3)
    # Frozen: not a single count more.
    assert counted(counter) == frozen_at
    # Thawed for the next request: it counts while the handler runs.
    function.invoke({"counter": str(tmp_path / "other"), "linger": 0.1}).assert_ok()
    assert counted(counter) > frozen_at


def test_many_detached_processes_die_with_the_environment(make_function, containment) -> None:
    function = make_function("escape.many_daemons", timeout_s=10)
    daemons = function.invoke({"count": 20}).assert_ok()
    function.close()
    assert all(wait_gone(pid) for pid in daemons)


def test_the_pytest_header_says_how_environments_are_contained(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_it="def test_nothing():\n    pass\n")
    expected = "cgroup-v*" if sandbox.cgroups_available() else "process-tree"
    result = pytester.runpytest()
    result.stdout.no_fnmatch_line("*pytest-lambda: process isolation*")
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(
        [f"pytest-lambda: process isolation: containment {expected}, memory pss-monitor"]
    )
    monkeypatch.setenv("PYTEST_LAMBDA_CONTAINMENT", "process-tree")
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(
        ["pytest-lambda: process isolation: containment process-tree, memory pss-monitor"]
    )


# Environments forked from a template (inherited imports) and restored from a SnapStart
# snapshot are contained as those forked from the zygote are.

TEMPLATED_ESCAPE = """\
import jmespath  # noqa: F401  (from site-packages: later cold starts fork from a template)

from escape import daemon  # noqa: F401
"""


@pytest.fixture
def templated(tmp_path: Path) -> Path:
    """A code directory whose function has taught the session its template: its next
    cold starts fork from it."""
    (tmp_path / "templated.py").write_text(TEMPLATED_ESCAPE)
    shutil.copy(SANDBOX_HANDLERS / "escape.py", tmp_path)
    with LambdaFunction("templated.daemon", code_dir=tmp_path) as teacher:
        teacher.invoke({}).assert_ok()
    return tmp_path


def test_a_daemon_of_an_environment_forked_from_a_template_dies_at_close(
    containment, templated: Path
) -> None:
    function = LambdaFunction("templated.daemon", code_dir=templated)
    invocation = function.invoke({})
    assert invocation.inherited_import_ms is not None, "not forked from a template"
    daemon = invocation.assert_ok()
    assert not wait_gone(daemon, timeout_s=0.2)
    function.close()
    assert wait_gone(daemon)


@pytest.mark.filterwarnings("ignore::pytest_lambda.notices.RuntimeVersionWarning")
def test_a_daemon_of_a_restored_environment_is_frozen_and_dies_at_close(
    make_function, containment, tmp_path: Path
) -> None:
    function = make_function(
        "escape.daemon", snapstart=True, runtime="python3.12", name=f"snap-{uuid.uuid4().hex}"
    )
    counter = tmp_path / "counter"
    invocation = function.invoke({"counter": str(counter), "linger": 0.1})
    assert invocation.restore_duration_ms is not None, "not restored from a snapshot"
    daemon = invocation.assert_ok()
    frozen_at = counted(counter)
    time.sleep(0.3)
    assert counted(counter) == frozen_at
    function.close()
    assert wait_gone(daemon)


def test_a_daemon_of_a_live_environment_outlives_a_sibling_forked_from_the_same_template(
    containment, templated: Path
) -> None:
    # Orphans are re-parented to the template; when a sibling's worker ends, the template
    # kills the orphans of gone workers only, not those of live environments.
    with LambdaFunction("templated.daemon", code_dir=templated) as live:
        first = live.invoke({})
        assert first.inherited_import_ms is not None, "not forked from a template"
        daemon = first.assert_ok()
        with LambdaFunction("templated.daemon", code_dir=templated) as sibling:
            assert sibling.invoke({}).inherited_import_ms is not None
        assert not wait_gone(daemon, timeout_s=0.3)
    assert wait_gone(daemon)


def test_a_template_outlives_the_environments_started_around_it(
    containment, templated: Path
) -> None:
    # A fork server's standby child joins the next environment's cgroups as it waits; a
    # template forked from that child is no environment, and must not die with it.
    inherited = []
    for _ in range(3):
        with LambdaFunction("basic.hello", code_dir=SANDBOX_HANDLERS) as neighbour:
            neighbour.invoke({}).assert_ok()
        with LambdaFunction("templated.daemon", code_dir=templated) as function:
            invocation = function.invoke({})
            invocation.assert_ok()
            inherited.append(invocation.inherited_import_ms)
    # One template served them all (a new one would have measured its own imports).
    assert None not in inherited, "not forked from a template"
    assert len(set(inherited)) == 1, inherited
