"""The HTTP request Squid encapsulates in a REQMOD: its request line and fields, parsed.

Only the head is parsed here (the body comes chunked, see :mod:`.protocol`).
The service needs the method, the destination host and path (the engine
decides per destination) and the body's ``Content-Type``/``Content-Length``
(to pick a decoder and to refuse an oversized body at the preview). The raw
head is kept as received: an allowed request that must be echoed back (Squid
offered no ``204``) is returned byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from boardline.enforcement.icap.protocol import IcapError, parse_fields

#: Longest encapsulated HTTP head accepted.
MAX_HTTP_HEAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class HttpRequestHead:
    method: str
    target: str
    version: str
    #: Field names lower-cased; repeated fields joined by ", ".
    headers: dict[str, str]
    raw: bytes

    @property
    def host(self) -> str:
        """The destination host, lower-case, without port or trailing dot."""
        authority = ""
        if "://" in self.target:
            authority = urlsplit(self.target).netloc
        authority = authority or self.headers.get("host", "")
        authority = authority.rsplit("@", 1)[-1]
        if authority.startswith("["):
            host = authority[1:].split("]", 1)[0]
        else:
            host = authority.split(":", 1)[0]
        return host.lower().rstrip(".")

    @property
    def path(self) -> str:
        """Path and query of the target (``/`` when absent)."""
        if "://" in self.target:
            parts = urlsplit(self.target)
            path = parts.path or "/"
            return f"{path}?{parts.query}" if parts.query else path
        return self.target or "/"

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def content_length(self) -> int | None:
        raw = self.headers.get("content-length", "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 19 else None


def parse_http_request_head(raw: bytes) -> HttpRequestHead:
    """The encapsulated ``req-hdr`` section (through its blank line) -> HttpRequestHead."""
    if len(raw) > MAX_HTTP_HEAD:
        raise IcapError(400, f"encapsulated HTTP head longer than {MAX_HTTP_HEAD} bytes")
    if not raw.endswith(b"\r\n\r\n"):
        raise IcapError(400, "encapsulated HTTP head does not end with a blank line")
    # Latin-1 maps every byte: field values with UTF-8 in them stay readable enough,
    # and nothing here can fail to decode.
    lines = raw[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise IcapError(400, "encapsulated HTTP request line is not METHOD TARGET HTTP/x")
    method, target, version = parts
    if not method or not method.isascii() or not method.isalpha():
        raise IcapError(400, "encapsulated HTTP method is not a word")
    headers = parse_fields(lines[1:], what="HTTP")
    return HttpRequestHead(method.upper(), target, version, headers, raw)
