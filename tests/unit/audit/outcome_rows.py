"""Rows for the audit tables, written straight into DuckDB.

The report's stages are tested from the table contract (``boardline.audit.schema``)
rather than through the readers and the bulk evaluator, so each test states the
outcomes it starts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from boardline.audit import schema
from boardline.audit.bulk import comm_outcome_row
from boardline.model.decision import Decision

DENVER = ZoneInfo("America/Denver")
SOCIAL = "no-social-networking-during-school-hours"
DEFAULT = "not-covered"


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for ddl in schema.ALL:
        con.execute(ddl)
    return con


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds for October ``day`` 2026, local time in Cut Bank."""
    return dt.datetime(2026, 10, day, hour, minute, second, tzinfo=DENVER).timestamp()


def outcome(
    con: duckdb.DuckDBPyConnection,
    ts: float,
    host: str,
    *,
    person: str | None = "staff-0006",
    username: str | None = "mrivera",
    client: str | None = "127.10.1.10",
    effect: str = "deny",
    top_level: bool | None = None,
    method: str = "GET",
    path: str = "/",
    source: str = "access.log",
    line: int | None = None,
    rule: str = SOCIAL,
    building: str | None = "cbhs",
    role: str | None = "staff",
    categories: tuple[str, ...] = ("social_networks",),
    in_hours: bool | None = True,
    exception: tuple[str, str] | None = None,
    revision: str = "rev-test",
    severity: str | None = None,
    branch: str | None = None,
) -> None:
    """One ``web_outcomes`` row (and its ``web_events`` row, so totals add up)."""
    if line is None:
        found = con.execute("SELECT count(*) FROM web_events").fetchone()
        line = int(found[0]) + 1 if found else 1
    row: dict[str, Any] = {
        "source": source,
        "line": line,
        "ts": ts,
        "client": client,
        "username": username,
        "method": method,
        "host": host,
        "path": path,
        "top_level": top_level,
        "person_id": person,
        "role": role,
        "building": building,
        "effect": effect,
        "rule": rule,
        "severity": severity or ("medium" if effect != "allow" else "info"),
        "branch": branch or _branch(effect, exception),
        "categories": list(categories),
        "in_hours": in_hours,
        "district_equipment": True,
        "exception_kind": exception[0] if exception else None,
        "exception_id": exception[1] if exception else None,
        "revision": revision,
    }
    columns = ", ".join(row)
    marks = ", ".join(f"${name}" for name in row)
    con.execute(f"INSERT INTO web_outcomes ({columns}) VALUES ({marks})", row)
    con.execute(
        "INSERT INTO web_events VALUES ($source, $line, $ts, $client, $username, $method, "
        "$host, $path, 200, 1000, $top_level, NULL, 'squid')",
        {k: row[k] for k in ("source", "line", "ts", "client", "username", "method", "host",
                              "path", "top_level")},
    )  # fmt: skip


def _branch(effect: str, exception: tuple[str, str] | None) -> str:
    """The bulk evaluator's branch for such a row (see ``boardline.audit.bulk_sql``)."""
    if exception is not None:
        return exception[0]
    return "in_hours" if effect != "allow" else "not_category"


def read_error(
    con: duckdb.DuckDBPyConnection, source: str, line: int, reason: str, sample: str
) -> None:
    con.execute(
        "INSERT INTO read_errors VALUES (?, ?, ?, ?, ?)",
        [source, line, reason, f"{reason} at field 3", sample],
    )


def message(
    con: duckdb.DuckDBPyConnection,
    ts: float,
    *,
    staff: str,
    student: str,
    channel: str,
    decision: Decision,
    direction: str = "staff_to_student",
    audience: str = "individual",
    purpose: str = "personal",
    source: str = "mailtrace.csv",
    line: int | None = None,
) -> None:
    """One ``comm_outcomes`` row carrying ``decision`` (and its ``comm_events`` row)."""
    if line is None:
        found = con.execute("SELECT count(*) FROM comm_events").fetchone()
        line = int(found[0]) + 1 if found else 1
    event = [source, line, ts, staff, student, channel, direction, audience, purpose]
    con.execute("INSERT INTO comm_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)", event)
    con.execute(
        "INSERT INTO comm_outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(comm_outcome_row(event, decision)),
    )
