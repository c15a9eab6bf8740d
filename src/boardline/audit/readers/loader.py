"""Read log files into an audit database: detect, parse, insert in batches, count.

:func:`load_logs` is the readers' one entry point. Per file it detects the format
(or takes the one given), streams the file through
:mod:`~boardline.audit.readers.lines`, and writes ``web_events`` /
``comm_events`` / ``read_errors`` rows in batches. Native and Boardline Squid logs
take the compiled fast path (:mod:`~boardline.audit.readers.squid_jit`), read and
parsed a chunk ahead in a thread (:mod:`~boardline.audit.readers.ahead`) while
DuckDB inserts the chunk before; every other format, and every line the fast path
does not accept, goes through the reference parsers. The returned
:class:`~boardline.audit.readers.summary.ReadSummary` accounts for every line of every file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from boardline.audit import schema
from boardline.audit.readers import decision_log, dns, mail_trace, squid
from boardline.audit.readers.ahead import ahead
from boardline.audit.readers.detect import DNS_FORMATS, FORMATS, MAIL_FORMATS, detect_format
from boardline.audit.readers.errors import (
    TOO_LONG,
    TRUNCATED,
    Bad,
    Skip,
    classify_bytes,
    sample,
)
from boardline.audit.readers.lines import CHUNK_BYTES, Chunk, LongLine, Piece, Tail, read_pieces
from boardline.audit.readers.rows import KIND_DECISION_LOG, KIND_DNS, KIND_SQUID, WebRow
from boardline.audit.readers.sink import Sink
from boardline.audit.readers.summary import ReadSummary, SourceSummary, Tally
from boardline.directory.directory import Directory
from boardline.model.errors import InputError

if TYPE_CHECKING:
    from boardline.audit.readers import squid_jit

Progress = Callable[[int], None]
_CHUNK_VIEW: Final = "_bl_chunk"
_BATCH_ROWS: Final = 16384
#: The compiled path's columns into ``web_events``; the source and kind are constants.
_JIT_INSERT: Final = (
    "INSERT INTO web_events SELECT $source, line, ts, client, username, method, host, path, "  # noqa: S608
    f"status, bytes, top_level, decision_id, '{KIND_SQUID}' FROM {_CHUNK_VIEW}"
)


def load_logs(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    directory: Directory | None,
    zone: ZoneInfo,
    year: int | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    mail_domains: Sequence[str] | None = None,
    known_addresses: Mapping[str, str] | None = None,
    fast: bool = True,
    chunk_bytes: int = CHUNK_BYTES,
    into: Path | None = None,
) -> ReadSummary:
    """Read ``paths`` into ``con`` and say where every line went.

    ``year`` dates syslog-stamped lines (dnsmasq, unbound via syslog); by default
    the year of each file's modification time in ``zone``. ``fmt`` forces one
    format for every file (see :data:`~boardline.audit.readers.detect.FORMATS`).
    ``progress`` is called with the bytes read so far (compressed bytes for gzip).
    ``known_addresses`` maps addresses the roster lacks to directory ids (mail traces).
    ``fast=False`` reads Squid logs with the reference parser only (tests compare
    the two). ``into`` (a folder of the run) has the fast path write its rows as
    Parquet there instead of inserting them into the run's database file (about
    two thirds of the CPU); ``web_events`` then becomes a temporary view over those
    files and the table, which keeps the rows the reference parsers read. Raises
    :class:`InputError` for a file in no known format, an unknown
    ``fmt``, or a mail trace without a ``directory``.
    """
    if fmt is not None and fmt not in FORMATS:
        raise InputError.at(
            "--format", f"unknown log format {fmt!r}; supported: {', '.join(FORMATS)}"
        )
    for statement in schema.ALL:
        con.execute(statement)
    done = 0
    summaries: list[SourceSummary] = []
    files = None
    if into is not None:
        # Rows the reference parsers read go to the table, not to an earlier call's view.
        con.execute("DROP VIEW IF EXISTS temp.web_events")
        files = _EventFiles(into)
    for path in paths:
        source = str(path)
        if not path.is_file():
            raise InputError.at(source, "no such log file")
        file_format = fmt or detect_format(path, source=source)
        base = done

        def step(consumed: int, base: int = base) -> None:
            if progress is not None:
                progress(base + consumed)

        reader = _Reader(con, path, source, file_format, chunk_bytes, step, files)
        if file_format in squid.NATIVE_FORMATS and fast:
            summaries.append(reader.squid_fast())
        elif file_format in MAIL_FORMATS:
            if directory is None:
                raise InputError.at(source, "a mail trace needs the roster (directory) to map")
            roster = mail_trace.Roster(directory, mail_domains, known_addresses)
            summaries.append(reader.mail(roster, zone))
        else:
            summaries.append(reader.lines(zone, year))
        done += path.stat().st_size
        step(0, done)
    if files is not None:
        files.close(con)
    return ReadSummary(tuple(summaries))


class _EventFiles:
    """The fast path's ``web_events`` rows as Parquet files in a folder of the run."""

    PATTERN: Final = "web_events-*.parquet"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            taken = len(list(self.folder.glob(self.PATTERN)))
            target = self.folder / f"web_events-{taken}.parquet"
            self._writer = pq.ParquetWriter(target, table.schema, compression="snappy")
        self._writer.write_table(table)

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        """Finish the file and make ``web_events`` a view over the files and the table
        (every call's files: reading more logs into the same run adds to them)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not any(self.folder.glob(self.PATTERN)):
            return
        found = con.execute("SELECT current_database()").fetchone()
        table = f'"{found[0] if found else "memory"}".main.web_events'
        columns = ", ".join(schema.WEB_EVENT_COLUMNS)
        files = str(self.folder / self.PATTERN).replace("'", "''")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW web_events AS SELECT {columns} "  # noqa: S608
            f"FROM read_parquet('{files}') UNION ALL SELECT {columns} FROM {table}"
        )


class _Reader:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        source: str,
        fmt: str,
        chunk_bytes: int,
        progress: Progress,
        files: _EventFiles | None = None,
    ) -> None:
        self.con = con
        self.files = files
        self.path = path
        self.source = source
        self.fmt = fmt
        self.chunk_bytes = chunk_bytes
        self.progress = progress
        self.tally = Tally(source, fmt)
        kind = KIND_SQUID
        if fmt in DNS_FORMATS:
            kind = KIND_DNS
        elif fmt == "decision_log":
            kind = KIND_DECISION_LOG
        self.sink = Sink(con, source, kind)

    # -- line formats, by the reference parsers -------------------------------------------

    def lines(self, zone: ZoneInfo, year: int | None) -> SourceSummary:
        if year is None:
            mtime = dt.datetime.fromtimestamp(self.path.stat().st_mtime, zone)
            year = mtime.year
        parse = _parser(self.fmt, self.source, zone, year)
        for piece in read_pieces(self.path, chunk_bytes=self.chunk_bytes):
            if isinstance(piece, Chunk):
                number = piece.first_line
                for raw in piece.data.split(b"\n")[:-1]:
                    self._line(number, raw, parse)
                    number += 1
                self.progress(piece.consumed)
            else:
                self._special(piece, parse)
        return self._done()

    def _line(self, number: int, raw: bytes, parse: Callable[[str, int], object]) -> None:
        text, shown = classify_bytes(raw.removesuffix(b"\r"))
        if isinstance(text, Bad):
            self._error(number, text, shown)
            return
        self._outcome(number, text, parse(text, number))

    def _outcome(self, number: int, text: str, outcome: object) -> None:
        if isinstance(outcome, WebRow):
            self.sink.web(number, outcome)
            self.tally.use()
        elif isinstance(outcome, Skip):
            self.tally.skip(outcome)
        elif isinstance(outcome, Bad):
            self._error(number, outcome, sample(text))

    def _error(self, number: int, bad: Bad, shown: str) -> None:
        self.sink.error(number, bad.reason, bad.detail, shown)
        self.tally.error(number, bad, shown)

    def _special(self, piece: LongLine | Tail, parse: Callable[[str, int], object]) -> None:
        if isinstance(piece, LongLine):
            shown = sample(piece.head.decode("utf-8", "backslashreplace"))
            limit = Bad(TOO_LONG, f"line of {piece.size} bytes is over the limit; not read")
            self._error(piece.line, limit, shown)
            return
        self.progress(piece.consumed)
        if not piece.data and piece.damage is None:
            return
        raw = piece.data.removesuffix(b"\r")
        text, shown = classify_bytes(raw)
        if piece.damage is not None:
            self._error(piece.line, Bad(piece.damage, piece.detail), shown or sample(str(text)))
            return
        if isinstance(text, Bad):
            self._error(piece.line, text, shown)
            return
        outcome = parse(text, piece.line)
        if isinstance(outcome, Bad):
            cut = Bad(TRUNCATED, f"last line has no newline and does not parse ({outcome.detail})")
            self._error(piece.line, cut, sample(text))
        else:
            self._outcome(piece.line, text, outcome)

    def _done(self) -> SourceSummary:
        self.sink.flush()
        return self.tally.freeze()

    # -- native and Boardline Squid logs, on the fast path -----------------------------

    def squid_fast(self) -> SourceSummary:
        parse = _parser(self.fmt, self.source, ZoneInfo("UTC"), 2000)
        for piece, parsed in ahead(_parsed_pieces(self.path, self.chunk_bytes)):
            if isinstance(piece, Chunk) and parsed is not None:
                self._fast_chunk(piece, parsed, parse)
                self.progress(piece.consumed)
            elif not isinstance(piece, Chunk):
                self.sink.flush()
                self._special(piece, parse)
        return self._done()

    def _fast_chunk(
        self, chunk: Chunk, parsed: squid_jit.Parsed, parse: Callable[[str, int], object]
    ) -> None:
        if len(parsed.taken) and self.files is not None:
            self.files.write(self._event_table(parsed, chunk.first_line))
            self.tally.use(len(parsed.taken))
        elif len(parsed.taken):
            self.sink.flush()
            numbers = parsed.taken + chunk.first_line
            table = pa.table({"line": numbers, **parsed.columns})
            # Several record batches, so DuckDB inserts on every core.
            self.con.register(_CHUNK_VIEW, pa.Table.from_batches(table.to_batches(_BATCH_ROWS)))
            try:
                self.con.execute(_JIT_INSERT, {"source": self.source})
            finally:
                self.con.unregister(_CHUNK_VIEW)
            self.tally.use(len(parsed.taken))
        offsets = parsed.offsets
        for index in parsed.refused.tolist():
            raw = chunk.data[offsets[index] : offsets[index + 1] - 1]
            before = self.tally.used
            self._line(chunk.first_line + index, raw, parse)
            self.tally.fallback += self.tally.used - before

    def _event_table(self, parsed: squid_jit.Parsed, first_line: int) -> pa.Table:
        """The chunk's rows in ``web_events`` order; source and kind dictionary-encoded."""
        count = len(parsed.taken)
        zeros = pa.array(np.zeros(count, np.int32))
        columns = {
            "source": pa.DictionaryArray.from_arrays(zeros, pa.array([self.source])),
            "line": pa.array(parsed.taken + first_line),
            **parsed.columns,
            "kind": pa.DictionaryArray.from_arrays(zeros, pa.array([KIND_SQUID])),
        }
        return pa.table(
            [columns[name] for name in schema.WEB_EVENT_COLUMNS], schema.WEB_EVENT_COLUMNS
        )

    # -- mail traces --------------------------------------------------------------------

    def mail(self, roster: mail_trace.Roster, zone: ZoneInfo) -> SourceSummary:
        header: mail_trace.Header | None = None
        long_lines: set[int] = set()
        damage: Tail | None = None
        message: list[mail_trace.Record] = []

        def physical() -> Iterator[str]:
            nonlocal damage
            for piece in read_pieces(self.path, chunk_bytes=self.chunk_bytes):
                if isinstance(piece, Chunk):
                    for raw in piece.data.split(b"\n")[:-1]:
                        yield raw.decode("utf-8", "replace") + "\n"
                    self.progress(piece.consumed)
                elif isinstance(piece, LongLine):
                    long_lines.add(piece.line)
                    yield "\n"
                else:
                    if piece.data:
                        yield piece.data.decode("utf-8", "replace")
                    if piece.damage is not None:
                        damage = piece

        def flush() -> None:
            if not message:
                return
            result = mail_trace.map_message(message, roster)
            if isinstance(result, Skip):
                self.tally.skip(result, len(message))
            else:
                for row in result:
                    self.sink.comm(message[0].line, row)
                self.tally.use(len(message), len(result))
            message.clear()

        for start, row in mail_trace.csv_rows(physical()):
            if start in long_lines:
                self._error(start, Bad(TOO_LONG, "line over the size limit; not read"), "")
                continue
            if isinstance(row, Bad):
                self._error(start, row, "")
                continue
            joined = ",".join(row)
            if not joined.strip():
                self.tally.skip(mail_trace.BLANK)
                continue
            if header is None and joined.startswith("#"):
                self.tally.skip(mail_trace.COMMENT)
                continue
            if header is None:
                header = mail_trace.Header(self.fmt, row)
                if header.missing:
                    raise InputError.at(
                        self.source,
                        f"{self.fmt} trace header lacks {', '.join(header.missing)}",
                        line=start,
                    )
                self.tally.skip(mail_trace.HEADER)
                continue
            problem = _text_problem(joined)
            record = problem or mail_trace.parse_record(row, start, header, zone)
            if isinstance(record, Bad):
                flush()
                self._error(start, record, sample(joined))
                continue
            if message and record.message_id != message[0].message_id:
                flush()
            message.append(record)
        flush()
        if damage is not None:
            self._error(damage.line, Bad(str(damage.damage), damage.detail), "")
        return self._done()


def _parsed_pieces(path: Path, chunk_bytes: int) -> Iterator[tuple[Piece, squid_jit.Parsed | None]]:
    """The file's pieces, each chunk with the compiled kernel's reading of it."""
    # Imported here: numba costs every command of the CLI a seventh of a second at start.
    from boardline.audit.readers.squid_jit import parse_chunk

    for piece in read_pieces(path, chunk_bytes=chunk_bytes):
        if isinstance(piece, Chunk):
            yield piece, parse_chunk(piece.data, piece.lines)
        else:
            yield piece, None


def _text_problem(text: str) -> Bad | None:
    if "\ufffd" in text:
        return Bad("encoding", "a field is not UTF-8")
    if any(ord(c) < 0x20 and c not in "\t\r\n" for c in text):
        return Bad("binary", "a field holds control bytes")
    return None


def _parser(fmt: str, source: str, zone: ZoneInfo, year: int) -> Callable[[str, int], object]:
    if fmt in squid.FORMATS:
        return lambda text, _line: squid.parse_line(text, fmt)
    if fmt in dns.FORMATS:
        return lambda text, _line: dns.parse_line(text, fmt, zone=zone, year=year)
    if fmt == "decision_log":
        return lambda text, line: decision_log.parse_line(text, source=source, line=line)
    raise InputError.at(source, f"format {fmt!r} is not read line by line")
