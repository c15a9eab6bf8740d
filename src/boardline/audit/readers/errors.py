"""What a reader says about a line it could not use, and about lines it set aside.

A log line is either turned into an event, set aside on purpose (*skipped*: a
blank line, a DNS reply, a mail step already counted) or *unusable* (an error).
Nothing else can happen to it, so every file's totals reconcile:
``lines == used + skipped + errors``. Errors are stored as ``read_errors`` rows
(reason, detail, sample) so the report can count them by reason and show a few;
skips are only counted, by reason.

Reasons are short and stable, because reports and tests group by them:

``malformed``
    the line does not have the format's shape; the detail names the field.
``truncated``
    the file ends inside a line (no final newline and the line does not parse),
    or a gzip stream ends before its end marker.
``corrupt``
    a gzip stream whose compressed data cannot be decoded.
``binary``
    the line holds control bytes (NUL and friends) that no text log writes.
``encoding``
    the line is not UTF-8.
``out_of_range``
    a field has the right shape but an impossible value (a date in 1970, an
    hour 25); the detail names the field.
``version``
    a decision-log line of a schema version this reader does not know.
``too_long``
    a line longer than :data:`MAX_LINE` bytes (kept out of memory, not read).
"""

from __future__ import annotations

from typing import Final, NamedTuple

MALFORMED: Final = "malformed"
TRUNCATED: Final = "truncated"
CORRUPT: Final = "corrupt"
BINARY: Final = "binary"
ENCODING: Final = "encoding"
OUT_OF_RANGE: Final = "out_of_range"
VERSION: Final = "version"
TOO_LONG: Final = "too_long"

REASONS: Final = (MALFORMED, TRUNCATED, CORRUPT, BINARY, ENCODING, OUT_OF_RANGE, VERSION, TOO_LONG)

#: Characters of a line kept in an error's sample.
SAMPLE_CHARS: Final = 200
#: Lines longer than this are errors (``too_long``), never held in memory whole.
MAX_LINE: Final = 64 * 1024

#: Bytes a text log line may hold besides printable ASCII: tab, and anything
#: from 0x80 up (UTF-8, checked separately). Other control bytes mean binary data.
_CONTROL: Final = bytes([*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F])


class Bad(NamedTuple):
    """An unusable line: why (a reason above) and which field, for people."""

    reason: str
    detail: str


class Skip(NamedTuple):
    """A line set aside on purpose, with a short reason (``blank``, ``dns_reply``, ...)."""

    reason: str


def sample(text: str) -> str:
    """The first :data:`SAMPLE_CHARS` characters, non-printable ones escaped.

    Escaping first and cutting second keeps a sample one line of plain text
    whatever the log held (a NUL byte prints as ``\\x00``).
    """
    if text.isascii() and text.isprintable():
        return text[:SAMPLE_CHARS]
    out = "".join(c if c.isprintable() else _escape_char(c) for c in text[: SAMPLE_CHARS * 4])
    return out[:SAMPLE_CHARS]


def _escape_char(char: str) -> str:
    code = ord(char)
    if code == 0x09:
        return "\\t"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def classify_bytes(raw: bytes) -> tuple[str | Bad, str]:
    """Decode one line (without its newline): the text, or why it is not text.

    Returns ``(text_or_bad, sample)``; the sample is the escaped text (for bytes
    that are not UTF-8, decoded with backslash escapes) so even an unreadable
    line can be shown.
    """
    if len(raw) > MAX_LINE:
        shown = sample(raw[: SAMPLE_CHARS * 4].decode("utf-8", "backslashreplace"))
        return Bad(TOO_LONG, f"line of {len(raw)} bytes (limit {MAX_LINE})"), shown
    if raw.translate(None, _CONTROL) != raw:
        shown = sample(raw.decode("utf-8", "backslashreplace"))
        at = next(i for i, b in enumerate(raw) if b in _CONTROL)
        return Bad(BINARY, f"control byte 0x{raw[at]:02x} at column {at + 1}"), shown
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = sample(raw.decode("utf-8", "backslashreplace"))
        return Bad(ENCODING, f"not UTF-8 at column {exc.start + 1}"), shown
    return text, ""
