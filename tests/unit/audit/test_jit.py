"""Compiled kernels: cached where the cache folder is writable, compiled in memory elsewhere."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys

import pytest

from boardline.audit.jit import kernel

UNPRIVILEGED = "proxy"  # Squid's user on Debian, which runs the helpers from the CLI


def test_a_kernel_runs_compiled() -> None:
    @kernel
    def total(n: int) -> int:
        out = 0
        for i in range(n):
            out += i
        return out

    assert total(10) == 45


def test_a_user_who_cannot_write_any_cache_folder_can_still_import_and_run() -> None:
    """Squid runs the helper as an unprivileged user, often from a read-only install:
    importing the audit modules must not fail because numba cannot cache there."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.fail("this test switches user: run it as root, as CI does")
    try:
        pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        pytest.fail(f"no {UNPRIVILEGED!r} user here: install squid (.ci/run does)")
    code = (
        "from boardline.audit.readers import squid_jit; "
        "p = squid_jit.parse_chunk(b'1795950062.123 1 10.1.2.3 TCP_MISS/200 1 GET "
        "http://A.example/x - HIER_NONE/- -\\n', 1); print(p.columns['host'][0])"
    )
    done = subprocess.run(
        ["runuser", "-u", UNPRIVILEGED, "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "HOME": "/nonexistent", "NUMBA_CACHE_DIR": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "a.example"


def test_the_cli_starts_without_numba() -> None:
    """Importing numba costs every command a seventh of a second; only an audit needs it."""
    code = "import sys, boardline.cli.main; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "False"
