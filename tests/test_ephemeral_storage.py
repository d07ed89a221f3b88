"""Ephemeral storage: the size of an environment's /tmp (512-10,240 MB), enforced with
ENOSPC in process isolation where the system lets a process mount a tmpfs of its own,
and billed beyond the included 512 MB."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import sys
import tempfile

import pytest

from pytest_lambda import HarnessError, LambdaFunction, report
from pytest_lambda import config as config_module


def _can_mount_a_private_tmpfs() -> bool:
    """Whether a child of this process may mount a tmpfs in namespaces of its own (what
    the workers do), asked independently of the harness."""
    if sys.platform != "linux":
        return False
    target = tempfile.mkdtemp()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            new_ns, new_user = 0x00020000, 0x10000000
            uid, gid = os.getuid(), os.getgid()
            if libc.unshare(new_ns) != 0:
                if libc.unshare(new_ns | new_user) != 0:
                    os._exit(1)
                for path, text in (
                    ("/proc/self/setgroups", "deny"),
                    ("/proc/self/uid_map", f"{uid} {uid} 1"),
                    ("/proc/self/gid_map", f"{gid} {gid} 1"),
                ):
                    with open(path, "w") as f:
                        f.write(text)
            private = libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None) == 0
            mounted = (
                private and libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, b"size=1m") == 0
            )
            status = 0 if mounted else 1
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    os.rmdir(target)
    return os.waitstatus_to_exitcode(status) == 0


LIMITED = _can_mount_a_private_tmpfs()
needs_namespaces = pytest.mark.skipif(
    not LIMITED, reason="this system lets no process mount a tmpfs in namespaces of its own"
)


@pytest.mark.parametrize("isolation", ["process"], indirect=True)
@needs_namespaces
@pytest.mark.parametrize("size_mb", [512, 2048])
def test_tmp_has_the_configured_size(make_function, size_mb: int) -> None:
    seen = make_function("observed.tmp_files", ephemeral_storage_mb=size_mb).invoke({})
    assert seen.assert_ok()["size_mb"] == size_mb


@pytest.mark.parametrize("isolation", ["process"], indirect=True)
@needs_namespaces
def test_writing_past_the_size_fails_with_enospc(
    make_function, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 2 MB /tmp (below Lambda's minimum, so that the test writes little).
    monkeypatch.setattr(config_module, "MIN_EPHEMERAL_STORAGE_MB", 1)
    function = make_function("observed.fill_tmp", ephemeral_storage_mb=2)
    assert function.invoke({"mb": 1}).assert_ok() == {"written_mb": 1}
    full = function.invoke({"mb": 3}).assert_ok()
    assert full["errno"] == errno.ENOSPC
    assert full["error"] == "[Errno 28] No space left on device"


@pytest.mark.parametrize("isolation", ["process"], indirect=True)
@needs_namespaces
def test_the_test_process_sees_the_directory_and_removes_it(make_function) -> None:
    function = make_function("observed.tmp_files")
    function.invoke({"write": "inside.txt"}).assert_ok()
    slot = function._pool.acquire()
    environment = slot.environment
    function._pool.release(slot)
    assert environment is not None and environment.tmp_limited
    tmp_dir = environment.tmp_dir
    # The files live in the environment's own mount: the directory beneath is empty.
    assert os.listdir(tmp_dir) == []
    function.close()
    assert not os.path.exists(tmp_dir)


@pytest.mark.parametrize("size_mb", [511, 10_241, "512", 512.0, True])
def test_the_size_is_checked(tmp_path, size_mb: object) -> None:
    with pytest.raises(HarnessError, match="ephemeral_storage_mb"):
        LambdaFunction("app.handler", code_dir=tmp_path, ephemeral_storage_mb=size_mb)  # type: ignore[arg-type]


def test_the_size_message_names_the_range(tmp_path) -> None:
    with pytest.raises(
        HarnessError,
        match=re.escape(
            "ephemeral_storage_mb=20000 is out of range: Lambda allows 512 to 10,240 MB of /tmp"
        ),
    ):
        LambdaFunction("app.handler", code_dir=tmp_path, ephemeral_storage_mb=20000)


def test_storage_beyond_512_mb_is_billed(make_function) -> None:
    invocation = make_function("app.hello", ephemeral_storage_mb=10_240).invoke({})
    billed_s = invocation.billed_duration_ms / 1000
    expected = (
        report.PRICE_PER_REQUEST_USD
        + 128 / 1024 * billed_s * report.PRICE_PER_GB_SECOND_USD["x86_64"]
        + (10_240 - 512) / 1024 * billed_s * report.PRICE_PER_STORAGE_GB_SECOND_USD
    )
    assert invocation.cost_usd == pytest.approx(expected, rel=1e-12)
    assert report.cost_usd(128, 100, "x86_64", 512) == report.cost_usd(128, 100, "x86_64")
