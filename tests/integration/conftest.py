"""Fixtures for tests against real servers: a loopback origin and Squid instances."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterator

import pytest

from tests.integration.policy_lab import Lab, policy_lab
from tests.integration.squid_harness import OriginServer, SquidProcess, running_squid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's outcome so fixtures can add diagnostics to a failure."""
    report = yield
    item.stash.setdefault(_outcomes, {})[report.when] = report.outcome
    return report


_outcomes = pytest.StashKey[dict[str, str]]()


@pytest.fixture(scope="module")
def origin() -> Iterator[OriginServer]:
    """The stand-in internet, shared by a module's tests."""
    server = OriginServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_squid(
    origin: OriginServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., SquidProcess]]:
    """Start Squid instances (arguments as :func:`running_squid`); all stop at teardown.

    When the test failed, each instance's cache.log tail is printed before it
    is removed, so a CI log shows what Squid saw.
    """
    started: list[SquidProcess] = []
    with contextlib.ExitStack() as stack:

        def start(**options: object) -> SquidProcess:
            squid = stack.enter_context(running_squid(origin.port, **options))  # type: ignore[arg-type]
            started.append(squid)
            return squid

        yield start
        if request.node.stash.get(_outcomes, {}).get("call") == "failed":
            for squid in started:
                exit_code = squid.process.poll() if squid.process else None
                print(f"Squid {squid.name} (exit status {exit_code}):\n{squid.diagnostics()}")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """A Boardline configuration Squid's helpers can use (see :mod:`policy_lab`)."""
    with policy_lab() as made:
        yield made
