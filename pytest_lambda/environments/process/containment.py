"""Containment: which processes belong to an execution environment, and how they are frozen
and killed together, however they detach from the worker (a double fork, a session of
their own, a daemon).

Lambda puts an environment in a cgroup (in a microVM of its own). The harness does the
same where the kernel lets the test process make cgroups, and follows the process tree
where it does not:

- **cgroup v2** (a writable cgroup2 hierarchy: `/sys/fs/cgroup`, or `/sys/fs/cgroup/unified`
  beside v1): each environment gets a cgroup below one of the session's. Its members are
  `cgroup.procs`, it is frozen with `cgroup.freeze` (the kernel stops every member and
  every process it starts, none notices) and killed with `cgroup.kill`.
- **cgroup v1** (a writable freezer hierarchy): the same with `freezer.state` (frozen
  first, then each member is killed: a frozen process cannot fork or exit meanwhile).
- Either way, if a memory controller's hierarchy is writable too (v1 `memory`, or v2's own
  where the controller is enabled for the test process's cgroup), the environment also
  gets a memory cgroup there, whose usage is read every tick as the cheap early warning
  of the memory monitor (see memory.py).
- **process tree** (no cgroup the test process may make: an unprivileged user on a v1
  machine, most containers): the worker is a child subreaper (`PR_SET_CHILD_SUBREAPER`),
  so that an orphan of any of its descendants is re-parented to it rather than to the fork
  server; the environment's processes are the worker and everything below it in
  /proc's process tree. They are frozen with SIGSTOP and killed with SIGKILL, each
  through a pidfd opened and checked while the process is still in the tree (a pid
  reused meanwhile is not signalled), the tree walked again until no process is left
  unstopped (a stopped process cannot start another). Orphans that exit stay zombies of
  the worker (which cannot tell them from the function's own children, whose exit
  statuses it must not take) until its runtime ends.

`Plan.choose()` picks the mechanism once per session (see registry.py); the cgroups a
session makes are named after its process (pid and start time): the fork server removes
them when the test process is gone, and a later session sweeps any left behind
(retention.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from ...retention import owned_name, sweep
from . import memory

CGROUP = "cgroup"
PROCESS_TREE = "process-tree"
CHOICES = ("auto", CGROUP, PROCESS_TREE)
# The session's cgroup directories, for the fork server to kill and remove at exit.
CGROUPS_VARIABLE = "PYTEST_LAMBDA_CGROUPS"
_PREFIX = "pytest-lambda-"
# How long a freeze may take to complete before the harness goes on without waiting.
_FREEZE_WAIT_S = 0.5
# Waited for by yielding the processor first (a freeze usually completes in microseconds).
_FREEZE_SPIN_S = 0.002
_KILL_WAIT_S = 5.0
_POLL_S = 0.0005
# Enough rounds for any real tree: each round stops what the previous one found.
_MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Hierarchy:
    """One mounted cgroup hierarchy the test process may make cgroups in."""

    version: int
    # The test process's own cgroup in it, where the session's directory goes.
    parent: str
    # v1: the controller this hierarchy is for (freezer, memory); v2: "".
    controller: str = ""


def _own_cgroups() -> tuple[dict[str, str], str | None]:
    """The test process's cgroups: v1 controller -> path, and the v2 path (or None)."""
    v1: dict[str, str] = {}
    v2: str | None = None
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return v1, v2
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if number == "0" and controllers == "":
            v2 = path
        for controller in controllers.split(","):
            if controller:
                v1[controller] = path
    return v1, v2


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(type, mount point, options) of the cgroup mounts."""
    found: list[tuple[str, str, set[str]]] = []
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) >= 4 and fields[2] in ("cgroup", "cgroup2"):
            found.append((fields[2], fields[1], set(fields[3].split(","))))
    return found


def _writable(directory: str) -> bool:
    return os.path.isdir(directory) and os.access(directory, os.W_OK | os.X_OK)


def find_hierarchies() -> tuple[Hierarchy | None, Hierarchy | None]:
    """The hierarchy for membership, freezing and killing (v2, else v1 freezer) and the
    one for memory (v2 with its memory controller, else v1 memory), where writable."""
    v1_paths, v2_path = _own_cgroups()
    membership: Hierarchy | None = None
    memory_hierarchy: Hierarchy | None = None
    for kind, mount_point, _ in _mounts():
        if kind == "cgroup2" and v2_path is not None:
            parent = os.path.normpath(mount_point + v2_path)
            if _writable(parent) and membership is None:
                membership = Hierarchy(2, parent)
                controllers = _read(os.path.join(parent, "cgroup.subtree_control")).split()
                if "memory" in controllers and memory_hierarchy is None:
                    memory_hierarchy = Hierarchy(2, parent, "memory")
    for kind, mount_point, options in _mounts():
        if kind != "cgroup":
            continue
        for controller in ("freezer", "memory"):
            if controller not in options or controller not in v1_paths:
                continue
            parent = os.path.normpath(mount_point + v1_paths[controller])
            if not _writable(parent):
                continue
            if controller == "freezer" and membership is None:
                membership = Hierarchy(1, parent, "freezer")
            if controller == "memory" and memory_hierarchy is None:
                memory_hierarchy = Hierarchy(1, parent, "memory")
    return membership, memory_hierarchy


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _pids(directory: str) -> list[int]:
    return [int(pid) for pid in _read(os.path.join(directory, "cgroup.procs")).split()]


def remove_cgroup_tree(directory: str | Path) -> None:
    """Kill whatever still runs in a cgroup and its children, and remove them (deepest
    first). For the session's clean-up and for the sweep of a dead session's cgroups."""
    directory = str(directory)
    children = []
    with contextlib.suppress(OSError):
        children = [entry.path for entry in os.scandir(directory) if entry.is_dir()]
    for child in children:
        remove_cgroup_tree(child)
    if os.path.exists(os.path.join(directory, "cgroup.kill")):
        with contextlib.suppress(OSError):
            _write(os.path.join(directory, "cgroup.kill"), "1")
    else:
        _kill_frozen_v1(directory)
    _rmdir_when_empty(directory, _KILL_WAIT_S)


def _kill_frozen_v1(directory: str) -> None:
    state = os.path.join(directory, "freezer.state")
    frozen = os.path.exists(state)
    if frozen:
        with contextlib.suppress(OSError):
            _write(state, "FROZEN")
        _wait_for(lambda: _read(state).strip() != "FREEZING", _FREEZE_WAIT_S)
    for _ in range(_MAX_ROUNDS):
        pids = _pids(directory)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if frozen:
            # A frozen process dies of its pending SIGKILL as it thaws.
            with contextlib.suppress(OSError):
                _write(state, "THAWED")
        if not _wait_for(lambda: not _pids(directory), 0.05) and frozen:
            with contextlib.suppress(OSError):
                _write(state, "FROZEN")
        else:
            break


def _rmdir_when_empty(directory: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.rmdir(directory)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.002)


def _wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)
    return True


def expected_mechanism(choice: str) -> str:
    """What `choice` would come to on this machine, found without making a cgroup."""
    membership, _ = find_hierarchies()
    if choice == PROCESS_TREE or membership is None:
        return PROCESS_TREE
    return f"cgroup-v{membership.version}"


class Plan:
    """How a session contains its environments: the mechanism, and the session's own
    cgroup directories (made once, whatever the mechanism chosen later, so that the fork
    server knows them from its start)."""

    def __init__(self, membership: Hierarchy | None, memory_hierarchy: Hierarchy | None) -> None:
        name = owned_name(_PREFIX)
        made: dict[str, str] = {}
        for hierarchy in (membership, memory_hierarchy):
            if hierarchy is None or hierarchy.parent in made:
                continue
            sweep(hierarchy.parent, _PREFIX, remove_cgroup_tree)
            directory = os.path.join(hierarchy.parent, name)
            try:
                os.mkdir(directory)
            except OSError:
                continue
            made[hierarchy.parent] = directory
        self.membership = membership if membership and membership.parent in made else None
        self.membership_dir = made[membership.parent] if self.membership and membership else ""
        self.memory_dir = ""
        if memory_hierarchy is not None and memory_hierarchy.parent in made:
            self.memory_dir = made[memory_hierarchy.parent]
            if memory_hierarchy.version == 2:
                # The environments below the session's cgroup get the controller too.
                try:
                    _write(os.path.join(self.memory_dir, "cgroup.subtree_control"), "+memory")
                except OSError:
                    self.memory_dir = ""
        self.memory = memory_hierarchy if self.memory_dir else None
        self.session_dirs = tuple(made.values())
        self._count = 0

    @classmethod
    def detect(cls) -> Plan:
        return cls(*find_hierarchies())

    @property
    def cgroups_available(self) -> bool:
        return self.membership is not None

    def mechanism(self, choice: str) -> str:
        """What `choice` (auto, cgroup, process-tree) comes to on this machine."""
        if choice == PROCESS_TREE or self.membership is None:
            return PROCESS_TREE
        return f"cgroup-v{self.membership.version}"

    def describe(self, choice: str) -> str:
        """The mechanism, and the memory cgroup's part where there is one."""
        mechanism = self.mechanism(choice)
        if mechanism != PROCESS_TREE and self.memory is not None:
            mechanism += f" (memory cgroup v{self.memory.version} as the monitor's early warning)"
        return mechanism

    def group(self, choice: str) -> Group:
        """A new environment's group (its cgroups made now), or a process tree's."""
        if self.mechanism(choice) == PROCESS_TREE or self.membership is None:
            return TreeGroup()
        self._count += 1
        name = f"env-{self._count}"
        directory = os.path.join(self.membership_dir, name)
        os.mkdir(directory)
        memory_dir: str | None = None
        if self.memory_dir:
            memory_dir = os.path.join(self.memory_dir, name)
            if memory_dir != directory:
                try:
                    os.mkdir(memory_dir)
                except OSError:
                    memory_dir = None
        return CgroupGroup(self.membership.version, directory, memory_dir)

    def close(self) -> None:
        for directory in self.session_dirs:
            remove_cgroup_tree(directory)
        self.session_dirs = ()


class Group:
    """The processes of one environment (its worker, `root`, and all they start)."""

    mechanism = PROCESS_TREE
    # The directories a worker writes itself into as it starts (cgroups only).
    join_paths: tuple[str, ...] = ()

    def members(self, root: int) -> list[int]:
        raise NotImplementedError

    def freeze(self, root: int) -> None:
        raise NotImplementedError

    def thaw(self, root: int) -> None:
        raise NotImplementedError

    def kill(self, root: int) -> None:
        raise NotImplementedError

    def memory_usage_kb(self) -> int | None:
        """What the kernel charges the group now (cheap), or None without a memory cgroup."""
        return None

    def remove(self) -> None:
        """After kill(): give back what the group holds (its cgroups)."""


class CgroupGroup(Group):
    def __init__(self, version: int, directory: str, memory_dir: str | None) -> None:
        self.mechanism = f"cgroup-v{version}"
        self.version = version
        self.directory = directory
        self.join_paths = tuple(dict.fromkeys(d for d in (directory, memory_dir) if d))
        self._memory_dir = memory_dir
        self._usage_fd: int | None = None
        if memory_dir is not None:
            for name in ("memory.usage_in_bytes", "memory.current"):
                with contextlib.suppress(OSError):
                    self._usage_fd = os.open(os.path.join(memory_dir, name), os.O_RDONLY)
                    break
        if version == 2:
            self._freeze_path = os.path.join(directory, "cgroup.freeze")
            self._events_path = os.path.join(directory, "cgroup.events")
        else:
            self._freeze_path = os.path.join(directory, "freezer.state")
            self._events_path = self._freeze_path
        self._freeze_fd = os.open(self._freeze_path, os.O_WRONLY)
        self._events_fd = os.open(self._events_path, os.O_RDONLY)
        self._procs_fd = os.open(os.path.join(directory, "cgroup.procs"), os.O_RDONLY)

    def members(self, root: int) -> list[int]:
        return [int(pid) for pid in _pread_all(self._procs_fd).split()]

    def freeze(self, root: int) -> None:
        os.pwrite(self._freeze_fd, b"1" if self.version == 2 else b"FROZEN", 0)
        if self._frozen():
            return
        # Freezing completes as each member reaches a point where it can stop: at once for
        # one waiting on a read, a few microseconds later for the worker returning from its
        # last send. (cgroup.events could be polled, but its notices are rate-limited to
        # one per 10 ms.)
        spin_until = time.monotonic() + _FREEZE_SPIN_S
        deadline = time.monotonic() + _FREEZE_WAIT_S
        while not self._frozen():
            now = time.monotonic()
            if now >= deadline:
                return
            if now < spin_until:
                os.sched_yield()
            else:
                time.sleep(_POLL_S)

    def _frozen(self) -> bool:
        state = _pread_all(self._events_fd)
        if self.version == 2:
            return b"frozen 1" in state
        return state.strip() == b"FROZEN"

    def thaw(self, root: int) -> None:
        os.pwrite(self._freeze_fd, b"0" if self.version == 2 else b"THAWED", 0)

    def kill(self, root: int) -> None:
        if self.version == 2:
            with contextlib.suppress(OSError):
                _write(os.path.join(self.directory, "cgroup.kill"), "1")
        else:
            _kill_frozen_v1(self.directory)

    def memory_usage_kb(self) -> int | None:
        if self._usage_fd is None:
            return None
        try:
            return int(_pread_all(self._usage_fd)) // 1024
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        for fd in (self._freeze_fd, self._events_fd, self._procs_fd, self._usage_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._usage_fd = None
        for directory in reversed(self.join_paths):
            if not _rmdir_when_empty(directory, _KILL_WAIT_S):
                remove_cgroup_tree(directory)


def _pread_all(fd: int) -> bytes:
    return os.pread(fd, 1 << 16, 0)


class TreeGroup(Group):
    """An environment's processes as /proc's tree below its worker (a subreaper)."""

    def __init__(self) -> None:
        self._stopped: list[int] = []

    def members(self, root: int) -> list[int]:
        return [root, *memory.descendants(root)]

    def freeze(self, root: int) -> None:
        self._stopped = _signal_tree(root, signal.SIGSTOP)

    def thaw(self, root: int) -> None:
        stopped, self._stopped = self._stopped, []
        for pid in reversed(stopped):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGCONT)

    def kill(self, root: int) -> None:
        # Stopped first, so that none starts another process or leaves the tree meanwhile.
        members = _signal_tree(root, signal.SIGSTOP)
        for pid in members:
            _signal_checked(pid, signal.SIGKILL, None)
        self._stopped = []


def _signal_tree(root: int, signum: int) -> list[int]:
    """Send `signum` to `root` and everything below it, walking the tree again until no
    process is found that was not signalled; returns them, root first."""
    signalled: list[int] = []
    seen: set[int] = set()
    for _ in range(_MAX_ROUNDS):
        # Parents come before their children: each is checked against those seen.
        found = [pid for pid in (root, *memory.descendants(root)) if pid not in seen]
        if not found:
            break
        for pid in found:
            checked = None if pid == root else seen
            seen.add(pid)
            if _signal_checked(pid, signum, checked):
                signalled.append(pid)
    return signalled


def _signal_checked(pid: int, signum: int, parents: Collection[int] | None) -> bool:
    """Signal `pid` through a pidfd, after checking (once the pidfd pins the process) that
    its parent is one of `parents`: a pid reused by another process is left alone."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return False
    except OSError:
        # No pidfds (an older kernel): the pid, as it is.
        with contextlib.suppress(OSError):
            os.kill(pid, signum)
        return True
    try:
        if parents is not None and memory.parent_of(pid) not in parents:
            return False
        signal.pidfd_send_signal(fd, signum)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
