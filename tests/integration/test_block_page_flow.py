"""The block page round trip, live: Squid denies, the page quotes the clause, an emergency lifts it.

Squid (with `boardline squid-helper`) and `boardline serve api` run as the
``proxy`` user on loopback, sharing one state directory: the helper signs a
token into the block-page redirect, the page reads it, and the emergency
declared there reaches the helper through the exception store within 5 s.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from boardline.enforcement.squid.lab import SQUID_USER, LabError, check_runnable, free_port
from tests.integration.policy_lab import Lab, boardline_command
from tests.integration.squid_harness import (
    OriginServer,
    SquidProcess,
    proxy_get,
    running_squid,
)

pytestmark = pytest.mark.integration
LAPTOP = "127.10.1.10"


@pytest.fixture(scope="module")
def api(lab: Lab) -> Iterator[str]:
    port = free_port()
    command = [
        str(boardline_command()),
        "serve",
        "api",
        "--port",
        str(port),
        "--config",
        str(lab.config),
    ]
    if os.geteuid() == 0:
        command = ["runuser", "-u", SQUID_USER, "--", *command]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                _, err = server.communicate(timeout=5)
                pytest.fail(f"the API did not start:\n{err.decode(errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def squid(lab: Lab, api: str, origin: OriginServer) -> Iterator[SquidProcess]:
    command = boardline_command()
    try:
        check_runnable(command)
    except LabError as exc:
        pytest.fail(str(exc), pytrace=False)
    with running_squid(
        origin.port,
        helper_command=f"{command} squid-helper --config {lab.config}",
        block_page_url=f"{api}/blocked",
        ttl=1,
        negative_ttl=1,
    ) as proxy:
        yield proxy


def test_block_page_quotes_the_clause_and_an_emergency_from_it_lifts_the_block(
    lab: Lab, squid: SquidProcess, api: str
) -> None:
    lab.set_time("10:10")
    denied = proxy_get(squid.port, "http://www.linkedin.com/feed/", source=LAPTOP, timeout=30)
    assert denied.status == 302, squid.diagnostics()
    location = denied.headers["location"]
    assert location.startswith(f"{api}/blocked?")
    with httpx.Client(timeout=10) as browser:
        page = browser.get(location)
        assert page.status_code == 200, page.text
        assert "www.linkedin.com" in page.text
        assert "5460.p7" in page.text
        assert "during school hours is prohibited" in page.text
        token = re.search(r'name="t" value="([^"]+)"', page.text)
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token is not None
        assert csrf is not None
        declared = browser.post(
            f"{api}/blocked/emergency",
            data={
                "t": token.group(1),
                "csrf": csrf.group(1),
                "reason": "lockout: district alerts",
                "minutes": "15",
            },
        )
        assert declared.status_code == 200, declared.text
    started = time.monotonic()
    while True:
        reply = proxy_get(squid.port, "http://www.linkedin.com/feed/", source=LAPTOP, timeout=30)
        if reply.status == 200 or time.monotonic() - started > 8:
            break
        time.sleep(0.25)
    assert reply.status == 200, squid.diagnostics()
    assert time.monotonic() - started < 5.0
    assert urlsplit(location).path == "/blocked"
