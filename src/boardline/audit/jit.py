"""Compiled kernels for the audit's hot loops (numba), cached on disk where possible.

Two loops of an audit touch every log line and are plain byte and number walking:
the Squid line kernel (:mod:`~boardline.audit.readers.squid_jit`) and the
sessioniser (:mod:`~boardline.audit.visits`). numba compiles them to machine code
on first use. Compiling takes a second or two, so the result is cached beside the
source (``__pycache__``) or in numba's per-user cache folder; a process that can
write to neither (Squid's unprivileged user running ``boardline squid-helper``
from a read-only install, which imports the CLI) still works, compiling in
memory on first use instead of failing at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(function: F) -> F:
    """``numba.njit(nogil=True)``, cached on disk when a cache folder is writable."""
    try:
        compiled = numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        compiled = numba.njit(nogil=True)(function)
    return cast(F, compiled)
