"""Rows into DuckDB in batches: one Arrow table per ~50,000 rows, never a row at a time.

An ``INSERT`` per line costs tens of microseconds in DuckDB; handing it a column
batch costs a fraction of that per row, so readers append rows here and the sink
flushes whole batches. Memory stays bounded by the batch size.
"""

from __future__ import annotations

from typing import Final

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from boardline.audit.readers.rows import CommRow, WebRow

BATCH_ROWS: Final = 50_000

_WEB_SCHEMA: Final = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("ts", pa.float64()),
        ("client", pa.string()),
        ("username", pa.string()),
        ("method", pa.string()),
        ("host", pa.string()),
        ("path", pa.string()),
        ("status", pa.int32()),
        ("bytes", pa.int64()),
        ("top_level", pa.bool_()),
        ("decision_id", pa.string()),
        ("kind", pa.string()),
    ]
)
_COMM_SCHEMA: Final = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("ts", pa.float64()),
        ("staff", pa.string()),
        ("student", pa.string()),
        ("channel", pa.string()),
        ("direction", pa.string()),
        ("audience", pa.string()),
        ("purpose", pa.string()),
        ("district_controlled", pa.bool_()),
        ("message_ref", pa.string()),
    ]
)
_ERROR_SCHEMA: Final = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("sample", pa.string()),
    ]
)


class Sink:
    """Batches of ``web_events``, ``comm_events`` and ``read_errors`` rows for one file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, kind: str) -> None:
        self._con = con
        self._source = source
        self._kind = kind
        self._web: list[tuple[int, WebRow]] = []
        self._comm: list[tuple[int, CommRow]] = []
        self._errors: list[tuple[int, str, str, str]] = []

    def web(self, line: int, row: WebRow) -> None:
        self._web.append((line, row))
        if len(self._web) >= BATCH_ROWS:
            self._flush_web()

    def comm(self, line: int, row: CommRow) -> None:
        self._comm.append((line, row))
        if len(self._comm) >= BATCH_ROWS:
            self._flush_comm()

    def error(self, line: int, reason: str, detail: str, sample: str) -> None:
        self._errors.append((line, reason, detail, sample))
        if len(self._errors) >= BATCH_ROWS:
            self._flush_errors()

    def flush(self) -> None:
        self._flush_web()
        self._flush_comm()
        self._flush_errors()

    def _insert(self, table: str, batch: pa.Table) -> None:
        self._con.register("_bl_batch", batch)
        try:
            self._con.execute(f"INSERT INTO {table} SELECT * FROM _bl_batch")  # noqa: S608
        finally:
            self._con.unregister("_bl_batch")

    def _flush_web(self) -> None:
        if not self._web:
            return
        rows = self._web
        self._web = []
        columns: list[list[object]] = [[self._source] * len(rows), [n for n, _ in rows]]
        columns += [list(col) for col in zip(*(r for _, r in rows), strict=True)]
        columns.append([self._kind] * len(rows))
        self._insert("web_events", pa.table(columns, schema=_WEB_SCHEMA))

    def _flush_comm(self) -> None:
        if not self._comm:
            return
        rows = self._comm
        self._comm = []
        columns: list[list[object]] = [[self._source] * len(rows), [n for n, _ in rows]]
        columns += [list(col) for col in zip(*(r for _, r in rows), strict=True)]
        self._insert("comm_events", pa.table(columns, schema=_COMM_SCHEMA))

    def _flush_errors(self) -> None:
        if not self._errors:
            return
        rows = self._errors
        self._errors = []
        columns: list[list[object]] = [[self._source] * len(rows)]
        columns += [list(col) for col in zip(*rows, strict=True)]
        self._insert("read_errors", pa.table(columns, schema=_ERROR_SCHEMA))
