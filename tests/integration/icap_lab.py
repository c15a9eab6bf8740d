"""Boardline's ICAP service on a loopback port for the Squid tests, stopped by the test."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from boardline.bootstrap import bootstrap, make_clock, open_decision_log
from boardline.enforcement.icap.server import IcapServer, serving_in_thread
from boardline.enforcement.icap.service import ContentInspector, IcapLimits, ReqmodService
from boardline.enforcement.live_policy import LivePolicy
from boardline.inspection.inspector import Inspector
from boardline.runtime import Runtime
from boardline.settings import Settings


class IcapUnderTest:
    """The demo district's runtime (``bootstrap(..., inspect=True)``) behind an ICAP server.

    ``scanners`` turns the inspector bootstrap built into the one the service uses
    (tests that register their own logo and documents keep its roster matcher); the
    decision log is ``state/decisions.jsonl``.
    """

    def __init__(
        self,
        state: Path,
        clock: str,
        scanners: Callable[[Inspector], ContentInspector] | None = None,
    ) -> None:
        settings = Settings(state_dir=str(state), clock=clock)
        self.runtime: Runtime = bootstrap(settings, inspect=True)
        built = self.runtime.inspector
        if built is None:
            pytest.fail("bootstrap(inspect=True) built no inspector")
        self.log = state / "decisions.jsonl"
        service = ReqmodService(
            LivePolicy(self.runtime),
            scanners(built) if scanners else built,
            open_decision_log(settings, self.runtime),
            make_clock(settings),
            IcapLimits(),
        )
        self._running = contextlib.ExitStack()
        self.port = self._running.enter_context(
            serving_in_thread(IcapServer(service, host="127.0.0.1", port=0))
        )

    @property
    def url(self) -> str:
        return f"icap://127.0.0.1:{self.port}/reqmod"

    def stop(self) -> None:
        self._running.close()
