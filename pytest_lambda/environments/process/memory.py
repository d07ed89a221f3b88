"""Memory of an execution environment, counted once per page, as Lambda's cgroup counts it.

Lambda charges an environment's cgroup for each page its processes use, once, however
many of them map it: a child forked from the runtime costs what it writes, not a copy of
the runtime. What a cgroup would charge here is not what the kernel's cgroups charge the
worker: the worker is forked from the fork server, and the pages it inherited are charged
to the cgroup of whoever touched them first (the test process's). So the environment's
memory is measured from /proc, per process, in the terms Lambda's model gives:

- the **worker** (the runtime) counts its whole resident set, as a runtime started in its
  cgroup would (`statm`, cheap enough to read every millisecond; its peak is the kernel's
  own high-water mark, `VmHWM`);
- every **other process** of the environment (found by containment.py, however it
  detached) counts its proportional share of each page it maps (PSS, from
  `smaps_rollup`): a page shared by the environment's processes is counted once among
  them. The worker's own share moves to its children as they map its pages; what the
  worker shared with processes outside the environment when it had no children (the fork
  server's pages, its `RSS - PSS` then) is added back, so that those pages stay counted
  once too.

With no other process, the figure is the worker's RSS, exactly as before; with children,
`smaps_rollup` costs tens to hundreds of microseconds a process, so those full readings
are spaced by a tick that adapts to their cost (the monitor uses at most about a fifth of
a core), and, where the environment has a memory cgroup, its usage (one read) is the
early warning in between: a full reading is taken at once when the cgroup's charge grew
by more than the room left under the ceiling.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# The shortest gap between two readings of the environment's memory.
TICK_S = 0.001
# A full reading (every process's smaps_rollup) waits at least this many times what the
# last one cost, so that the monitor uses at most about a fifth of a core.
_COST_FACTOR = 4
# The worker's sharing with processes outside the environment is read again when older.
_SHARED_REFRESH_S = 1.0


def _read(path: str) -> str | None:
    try:
        with open(path, "rb", buffering=0) as f:
            return f.read().decode("ascii", "replace")
    except OSError:
        # The process exited between listing and reading: it holds no memory any more.
        return None


def children(pid: int) -> list[int]:
    """Direct children of `pid`, whichever of its threads started them."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for tid in tasks:
        text = _read(f"/proc/{pid}/task/{tid}/children")
        if text:
            found.extend(int(child) for child in text.split())
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, each after its parent."""
    found: list[int] = []
    pending = children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children(child))
    return found


def parent_of(pid: int) -> int:
    """The parent of `pid` (0 once it is gone)."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return 0
    return int(text.rsplit(")", 1)[1].split()[1])


def resident_kb(pid: int) -> int:
    """Current resident set size of one process, in KiB (0 once it is gone)."""
    text = _read(f"/proc/{pid}/statm")
    if not text:
        return 0
    return int(text.split()[1]) * PAGE_KB


def peak_kb(pid: int) -> int:
    """The kernel's resident high-water mark of one process (VmHWM), in KiB."""
    text = _read(f"/proc/{pid}/status")
    if not text:
        return 0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def rollup_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process, in KiB, from smaps_rollup ((0, 0) once it is gone)."""
    text = _read(f"/proc/{pid}/smaps_rollup")
    rss = pss = 0
    if text:
        for line in text.splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


class EnvironmentMemory:
    """The memory of one environment: its worker `root` and the other processes that
    `members` lists (root included); `usage_kb` is the environment's memory cgroup's
    charge, if it has one. Remembers the peak for Max Memory Used."""

    def __init__(
        self,
        root: int,
        members: Callable[[], list[int]],
        usage_kb: Callable[[], int | None] | None = None,
    ) -> None:
        self.root = root
        self._members = members
        self._usage_kb = usage_kb
        self.peak_kb = 0
        # What the children add to the worker's RSS, at the last full reading; the most
        # they added at any full reading (for the peak).
        self._added_kb = 0
        self._most_added_kb = 0
        self._next_full = 0.0
        self._usage_at_full: int | None = None
        # The worker's RSS - PSS with no child: the pages it shares outside.
        self._shared_outside_kb = 0
        self._shared_read_at = -_SHARED_REFRESH_S
        self.note_shared_outside()

    def note_shared_outside(self) -> None:
        """Read what the worker shares with processes outside the environment (call when
        it has no child; cheap to call often: read at most once a second)."""
        now = time.monotonic()
        if now - self._shared_read_at < _SHARED_REFRESH_S:
            return
        if self._others():
            return
        rss, pss = rollup_kb(self.root)
        if rss:
            self._shared_outside_kb = rss - pss
            self._shared_read_at = now

    def _others(self) -> list[int]:
        return [pid for pid in self._members() if pid != self.root]

    def current_kb(self, limit_kb: int | None = None) -> int:
        """The environment's memory now: the worker's RSS, plus what its other processes
        add (read in full when due, or at once when the memory cgroup's charge says the
        ceiling `limit_kb` may have been passed)."""
        resident = resident_kb(self.root)
        others = self._others()
        if not others:
            self._added_kb = 0
            return resident
        now = time.monotonic()
        if now >= self._next_full or self._warned(resident, limit_kb):
            started = time.perf_counter()
            self._added_kb = self._full_reading(resident, others)
            cost = time.perf_counter() - started
            self._next_full = time.monotonic() + max(TICK_S, _COST_FACTOR * cost)
            self._most_added_kb = max(self._most_added_kb, self._added_kb)
        return resident + self._added_kb

    def _warned(self, resident_kb: int, limit_kb: int | None) -> bool:
        if self._usage_kb is None or limit_kb is None:
            return False
        usage = self._usage_kb()
        if usage is None or self._usage_at_full is None:
            return False
        return usage - self._usage_at_full > limit_kb - (resident_kb + self._added_kb)

    def _full_reading(self, resident_kb: int, others: list[int]) -> int:
        if self._usage_kb is not None:
            self._usage_at_full = self._usage_kb()
        _, root_pss = rollup_kb(self.root)
        total = root_pss + self._shared_outside_kb
        for pid in others:
            total += rollup_kb(pid)[1]
        return max(0, total - resident_kb)

    def update_peak(self) -> int:
        """Read the worker's high-water mark (call while it is alive); the new peak."""
        root = peak_kb(self.root)
        if root:
            self.peak_kb = max(self.peak_kb, root + self._most_added_kb)
        return self.peak_kb
