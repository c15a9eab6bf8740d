"""CSV files read with the line and column of every value, and problems collected, not thrown.

Roster exports are big and hand-fixed in spreadsheets; a district wants every
mistake in one run, each named as ``file:line:column: field: message``, rather
than one per attempt. :class:`Problems` gathers them (up to a cap, past which
more are noise) and :func:`read_table` turns a file into :class:`Row` values
that know where they came from. Lines count the header as line 1; a record
whose quoted field spans lines is named by the line it starts on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from boardline.model.errors import InputError, Place, Problem

MAX_PROBLEMS = 50
MAX_FILE_BYTES = 512 * 1024 * 1024


class Problems:
    """Problems found so far; full at ``cap``, when it raises them all at once."""

    def __init__(self, cap: int = MAX_PROBLEMS) -> None:
        self.cap = cap
        self.items: list[Problem] = []

    def add(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.items.append(Problem(Place(file, line, column, field), message))
        if len(self.items) >= self.cap:
            note = Problem(Place(file), f"stopped after {self.cap} problems; fix these first")
            raise InputError([*self.items, note])

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


@dataclass(frozen=True, slots=True)
class Row:
    """One record: its values by column name (stripped) and where it starts."""

    file: str
    header: tuple[str, ...]
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def place(self, column: str | None) -> Place:
        """Where this row's ``column`` is: file, line, 1-based column number and name."""
        position = _position(self.header, column) if column else None
        return Place(self.file, self.line, position, column)

    def problem(self, problems: Problems, column: str | None, message: str) -> None:
        """Report ``message`` at this row and ``column`` (its 1-based position in the header)."""
        place = self.place(column)
        problems.add(place.file, message, line=place.line, column=place.column, field=place.field)

    def required(self, problems: Problems, column: str) -> str:
        value = self.get(column)
        if not value:
            self.problem(problems, column, "is required")
        return value

    def date(self, problems: Problems, column: str) -> dt.date | None:
        """An ISO date (``2025-08-27``) or None when blank; a bad one is reported."""
        value = self.get(column)
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(problems, column, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def timestamp(self, problems: Problems, column: str) -> dt.datetime | None:
        """An ISO 8601 date-time with a UTC offset, or None when blank."""
        value = self.get(column)
        if not value:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            self.problem(problems, column, f"{value!r} is not a date-time (ISO 8601)")
            return None
        if parsed.tzinfo is None:
            self.problem(problems, column, f"{value!r} has no UTC offset (add Z or +00:00)")
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            self.problem(problems, column, f"{value!r} is out of range in UTC")
            return None

    def listed(self, column: str) -> tuple[str, ...]:
        """A comma-separated list field (``orgSourcedIds``, ``grades``), blanks dropped."""
        return tuple(part.strip() for part in self.get(column).split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Table:
    file: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def position(self, column: str) -> int | None:
        return _position(self.header, column)

    def has(self, column: str) -> bool:
        return column in self.header

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


def decode(raw: bytes, file: str, problems: Problems) -> str | None:
    """UTF-8 text (a byte-order mark is dropped), or None with the bad byte's place reported."""
    if len(raw) > MAX_FILE_BYTES:
        problems.add(file, f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        problems.add(
            file,
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            line=raw.count(b"\n", 0, exc.start) + 1,
            column=exc.start - line_start + 1,
        )
        return None


def read_table(
    path: Path,
    problems: Problems,
    *,
    required: Sequence[str],
    file: str | None = None,
) -> Table | None:
    """Read ``path`` as a CSV table; None (with problems reported) when it cannot be used.

    Rows with the wrong number of fields are reported and left out of the table;
    so are blank lines. Columns beyond ``required`` are kept (extensions such as
    ``metadata.*`` are allowed and ignored by callers that do not know them).
    """
    name = file or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(name, f"cannot read the file: {exc.strerror or exc}")
        return None
    text = decode(raw, name, problems)
    if text is None:
        return None
    return parse_table(text, name, problems, required=required)


def parse_table(
    text: str, file: str, problems: Problems, *, required: Sequence[str]
) -> Table | None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    consumed = 0
    try:
        for record in reader:
            start, consumed = consumed + 1, reader.line_num
            if header is None:
                header = tuple(name.strip() for name in record)
                if not _good_header(header, file, problems, required):
                    return None
                continue
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(header):
                problems.add(
                    file,
                    f"has {len(record)} fields but the header has {len(header)}",
                    line=start,
                )
                continue
            values = {name: value.strip() for name, value in zip(header, record, strict=True)}
            rows.append(Row(file, header, start, values))
    except csv.Error as exc:
        problems.add(file, f"not valid CSV: {exc}", line=reader.line_num or 1)
        return None
    if header is None:
        problems.add(file, "the file is empty; expected a header row", line=1)
        return None
    return Table(file, header, tuple(rows))


def _position(header: tuple[str, ...], column: str) -> int | None:
    try:
        return header.index(column) + 1
    except ValueError:
        return None


def _good_header(
    header: tuple[str, ...], file: str, problems: Problems, required: Sequence[str]
) -> bool:
    good = True
    seen: set[str] = set()
    for position, name in enumerate(header, 1):
        if name in seen:
            problems.add(file, f"column {name!r} appears twice", line=1, column=position)
            good = False
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.add(file, "missing required column", line=1, field=name)
            good = False
    return good
