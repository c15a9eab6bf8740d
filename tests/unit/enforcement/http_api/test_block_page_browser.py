"""The block page in a real browser (Debian's Chromium, headless): it renders, needs no script,
and loads nothing from anywhere but the page itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from boardline.runtime import Runtime
from tests.browser import CHROMIUM_FLAGS, chromium
from tests.unit.enforcement.http_api.conftest import deny_token

pytestmark = pytest.mark.integration


@pytest.fixture
def served(app: FastAPI) -> Iterator[tuple[str, list[str]]]:
    """The app on a free loopback port, with every path the browser asked for."""
    asked: list[str] = []

    async def record(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            asked.append(scope["path"])
        await app(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(record, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", asked
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def browse(url: str, *extra: str) -> str:
    profile = tempfile.mkdtemp(prefix="boardline-chromium-")
    try:
        result = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_block_page_renders_in_chromium_without_scripts(
    served: tuple[str, list[str]], runtime: Runtime, tmp_path: Path
) -> None:
    base, asked = served
    url = f"{base}/blocked?t={deny_token(runtime)}"
    dom = browse(url, "--dump-dom")
    assert "www.facebook.com" in dom
    assert "5460.p7" in dom
    assert "during school hours is prohibited" in dom
    assert "<script" not in dom.lower()
    assert dom.count('method="post"') >= 2
    shot = tmp_path / "block-page.png"
    browse(url, f"--screenshot={shot}", "--window-size=1000,1100")
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Only the page itself was fetched (twice: the DOM dump and the screenshot);
    # no stylesheet, font, image or script from anywhere.
    assert set(asked) == {"/blocked"}
