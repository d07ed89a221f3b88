"""The Session: the one owner of the run's process-wide state."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_lambda import HarnessError, LambdaFunction
from pytest_lambda.aws import WORKER_HOOK
from pytest_lambda.config import FunctionConfig
from pytest_lambda.session import Resource, Session, Stage, current, open_session

HANDLERS = Path(__file__).resolve().parent / "handlers"


class Thing:
    """A resource that notes when it is closed."""

    def __init__(self, name: str, closed: list[str]) -> None:
        self.name = name
        self._closed = closed

    def close(self) -> None:
        self._closed.append(self.name)


def resource(name: str, stage: Stage) -> Resource[Thing]:
    return Resource(name, stage, Thing.close)


def test_resources_start_on_first_use_and_close_stage_by_stage() -> None:
    session = Session()
    closed: list[str] = []
    started: list[str] = []

    def start(name: str) -> Thing:
        started.append(name)
        return Thing(name, closed)

    guard = resource("guard", Stage.GUARD)
    server = resource("server", Stage.SERVERS)
    forwarder = resource("forwarder", Stage.SERVERS)
    environments = resource("environments", Stage.ENVIRONMENTS)
    assert session.find(guard) is None
    first = session.get(guard, lambda: start("guard"))
    assert session.get(guard, lambda: start("guard again")) is first
    assert session.find(guard) is first
    for kind in (server, forwarder, environments):
        session.get(kind, lambda kind=kind: start(kind.name))
    assert started == ["guard", "server", "forwarder", "environments"]

    session.close_resources()
    # Stage by stage; within a stage, the resource started last goes first.
    assert closed == ["environments", "forwarder", "server", "guard"]
    assert session.find(guard) is None
    # Used again, a resource starts afresh and is closed at the next close.
    session.get(guard, lambda: start("guard"))
    session.close()
    assert closed[-1] == "guard"


def test_closing_some_stages_leaves_the_others() -> None:
    session = Session()
    closed: list[str] = []
    for name, stage in (("environments", Stage.ENVIRONMENTS), ("guard", Stage.GUARD)):
        session.get(resource(name, stage), lambda name=name: Thing(name, closed))
    session.close_resources([Stage.GUARD])
    assert closed == ["guard"]
    session.close_resources()
    assert closed == ["guard", "environments"]


def test_a_resource_that_fails_to_close_does_not_keep_the_others_open() -> None:
    session = Session()
    closed: list[str] = []

    def fail(thing: Thing) -> None:
        raise RuntimeError(f"{thing.name} would not close")

    session.get(Resource("broken", Stage.ENVIRONMENTS, fail), lambda: Thing("broken", closed))
    session.get(resource("guard", Stage.GUARD), lambda: Thing("guard", closed))
    with pytest.raises(RuntimeError, match="broken would not close"):
        session.close_resources()
    assert closed == ["guard"]


def test_a_nested_session_shares_its_roots_resources_and_closes_none() -> None:
    root = Session()
    nested = Session(root)
    closed: list[str] = []
    kind = resource("fork server", Stage.ENVIRONMENTS)
    thing = nested.get(kind, lambda: Thing("fork server", closed))
    assert root.find(kind) is thing
    nested.close_resources()
    nested.close()
    assert closed == []
    assert root.find(kind) is thing
    root.close()
    assert closed == ["fork server"]


def test_overlays_of_the_enclosing_sessions_apply_and_the_innermost_wins(
    handlers_dir: Path,
) -> None:
    root = Session()
    nested = Session(root)
    config = FunctionConfig("app.echo", code_dir=str(handlers_dir))
    root.add_overlay(lambda config: {"A": "root", "B": "root"})
    nested.add_overlay(lambda config: {"B": f"nested for {config.function_name}"})
    assert root.overlay_variables(config) == {"A": "root", "B": "root"}
    assert nested.overlay_variables(config) == {"A": "root", "B": "nested for app-echo"}


def test_listeners_hear_the_invocations_made_while_their_session_is_current(
    handlers_dir: Path,
) -> None:
    outer = current()
    heard: dict[str, list[str]] = {"outer": [], "inner": []}

    def hear(name: str) -> object:
        return lambda invocation: heard[name].append(invocation.function_name)

    outer_listener, inner_listener = hear("outer"), hear("inner")
    outer.add_listener(outer_listener)
    function = LambdaFunction("app.echo", code_dir=handlers_dir, isolation="inline")
    try:
        inner = open_session()
        assert current() is inner and inner.root is outer.root
        inner.add_listener(inner_listener)
        function.invoke({})
        inner.close()
        assert current() is outer
        function.invoke({})
    finally:
        outer.remove_listener(outer_listener)
        function.close()
    assert heard == {"outer": ["app-echo"], "inner": ["app-echo"]}


def test_closing_a_session_closes_those_opened_inside_it_first() -> None:
    outer = open_session()
    inner = open_session()
    outer.close()
    assert current() is not inner and current() is not outer


def test_worker_hooks_are_module_function_names() -> None:
    session = Session()
    with pytest.raises(HarnessError, match=r"'package.module:function', got 'not a hook'"):
        session.add_worker_hook("not a hook")
    session.add_worker_hook("json:dumps")
    session.add_worker_hook("json:dumps")
    nested = Session(session)
    nested.add_worker_hook("os:getpid")
    assert nested.worker_hooks == ("json:dumps", "os:getpid")


def test_every_session_opened_gets_the_aws_layers_worker_hook() -> None:
    # Registered by the package: workers install the guard before Init, whatever uses them.
    assert WORKER_HOOK in current().worker_hooks
    inner = open_session()
    try:
        assert WORKER_HOOK in inner.worker_hooks
    finally:
        inner.close()


def test_outside_pytest_the_default_session_is_closed_at_exit() -> None:
    script = textwrap.dedent(
        f"""
        from pytest_lambda import LambdaFunction
        from pytest_lambda.environments.process.registry import sandbox
        from pytest_lambda.session import Resource, Stage, current

        current().get(Resource("note", Stage.GUARD, lambda _: print("closed")), object)
        # Left open on purpose: nothing the harness started may outlive the interpreter.
        function = LambdaFunction("app.describe_context", code_dir={str(HANDLERS)!r})
        function.invoke({{}}).assert_ok()
        print(sandbox().live_environments(), flush=True)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["1", "closed"], out.stdout + out.stderr


def test_the_guard_is_held_by_count_and_callbacks_hear_it_taken_again() -> None:
    session = Session()
    taken: list[str] = []
    session.on_guard_held(lambda: taken.append("held"))
    assert not session.guard_held
    session.hold_guard()
    session.hold_guard()
    session.release_guard()
    assert session.guard_held and taken == ["held"]
    session.release_guard()
    assert not session.guard_held
    session.hold_guard()
    assert taken == ["held", "held"]
    session.release_guard()
    with pytest.raises(HarnessError, match="without a matching hold_guard"):
        session.release_guard()


def test_a_nested_session_shares_its_roots_guard() -> None:
    root = Session()
    nested = Session(root)
    nested.hold_guard()
    assert root.guard_held and nested.guard_held
    nested.release_guard()
    assert not root.guard_held


def test_asking_for_the_active_session_opens_none() -> None:
    script = textwrap.dedent(
        """
        from pytest_lambda import session
        assert session.active() is None
        opened = session.current()
        assert session.active() is opened
        print("ok")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "ok", out.stderr
