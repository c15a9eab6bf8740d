"""The Squid lab (:mod:`boardline.enforcement.squid.lab`) as the tests use it.

The lab raises :class:`LabError` where it cannot run (Squid missing, no
interpreter the ``proxy`` user may execute, Squid refusing to start); here that
becomes a test failure with the lab's message, never a skip. ``running_squid``
defaults the helper to the scripted test helper (``squid_test_helper.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from boardline.enforcement.squid import lab
from boardline.enforcement.squid.lab import (
    SQUID_USER,
    LabError,
    OriginServer,
    Response,
    SquidProcess,
    free_port,
    make_run_dir,
    proxy_connect,
    proxy_get,
)

__all__ = [
    "SQUID_USER",
    "OriginServer",
    "Response",
    "SquidProcess",
    "free_port",
    "helper_python",
    "make_run_dir",
    "proxy_connect",
    "proxy_get",
    "running_squid",
]

HELPER_SCRIPT = Path(__file__).with_name("squid_test_helper.py")


def helper_python() -> str:
    try:
        return lab.helper_python()
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)


@contextlib.contextmanager
def running_squid(
    origin_port: int, *, helper_command: str | None = None, **options: object
) -> Iterator[SquidProcess]:
    """A started Squid (see :func:`lab.running_squid`), the test helper unless told otherwise."""
    if helper_command is None:
        helper_command = f"{helper_python()} {HELPER_SCRIPT} --state-dir {{run_dir}}/state"
    try:
        with lab.running_squid(origin_port, helper_command=helper_command, **options) as squid:  # type: ignore[arg-type]
            yield squid
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
