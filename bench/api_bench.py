"""Decision API throughput and latency on loopback: ``boardline serve api`` driven by wrk.

Run: ``.venv/bin/python bench/api_bench.py [--duration 10] [--connections 1,16,64]``

The server is the real command (``boardline serve api``, one uvicorn process,
the demo district, clock fixed at 10:00 on a school day so staff requests to
social sites are denied), started on a free port
on 127.0.0.1 and stopped at the end. The load generator is ``wrk`` when it is
installed (``apt-get install wrk``; bench only, not needed by the tests), with a
Lua script that POSTs a rotating mix of decision requests; without wrk an
asyncio load generator on httpx takes its place (it is itself slower, so its
numbers are a lower bound). On a 2-core machine the server and the load
generator share the cores, as they would not in production.

Scenarios:

* ``healthz`` — ``GET /healthz``: the framework's floor (routing, JSON, one
  exception-store version query);
* ``decide`` — ``POST /v1/decisions``, the mix below: JSON in, the pure engine,
  the cited answer out;
* ``decide+explain`` — the same with ``explain: true``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLOCK = "2026-10-06T10:00:00-06:00"

MIX: list[dict[str, object]] = [
    {"kind": "web", "user": "mrivera", "url": "https://www.facebook.com/"},
    {"kind": "web", "user": "gholt", "url": "https://www.instagram.com/explore"},
    {"kind": "web", "user": "mrivera", "url": "https://www.example.org/lesson"},
    {"kind": "web", "address": "127.10.1.10", "url": "https://www.tiktok.com/foryou"},
    {"kind": "web", "address": "127.99.0.1", "url": "https://news.example.com/"},
    {
        "kind": "communication",
        "staff": "mrivera",
        "student": "noah.hale",
        "channel": "sms",
    },
    {
        "kind": "post",
        "user": "mrivera",
        "url": "https://upload.facebook.com/photos",
        "findings": [{"kind": "district_logo", "confidence": 0.93}],
    },
]


@dataclass(frozen=True, slots=True)
class Result:
    scenario: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(state: Path, port: int) -> subprocess.Popen[bytes]:
    environ = {**os.environ, "BOARDLINE_STATE_DIR": str(state), "BOARDLINE_CLOCK": CLOCK}
    command = [sys.executable, "-c", "from boardline.cli.main import main; main()"]
    command += ["serve", "api", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=environ, cwd=state, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit("the API did not start")
        time.sleep(0.1)


def lua_script(path: Path, bodies: list[str] | None) -> Path:
    if bodies is None:
        path.write_text('wrk.method = "GET"\n', encoding="utf-8")
        return path
    quoted = ",\n".join(json.dumps(b) for b in bodies)
    path.write_text(
        f"local bodies = {{\n{quoted}\n}}\n"
        "local i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n"
        "  i = i + 1\n"
        '  return wrk.format("POST", "/v1/decisions", headers, bodies[(i % #bodies) + 1])\n'
        "end\n",
        encoding="utf-8",
    )
    return path


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        sys.exit(f"unexpected output, no {pattern!r} in:\n{text}")
    return found.group(1)


def _ms(text: str) -> float:
    found = re.match(r"([\d.]+)(us|ms|s)", text)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(url: str, script: Path, scenario: str, connections: int, duration: int) -> Result:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    requests = int(_find(r"(\d+) requests in", out))
    seconds = float(_find(r"requests in ([\d.]+)s", out))
    p50 = _ms(_find(r"50%\s+(\S+)", out))
    p99 = _ms(_find(r"99%\s+(\S+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return Result(scenario, connections, requests, seconds, p50, p99, errors)


async def _httpx_load(
    url: str, bodies: list[str] | None, scenario: str, connections: int, duration: int
) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                if bodies is None:
                    answer = await http.get("/healthz")
                else:
                    body = bodies[i % len(bodies)]
                    answer = await http.post(
                        "/v1/decisions",
                        content=body,
                        headers={"content-type": "application/json"},
                    )
                latencies.append(time.perf_counter() - started)
                errors += answer.status_code >= 300
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        seconds = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Result(scenario, connections, len(latencies), seconds, pct(0.5), pct(0.99), errors)


def server_decision_time(url: str) -> float:
    """Mean seconds per decision inside the app, from its own histogram."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    total = float(_find(r"^boardline_decision_seconds_sum (\S+)", text))
    count = float(_find(r"^boardline_decision_seconds_count (\S+)", text))
    return total / count if count else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per run.")
    parser.add_argument("--connections", default="1,16,64", help="Comma-separated.")
    parser.add_argument("--no-wrk", action="store_true", help="Use the httpx generator.")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    wrk = None if args.no_wrk else shutil.which("wrk")
    plain = [json.dumps(b) for b in MIX]
    explained = [json.dumps({**b, "explain": True}) for b in MIX]
    scenarios: list[tuple[str, str, list[str] | None]] = [
        ("healthz", "/healthz", None),
        ("decide", "/", plain),
        ("decide+explain", "/", explained),
    ]
    with tempfile.TemporaryDirectory(prefix="api-bench-") as scratch:
        state = Path(scratch)
        port = free_port()
        server = start_server(state, port)
        url = f"http://127.0.0.1:{port}"
        try:
            for body in plain:  # every request of the mix is answered before we time it
                answer = httpx.post(
                    f"{url}/v1/decisions",
                    content=body,
                    headers={"content-type": "application/json"},
                    timeout=10,
                )
                answer.raise_for_status()
            results: list[Result] = []
            for name, path, bodies in scenarios:
                for conns in connections:
                    if wrk:
                        script = lua_script(state / f"{name}.lua", bodies)
                        results.append(run_wrk(url + path, script, name, conns, args.duration))
                    else:
                        results.append(
                            asyncio.run(_httpx_load(url, bodies, name, conns, args.duration))
                        )
            inside = server_decision_time(url)
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(
        f"Decision API on loopback — {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, one uvicorn process, "
        f"load by {'wrk' if wrk else 'httpx (asyncio)'}, {args.duration}s per run"
    )
    print(
        f"{'scenario':<16}{'conns':>6}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    )
    for r in results:
        print(
            f"{r.scenario:<16}{r.connections:>6}{r.requests:>10}{r.rate:>10.0f}"
            f"{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.errors:>8}"
        )
    print(f"mean time inside the app per decision (its own histogram): {inside * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
