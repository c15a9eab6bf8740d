"""ICAP (RFC 3507) as a pure codec: request heads in, responses out, chunked bodies both ways.

Nothing here touches a socket, so every parser is tested and fuzzed on bytes
alone (``tests/unit/enforcement/icap/test_protocol.py``); :mod:`.server` is the
thin asyncio loop around it.

What the codec accepts is deliberately narrow. An ICAP head is at most
:data:`MAX_HEAD` bytes with at most :data:`MAX_HEADERS` fields; ``Encapsulated``
must list known section names at strictly increasing offsets starting at 0 and
end with exactly one body section (``req-body``, ``res-body``, ``null-body`` or
``opt-body``); a chunk-size line is at most :data:`MAX_CHUNK_LINE` bytes and a
chunk at most :data:`MAX_CHUNK` bytes. Anything else is an :class:`IcapError`
carrying the ICAP status to answer with (400 for malformed input), so the
server never has to guess and never crashes on what a client sends.

The chunk decoder is incremental (:class:`ChunkDecoder`): it hands out data as
it arrives and keeps only an unfinished size line, so memory stays bounded by
what the caller decides to keep, whatever the chunk sizes claim.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ICAP_VERSION = "ICAP/1.0"
#: Longest ICAP request head (request line and fields, up to the blank line).
MAX_HEAD = 64 * 1024
MAX_HEADERS = 100
#: Longest chunk-size line, extensions included.
MAX_CHUNK_LINE = 1024
#: Largest single chunk a client may announce (Squid sends at most 64 KiB at a time).
MAX_CHUNK = 16 * 1024 * 1024
#: Longest chunk trailer section we skip over.
MAX_TRAILER = 8 * 1024

METHODS = frozenset({"OPTIONS", "REQMOD", "RESPMOD"})
SECTIONS = frozenset({"req-hdr", "res-hdr", "req-body", "res-body", "null-body", "opt-body"})
BODY_SECTIONS = frozenset({"req-body", "res-body", "null-body", "opt-body"})

REASONS = {
    100: "Continue",
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "ICAP Service Not Found",
    405: "Method Not Allowed For Service",
    408: "Request Timeout",
    500: "Server Error",
    501: "Method Not Implemented",
    503: "Service Overloaded",
    505: "ICAP Version Not Supported",
}

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")


class IcapError(Exception):
    """Input the service cannot accept; ``status`` is the ICAP answer (the connection closes)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class IcapRequest:
    method: str
    uri: str
    #: Field names lower-cased; a repeated field keeps its values joined by ", ".
    headers: dict[str, str]
    #: ``Encapsulated`` as (section, offset) pairs, in order (empty for OPTIONS without it).
    encapsulated: tuple[tuple[str, int], ...] = ()

    @property
    def service(self) -> str:
        """The path of the ICAP URI (``/reqmod``), without query."""
        rest = self.uri.split("://", 1)[1] if "://" in self.uri else self.uri
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return path.split("?", 1)[0]

    @property
    def preview(self) -> int | None:
        """The ``Preview`` size the client used, or None when it sent the whole body."""
        raw = self.headers.get("preview")
        if raw is None:
            return None
        return int(raw)  # validated by parse_request_head

    @property
    def allow_204(self) -> bool:
        """Whether the client accepts ``204`` outside a preview (it kept a copy of the body)."""
        return "204" in {v.strip() for v in self.headers.get("allow", "").split(",")}

    def section(self, name: str) -> int | None:
        for section, offset in self.encapsulated:
            if section == name:
                return offset
        return None

    @property
    def body_section(self) -> str | None:
        return self.encapsulated[-1][0] if self.encapsulated else None


def parse_request_head(head: bytes) -> IcapRequest:
    """One ICAP request head (through the blank line) -> :class:`IcapRequest`, or IcapError."""
    if len(head) > MAX_HEAD:
        raise IcapError(400, f"ICAP head longer than {MAX_HEAD} bytes")
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise IcapError(400, "ICAP head is not ASCII") from None
    lines = text.split("\r\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise IcapError(400, "empty ICAP request")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise IcapError(400, "request line is not METHOD URI ICAP/1.0")
    method, uri, version = parts
    if version != ICAP_VERSION:
        raise IcapError(505, f"unsupported version {version[:20]!r}")
    if not _TOKEN.fullmatch(method.encode()):
        raise IcapError(400, "method is not a token")
    if method not in METHODS:
        raise IcapError(501, f"method {method[:20]} is not implemented")
    if not uri.startswith(("icap://", "/")) or any(c <= " " or c == "\x7f" for c in uri):
        raise IcapError(400, "request URI is not an icap:// URI")
    headers = parse_fields(lines[1:], what="ICAP")
    encapsulated = parse_encapsulated(headers["encapsulated"]) if "encapsulated" in headers else ()
    if method != "OPTIONS" and not encapsulated:
        raise IcapError(400, f"{method} without an Encapsulated header")
    preview = headers.get("preview")
    if preview is not None and (not preview.isdigit() or len(preview) > 9):
        raise IcapError(400, "Preview is not a byte count")
    return IcapRequest(method, uri, headers, encapsulated)


def parse_fields(lines: Iterable[str], *, what: str) -> dict[str, str]:
    """``Name: value`` lines -> {lower-case name: value}; folded lines are refused."""
    fields: dict[str, str] = {}
    for count, line in enumerate(lines, 1):
        if count > MAX_HEADERS:
            raise IcapError(400, f"more than {MAX_HEADERS} {what} header fields")
        name, sep, value = line.partition(":")
        if not sep or not name or not _TOKEN.fullmatch(name.encode("latin-1", "replace")):
            raise IcapError(400, f"malformed {what} header line {count}")
        key = name.lower()
        value = value.strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def parse_encapsulated(value: str) -> tuple[tuple[str, int], ...]:
    """``req-hdr=0, req-body=412`` -> (("req-hdr", 0), ("req-body", 412)), checked."""
    out: list[tuple[str, int]] = []
    for item in value.split(","):
        name, sep, number = item.strip().partition("=")
        if not sep or name not in SECTIONS:
            raise IcapError(400, f"Encapsulated has an unknown section {name[:20]!r}")
        if not number.isdigit() or len(number) > 9:
            raise IcapError(400, f"Encapsulated offset of {name} is not a number")
        out.append((name, int(number)))
    if out[0][1] != 0:
        raise IcapError(400, "Encapsulated must start at offset 0")
    if any(b[1] <= a[1] for a, b in itertools.pairwise(out)):
        raise IcapError(400, "Encapsulated offsets must increase")
    bodies = [name for name, _ in out if name in BODY_SECTIONS]
    if len(bodies) != 1 or out[-1][0] not in BODY_SECTIONS:
        raise IcapError(400, "Encapsulated must end with exactly one body section")
    return tuple(out)


# -- chunked bodies --------------------------------------------------------------------


@dataclass(slots=True)
class ChunkDecoder:
    """Incremental decoder of an encapsulated body in chunked transfer coding.

    ``feed(data)`` returns the body bytes that ``data`` completed; ``done`` turns
    true at the last (zero-size) chunk and its blank line, ``ieof`` when that
    chunk carried the ``ieof`` extension (a preview that held the whole body).
    Bytes past the end are kept in ``rest`` for the caller. Only an unfinished
    size line or trailer is buffered, each bounded.
    """

    done: bool = False
    ieof: bool = False
    rest: bytes = b""
    _line: bytearray = field(default_factory=bytearray)
    _left: int = 0  # body bytes still due in the current chunk
    _state: str = "size"  # size | data | crlf | trailer

    def feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        view = memoryview(data)
        at = 0
        while at < len(view):
            if self.done:
                self.rest += bytes(view[at:])
                break
            if self._state == "data":
                take = min(self._left, len(view) - at)
                out.append(bytes(view[at : at + take]))
                at += take
                self._left -= take
                if self._left == 0:
                    self._state = "crlf"
                continue
            newline = data.find(b"\n", at)
            end = len(data) if newline < 0 else newline + 1
            self._line += view[at:end]
            at = end
            limit = MAX_TRAILER if self._state == "trailer" else MAX_CHUNK_LINE
            if len(self._line) > limit:
                raise IcapError(400, "chunk line too long")
            if newline < 0:
                break
            line = bytes(self._line)
            self._line.clear()
            if not line.endswith(b"\r\n"):
                raise IcapError(400, "chunk line not ended by CRLF")
            self._line_done(line[:-2])
        return out

    def _line_done(self, line: bytes) -> None:
        if self._state == "crlf":
            if line:
                raise IcapError(400, "chunk data longer than its size")
            self._state = "size"
        elif self._state == "trailer":
            if not line:
                self.done = True
        else:
            size_text, _, extensions = line.partition(b";")
            size_text = size_text.strip(b" \t")
            if not _HEX.fullmatch(size_text):
                raise IcapError(400, "chunk size is not hexadecimal")
            size = int(size_text, 16)
            if size > MAX_CHUNK:
                raise IcapError(400, f"chunk of {size} bytes is larger than {MAX_CHUNK}")
            if size:
                self._left = size
                self._state = "data"
                return
            self.ieof = any(e.strip(b" \t") == b"ieof" for e in extensions.split(b";"))
            self._state = "trailer"


def encode_chunked(body: bytes, *, ieof: bool = False) -> bytes:
    """``body`` as one chunk and the terminating zero chunk (``ieof`` for a whole preview)."""
    head = f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b""
    return head + (b"0; ieof\r\n\r\n" if ieof else b"0\r\n\r\n")


def encode_chunk(data: bytes) -> bytes:
    """One chunk (not the end): used when relaying a body piece by piece."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n" if data else b""


END_CHUNK = b"0\r\n\r\n"


# -- responses -------------------------------------------------------------------------


def format_response(
    status: int,
    headers: Iterable[tuple[str, str]],
    *,
    http_head: bytes | None = None,
    head_section: str = "res-hdr",
    body: bytes | None = None,
    chunked_body: bool = True,
) -> bytes:
    """An ICAP response: status line, fields, ``Encapsulated`` and the encapsulated parts.

    ``http_head`` is the encapsulated HTTP head (a request or response, through
    its blank line) under ``head_section``; ``body`` its body, chunk-encoded here
    unless ``chunked_body`` is false (the caller will stream the chunks). Without
    an HTTP head the message encapsulates ``null-body=0``.
    """
    if any("\r" in n + v or "\n" in n + v for n, v in headers):
        msg = "an ICAP header field may not contain a line break"
        raise ValueError(msg)
    lines = [f"{ICAP_VERSION} {status} {REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    payload = b""
    if status == 100:
        pass
    elif http_head is None:
        lines.append("Encapsulated: null-body=0")
    else:
        body_name = "req-body" if head_section == "req-hdr" else "res-body"
        if body is None and chunked_body:
            lines.append(f"Encapsulated: {head_section}=0, null-body={len(http_head)}")
            payload = http_head
        else:
            lines.append(f"Encapsulated: {head_section}=0, {body_name}={len(http_head)}")
            payload = http_head
            if body is not None:
                payload += encode_chunked(body) if chunked_body else body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def format_error(status: int, istag: str, message: str) -> bytes:
    """An ICAP error answer; the connection is closed after it."""
    clean = "".join(c if " " <= c < "\x7f" else "?" for c in message)[:200]
    return format_response(
        status,
        [("ISTag", istag), ("Connection", "close"), ("X-Boardline-Error", clean)],
    )
