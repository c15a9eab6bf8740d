from __future__ import annotations

import gzip
from pathlib import Path

from boardline.audit.readers.errors import CORRUPT, MAX_LINE, TRUNCATED
from boardline.audit.readers.lines import Chunk, LongLine, Tail, head_lines, read_pieces


def _lines(path: Path, chunk_bytes: int = 64) -> tuple[list[tuple[int, bytes]], Tail]:
    out: list[tuple[int, bytes]] = []
    tail: Tail | None = None
    for piece in read_pieces(path, chunk_bytes=chunk_bytes):
        if isinstance(piece, Chunk):
            out += list(enumerate(piece.data.split(b"\n")[:-1], start=piece.first_line))
        elif isinstance(piece, LongLine):
            out.append((piece.line, b"<long>"))
        else:
            tail = piece
    assert tail is not None
    return out, tail


def test_plain_file_in_small_chunks_keeps_every_line_and_number(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(1, 101)) + b"cut")

    lines, tail = _lines(path, chunk_bytes=50)

    assert lines == [(i, b"line %d" % i) for i in range(1, 101)]
    assert (tail.line, tail.data, tail.damage) == (101, b"cut", None)


def test_gzip_is_found_by_its_magic_bytes_and_members_are_concatenated(tmp_path: Path) -> None:
    path = tmp_path / "access.log"  # no .gz on purpose
    path.write_bytes(gzip.compress(b"one\ntwo\n") + gzip.compress(b"three\n"))

    lines, tail = _lines(path)

    assert [text for _, text in lines] == [b"one", b"two", b"three"]
    assert tail.damage is None
    assert tail.data == b""


def test_a_gzip_stream_cut_short_is_reported_truncated(tmp_path: Path) -> None:
    whole = gzip.compress(b"".join(b"request %d\n" % i for i in range(2000)))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])

    lines, tail = _lines(path, chunk_bytes=4096)

    assert tail.damage == TRUNCATED
    assert lines[0] == (1, b"request 0")
    assert tail.line == len(lines) + 1


def test_garbage_after_a_gzip_stream_is_reported_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"ok\n") + b"not gzip at all")

    lines, tail = _lines(path)

    assert lines == [(1, b"ok")]
    assert tail.damage == CORRUPT


def test_a_line_over_the_limit_is_skipped_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    # Longer than a read block, so it never sits whole in a chunk.
    path.write_bytes(b"before\n" + b"x" * (MAX_LINE * 50) + b"\nafter\n")

    lines, tail = _lines(path, chunk_bytes=MAX_LINE // 2)

    assert lines == [(1, b"before"), (2, b"<long>"), (3, b"after")]
    assert tail.data == b""


def test_head_lines_reads_only_the_start(tmp_path: Path) -> None:
    path = tmp_path / "h.log"
    path.write_bytes(b"a\r\nb\nc\n")

    assert head_lines(path, 2) == [b"a", b"b"]
