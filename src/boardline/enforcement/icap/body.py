"""An HTTP request body, decoded into the parts a scanner can read.

A post reaches a social site as one of four shapes, each decoded here:

* ``multipart/form-data`` (a form with files): every file becomes an upload
  part (bytes, name, media type); the form's text fields are joined into one
  text part, so a name in one field and an id in the next stay near each other
  for the confidential-data scanner. Parsed with ``python-multipart``'s
  streaming parser, which bounds header counts and sizes.
* ``application/json``: every string value, walked iteratively (keys are the
  site's vocabulary, not the user's words), joined into one text part.
* ``application/x-www-form-urlencoded``: the values, joined into one text part.
* anything else: one raw upload part; the inspector sniffs what it is.

Before any of that, a ``Content-Encoding`` the client applied (gzip, deflate, in
the order listed) is undone by :func:`decode_content`, bounded by the service's
body limit so a small compressed bomb cannot expand past it; an encoding the
service cannot undo (``br``, ``zstd``) raises :class:`BodyLimitError` rather than
let compressed bytes through as if they had been read.

A body that claims a shape and does not parse is never let through unread:
it falls back to a raw part (and ``malformed`` says so), so a broken boundary
cannot smuggle a file past the scanner. More than ``max_parts`` parts raises
:class:`BodyLimitError`, which the service answers with the fail mode.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

#: Deepest JSON nesting walked (deeper documents are scanned as raw text).
MAX_JSON_DEPTH = 64


class BodyLimitError(Exception):
    """The body has more parts than the service inspects."""


@dataclass(frozen=True, slots=True)
class Part:
    """One thing to scan: ``text`` for words typed into a form, else ``data`` for an upload."""

    name: str
    data: bytes = b""
    text: str | None = None
    media_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8")) if self.text is not None else len(self.data)


@dataclass(frozen=True, slots=True)
class DecodedBody:
    parts: tuple[Part, ...]
    #: The body claimed a shape (multipart, JSON) that did not parse; it is scanned raw.
    malformed: bool = False


def decode_content(data: bytes, encoding: str | None, *, max_bytes: int) -> bytes:
    """``data`` with its ``Content-Encoding`` undone, never more than ``max_bytes`` out.

    Raises :class:`BodyLimitError` for an encoding not undone here, a stream that
    does not decompress, or one that expands past ``max_bytes``.
    """
    if not encoding:
        return data
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    # Listed in the order applied, so undone from the last.
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding in {"gzip", "x-gzip"}:
            data = _inflate(data, zlib.MAX_WBITS | 16, coding, max_bytes)
        elif coding == "deflate":
            # RFC 9110 deflate is zlib-wrapped; some clients send raw deflate.
            try:
                data = _inflate(data, zlib.MAX_WBITS, coding, max_bytes)
            except BodyLimitError as exc:
                if "expands" in str(exc):
                    raise
                data = _inflate(data, -zlib.MAX_WBITS, coding, max_bytes)
        else:
            raise BodyLimitError(f"content encoding {coding[:40]!r} is not inspected")
    return data


def _inflate(data: bytes, wbits: int, coding: str, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        raise BodyLimitError(f"the {coding} body does not decompress") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise BodyLimitError(f"the {coding} body expands beyond {max_bytes} bytes")
    if not inflater.eof:
        raise BodyLimitError(f"the {coding} body is truncated")
    return out


def decode_body(data: bytes, content_type: str | None, *, name: str, max_parts: int) -> DecodedBody:
    """Split ``data`` into parts by its ``Content-Type``; see the module docstring."""
    if not data:
        return DecodedBody(())
    media, options = _media_type(content_type)
    if media == "multipart/form-data":
        boundary = options.get("boundary", "")
        if boundary:
            try:
                return DecodedBody(_multipart(data, boundary, max_parts))
            except MultipartParseError:
                pass
        return DecodedBody((Part(name, data=data, media_type=None),), malformed=True)
    charset = options.get("charset", "utf-8")
    if media == "application/json" or media.endswith("+json"):
        text = _decode(data, charset)
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return DecodedBody((Part(name, text=text, media_type=media),), malformed=True)
        strings = _json_strings(document, max_parts)
        if strings is None:
            return DecodedBody((Part(name, text=text, media_type=media),), malformed=True)
        return DecodedBody(_text_parts(name, strings, media))
    if media == "application/x-www-form-urlencoded":
        text = _decode(data, charset)
        try:
            pairs = parse_qsl(text, keep_blank_values=False, max_num_fields=max_parts)
        except ValueError:
            raise BodyLimitError(f"more than {max_parts} form fields") from None
        return DecodedBody(_text_parts(name, [v for _, v in pairs], media))
    if media.startswith("text/") and media not in {"text/html", "text/xml"}:
        return DecodedBody((Part(name, text=_decode(data, charset), media_type=media),))
    return DecodedBody((Part(name, data=data, media_type=media or None),))


def upload_name(path: str, disposition: str | None) -> str:
    """A name for a raw upload: its Content-Disposition file name, else the path's last part."""
    if disposition:
        _, options = _media_type(disposition)
        filename = options.get("filename")
        if filename:
            return filename[-200:]
    last = unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    return last[-200:] or "upload"


def _media_type(value: str | None) -> tuple[str, dict[str, str]]:
    if not value:
        return "", {}
    media, raw = parse_options_header(value)
    options = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw.items()}
    return media.decode("latin-1").lower().strip(), options


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _text_parts(name: str, values: list[str], media: str) -> tuple[Part, ...]:
    text = "\n".join(v for v in values if v.strip())
    return (Part(name, text=text, media_type=media),) if text else ()


def _json_strings(document: object, max_parts: int) -> list[str] | None:
    """Every string value, depth-first in document order; None past MAX_JSON_DEPTH."""
    out: list[str] = []
    stack: list[tuple[object, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return None
        if isinstance(value, str):
            out.append(value)
            if len(out) > max_parts * 64:
                raise BodyLimitError(f"more than {max_parts * 64} JSON string values")
        elif isinstance(value, dict):
            stack.extend((v, depth + 1) for v in reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in reversed(value))
    return out


class _MultipartCollector:
    """Callbacks for python-multipart: collects parts, counting them against the limit."""

    def __init__(self, max_parts: int) -> None:
        self.max_parts = max_parts
        self.files: list[Part] = []
        self.fields: list[str] = []
        self.count = 0
        self._headers: dict[str, str] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self.count += 1
        if self.count > self.max_parts:
            raise BodyLimitError(f"more than {self.max_parts} multipart parts")
        self._headers = {}
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = bytearray()
        self._value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def on_part_end(self) -> None:
        _, disposition = _media_type(self._headers.get("content-disposition"))
        media, options = _media_type(self._headers.get("content-type"))
        filename = disposition.get("filename")
        data = bytes(self._data)
        self._data = bytearray()
        if filename is not None or (media and not media.startswith("text/plain")):
            label = (filename or disposition.get("name") or "part")[-200:]
            self.files.append(Part(label, data=data, media_type=media or None))
        else:
            self.fields.append(_decode(data, options.get("charset", "utf-8")))


def _multipart(data: bytes, boundary: str, max_parts: int) -> tuple[Part, ...]:
    collector = _MultipartCollector(max_parts)
    callbacks = {
        "on_part_begin": collector.on_part_begin,
        "on_part_data": collector.on_part_data,
        "on_part_end": collector.on_part_end,
        "on_header_field": collector.on_header_field,
        "on_header_value": collector.on_header_value,
        "on_header_end": collector.on_header_end,
    }
    parser = MultipartParser(boundary, callbacks, max_header_count=16)  # type: ignore[arg-type]
    parser.write(data)
    parser.finalize()
    if collector.count == 0 or parser.state != MultipartState.END:
        # A truncated body ends inside a part that was never closed: its bytes never
        # reached on_part_end, so the whole body is scanned raw instead.
        raise MultipartParseError("the body ends before the closing boundary")
    return (*collector.files, *_text_parts("form fields", collector.fields, "text/plain"))
