"""The audit's tables: the column lists every stage uses are the tables DuckDB creates."""

from __future__ import annotations

import re

import duckdb
import pytest

from boardline.audit import schema


@pytest.mark.parametrize("ddl", schema.ALL)
def test_columns_read_from_the_ddl_are_the_created_tables_columns(ddl: str) -> None:
    con = duckdb.connect()
    con.execute(ddl)
    name = re.search(r"EXISTS (\w+)", ddl)
    assert name is not None

    created = tuple(row[0] for row in con.execute(f"DESCRIBE {name.group(1)}").fetchall())

    assert schema.columns(ddl) == created


def test_every_table_has_its_source_and_line_first() -> None:
    for ddl in schema.ALL:
        assert schema.columns(ddl)[:2] == ("source", "line")
