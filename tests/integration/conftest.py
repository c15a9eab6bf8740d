"""Fixtures for tests against real servers: a loopback origin and Squid instances."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from tests.integration.squid_harness import OriginServer, SquidProcess, running_squid


@pytest.fixture(scope="module")
def origin() -> Iterator[OriginServer]:
    """The stand-in internet, shared by a module's tests."""
    server = OriginServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_squid(origin: OriginServer) -> Iterator[Callable[..., SquidProcess]]:
    """Start Squid instances (arguments as :func:`running_squid`); all stop at teardown."""
    with contextlib.ExitStack() as stack:

        def start(**options: object) -> SquidProcess:
            return stack.enter_context(running_squid(origin.port, **options))  # type: ignore[arg-type]

        yield start
