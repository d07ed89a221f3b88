"""Swapping a process's whole set of variables in and out, in constant time.

An inline invoke gives the handler the function's variables for the duration of the
call. Setting and restoring some sixty variables one by one through putenv costs more
than the rest of the invoke, so instead both levels are swapped whole: the mapping
behind `os.environ` (what Python code reads) and, where libc exposes it, the C-level
`environ` array (what getenv, time.tzset and child processes read).
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any


def _c_environ() -> ctypes.c_void_p | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.c_void_p.in_dll(ctypes.CDLL(None), "environ")
    except (OSError, ValueError):
        return None


_C_ENVIRON = _c_environ()
_encode_key: Callable[[str], Any] = os.environ.encodekey
_encode_value: Callable[[str], Any] = os.environ.encodevalue


class _HostVariables:
    """The test process's own C-level variables (libc's `environ`), held in an array of ours.

    glibc's setenv reallocates the array it last allocated itself. If that were the
    host's array, a handler's setenv would reallocate it, copying the function's
    variables into it, and restoring its address would bring them into the host (or
    use freed memory). So the host's entries are copied into an array glibc never owns,
    rebuilt only when the host's variables have changed since.
    """

    def __init__(self) -> None:
        self._array: Any = None

    def install(self, current: int | None) -> int:
        """Make our copy of the host's variables current; return its address."""
        if self._array is None or current != ctypes.addressof(self._array):
            entries: list[bytes] = []
            if current:
                pointer = ctypes.cast(current, ctypes.POINTER(ctypes.c_char_p))
                while (entry := pointer[len(entries)]) is not None:
                    entries.append(entry)
            self._array = (ctypes.c_char_p * (len(entries) + 1))(*entries, None)
        return ctypes.addressof(self._array)


_HOST = _HostVariables()


def _local_time_is_utc() -> bool:
    return time.localtime().tm_gmtoff == 0 and not time.daylight


class SwappableVariables:
    """A function's variables, ready to become the process's variables at once."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self.data: dict[Any, Any] = {_encode_key(k): _encode_value(v) for k, v in variables.items()}
        self._snapshot: dict[Any, Any] = {}
        self._array: Any = None
        self._build_array()
        # TZ only takes effect through tzset(); spare the call where it changes nothing.
        self._needs_tzset = _C_ENVIRON is not None and not _local_time_is_utc()

    def set(self, name: str, value: str) -> None:
        """Change one variable between invokes (Lambda's per-request trace header)."""
        self.set_encoded(_encode_key(name), _encode_value(value))

    def set_encoded(self, key: Any, encoded: Any) -> None:
        """`set`, with the name and value already as os.environ keeps them."""
        self.data[key] = encoded
        if key not in self._snapshot:
            self._build_array()
            return
        self._snapshot[key] = encoded
        if self._array is not None:
            self._array[self._slots[key]] = key + b"=" + encoded

    def enter(self) -> tuple[Any, int | None]:
        python_level = os.environ._data  # type: ignore[attr-defined]
        os.environ._data = self.data  # type: ignore[attr-defined]
        c_level = None
        if _C_ENVIRON is not None:
            c_level = _HOST.install(_C_ENVIRON.value)
            _C_ENVIRON.value = ctypes.addressof(self._array)
            if self._needs_tzset:
                time.tzset()
        return python_level, c_level

    def exit(self, saved: tuple[Any, int | None]) -> None:
        python_level, c_level = saved
        if _C_ENVIRON is not None:
            changed = _C_ENVIRON.value != ctypes.addressof(self._array)
            _C_ENVIRON.value = c_level
            if self._needs_tzset:
                time.tzset()
            # The handler set a variable (libc then holds a copy of its own) or removed
            # one (libc shifted ours), so the array is built again from what Python saw.
            if changed or len(self.data) != len(self._snapshot):
                self._build_array()
        os.environ._data = python_level  # type: ignore[attr-defined]

    def _build_array(self) -> None:
        self._snapshot = dict(self.data)
        if _C_ENVIRON is None:
            return
        entries = [key + b"=" + value for key, value in self.data.items()]
        self._slots = {key: index for index, key in enumerate(self.data)}
        self._array = (ctypes.c_char_p * (len(entries) + 1))(*entries, None)
