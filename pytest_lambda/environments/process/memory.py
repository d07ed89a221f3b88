"""Memory of an execution environment: the worker's process tree, read from /proc.

Lambda counts an environment's memory with a cgroup. A cgroup is not something a test
run can count on (containers rarely delegate the memory controller, and cgroup v1 hosts
have none to give), so the parent measures the tree itself while a request runs:

- the ceiling is enforced on the tree's current resident memory (statm, cheap enough
  to read every millisecond), and the environment is killed when it goes over;
- Max Memory Used is the kernel's own high-water mark of the worker (VmHWM, exact, the
  whole lifetime of the environment like the cgroup's peak) plus the largest sum of
  high-water marks seen across the worker's descendants.
"""

from __future__ import annotations

import os

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


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
    """Every process below `pid` (children, grandchildren, ...)."""
    found: list[int] = []
    pending = children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children(child))
    return found


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


class TreeMemory:
    """Samples one worker's process tree; remembers the environment's peak."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.peak_kb = 0
        self._descendants_peak_kb = 0

    def current_kb(self) -> int:
        """Resident memory of the whole tree now; notes the descendants' peaks on the way."""
        total = resident_kb(self.root_pid)
        below = descendants(self.root_pid)
        if below:
            total += sum(resident_kb(pid) for pid in below)
            self._descendants_peak_kb = max(
                self._descendants_peak_kb, sum(peak_kb(pid) for pid in below)
            )
        return total

    def update_peak(self) -> int:
        """Read the worker's high-water mark (call while it is alive); the new peak."""
        root = peak_kb(self.root_pid)
        if root:
            self.peak_kb = max(self.peak_kb, root + self._descendants_peak_kb)
        return self.peak_kb
