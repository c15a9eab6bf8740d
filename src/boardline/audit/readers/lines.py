"""Lines of a log file, streamed in bounded chunks, plain or gzip (by magic bytes).

Every reader sits on this module, so the rules about where a line ends and what
happens at the end of a damaged file are the same for every format and for both
Squid paths (the Python reference reader and the compiled fast path):

* A file is gzip when it starts with the gzip magic ``1f 8b``, whatever its
  name; concatenated gzip members (``cat a.gz b.gz``, logrotate's ``delaycompress``
  habits) are read one after the other.
* A line ends at ``\\n``; one ``\\r`` before it is dropped (CRLF files).
* Memory stays bounded by the chunk size: a line longer than
  :data:`~boardline.audit.readers.errors.MAX_LINE` is skipped over in pieces and
  reported as ``too_long`` with its first bytes as the sample.
* The end of the file comes as one :class:`Tail`: the unterminated last line (if
  any) and, for gzip, whether the stream was cut (``truncated``) or undecodable
  (``corrupt``). A cut stream always yields one ``truncated`` line, even when the
  cut fell on a line boundary, so the damage is never silent.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final, NamedTuple

from boardline.audit.readers.errors import CORRUPT, MAX_LINE, SAMPLE_CHARS, TRUNCATED

GZIP_MAGIC: Final = b"\x1f\x8b"
#: Decompressed bytes handed out at a time (a few hundred thousand log lines).
CHUNK_BYTES: Final = 16 * 1024 * 1024
_READ_BYTES: Final = 1024 * 1024


class Chunk(NamedTuple):
    """Whole lines: ``data`` holds ``lines`` lines, each ending in ``\\n``."""

    first_line: int
    lines: int
    data: bytes
    #: Bytes of the file (compressed, for gzip) consumed so far, for progress.
    consumed: int


class LongLine(NamedTuple):
    """A line over the size limit, skipped over: its number, size and first bytes."""

    line: int
    size: int
    head: bytes


class Tail(NamedTuple):
    """The end of the file: an unterminated last line and how the stream ended."""

    line: int
    #: The bytes after the last newline (``b""`` when the file ends with one).
    data: bytes
    #: ``None`` for a clean end; ``truncated`` or ``corrupt`` for a damaged gzip stream.
    damage: str | None
    detail: str
    consumed: int


Piece = Chunk | LongLine | Tail


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def head_lines(path: Path, count: int, *, limit: int = 256 * 1024) -> list[bytes]:
    """The first ``count`` lines (at most ``limit`` bytes read), for format detection."""
    out: list[bytes] = []
    pending = b""
    for block, _ in _blocks(path):
        pending += block
        while b"\n" in pending and len(out) < count:
            line, pending = pending.split(b"\n", 1)
            out.append(line.removesuffix(b"\r"))
        if len(out) >= count or len(pending) > limit:
            break
    else:
        if pending and len(out) < count:
            out.append(pending.removesuffix(b"\r"))
    return out


def read_pieces(path: Path, *, chunk_bytes: int = CHUNK_BYTES) -> Iterator[Piece]:
    """The file as :class:`Chunk` s and :class:`LongLine` s, ending with one :class:`Tail`."""
    line = 1
    pending = bytearray()
    long_size: int | None = None  # size so far of a line being skipped as too long
    long_head = b""
    consumed = 0
    damage: tuple[str, str] | None = None
    blocks = _blocks(path)
    while True:
        try:
            block, consumed = next(blocks)
        except StopIteration:
            break
        except _StreamDamageError as exc:
            damage = (exc.reason, exc.detail)
            break
        if long_size is not None:
            cut = block.find(b"\n")
            if cut < 0:
                long_size += len(block)
                continue
            yield LongLine(line, long_size + cut, long_head)
            line += 1
            long_size = None
            block = block[cut + 1 :]
        pending += block
        last = pending.rfind(b"\n")
        if len(pending) < chunk_bytes and len(pending) - last - 1 <= MAX_LINE:
            continue
        if last >= 0:
            data = bytes(pending[: last + 1])
            del pending[: last + 1]
            count = data.count(b"\n")
            yield Chunk(line, count, data, consumed)
            line += count
        if len(pending) > MAX_LINE:
            long_size, long_head = len(pending), bytes(pending[: SAMPLE_CHARS * 4])
            pending.clear()
    if long_size is not None:
        yield LongLine(line, long_size, long_head)
        line += 1
    elif pending.count(b"\n"):
        last = pending.rfind(b"\n")
        data = bytes(pending[: last + 1])
        del pending[: last + 1]
        count = data.count(b"\n")
        yield Chunk(line, count, data, consumed)
        line += count
    reason, detail = damage if damage is not None else (None, "")
    yield Tail(line, bytes(pending), reason, detail, consumed)


class _StreamDamageError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _blocks(path: Path) -> Iterator[tuple[bytes, int]]:
    """Decompressed blocks of the file with the compressed bytes read so far."""
    with path.open("rb") as handle:
        first = handle.read(_READ_BYTES)
        if first[:2] == GZIP_MAGIC:
            yield from _gunzip(handle, first)
            return
        consumed = len(first)
        if first:
            yield first, consumed
        while block := handle.read(_READ_BYTES):
            consumed += len(block)
            yield block, consumed


def _gunzip(handle: BinaryIO, first: bytes) -> Iterator[tuple[bytes, int]]:
    decoder = zlib.decompressobj(wbits=31)
    consumed = len(first)
    data = first
    while True:
        while data:
            try:
                out = decoder.decompress(data, CHUNK_BYTES)
            except zlib.error as exc:
                raise _StreamDamageError(CORRUPT, f"gzip data cannot be decoded ({exc})") from None
            if out:
                yield out, consumed
            if decoder.eof:
                data = decoder.unused_data
                if 0 < len(data) < 2:
                    data += handle.read(1)
                    consumed += len(data) - 1
                if data[:2] == GZIP_MAGIC:  # the next gzip member
                    decoder = zlib.decompressobj(wbits=31)
                elif data.strip(b"\x00"):  # tar-like zero padding is harmless
                    raise _StreamDamageError(CORRUPT, "bytes after the end of the gzip stream")
                else:
                    data = b""
            else:
                data = decoder.unconsumed_tail
        data = handle.read(_READ_BYTES)
        consumed += len(data)
        if not data:
            if not decoder.eof:
                raise _StreamDamageError(TRUNCATED, "the gzip stream ends before its end marker")
            return
