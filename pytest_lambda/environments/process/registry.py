"""What a session owns for process isolation: its settings (preload, containment,
inherited imports), the fork server (and those retired by a change of settings), the
templates forked from it and what each function's Init taught them, the SnapStart
snapshots, the session's cgroups, and every live environment, so that none outlives the
session."""

from __future__ import annotations

import os
import re
import threading
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from ...config import FunctionConfig
from ...errors import HarnessError
from ...session import Resource, Session, Stage, current
from ..shared import session_directory
from .containment import CHOICES, PROCESS_TREE, Group, Plan, expected_mechanism
from .messages import Learned, ServiceModel, TemplateSpec
from .server import ForkServer

PRELOAD_VARIABLE = "PYTEST_LAMBDA_PRELOAD"
CONTAINMENT_VARIABLE = "PYTEST_LAMBDA_CONTAINMENT"
INHERIT_VARIABLE = "PYTEST_LAMBDA_INHERIT_IMPORTS"
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# Templates of one set of modules, for functions whose variables differ in one their
# imports read: beyond this, such functions import for themselves.
_TEMPLATES_PER_SET = 3
_FALSE_WORDS = ("0", "false", "no", "off")


class _Keep:
    """A setting left as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


class _Closable(Protocol):
    def close(self) -> None: ...


# Which function taught a template: its code, handler, layers and runtime.
FunctionKey = tuple[str, str, tuple[str, ...], str]


def function_key(config: FunctionConfig) -> FunctionKey:
    return (str(config.code_path), config.handler, tuple(map(str, config.layers)), config.runtime)


@dataclass
class Template:
    """A template forked from the zygote: the modules it imported (in order), the botocore
    models it loaded, the variables its imports read, what importing and warming cost."""

    base: ForkServer
    server: ForkServer
    modules: tuple[str, ...]
    models: frozenset[ServiceModel]
    reads: Mapping[str, str | None]
    inherited_ms: float

    def fits(self, variables: Mapping[str, str]) -> bool:
        """Whether a function with these variables finds the imports as they were made."""
        return all(variables.get(name) == value for name, value in self.reads.items())


def _parse_preload(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = names.replace(",", " ").split()
    parsed = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    for name in parsed:
        if not _MODULE_NAME.fullmatch(name):
            raise HarnessError(
                f"preload names modules to import once in the fork server, like 'boto3' or "
                f"'botocore.session'; {name!r} is not a module name"
            )
    return parsed


def _parse_containment(choice: object, source: str) -> str:
    if choice not in CHOICES:
        raise HarnessError(
            f"{source}={choice!r} is not a containment mechanism; choose one of "
            f"{', '.join(CHOICES)} (auto: cgroups where this machine lets the test process "
            "make them, else the process tree)"
        )
    return str(choice)


@dataclass(eq=False)
class _SnapshotEntry:
    key: object
    snapshot: _Closable | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


T = TypeVar("T")


class Sandbox:
    """The fork server(s), the containment plan and live environments of one session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lock = threading.RLock()
        self._server: ForkServer | None = None
        self._retired: list[ForkServer] = []
        self._configured_preload: tuple[str, ...] | None = None
        self._configured_containment: str | None = None
        self._plan: Plan | None = None
        self._configured_inherit: bool | None = None
        self._environments: weakref.WeakSet[_Closable] = weakref.WeakSet()
        self._learned: dict[FunctionKey, Learned] = {}
        self._templates: list[Template] = []
        self._untemplatable: set[frozenset[str]] = set()
        self._snapshots: list[_SnapshotEntry] = []

    def configure(
        self,
        preload: Iterable[str] | str | None | _Keep = KEEP,
        containment: str | None | _Keep = KEEP,
        inherit_imports: bool | None | _Keep = KEEP,
    ) -> None:
        """Change the settings given (None: back to the variable's); KEEP leaves one."""
        with self._lock:
            if not isinstance(preload, _Keep):
                self._configured_preload = None if preload is None else _parse_preload(preload)
            if not isinstance(containment, _Keep):
                self._configured_containment = (
                    None if containment is None else _parse_containment(containment, "containment")
                )
            if not isinstance(inherit_imports, _Keep):
                self._configured_inherit = inherit_imports

    def inherits_imports(self) -> bool:
        """Whether cold starts are forked from templates (on unless turned off)."""
        if self._configured_inherit is not None:
            return self._configured_inherit
        return os.environ.get(INHERIT_VARIABLE, "").strip().lower() not in _FALSE_WORDS

    def preload_modules(self) -> tuple[str, ...]:
        if self._configured_preload is not None:
            return self._configured_preload
        return _parse_preload(os.environ.get(PRELOAD_VARIABLE, ""))

    def containment_choice(self) -> str:
        if self._configured_containment is not None:
            return self._configured_containment
        return _parse_containment(
            os.environ.get(CONTAINMENT_VARIABLE, "auto") or "auto", CONTAINMENT_VARIABLE
        )

    def plan(self) -> Plan:
        """How environments are contained (cgroups looked for once per session)."""
        with self._lock:
            if self._plan is None:
                self._plan = Plan.detect()
            return self._plan

    def group_for(self, server: ForkServer) -> Group:
        """The group of processes of an environment `server` starts now, by the
        containment chosen now: the cgroups its standby child joined ahead if there are
        some (see prepare_next_group), else new ones, or a process tree."""
        with self._lock:
            choice = self.containment_choice()
            plan = self.plan()
            if plan.mechanism(choice) != PROCESS_TREE and server.spare_group is not None:
                spare, server.spare_group = server.spare_group, None
                return spare
            return plan.group(choice)

    def prepare_next_group(self, server: ForkServer) -> None:
        """Make the cgroups of the next environment `server` starts now, so that its next
        standby child joins them as it waits (nothing to do for a process tree)."""
        with self._lock:
            choice = self.containment_choice()
            plan = self.plan()
            if server.spare_group is not None or plan.mechanism(choice) == PROCESS_TREE:
                return
            try:
                group = plan.group(choice)
            except OSError:
                return
            try:
                server.prepare_next(group)
            except OSError:
                group.remove()

    def describe_containment(self) -> str:
        return self.plan().describe(self.containment_choice())

    def expected_containment(self) -> str:
        """The mechanism environments will get, without making cgroups to find out."""
        with self._lock:
            if self._plan is not None:
                return self._plan.mechanism(self.containment_choice())
        return expected_mechanism(self.containment_choice())

    def fork_server(self, worker_hooks: tuple[str, ...]) -> ForkServer:
        """The running fork server (started on first use, or again when settings change).

        The modules of the worker hooks are imported by the fork server too, so that a
        worker's hooks cost nothing at its cold start.
        """
        with self._lock:
            preload = self.preload_modules()
            hook_modules = tuple(dict.fromkeys(hook.partition(":")[0] for hook in worker_hooks))
            server = self._server
            if server is not None and server.owner_pid != os.getpid():
                # Inherited through fork(): that server belongs to the parent process.
                server = self._server = None
            if server is not None and (
                not server.alive or (server.preload, server.hook_modules) != (preload, hook_modules)
            ):
                self._retired.append(server)
                server = self._server = None
            if server is None:
                server = self._server = ForkServer(
                    preload,
                    hook_modules,
                    session_dir=session_directory(self._session),
                    cgroups=self.plan().session_dirs,
                )
                if server.preload_errors:
                    warnings.warn(
                        "pytest-lambda could not preload: " + "; ".join(server.preload_errors),
                        RuntimeWarning,
                        stacklevel=2,
                    )
            return server

    # -- inherited imports ----------------------------------------------------------

    def server_for(
        self, config: FunctionConfig, variables: Mapping[str, str], worker_hooks: tuple[str, ...]
    ) -> tuple[ForkServer, Template | None]:
        """Where a cold start of `config` is forked from: the template for what its Init
        imported before (when it fits its variables), else the zygote."""
        base = self.fork_server(worker_hooks)
        if not self.inherits_imports():
            return base, None
        learned = self._learned.get(function_key(config))
        if learned is None or not learned.modules:
            return base, None
        with self._lock:
            return base, self._template_for(base, learned, variables)

    def _template_for(
        self, base: ForkServer, learned: Learned, variables: Mapping[str, str]
    ) -> Template | None:
        modules = frozenset(learned.modules)
        if modules in self._untemplatable:
            return None
        same = [
            t
            for t in self._templates
            if t.base is base and t.server.alive and frozenset(t.modules) == modules
        ]
        fitting = [t for t in same if t.fits(variables)]
        for template in fitting:
            if template.models.issuperset(learned.models):
                return template
        if len(same) >= _TEMPLATES_PER_SET and not fitting:
            return None
        models = frozenset(learned.models).union(*(t.models for t in fitting))
        spec = TemplateSpec(learned.modules, tuple(sorted(models)), dict(variables))
        try:
            server, ready = base.fork_template(spec)
        except (HarnessError, OSError):
            self._untemplatable.add(modules)
            return None
        template = Template(
            base, server, learned.modules, models, ready.reads, ready.import_ms + ready.warm_ms
        )
        # The template it replaces (one that warmed less) forks no more environments; it
        # stays while those it forked live, and stops with the session.
        for replaced in fitting:
            self._templates.remove(replaced)
            self._retired.append(replaced.server)
        self._templates.append(template)
        return template

    def learn(self, config: FunctionConfig, learned: Learned, template: Template | None) -> None:
        """What a worker's Init imported beyond its template (and the models it loaded)."""
        modules = (*(template.modules if template else ()), *learned.modules)
        merged = Learned(tuple(dict.fromkeys(modules)), tuple(dict.fromkeys(learned.models)))
        with self._lock:
            self._learned[function_key(config)] = merged

    # -- SnapStart snapshots -----------------------------------------------------------

    def snapshot(
        self, key: object, take: Callable[[], tuple[_Closable | None, T]]
    ) -> tuple[_Closable | None, T | None]:
        """The snapshot for `key` (a configuration and its variables), taken with `take()`
        by the first cold start that needs it (the others wait for it): the snapshot (None
        if taking it failed) and what `take()` returned, None when it was taken before. A
        failed snapshot is not kept: the next cold start tries again."""
        with self._lock:
            entry = next((e for e in self._snapshots if e.key == key), None)
            if entry is None:
                entry = _SnapshotEntry(key)
                self._snapshots.append(entry)
        with entry.lock:
            if entry.snapshot is not None:
                return entry.snapshot, None
            snapshot, taken = take()
            entry.snapshot = snapshot
            return snapshot, taken

    def track(self, environment: _Closable) -> None:
        with self._lock:
            self._environments.add(environment)

    def untrack(self, environment: _Closable) -> None:
        with self._lock:
            self._environments.discard(environment)

    def live_environments(self) -> int:
        with self._lock:
            return len(self._environments)

    def shutdown(self) -> None:
        """Close every environment and stop the fork server(s); safe to call again.

        If the test process dies without it (SIGKILL), the fork server sees its control
        socket close and kills the environments itself.
        """
        with self._lock:
            environments = list(self._environments)
            snapshots = [e.snapshot for e in self._snapshots if e.snapshot is not None]
            servers = [
                *(t.server for t in self._templates),
                *self._retired,
                *([self._server] if self._server is not None else []),
            ]
            self._snapshots.clear()
            self._templates.clear()
            self._retired.clear()
            self._learned.clear()
            self._untemplatable.clear()
            self._server = None
            plan, self._plan = self._plan, None
        for environment in environments:
            environment.close()
        for snapshot in snapshots:
            snapshot.close()
        for server in servers:
            server.stop()
        if plan is not None:
            plan.close()


SANDBOX = Resource("fork server and its environments", Stage.ENVIRONMENTS, Sandbox.shutdown)


def sandbox(session: Session | None = None) -> Sandbox:
    """The process isolation state of `session` (the current one by default)."""
    session = session or current()
    return session.get(SANDBOX, lambda: Sandbox(session.root))


def configure(
    *,
    preload: Iterable[str] | str | None | _Keep = KEEP,
    containment: str | None | _Keep = KEEP,
    inherit_imports: bool | None | _Keep = KEEP,
    session: Session | None = None,
) -> None:
    """Settings of process isolation for the session (the current one by default); a
    setting not given stays as it is.

    `preload`: modules the fork server imports once, before forking environments, so that
    handlers find them already imported (faster cold starts; their import cost then no
    longer shows in Init Duration, unlike in Lambda). None reads the PYTEST_LAMBDA_PRELOAD
    variable (names separated by spaces or commas). Environments started before the change
    keep running on the previous fork server.

    `containment`: how an environment's processes are kept together (see
    docs/process-isolation.md): "auto" (cgroups where this machine lets the test process
    make them, else the process tree), "cgroup" (the same: it falls back where there are
    none) or "process-tree". None reads the PYTEST_LAMBDA_CONTAINMENT variable (default
    auto). Environments started afterwards use it.

    `inherit_imports`: whether a function's cold starts are forked from a template that
    keeps what its earlier Init imported from site-packages imported and warm (see
    docs/process-isolation.md, "Inherited imports"). None reads the
    PYTEST_LAMBDA_INHERIT_IMPORTS variable (on unless it says 0, false, no or off).
    """
    if not isinstance(inherit_imports, bool | None | _Keep):
        raise HarnessError(
            f"inherit_imports must be True or False (None: the {INHERIT_VARIABLE} variable), "
            f"got {inherit_imports!r}"
        )
    sandbox(session).configure(preload, containment, inherit_imports)


def containment_mechanism() -> str:
    """How the current session contains the environments it starts now: "cgroup-v2",
    "cgroup-v1" or "process-tree" (with the memory cgroup's part, where there is one)."""
    return sandbox().describe_containment()


def cgroups_available() -> bool:
    """Whether this machine lets the test process make the cgroups environments need."""
    return sandbox().plan().cgroups_available


def live_environments() -> int:
    """How many process environments of the current session are alive."""
    return sandbox().live_environments()


def shutdown_all() -> None:
    """Close every environment of the current session and stop its fork server(s).

    The session does it when it ends (the plugin's at the end of the test run, the
    default one at interpreter exit); functions start afresh if invoked again.
    """
    sandbox().shutdown()
