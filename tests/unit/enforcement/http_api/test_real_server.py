"""The app under a real uvicorn server on a free loopback port, talked to over TCP with httpx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from boardline.enforcement.decision_token import SECRET_FILE
from boardline.runtime import Runtime
from tests.unit.enforcement.http_api.conftest import FACEBOOK, deny_token

pytestmark = pytest.mark.integration


@pytest.fixture
def server_url(app: FastAPI) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", loop="asyncio")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_health_and_a_decision_over_tcp(server_url: str, runtime: Runtime) -> None:
    with httpx.Client(base_url=server_url, timeout=10) as http:
        health = http.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        decided = http.post("/v1/decisions", json=FACEBOOK)
        assert decided.status_code == 200
        assert decided.json()["effect"] == "deny"
        assert decided.json()["citations"][0]["clause"] == "5460.p7"
        page = http.get("/blocked", params={"t": deny_token(runtime)})
        assert page.status_code == 200
        assert "5460.p7" in page.text
        refused = http.post("/v1/decisions", json={"kind": "web"})
        assert refused.status_code == 422
        assert refused.json()["problems"][0]["field"] == "url"
        metrics = http.get("/metrics")
        assert 'boardline_decisions_total{effect="deny"} 1.0' in metrics.text


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_boardline_serve_api_runs_the_app(tmp_path: Path) -> None:
    port = _free_port()
    keys = tmp_path / "admin-keys"
    keys.write_text("kdoyle:0123456789abcdef-kd\n")
    environ = {
        **os.environ,
        "BOARDLINE_STATE_DIR": str(tmp_path / "state"),
        "BOARDLINE_CLOCK": "2026-10-06T10:00:00-06:00",
    }
    command = [sys.executable, "-c", "from boardline.cli.main import main; main()", "serve", "api"]
    command += ["--port", str(port), "--admin-keys", str(keys), "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        env=environ,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"boardline serve api did not start:\n{output}")
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        decided = httpx.post(f"{url}/v1/decisions", json=FACEBOOK, timeout=10).json()
        assert decided["effect"] == "deny"
        assert (tmp_path / "state" / SECRET_FILE).exists()
        queue = httpx.get(f"{url}/admin/requests", auth=("kdoyle", "0123456789abcdef-kd"))
        assert queue.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()
