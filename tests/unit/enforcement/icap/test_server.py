"""The ICAP server over a real loopback socket: c-icap-client, previews, bad input, limits.

``c-icap-client`` is Debian's ICAP client (package ``c-icap``, installed by
``.ci/run``); the raw-socket tests send what no polite client would.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from boardline.enforcement.icap.protocol import ChunkDecoder, encode_chunk
from boardline.enforcement.icap.server import MAX_STUCK_PER_WORKER, IcapServer, serving_in_thread
from boardline.enforcement.icap.service import FailMode, ReqmodService
from boardline.runtime import Runtime
from tests.unit.enforcement.icap.conftest import ROSTER_WORD, FakeInspector, make_service

STAFF = "127.10.1.10"


@contextlib.contextmanager
def serving(service: ReqmodService, *, workers: int = 2) -> Iterator[int]:
    """The server on 127.0.0.1 (a free port) in its own thread and event loop."""
    server = IcapServer(service, host="127.0.0.1", port=0, read_timeout=5.0, workers=workers)
    with serving_in_thread(server) as port:
        yield port


@pytest.fixture
def port(service: ReqmodService) -> Iterator[int]:
    with serving(service) as number:
        yield number


def c_icap_client(port: int, *args: str) -> str:
    binary = shutil.which("c-icap-client")
    if binary is None:
        pytest.fail("c-icap-client is missing: apt-get install -y c-icap (.ci/run installs it)")
    result = subprocess.run(
        [binary, "-i", "127.0.0.1", "-p", str(port), "-s", "reqmod", "-v", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout + result.stderr


def exchange(port: int, *messages: bytes, until_close: bool = True) -> bytes:
    """Send ``messages`` (waiting for an answer between them); everything received."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        received = b""
        for number, message in enumerate(messages):
            sock.sendall(message)
            if number < len(messages) - 1:
                received += sock.recv(65536)
        if not until_close:
            return received + sock.recv(65536)
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            received += chunk
        return received


HTTP = b"POST http://social.example/post HTTP/1.1\r\nHost: social.example\r\n"


def reqmod(http_extra: bytes = b"", *, preview: int | None = None, allow_204: bool = True) -> bytes:
    http = HTTP + http_extra + b"\r\n"
    fields = f"X-Client-IP: {STAFF}\r\n"
    fields += "Allow: 204\r\n" if allow_204 else ""
    fields += f"Preview: {preview}\r\n" if preview is not None else ""
    return (
        f"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n{fields}"
        f"Encapsulated: req-hdr=0, req-body={len(http)}\r\n\r\n"
    ).encode() + http


OPTIONS = b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n"


def test_c_icap_client_reads_the_options(port: int) -> None:
    out = c_icap_client(port)
    assert "Methods: REQMOD" in out
    assert "Preview: 4096" in out
    assert "Allow 204: Yes" in out
    assert "Transfer-Preview: *" in out
    assert 'ISTag: "bl-' in out


def test_c_icap_client_posts_a_file_blocked_and_a_file_allowed(port: int, tmp_path: Path) -> None:
    bad = tmp_path / "list.txt"
    bad.write_text(f"trip {ROSTER_WORD} " + "x" * 6000, encoding="utf-8")  # past the preview
    good = tmp_path / "hello.txt"
    good.write_text("Great game last night", encoding="utf-8")
    common = [
        "-req",
        "http://social.example/upload",
        "-method",
        "POST",
        "-x",
        f"X-Client-IP: {STAFF}",
    ]
    blocked = c_icap_client(port, "-f", str(bad), *common)
    assert "HTTP/1.1 403 Forbidden" in blocked
    assert "student records: 1 finding about 3 people" in blocked
    allowed = c_icap_client(port, "-f", str(good), *common)
    assert "ICAP/1.0 204 No Content" in allowed


def test_a_preview_without_ieof_gets_100_continue_then_the_answer(port: int) -> None:
    head = reqmod(preview=4)
    answer = exchange(
        port,
        head + encode_chunk(b"Grea") + b"0\r\n\r\n",
        encode_chunk(b"t game") + b"0\r\n\r\n",
        until_close=False,
    )
    assert answer.startswith(b"ICAP/1.0 100 Continue\r\n\r\n")
    assert b"ICAP/1.0 204 No Content" in answer


def test_a_whole_body_in_the_preview_is_answered_at_once(port: int) -> None:
    body = f"{ROSTER_WORD}".encode()
    answer = exchange(
        port, reqmod(preview=4096) + encode_chunk(body) + b"0; ieof\r\n\r\n", until_close=False
    )
    assert answer.startswith(b"ICAP/1.0 200 OK\r\n")
    assert b"403 Forbidden" in answer


@pytest.mark.parametrize(
    "message",
    [
        b"\x00\xffgarbage\r\n\r\n",
        b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n",  # no Encapsulated
        reqmod() + b"fffffffffff\r\n",  # a chunk larger than allowed
        reqmod() + b"zz\r\n",  # not a chunk size
        b"REQMOD icap://127.0.0.1/elsewhere ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n",
        b"RESPMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n",
        b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=9\r\n"
        b"\r\nnot http\n",
    ],
)
def test_bad_input_gets_an_icap_error_and_the_server_keeps_serving(
    port: int, message: bytes
) -> None:
    answer = exchange(port, message)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 600
    assert b"Connection: close" in answer
    assert exchange(port, OPTIONS, until_close=False).startswith(b"ICAP/1.0 200 OK")


def test_truncated_requests_and_early_closes_leave_the_server_serving(port: int) -> None:
    for partial in (reqmod()[:30], reqmod() + b"10\r\nabc", reqmod(preview=10) + b"3\r\nab"):
        assert exchange(port, partial) == b""
    assert exchange(port, OPTIONS, until_close=False).startswith(b"ICAP/1.0 200 OK")


def test_an_announced_oversized_body_is_refused_at_the_preview_when_failing_closed(
    runtime: Runtime, log_path: Path, inspector: FakeInspector
) -> None:
    service = make_service(runtime, log_path, inspector, max_body_bytes=100)
    with serving(service) as port:
        answer = exchange(
            port,
            reqmod(b"Content-Length: 5000\r\n", preview=4) + encode_chunk(b"abcd") + b"0\r\n\r\n",
            until_close=False,
        )
    assert b"100 Continue" not in answer
    assert b"403 Forbidden" in answer
    assert b"could not be inspected" in answer


def test_failing_open_an_oversized_body_is_relayed_back_unchanged(
    runtime: Runtime, log_path: Path, inspector: FakeInspector
) -> None:
    service = make_service(
        runtime, log_path, inspector, max_body_bytes=100, fail_mode=FailMode.OPEN
    )
    body = b"y" * 150 + b"z" * 150
    with serving(service) as port:
        answer = exchange(
            port,
            reqmod(allow_204=False)
            + encode_chunk(body[:150])
            + encode_chunk(body[150:])
            + b"0\r\n\r\n",
        )
    icap_head, _, rest = answer.partition(b"\r\n\r\n")
    assert icap_head.startswith(b"ICAP/1.0 200 OK\r\n")
    assert b"Encapsulated: req-hdr=0, req-body=" in icap_head
    http_head, _, chunked = rest.partition(b"\r\n\r\n")
    assert http_head + b"\r\n\r\n" == HTTP + b"\r\n"
    decoder = ChunkDecoder()
    assert b"".join(decoder.feed(chunked)) == body
    assert decoder.done


class _Stuck(FakeInspector):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def inspect_text(self, text: str, name: str) -> tuple:  # type: ignore[type-arg]
        self.release.wait(30)
        return ()


def test_a_scan_past_its_time_limit_takes_the_fail_mode(runtime: Runtime, log_path: Path) -> None:
    stuck = _Stuck()
    service = make_service(runtime, log_path, stuck, scan_seconds=0.2)
    try:
        with serving(service) as port:
            answer = exchange(
                port,
                reqmod(b"Content-Type: text/plain\r\n") + encode_chunk(b"hello") + b"0\r\n\r\n",
                until_close=False,
            )
    finally:
        stuck.release.set()
    assert b"403 Forbidden" in answer
    assert b"longer than 0.2 s" in answer


def test_connections_past_max_connections_get_503_and_the_open_ones_keep_working(
    runtime: Runtime, log_path: Path, inspector: FakeInspector
) -> None:
    service = make_service(runtime, log_path, inspector, max_connections=2)
    options = b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    with serving(service) as number:
        held = [socket.create_connection(("127.0.0.1", number), timeout=10) for _ in range(2)]
        try:
            for sock in held:  # both are served (and so counted) before the third arrives
                sock.sendall(options)
                assert sock.recv(65536).startswith(b"ICAP/1.0 200 OK\r\n")
            # The third is answered on arrival, before it sends anything.
            with socket.create_connection(("127.0.0.1", number), timeout=10) as third:
                refused = third.recv(65536)
            assert refused.startswith(b"ICAP/1.0 503 Service Overloaded\r\n")
            assert b"Max-Connections" not in refused
            held[0].sendall(options)
            assert held[0].recv(65536).startswith(b"ICAP/1.0 200 OK\r\n")
        finally:
            for sock in held:
                sock.close()
        # Once they close, a new client is served again.
        for _ in range(50):
            answer = exchange(number, options)
            if answer.startswith(b"ICAP/1.0 200 OK"):
                break
            threading.Event().wait(0.1)
        assert answer.startswith(b"ICAP/1.0 200 OK\r\n")


class _StuckOnWord(FakeInspector):
    """Hangs on posts containing STUCK (until released); scans anything else at once."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def inspect_text(self, text: str, name: str) -> tuple:  # type: ignore[type-arg]
        if "STUCK" in text:
            self.release.wait(30)
            return ()
        return super().inspect_text(text, name)


def _post(port: int, text: bytes) -> bytes:
    head = reqmod(b"Content-Type: text/plain\r\n")
    return exchange(port, head + encode_chunk(text) + b"0\r\n\r\n", until_close=False)


@contextlib.contextmanager
def one_worker_with_stuck_scans(
    runtime: Runtime, log_path: Path, seconds: float
) -> Iterator[tuple[int, _StuckOnWord]]:
    """A one-worker server whose scans of STUCK posts hang until the test releases them."""
    inspector = _StuckOnWord()
    service = make_service(runtime, log_path, inspector, scan_seconds=seconds)
    try:
        with serving(service, workers=1) as port:
            yield port, inspector
    finally:
        inspector.release.set()


def test_a_stuck_scan_does_not_make_later_posts_wait_behind_it(
    runtime: Runtime, log_path: Path
) -> None:
    with one_worker_with_stuck_scans(runtime, log_path, 0.3) as (port, _):
        assert b"longer than 0.3 s" in _post(port, b"STUCK forever")
        # The only worker is still busy with the first scan; the next post is scanned
        # in a fresh pool, so it gets its real answer instead of another time-out.
        clean = _post(port, b"Great game last night")
        assert clean.startswith(b"ICAP/1.0 204"), clean[:200]
        assert b"403 Forbidden" in _post(port, f"our {ROSTER_WORD} list".encode())


def test_past_the_stuck_limit_new_posts_get_the_fail_mode_at_once(
    runtime: Runtime, log_path: Path
) -> None:
    with one_worker_with_stuck_scans(runtime, log_path, 0.2) as (port, inspector):
        for _ in range(MAX_STUCK_PER_WORKER):
            assert b"longer than 0.2 s" in _post(port, b"STUCK again")
        overloaded = _post(port, b"Great game last night")
        assert b"403 Forbidden" in overloaded
        assert b"inspection is overloaded" in overloaded
        inspector.release.set()
        # Once the stuck scans end, posts are scanned again.
        for _ in range(50):
            answer = _post(port, b"Great game last night")
            if answer.startswith(b"ICAP/1.0 204"):
                break
            threading.Event().wait(0.1)
        assert answer.startswith(b"ICAP/1.0 204")
