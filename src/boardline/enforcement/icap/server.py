"""The ICAP server: an asyncio loop that moves bytes between Squid and the codec.

One coroutine per connection reads an ICAP head, hands it to
:func:`~.protocol.parse_request_head`, reads the encapsulated HTTP head and
the chunked body through :class:`~.protocol.ChunkDecoder`, and writes what
:class:`~.service.ReqmodService` answers. Connections are persistent: after a
complete exchange the next request is read from the same connection.

Preview. OPTIONS advertises ``Preview`` (4 KiB by default) and
``Transfer-Preview: *``, so Squid sends the start of every body first. A
preview ending in ``ieof`` is the whole body: it is scanned at once. Otherwise
an announced ``Content-Length`` over the limit is answered right away with the
fail mode (no need to receive megabytes we will not scan); else the server
asks for the rest with ``100 Continue``.

Bodies over the limit that arrive anyway (no preview, no length) are answered
with the fail mode. Fail-open, when Squid kept no copy (no ``Allow: 204``), is
answered by relaying the request back unchanged chunk by chunk as it keeps
arriving, so memory stays at the limit whatever the upload's size.

Robustness. Malformed input gets an ICAP error response (400, 404, 405, 501,
505) and the connection is closed; a stalled client is dropped after
``read_timeout``; an unexpected failure in a handler is logged and answered
with 500. Nothing a client sends stops the server from serving the others.

Stuck scans. Python cannot stop a thread, so a scan past ``scan_seconds`` keeps
running after its post got the fail mode. Left in the pool, a few pathological
uploads would occupy every worker and every later post would time out behind
them. So a timed-out scan is set aside: once as many are running as there are
workers, new scans go to a fresh pool (the stuck threads finish on their own
and are then gone). At most :data:`MAX_STUCK_PER_WORKER` times the worker count
may be stuck at once; past that the service is overloaded and new posts get the
fail mode at once instead of starting yet another thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Iterator

from boardline.enforcement.icap.http_message import (
    MAX_HTTP_HEAD,
    HttpRequestHead,
    parse_http_request_head,
)
from boardline.enforcement.icap.protocol import (
    END_CHUNK,
    MAX_HEAD,
    ChunkDecoder,
    IcapError,
    IcapRequest,
    encode_chunk,
    format_error,
    format_response,
    parse_request_head,
)
from boardline.enforcement.icap.service import Outcome, ReqmodService, UnscannableError, Verdict
from boardline.model.events import Finding

logger = logging.getLogger(__name__)

#: ICAP service paths answered (Squid's icap_service URI names one of them).
SERVICE_PATHS = frozenset({"/reqmod", "/"})
READ_SIZE = 64 * 1024


class _ClosedError(Exception):
    """The client went away (or stalled) mid-request: drop the connection quietly."""


class _Connection:
    """Buffered reads with bounds, over an asyncio stream pair."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.timeout = timeout
        self.buffer = bytearray()

    async def _more(self, timeout: float) -> None:
        try:
            data = await asyncio.wait_for(self.reader.read(READ_SIZE), timeout)
        except (TimeoutError, ConnectionError) as exc:
            raise _ClosedError(str(exc)) from None
        if not data:
            raise _ClosedError("end of input")
        self.buffer += data

    async def read_head(self, idle: float) -> bytes | None:
        """Through the next blank line; None at a clean end between requests."""
        first = True
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buffer[: end + 4])
                del self.buffer[: end + 4]
                return head
            if len(self.buffer) > MAX_HEAD:
                raise IcapError(400, f"ICAP head longer than {MAX_HEAD} bytes")
            try:
                await self._more(idle if first and not self.buffer else self.timeout)
            except _ClosedError:
                if not self.buffer:
                    return None
                raise
            first = False

    async def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            await self._more(self.timeout)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def chunks(self, decoder: ChunkDecoder) -> list[bytes]:
        """Body pieces from the buffer, reading more when it holds nothing decodable."""
        while True:
            if self.buffer:
                data = bytes(self.buffer)
                self.buffer.clear()
                pieces = decoder.feed(data)
                if decoder.done:
                    self.buffer += decoder.rest
                    decoder.rest = b""
                if pieces or decoder.done:
                    return pieces
            await self._more(self.timeout)

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        try:
            await self.writer.drain()
        except ConnectionError as exc:
            raise _ClosedError(str(exc)) from None


_Scan = concurrent.futures.Future[tuple[Finding, ...]]

#: Timed-out scans allowed to run on per worker before new posts get the fail mode at once.
MAX_STUCK_PER_WORKER = 4


class IcapServer:
    """Serves :class:`ReqmodService` on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        service: ReqmodService,
        *,
        host: str = "127.0.0.1",
        port: int = 1344,
        workers: int = 2,
        read_timeout: float = 60.0,
        idle_timeout: float = 600.0,
    ) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self.workers = workers
        self._pool = self._new_pool()
        #: Scans that ran past their time limit and are still running (see the module doc).
        self._stuck: set[_Scan] = set()
        #: Those of them holding a worker of the current pool.
        self._stuck_here: set[_Scan] = set()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    def _new_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="icap-scan"
        )

    @property
    def stuck_scans(self) -> int:
        """Timed-out scans still running."""
        return len(self._stuck)

    async def start(self) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        address = self._server.sockets[0].getsockname()
        self.port = int(address[1])
        logger.info("ICAP service listening on %s:%d", self.host, self.port)
        return self.host, self.port

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        server = self._server
        if server is None:
            msg = "the server did not start"
            raise RuntimeError(msg)
        async with server:
            await server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # Persistent connections wait for their next request; end them (Squid reconnects).
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- one connection --------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(reader, writer, self.read_timeout)
        if len(self._connections) >= self.service.limits.max_connections:
            # OPTIONS told Squid our Max-Connections; a client past it is told so
            # (503, RFC 3507 4.3.3) rather than queued without bound.
            self.service.counters.errors += 1
            logger.warning(
                "ICAP connection refused: %d open, Max-Connections is %d",
                len(self._connections),
                self.service.limits.max_connections,
            )
            with contextlib.suppress(_ClosedError, ConnectionError):
                await conn.write(format_error(503, self._istag(), "Service overloaded"))
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while await self._exchange(conn):
                pass
        except _ClosedError:
            pass
        except IcapError as exc:
            self.service.counters.errors += 1
            logger.info("ICAP %d: %s", exc.status, exc.message)
            with contextlib.suppress(_ClosedError):
                await conn.write(format_error(exc.status, self._istag(), exc.message))
        except Exception:
            self.service.counters.errors += 1
            logger.exception("ICAP request failed")
            with contextlib.suppress(_ClosedError):
                await conn.write(format_error(500, self._istag(), "internal error"))
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _istag(self) -> str:
        try:
            return self.service.istag()
        except Exception:
            return '"bl-unavailable"'

    async def _exchange(self, conn: _Connection) -> bool:
        """Serve one request; True to keep the connection for the next one."""
        head = await conn.read_head(self.idle_timeout)
        if head is None:
            return False
        request = parse_request_head(head)
        if request.service not in SERVICE_PATHS:
            raise IcapError(404, f"no ICAP service at {request.service[:60]}")
        if request.method == "OPTIONS":
            if request.body_section == "opt-body":
                await self._discard_body(conn)
            await conn.write(format_response(200, self.service.options_headers()))
            return True
        if request.method != "REQMOD":
            raise IcapError(405, f"{request.method} is not offered; this service does REQMOD")
        return await self._reqmod(conn, request)

    async def _discard_body(self, conn: _Connection) -> None:
        decoder = ChunkDecoder()
        seen = 0
        while not decoder.done:
            seen += sum(len(p) for p in await conn.chunks(decoder))
            if seen > MAX_HEAD:
                raise IcapError(400, "OPTIONS body too long")

    async def _reqmod(self, conn: _Connection, request: IcapRequest) -> bool:
        sections = [name for name, _ in request.encapsulated]
        if (
            sections[0] != "req-hdr"
            or len(sections) != 2
            or sections[1]
            not in {
                "req-body",
                "null-body",
            }
        ):
            raise IcapError(400, "REQMOD must encapsulate req-hdr and then req-body or null-body")
        offset = request.encapsulated[1][1]
        if offset > MAX_HTTP_HEAD:
            raise IcapError(400, f"encapsulated HTTP head longer than {MAX_HTTP_HEAD} bytes")
        http = parse_http_request_head(await conn.read_exactly(offset))
        service = self.service
        if sections[1] == "null-body":
            # Nothing posted, nothing to inspect: the request goes on unchanged.
            await conn.write(
                service.answer(Outcome(Verdict.ALLOWED), request, http, None, in_preview=False)
            )
            return True
        limit = service.limits.max_body_bytes
        body = bytearray()
        decoder = ChunkDecoder()
        preview = request.preview
        while not decoder.done:
            for piece in await conn.chunks(decoder):
                body += piece
            if preview is not None and len(body) > preview:
                raise IcapError(400, f"preview longer than the announced {preview} bytes")
            if len(body) > limit:
                break
        in_preview = preview is not None
        if in_preview and not decoder.ieof:
            if service.too_large(http):
                outcome = service.unscanned(request, http, f"the body is over {limit} bytes")
                await conn.write(service.answer(outcome, request, http, None, in_preview=True))
                return True
            await conn.write(format_response(100, []))
            decoder = ChunkDecoder()
            while not decoder.done and len(body) <= limit:
                for piece in await conn.chunks(decoder):
                    body += piece
        if not decoder.done or len(body) > limit:
            return await self._oversize(conn, request, http, body, decoder)
        outcome = await self._inspect(request, http, bytes(body))
        await conn.write(service.answer(outcome, request, http, bytes(body), in_preview=False))
        return True

    async def _oversize(
        self,
        conn: _Connection,
        request: IcapRequest,
        http: HttpRequestHead,
        body: bytearray,
        decoder: ChunkDecoder,
    ) -> bool:
        """A body over the limit: the fail mode, without keeping more than the limit."""
        service = self.service
        limit = service.limits.max_body_bytes
        outcome = service.unscanned(request, http, f"the body is over {limit} bytes")
        if not outcome.allow:
            await conn.write(service.answer(outcome, request, http, None, in_preview=False))
            return False  # the rest of the body is never read: this connection is done
        istag = ("ISTag", service.istag())
        if request.allow_204:
            await conn.write(format_response(204, [istag]))
            return False
        # Fail-open without a copy at Squid: hand the request back as it streams in.
        await conn.write(
            format_response(
                200, [istag], http_head=http.raw, head_section="req-hdr", chunked_body=False
            )
        )
        await conn.write(encode_chunk(bytes(body)))
        while not decoder.done:
            for piece in await conn.chunks(decoder):
                await conn.write(encode_chunk(piece))
        await conn.write(END_CHUNK)
        return True

    async def _inspect(self, request: IcapRequest, http: HttpRequestHead, body: bytes) -> Outcome:
        service = self.service
        seconds = service.limits.scan_seconds
        if len(self._stuck) >= MAX_STUCK_PER_WORKER * self.workers:
            return service.unscanned(
                request, http, f"inspection is overloaded ({len(self._stuck)} scans stuck)"
            )
        future = self._pool.submit(service.scan, http, body)
        try:
            # shield: a time-out must not cancel the future (it cannot stop the thread, and
            # a cancelled future would hide that the thread is still busy).
            findings = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), seconds)
        except TimeoutError:
            self._set_aside(future)
            return service.unscanned(request, http, f"inspection took longer than {seconds:g} s")
        except UnscannableError as exc:
            return service.unscanned(request, http, str(exc))
        except Exception as exc:
            logger.exception("the inspector failed on a post to %s", http.host)
            return service.unscanned(request, http, f"the inspector failed ({type(exc).__name__})")
        return service.decide(request, http, findings)

    def _set_aside(self, future: _Scan) -> None:
        """Track a timed-out scan; move new scans to a fresh pool once this one is full."""
        if future.done():
            return
        here = self._stuck_here
        self._stuck.add(future)
        here.add(future)
        # Runs in the worker thread when the scan finally ends; set operations are atomic.
        future.add_done_callback(self._stuck.discard)
        future.add_done_callback(here.discard)
        if len(here) >= self.workers:
            logger.warning(
                "%d scans stuck past their time limit; new scans go to a fresh pool", len(here)
            )
            # The old pool's threads end with their scans; nothing else is queued there.
            self._pool.shutdown(wait=False)
            self._pool = self._new_pool()
            self._stuck_here = set()


@contextlib.contextmanager
def serving_in_thread(server: IcapServer, *, name: str = "icap") -> Iterator[int]:
    """Run ``server`` on its own event loop in a daemon thread; yield its port; stop on exit.

    For callers that are not async themselves: the demo, the benches and the tests.
    """
    loop = asyncio.new_event_loop()
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
