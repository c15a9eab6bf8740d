"""The I/O loop of the Squid external ACL helper: stdin lines in, replies out.

Design. Decisions are pure CPU work in one Python process, so threads or an
event loop would add overhead without adding throughput (the GIL serialises
them anyway). The loop reads whatever Squid has written so far (one ``read1``
call, up to 64 KiB), answers every complete line in that batch, writes all the
replies with one ``write`` and flushes once. Without ``concurrency`` Squid sends
one line and waits, so a batch is one line; with ``concurrency=N`` Squid keeps
up to N lines in flight per helper and a busy helper answers them in bulk.
Replies of a batch come out in input order, which is one of the orders the
concurrent protocol allows.

Robustness. The helper never dies on input: a line that is not UTF-8, does not
parse, is empty or is longer than :data:`MAX_LINE` gets ``BH message=...``, as
does a line whose decider raises (logged with its traceback to stderr, which
Squid copies into cache.log). ``BH`` is never cached by Squid and leaves the ACL
undecided, which the generated configuration turns into the district's fail
mode. With concurrency on, a reply must start with the request's channel id; a
bad line whose channel cannot be recovered is logged and left unanswered
rather than answered on a guessed channel (which could answer someone else's
request). Without concurrency every line is answered, because Squid pairs
requests and replies by order. End of input ends the loop cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import BinaryIO

from boardline.enforcement.squid.protocol import (
    Decider,
    HelperRequest,
    ProtocolError,
    channel_of,
    check_fields,
    format_bh,
    format_reply,
    request_parser,
)

#: Longest request line answered normally; longer ones get ``BH``.
MAX_LINE = 64 * 1024
#: Most bytes taken from stdin per batch.
CHUNK = 64 * 1024

logger = logging.getLogger(__name__)


class _Oversized:
    """Stands for a line longer than :data:`MAX_LINE`; keeps its start for the channel."""

    __slots__ = ("head",)

    def __init__(self, head: bytes) -> None:
        self.head = head


def run_helper(
    decider: Decider,
    stdin: BinaryIO,
    stdout: BinaryIO,
    *,
    concurrency: bool,
    fields: tuple[str, ...],
    before_reply: Callable[[], None] | None = None,
) -> int:
    """Answer Squid until end of input; return the process exit status.

    ``before_reply`` runs after a batch is decided and before its replies are
    written: the decision log flushes there, so every decision Squid hears about
    is already in the log (nothing acknowledged is lost if the helper is killed).

    ``stdin`` and ``stdout`` are binary (``sys.stdin.buffer``, ``sys.stdout.buffer``);
    input is taken with ``read1`` when the stream has it, so a batch is whatever
    Squid has written so far. ``0`` after end of input; ``1`` if Squid stopped
    reading our replies.
    ``fields`` must match the FORMAT Squid was configured with
    (:func:`boardline.enforcement.squid.config.helper_format`); a bad tuple is a
    ``ValueError`` before anything is read.
    """
    check_fields(fields)
    answer = _Answerer(decider, concurrency=concurrency, fields=fields)
    # read1 returns what one read() of the pipe gives; plain read() would wait
    # for a full chunk, which Squid may never send.
    read: Callable[[int], bytes] = getattr(stdin, "read1", stdin.read)
    for batch in _batches(read):
        replies = [reply for item in batch if (reply := answer(item)) is not None]
        if not replies:
            continue
        if before_reply is not None:
            before_reply()
        try:
            stdout.write(b"".join(replies))
            stdout.flush()
        except (BrokenPipeError, ConnectionResetError):
            logger.warning("Squid closed the reply pipe; the helper stops")
            return 1
    return 0


def _batches(read: Callable[[int], bytes]) -> Iterator[list[bytes | _Oversized]]:
    """Complete lines per read; an overlong line becomes one :class:`_Oversized`."""
    pending = b""
    skipping: bytes | None = None  # the head of an overlong line being skipped
    while True:
        chunk = read(CHUNK)
        if not chunk:
            break
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        batch: list[bytes | _Oversized] = []
        for line in lines:
            if skipping is not None:
                batch.append(_Oversized(skipping))
                skipping = None
            elif len(line) > MAX_LINE:
                batch.append(_Oversized(line[:64]))
            else:
                batch.append(line)
        if skipping is None and len(pending) > MAX_LINE:
            skipping, pending = pending[:64], b""
        elif skipping is not None:
            pending = b""
        if batch:
            yield batch
    if skipping is not None:
        yield [_Oversized(skipping)]
    elif pending:
        yield [pending]


class _Answerer:
    """Turns one input line into one reply (or ``None`` when it cannot be addressed).

    Uses the decider's ``reply`` when it has one
    (:class:`~boardline.enforcement.squid.protocol.ReplyingDecider`), else formats
    what ``decide`` returns; the field layout is looked up once.
    """

    __slots__ = ("concurrency", "decider", "fields", "parse", "reply")

    def __init__(self, decider: Decider, *, concurrency: bool, fields: tuple[str, ...]) -> None:
        self.decider = decider
        self.concurrency = concurrency
        self.fields = fields
        self.parse = request_parser(concurrency=concurrency, fields=fields)
        reply: Callable[[HelperRequest], str] | None = getattr(decider, "reply", None)
        self.reply = reply

    def __call__(self, item: bytes | _Oversized) -> bytes | None:
        if isinstance(item, _Oversized):
            head = item.head.decode("ascii", errors="replace")
            return self._bh(channel_of(head), f"request line longer than {MAX_LINE} bytes")
        try:
            line = item.decode("utf-8")
        except UnicodeDecodeError:
            head = item[:64].decode("ascii", errors="replace")
            return self._bh(channel_of(head), "request line is not valid UTF-8")
        try:
            request = self.parse(line)
        except ProtocolError as exc:
            return self._bh(channel_of(line), str(exc))
        try:
            if self.reply is not None:
                channel = request.channel
                text = self.reply(request)
                return (text if channel is None else f"{channel} {text}").encode("utf-8")
            return format_reply(request.channel, self.decider.decide(request)).encode("utf-8")
        except Exception as exc:
            logger.exception(
                "decision failed for %s %s%s", request.method, request.host, request.path
            )
            return self._bh(request.channel, f"decision failed: {type(exc).__name__}")

    def _bh(self, channel: str | None, message: str) -> bytes | None:
        if self.concurrency and channel is None:
            logger.warning("unanswerable request line (no channel id): %s", message)
            return None
        logger.warning("BH: %s", message)
        return format_bh(channel, message).encode("utf-8")
