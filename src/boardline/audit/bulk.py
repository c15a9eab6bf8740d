"""Bulk evaluation: the engine's decisions for a whole log, computed by SQL in DuckDB.

:func:`evaluate_web` exports the facts a run needs (:mod:`~boardline.audit.facts_tables`),
runs the pack's web-access rules compiled to one query (:mod:`~boardline.audit.bulk_sql`)
and fills ``web_outcomes``: one row per ``web_events`` row, with the branch of the
engine's combining order that decided it. :func:`outcome_decision` turns such a row
back into the engine's full :class:`~boardline.model.decision.Decision` — citations
from the compiled pack by rule, the same explanation and the same decision id — and
``tests/unit/audit/test_bulk_differential.py`` holds both to
:func:`boardline.engine.evaluate.evaluate`, decision for decision.

Communication events are few (one per staff-student message): :func:`evaluate_comm`
decides them with the engine itself into ``comm_outcomes``.

A web event's id for the engine is ``"<source>:<line>"`` and its instant is ``ts``
as :func:`datetime.fromtimestamp` reads it (:func:`web_event`, :func:`event_time`),
so a decision rebuilt from a row has the id the engine gives the same log line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import duckdb

from boardline.audit import schema
from boardline.audit.bulk_sql import OUTCOME_COLUMNS, outcomes_sql
from boardline.audit.facts_tables import at_time, export_facts, range_filter
from boardline.engine.compiled import CompiledPack, CompiledSchoolHours
from boardline.engine.decision_builder import DecisionBuilder
from boardline.engine.evaluate import evaluate
from boardline.engine.facts import Facts
from boardline.model.decision import Decision, ExceptionUsed
from boardline.model.errors import InputError
from boardline.model.events import Communication, Direction, Purpose, Subject, WebAccess
from boardline.policy.pack import Audience, Channel, Effect, Severity

__all__ = [
    "comm_decision",
    "evaluate_comm",
    "evaluate_web",
    "event_time",
    "outcome_decision",
    "web_event",
]


def event_time(ts: float) -> dt.datetime:
    """The aware UTC instant a log's epoch ``ts`` is decided at (microsecond-rounded)."""
    return at_time(ts)


def web_event(row: Mapping[str, object]) -> WebAccess:
    """The engine's event for a ``web_events`` (or ``web_outcomes``) row."""
    return WebAccess(
        Subject(_opt(row.get("username")), _opt(row.get("client"))),
        str(row["host"]),
        str(row["path"]),
        str(row["method"]),
        _bool(row.get("top_level")),
        f"{row['source']}:{row['line']}",
    )


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in schema.ALL:
        con.execute(statement)


def evaluate_web(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    since: float | None = None,
    until: float | None = None,
    into: Path | None = None,
) -> int:
    """Decide every ``web_events`` row with ``since <= ts < until``; return how many.

    Outcomes already stored for that range are replaced, so running an audit twice
    over the same events leaves one outcome per event.

    ``into`` (a folder of the run) writes the outcomes as one Parquet file there
    instead, and makes ``web_outcomes`` a temporary view over it that shadows the
    table (its ``rowid`` is the row's number in the file). Writing Parquet costs
    about two thirds of inserting into the run's database file, which compresses
    every column segment again; the view holds this evaluation's outcomes only.
    """
    create_tables(con)
    export_facts(con, compiled, facts, since=since, until=until)
    query = outcomes_sql(compiled, since=since, until=until)
    if into is not None:
        target = str(into / "web_outcomes.parquet").replace("'", "''")
        con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION snappy)")
        columns = ", ".join(OUTCOME_COLUMNS)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW web_outcomes AS SELECT {columns}, "  # noqa: S608
            f"file_row_number AS rowid FROM read_parquet('{target}', file_row_number = true)"
        )
    else:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"DELETE FROM web_outcomes WHERE {range_filter(since, until)}")  # noqa: S608
            con.execute(f"INSERT INTO web_outcomes ({', '.join(OUTCOME_COLUMNS)}) {query}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    found = con.execute(
        f"SELECT count(*) FROM web_outcomes WHERE {range_filter(since, until)}"  # noqa: S608
    ).fetchone()
    return int(found[0]) if found else 0


# -- rebuilding decisions ---------------------------------------------------------------


def outcome_decision(row: Mapping[str, object], compiled: CompiledPack, facts: Facts) -> Decision:
    """The engine's full decision for a ``web_outcomes`` row (see the module docstring)."""
    event = web_event(row)
    now = event_time(_float(row["ts"]))
    person_id = _opt(row.get("person_id"))
    person = facts.directory.resolve(person_id) if person_id is not None else None
    build = DecisionBuilder(event, compiled, now, person.id if person else None, False)
    branch = str(row["branch"])
    if branch == "no_identity" or person is None:
        return build.default(True, str(event.subject))
    if branch == "not_covered":
        return build.default(False, f"{person.username} ({person.role.value})")
    rule = _school_rule(compiled, str(row["rule"]))
    cats = tuple(str(c) for c in _seq(row["categories"]))
    if branch == "not_category":
        return build.make(
            Effect.ALLOW,
            rule.rule.id,
            rule.citations,
            f"allow: {event.host} is not in a category this rule covers",
            categories=cats,
        )
    # The texts below are the engine's (boardline.engine.web_access); the differential
    # test fails the moment they drift apart.
    label = "/".join(cats)
    where = facts.calendar.building_name(str(row["building"]))
    spec = rule.rule
    if branch == "outside_hours":
        reading = spec.interpretation
        if row.get("district_equipment") is True:
            value, equipment = reading.district_equipment_outside_hours, "district equipment"
        else:
            value, equipment = reading.personal_equipment_outside_hours, "personal equipment"
        effect = Effect(value.value)
        text = (
            f"{effect.value}: {event.host} is {label}, outside school hours at {where}, on "
            f"{equipment}; the district reads the rule as {value.value} for that"
        )
        return build.make(
            effect,
            spec.id,
            rule.citations,
            text,
            severity=spec.severity if effect is not Effect.ALLOW else Severity.INFO,
            follow_up=spec.follow_up,
            categories=cats,
        )
    if branch == "grant":
        grant = next(g for g in facts.exceptions.grants if g.id == row["exception_id"])
        text = (
            f"allow: {event.host} is {label} during school hours at {where}, "
            f"but administration asked for it: grant {grant.id} by {grant.approver} "
            f"until {grant.ends.isoformat(timespec='minutes')} ({grant.reason})"
        )
        used = ExceptionUsed("grant", grant.id, grant.approver, grant.reason, grant.ends)
        return build.make(
            Effect.ALLOW, spec.id, rule.citations, text, exception=used, categories=cats
        )
    if branch == "emergency":
        emergency = next(e for e in facts.exceptions.emergencies if e.id == row["exception_id"])
        text = (
            f"allow: {event.host} is {label} during school hours at {where}, in an "
            f"emergency declared by {emergency.declared_by} until "
            f"{emergency.ends.isoformat(timespec='minutes')} ({emergency.reason})"
        )
        used = ExceptionUsed(
            "emergency", emergency.id, emergency.declared_by, emergency.reason, emergency.ends
        )
        return build.make(
            Effect.ALLOW,
            spec.id,
            rule.citations,
            text,
            exception=used,
            alert=True,
            categories=cats,
        )
    text = (
        f"{spec.effect.value}: {event.host} is {label}, and it is school hours at {where}; "
        f"no administrator grant or emergency covers {person.username}"
    )
    return build.make(
        spec.effect,
        spec.id,
        rule.citations,
        text,
        severity=spec.severity,
        follow_up=spec.follow_up,
        categories=cats,
    )


def _school_rule(compiled: CompiledPack, rule_id: str) -> CompiledSchoolHours:
    for rule in compiled.school_hours:
        if rule.rule.id == rule_id:
            return rule
    msg = f"rule {rule_id!r} is not a school-hours rule of pack revision {compiled.revision}"
    raise KeyError(msg)


# -- communication ----------------------------------------------------------------------

#: ``read_errors.reason`` of a communication event with a value the engine does not know.
INVALID = "invalid_value"

_COMM_COLUMNS = schema.COMM_EVENT_COLUMNS


def comm_event(row: Mapping[str, object]) -> Communication:
    """The engine's event for a ``comm_events`` row; a bad value raises :class:`InputError`."""
    return Communication(
        str(row["staff"]),
        str(row["student"]),
        _enum(Channel, row, "channel"),
        _enum(Direction, row, "direction"),
        _enum(Audience, row, "audience"),
        _enum(Purpose, row, "purpose"),
        _bool(row.get("district_controlled")),
        f"{row['source']}:{row['line']}",
    )


_E = TypeVar("_E", Channel, Direction, Audience, Purpose)


def _enum(kind: type[_E], row: Mapping[str, object], name: str) -> _E:
    try:
        return kind(str(row[name]))
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InputError.at(
            str(row["source"]),
            f"{row[name]!r} is not one of {choices}",
            line=int(_float(row["line"])),
            field=name,
        ) from None


def comm_decision(row: Mapping[str, object], compiled: CompiledPack, facts: Facts) -> Decision:
    """The engine's decision for a ``comm_events`` or ``comm_outcomes`` row."""
    return evaluate(comm_event(row), facts, compiled, event_time(_float(row["ts"])))


def comm_outcome_row(event: Sequence[object], decision: Decision) -> tuple[object, ...]:
    """One ``comm_outcomes`` row: the event's first nine columns, then what was decided."""
    return (
        *event,
        decision.subject,
        decision.effect.value,
        decision.rule,
        decision.severity.value,
        [f"{c.policy} {c.clause}" for c in decision.citations],
        list(decision.follow_up),
        decision.explanation,
        decision.decision_id,
        decision.revision,
    )


def evaluate_comm(con: duckdb.DuckDBPyConnection, compiled: CompiledPack, facts: Facts) -> int:
    """Decide every ``comm_events`` row with the engine into ``comm_outcomes``; return how many.

    A row whose channel, direction, audience or purpose is not a known value is
    not guessed at: it goes to ``read_errors`` (reason :data:`INVALID`) instead.
    """
    create_tables(con)
    columns = ", ".join(_COMM_COLUMNS)
    rows = con.execute(f"SELECT {columns} FROM comm_events").fetchall()  # noqa: S608
    outcomes: list[tuple[object, ...]] = []
    errors: list[tuple[object, ...]] = []
    for values in rows:
        row = dict(zip(_COMM_COLUMNS, values, strict=True))
        try:
            decision = comm_decision(row, compiled, facts)
        except InputError as exc:
            problem = exc.problems[0]
            sample = f"{row['channel']},{row['direction']},{row['audience']},{row['purpose']}"
            detail = f"{problem.place.field}: {problem.message}"
            errors.append((row["source"], row["line"], INVALID, detail, sample[:200]))
            continue
        outcomes.append(comm_outcome_row(values[:9], decision))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM comm_outcomes")
        con.execute(
            "DELETE FROM read_errors WHERE reason = ? "
            "AND source IN (SELECT DISTINCT source FROM comm_events)",
            [INVALID],
        )
        if outcomes:
            marks = ", ".join(["?"] * len(outcomes[0]))
            con.executemany(f"INSERT INTO comm_outcomes VALUES ({marks})", outcomes)  # noqa: S608
        if errors:
            con.executemany("INSERT INTO read_errors VALUES (?, ?, ?, ?, ?)", errors)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(outcomes)


# -- row values -------------------------------------------------------------------------


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _bool(value: object) -> bool | None:
    return None if value is None else bool(value)


def _float(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    return float(str(value))


def _seq(value: object) -> Sequence[object]:
    if isinstance(value, list | tuple):
        return value
    msg = f"expected a list of categories, got {type(value).__name__}"
    raise TypeError(msg)
