"""A real Squid on loopback, for the end-to-end tests and the demo: origin, proxy, clients.

Nothing here contacts an address outside 127.0.0.0/8. Squid forwards every
request to :class:`OriginServer` as its only parent peer, whatever the host
name, and clients pick their source address inside 127.0.0.0/8 so that Squid's
``%SRC`` tells staff, students and guests apart.

Squid refuses to run as root: started by root it drops to the ``proxy`` user,
and so do the helpers it starts. Each instance therefore gets its own run
directory under the system temp dir (pytest's ``tmp_path`` is private to root),
owned by that user, and a Python interpreter that user may execute
(:func:`helper_python`). A missing Squid raises :class:`LabError` with the
install command: tests turn it into a failure, never a skip, and the demo says
how to install Squid and replays the day in-process instead.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from boardline.enforcement.squid.config import (
    FailClosedCategory,
    SquidSettings,
    render_domain_acl,
    render_squid_config,
)

SQUID_USER = "proxy"
START_TIMEOUT = 20.0
_instances = itertools.count(1)


class LabError(RuntimeError):
    """The lab cannot run here (no Squid, no usable interpreter, Squid would not start)."""


def squid_binary() -> str:
    """Squid's path, or fail the test saying how to install it."""
    found = shutil.which("squid") or shutil.which("squid", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise LabError(
            "Squid is not installed; these tests need Debian's squid 5.7: "
            "`apt-get install -y squid-openssl` (.ci/run installs it; TLS inspection needs "
            "the OpenSSL build)."
        )
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def helper_python() -> str:
    """An interpreter (3.11+) that the user Squid runs its helpers as can execute."""
    candidates = [sys.executable, "/usr/bin/python3.11", "/usr/bin/python3"]
    if not _as_root():
        return sys.executable
    check = "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)"
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        result = subprocess.run(
            ["runuser", "-u", SQUID_USER, "--", candidate, "-c", check],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if result.returncode == 0:
            return candidate
    raise LabError(
        f"no Python 3.11+ that the user {SQUID_USER!r} may run (tried {', '.join(candidates)}); "
        "install python3.11 from the distribution"
    )


def _tcp_listening(address: str, port: int) -> bool:
    """Whether a socket is in the LISTEN state on ``address:port`` (Linux /proc)."""
    packed = socket.inet_aton(address)[::-1].hex().upper()  # little-endian, as /proc shows
    wanted = f"{packed}:{port:04X}"
    for row in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
        columns = row.split()
        if columns[1] == wanted and columns[3] == "0A":  # 0A = TCP_LISTEN
            return True
    return False


def make_run_dir() -> Path:
    """A fresh directory Squid's user can read and write."""
    path = Path(tempfile.mkdtemp(prefix="boardline-squid-"))
    path.chmod(0o755)
    (path / "state").mkdir()
    if _as_root():
        user = pwd.getpwnam(SQUID_USER)
        for item in (path, path / "state"):
            os.chown(item, user.pw_uid, user.pw_gid)
    return path


# -- origin -------------------------------------------------------------------------


class _OriginHandler(BaseHTTPRequestHandler):
    server: OriginServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        host = (self.headers.get("Host") or "-").split(":")[0]
        path = self.path
        if "://" in path:  # absolute form, as a parent peer receives it
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        self.server.seen.append((self.command, host, path))
        body = f"origin: {host}{path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _answer  # noqa: N815

    def do_CONNECT(self) -> None:
        """Accept a tunnel (and close it): enough to tell "forwarded" from "denied"."""
        self.server.seen.append(("CONNECT", self.path.rsplit(":", 1)[0], ""))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        return


class OriginServer(ThreadingHTTPServer):
    """Stands in for the internet: 200 ``origin: <host><path>`` for anything."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OriginHandler)
        self.seen: list[tuple[str, str, str]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> OriginServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


# -- clients ------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


def proxy_get(
    proxy_port: int,
    url: str,
    *,
    source: str,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 15.0,
) -> Response:
    """Send one request through the proxy from the loopback address ``source``."""
    host = url.split("://", 1)[1].split("/", 1)[0]
    conn = http.client.HTTPConnection(
        "127.0.0.1", proxy_port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(method, url, body=body, headers={"Host": host, "Connection": "close"})
        reply = conn.getresponse()
        text = reply.read().decode("utf-8", errors="replace")
        headers = {k.lower(): v for k, v in reply.getheaders()}
        return Response(reply.status, headers, text)
    finally:
        conn.close()


def proxy_connect(proxy_port: int, authority: str, *, source: str, timeout: float = 15.0) -> int:
    """Ask the proxy for a CONNECT tunnel; return the status code of its answer."""
    with socket.create_connection(
        ("127.0.0.1", proxy_port), timeout=timeout, source_address=(source, 0)
    ) as sock:
        sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1])


# -- squid --------------------------------------------------------------------------


def lab_settings(
    run_dir: Path, origin_port: int, helper_command: str, **overrides: object
) -> SquidSettings:
    """Settings for a loopback Squid in ``run_dir`` that sends everything to the origin."""
    base = SquidSettings(
        http_port=f"127.0.0.1:{free_port()}",
        helper_command=helper_command,
        clients=("127.0.0.0/8",),
        access_log=str(run_dir / "access.log"),
        cache_log=str(run_dir / "cache.log"),
        pid_file=str(run_dir / "squid.pid"),
        effective_user=SQUID_USER if _as_root() else None,
        visible_hostname="boardline-test",
        parent_peer=("127.0.0.1", origin_port),
        dns_nameservers=("127.0.0.1",),
        shutdown_lifetime=0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@dataclass
class SquidProcess:
    """One Squid started in the foreground (``-N``) and stopped by its process id."""

    run_dir: Path
    settings: SquidSettings
    name: str = field(default_factory=lambda: f"bllab{os.getpid()}n{next(_instances)}")
    process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.settings.http_port.rsplit(":", 1)[1])

    @property
    def state(self) -> Path:
        return self.run_dir / "state"

    def start(self) -> SquidProcess:
        binary = squid_binary()
        conf = self.run_dir / "squid.conf"
        conf.write_text(render_squid_config(self.settings), encoding="utf-8")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        with (self.run_dir / "squid.out").open("wb") as out:
            self.process = subprocess.Popen(
                [binary, "-N", "-d1", "-n", self.name, "-f", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LabError(f"Squid exited at start-up:\n{self.diagnostics()}")
            if self._listening():
                return self
            time.sleep(0.05)
        self.stop()
        raise LabError(f"Squid did not listen within {START_TIMEOUT} s:\n{self.diagnostics()}")

    def _listening(self) -> bool:
        # Squid logs "Accepting HTTP Socket connections" just before it calls
        # listen(), so the port must also be in the LISTEN state; checking
        # both (rather than connecting) cannot mistake another process on the
        # port for this Squid, and leaves no probe in the access log.
        log = self.run_dir / "cache.log"
        if not log.exists():
            return False
        where = f" local=127.0.0.1:{self.port} "
        announced = any(
            # "Accepting SSL bumped HTTP Socket connections" with ssl-bump.
            "Accepting " in line and "HTTP Socket connections" in line and where in line
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        )
        return announced and _tcp_listening("127.0.0.1", self.port)

    def stop(self) -> None:
        """Kill Squid and its helpers (its process group) and remove its shared memory.

        A graceful SIGTERM costs about two seconds of Squid's scheduled shutdown
        steps per instance, and a test instance has nothing to save: the access
        log is written line by line.
        """
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for leftover in Path("/dev/shm").glob(f"{self.name}-*"):
            leftover.unlink(missing_ok=True)

    def seen(self) -> list[str]:
        """Lookups the test helper received, one line each."""
        path = self.state / "seen.log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def access_log(self) -> list[str]:
        """The access log as written so far."""
        path = self.run_dir / "access.log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def log_line(self, source: str, needle: str, timeout: float = 5.0) -> str:
        """The access log line for a request from ``source`` containing ``needle``.

        Squid writes the line when the transaction ends, possibly after the
        client has its answer, so this waits for it.
        """
        deadline = time.monotonic() + timeout
        while True:
            for line in self.access_log():
                if f" {source} " in line and needle in line:
                    return line
            if time.monotonic() > deadline:
                msg = f"no access log line for {source} {needle}:\n{self.diagnostics()}"
                raise AssertionError(msg)
            time.sleep(0.05)

    def cache_log(self) -> str:
        path = self.run_dir / "cache.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def diagnostics(self) -> str:
        parts = []
        for name in ("squid.out", "cache.log"):
            path = self.run_dir / name
            if path.exists():
                tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
                parts.append(f"--- {name}\n" + "\n".join(tail))
        return "\n".join(parts)


@contextlib.contextmanager
def running_squid(
    origin_port: int,
    *,
    helper_command: str,
    fail_closed: dict[str, list[str]] | None = None,
    **overrides: object,
) -> Iterator[SquidProcess]:
    """A started Squid; stopped and its run directory removed afterwards, always.

    ``helper_command`` may contain ``{run_dir}``, replaced by the run directory.
    ``fail_closed`` maps a category to its domains; the lists are written with
    :func:`render_domain_acl` into the run directory.
    """
    run_dir = make_run_dir()
    categories = []
    for name, domains in (fail_closed or {}).items():
        path = run_dir / f"{name}.domains"
        path.write_text(render_domain_acl(domains), encoding="utf-8")
        categories.append(FailClosedCategory(name, str(path)))
    if categories:
        overrides["fail_closed"] = tuple(categories)
    # "{run_dir}" in the helper command names this instance's run directory.
    command = helper_command.replace("{run_dir}", str(run_dir))
    squid = SquidProcess(run_dir, lab_settings(run_dir, origin_port, command, **overrides))
    try:
        yield squid.start()
    finally:
        squid.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


def check_runnable(command: Path) -> None:
    """Raise :class:`LabError` unless Squid's user can run ``command`` (when we are root)."""
    if not _as_root():
        return
    probe = subprocess.run(
        ["runuser", "-u", SQUID_USER, "--", str(command), "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if probe.returncode != 0:
        msg = (
            f"user {SQUID_USER!r} cannot run {command}: build the venv from a system Python "
            f"(make uses /usr/bin/python3.11) in a folder {SQUID_USER!r} can read.\n{probe.stderr}"
        )
        raise LabError(msg)


def give_to_squid_user(root: Path) -> None:
    """Hand a folder tree to Squid's user so the helpers it starts can use it."""
    if not _as_root():
        return
    user = pwd.getpwnam(SQUID_USER)
    os.chown(root, user.pw_uid, user.pw_gid)
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.chown(Path(folder) / name, user.pw_uid, user.pw_gid)


# -- HTTPS interception -------------------------------------------------------------

CERT_GENERATOR = "/usr/lib/squid/security_file_certgen"


def init_cert_db(path: Path, generator: str = CERT_GENERATOR) -> Path:
    """Create the certificate cache Squid's ``sslcrtd_program`` keeps its forged certificates in.

    ``security_file_certgen -c`` refuses a folder that already exists, so
    ``path`` must not; afterwards the tree goes to Squid's user, who runs the
    generator. Debian's plain ``squid`` package has no generator: the error
    says to install ``squid-openssl`` (which replaces it).
    """
    if not Path(generator).exists():
        raise LabError(
            f"{generator} is missing: HTTPS interception needs Debian's squid-openssl "
            "(`apt-get install -y squid-openssl`; .ci/run installs it)"
        )
    result = subprocess.run(
        [generator, "-c", "-s", str(path), "-M", "4MB"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise LabError(f"{generator} -c -s {path} failed:\n{result.stdout}{result.stderr}")
    give_to_squid_user(path)
    return path
