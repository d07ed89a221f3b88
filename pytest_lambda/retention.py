"""Directories a process owns, and their removal by a later process once the owner is gone.

A test process that dies before its clean-up runs (a handler's `os._exit` in an inline
environment, a signal, a kill) leaves its directories behind. As pytest's own `tmp_path`
retention does, each owner's directory carries who owns it, and the next session removes
those whose owner no longer runs. The owner is named by its pid and its start time
(since boot, from /proc), so that a pid reused by another process is not taken for it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path


def _start_time(pid: int) -> str:
    """When `pid` started (clock ticks since boot), or "" where /proc does not say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def owned_name(prefix: str, pid: int | None = None) -> str:
    """A name for a directory of `pid` (this process by default): the prefix, the pid, its
    start time, and a random part (one process may own several)."""
    pid = os.getpid() if pid is None else pid
    return f"{prefix}{pid}-{_start_time(pid) or 0}-{secrets.token_hex(4)}"


def owner_alive(name: str, prefix: str) -> bool:
    """Whether the process a directory name of `owned_name` names still runs (True for a
    name this module did not make: leave what is not ours alone)."""
    parts = name[len(prefix) :].split("-")
    if not name.startswith(prefix) or len(parts) != 3 or not parts[0].isdigit():
        return True
    pid, started = int(parts[0]), parts[1]
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        # It exists, but is someone else's.
        pass
    if sys.platform.startswith("linux") and started != "0":
        return _start_time(pid) == started
    return True


def sweep(parent: str | os.PathLike[str], prefix: str, remove: Callable[[Path], None]) -> None:
    """Call `remove(path)` for every directory in `parent` named by `owned_name(prefix)`
    whose owner is gone."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if (
                entry.name.startswith(prefix)
                and entry.is_dir(follow_symlinks=False)
                and not owner_alive(entry.name, prefix)
            ):
                remove(Path(entry.path))
