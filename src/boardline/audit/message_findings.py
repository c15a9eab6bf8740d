"""Violating staff–student messages as findings, kept next to the web findings.

The report lists a staff member's violating messages (:mod:`.report_messages`);
a case is opened from a *finding*, so each of those messages is also saved
(:class:`~boardline.storage.finding_store.FindingRecord` with ``kind =
'communication'``). The same rules pick them as pick the report's: the sender is
staff or an administrator (never a student), the effect is ``deny`` or ``flag``,
and ``--building`` keeps the senders whose directory entry lists that building.

What a message finding keeps is what a case needs to find the message again and
nothing more: when, who sent it (directory id and username), the channel,
direction, audience and purpose the engine decided on, the student's directory
id (the case officer, not the report, may look the student up), the platform's
message id when the trace has one, and the decision's citations with the pack
revision. Never an address, a subject or a body: the readers do not keep them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Final

import duckdb

from boardline.audit.report_messages import (
    VIOLATING,
    in_scope,
    message_citations,
    message_item,
    sender_of,
)
from boardline.engine.compiled import CompiledPack
from boardline.engine.facts import Facts
from boardline.storage.finding_store import COMMUNICATION, FindingRecord

#: Outcome columns read, plus the event's message id.
_COLUMNS: Final = (
    "source", "line", "ts", "staff", "student", "channel", "direction", "audience",
    "purpose", "person_id", "effect", "rule", "severity", "clauses", "follow_up",
    "explanation", "revision", "message_ref",
)  # fmt: skip
_BATCH: Final = 5000


def message_findings(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    building: str | None = None,
) -> Iterator[FindingRecord]:
    """One finding per violating message in scope, in time order."""
    columns = ", ".join(f"e.{c}" if c == "message_ref" else f"o.{c}" for c in _COLUMNS)
    effects = ", ".join(f"'{e}'" for e in VIOLATING)
    cursor = con.execute(
        f"SELECT {columns} FROM comm_outcomes o "  # noqa: S608 (constants of this module)
        # One trace line can fan out to several students (a group message): match the pair.
        "LEFT JOIN (SELECT source, line, staff, student, any_value(message_ref) AS message_ref "
        "FROM comm_events GROUP BY ALL) e "
        "ON e.source = o.source AND e.line = o.line AND e.staff = o.staff "
        "AND e.student = o.student "
        f"WHERE o.effect IN ({effects}) ORDER BY o.ts, o.source, o.line"
    )
    while rows := cursor.fetchmany(_BATCH):
        for values in rows:
            row: dict[str, Any] = dict(zip(_COLUMNS, values, strict=True))
            if not in_scope(row, facts, building):
                continue
            yield _finding(row, compiled, facts, building)


def _finding(
    row: dict[str, Any], compiled: CompiledPack, facts: Facts, building: str | None
) -> FindingRecord:
    sender = sender_of(row)
    person = facts.directory.resolve(sender)
    citations = message_citations(row, message_item(row, compiled), compiled)
    home = building or (person.buildings[0] if person and person.buildings else None)
    communication = {
        "channel": str(row["channel"]),
        "direction": str(row["direction"]),
        "audience": str(row["audience"]),
        "purpose": str(row["purpose"]),
        "student": str(row["student"]),
    }
    if row["message_ref"]:
        communication["message_ref"] = str(row["message_ref"])
    return FindingRecord(
        at=dt.datetime.fromtimestamp(float(row["ts"]), dt.UTC),
        client=None,
        username=person.username if person else None,
        method="",
        host="",
        path="",
        effect=str(row["effect"]),
        severity=str(row["severity"]),
        rule=str(row["rule"]),
        revision=str(row["revision"]),
        person_id=person.id if person else sender,
        building=home,
        categories=(),
        citations=tuple(c.as_dict() for c in citations),
        source=str(row["source"]),
        line=int(row["line"]),
        kind=COMMUNICATION,
        communication=communication,
    )
