"""Audit findings on SQL: what an audit found, kept so cases can be opened from it.

A finding is a violation (``deny`` or ``flag``) an audit found in the logs, with
the citations it rests on: a web request (``kind = 'web'``) or a staff–student
message found in a mail trace (``kind = 'communication'``, identified by its
channel, direction, the student's directory id and the platform's message id;
never an address, a subject or a body). Its id is :func:`finding_id`, a hash of the event's
identity and of the rule and pack revision that judged it: the same request seen
again (the same logs audited twice, renamed, re-compressed or overlapping the
last run) has the same id, and :meth:`SqlFindingStore.save` keeps the first copy
and only moves its ``last_seen``. The file and line are kept for tracing but are
deliberately not part of the id.

Every run is recorded in ``audit_runs`` with who ran it, over which files and
range, for which audience and what it counted: 5460's review needs to know who
looked at whose browsing, not only what was found.

Inserting is ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` through
SQLAlchemy's SQLite and PostgreSQL dialects, so two audits saving the same
finding at once never duplicate it nor fail on the primary key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from boardline.storage import tables as t
from boardline.storage.database import EncodedJson, translated
from boardline.storage.sql_store import SqlStore

#: Findings handed to the database at a time (SQLAlchemy splits each into INSERTs
#: under the driver's bound-parameter limit; the ``IN`` list of known ids stays under it).
CHUNK = 5000


def finding_id(
    *,
    at: float,
    client: str | None,
    username: str | None,
    method: str,
    host: str,
    path: str,
    rule: str,
    revision: str,
) -> str:
    """A stable id for one event judged by one rule of one pack revision.

    The instant counts to the millisecond (Squid's resolution); absent values hash
    as empty strings. Fields are joined with a separator no log field contains.
    """
    millis = round(at * 1000)
    parts = (str(millis), client or "", username or "", method, host, path, rule, revision)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


#: ``FindingRecord.kind`` of a message found in a mail trace.
COMMUNICATION = "communication"
#: The keys of ``FindingRecord.communication`` that identify a message, in hashing order.
COMMUNICATION_KEYS = ("channel", "direction", "audience", "purpose", "student", "message_ref")


def communication_finding_id(
    *,
    at: float,
    person: str,
    communication: Mapping[str, str],
    rule: str,
    revision: str,
) -> str:
    """:func:`finding_id` for a message: the same message judged again keeps its id.

    The instant counts to the millisecond; the platform's message id, when the
    trace has one, tells apart two messages sent in the same millisecond.
    """
    millis = round(at * 1000)
    parts = (
        COMMUNICATION,
        str(millis),
        person,
        *(communication.get(key) or "" for key in COMMUNICATION_KEYS),
        rule,
        revision,
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRunRecord:
    """One audit run: who ran it, over what, and its totals."""

    id: str
    operator: str
    started_at: dt.datetime
    finished_at: dt.datetime
    range_from: dt.datetime | None
    range_to: dt.datetime | None
    audience: str
    building: str | None
    engine: str
    revision: str
    inputs: tuple[str, ...]
    totals: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A violation found in a log, with everything a case needs to cite it."""

    at: dt.datetime
    client: str | None
    username: str | None
    method: str
    host: str
    path: str
    effect: str
    severity: str
    rule: str
    revision: str
    person_id: str | None
    building: str | None
    categories: tuple[str, ...]
    citations: tuple[Mapping[str, str], ...]
    source: str
    line: int
    #: ``web`` or ``communication`` (a message found in a mail trace).
    kind: str = "web"
    #: For a communication: channel, direction, audience, purpose, ``student`` (the
    #: student's directory id) and ``message_ref`` (the platform's message id, if any).
    #: Its ``method``, ``host`` and ``path`` are empty and ``client`` is None.
    communication: Mapping[str, str] | None = None

    @property
    def id(self) -> str:
        if self.kind == COMMUNICATION:
            return communication_finding_id(
                at=self.at.timestamp(),
                person=self.person_id or self.username or "",
                communication=self.communication or {},
                rule=self.rule,
                revision=self.revision,
            )
        return finding_id(
            at=self.at.timestamp(),
            client=self.client,
            username=self.username,
            method=self.method,
            host=self.host,
            path=self.path,
            rule=self.rule,
            revision=self.revision,
        )


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding as kept: the record, its id and which runs saw it first and last."""

    id: str
    record: FindingRecord
    run_id: str
    last_run_id: str
    first_seen: dt.datetime
    last_seen: dt.datetime


class Saved(NamedTuple):
    """What :meth:`SqlFindingStore.save` did: findings added, and findings already kept."""

    new: int
    already_known: int


def _insert(connection: Connection) -> Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(t.findings).on_conflict_do_nothing(index_elements=["id"])
    return sqlite.insert(t.findings).on_conflict_do_nothing(index_elements=["id"])


#: JSON documents encoded for one save, by what they encode: a citations tuple by
#: identity (kept alive beside the text, so the id cannot be reused during the save),
#: a categories tuple by value.
_Encoded = dict[object, tuple[object, EncodedJson]]
_NULL: Final = EncodedJson("null")


def _encoded(
    cache: _Encoded, key: object, value: object, plain: Callable[[], object]
) -> EncodedJson:
    found = cache.get(key)
    if found is None:
        found = (value, EncodedJson(json.dumps(plain())))
        cache[key] = found
    return found[1]


def _finding_row(
    record: FindingRecord, finding: str, run_id: str, now: dt.datetime, cache: _Encoded
) -> dict[str, Any]:
    """The row for one finding; its citations and categories are encoded once per save
    (findings of one rule share the same tuples)."""
    citations = record.citations
    return {
        "id": finding,
        "at": record.at,
        "client": record.client,
        "username": record.username,
        "method": record.method,
        "host": record.host,
        "path": record.path,
        "effect": record.effect,
        "severity": record.severity,
        "rule": record.rule,
        "revision": record.revision,
        "person_id": record.person_id,
        "building": record.building,
        "categories": _encoded(
            cache, record.categories, record.categories, lambda: list(record.categories)
        ),
        "citations": _encoded(
            cache, id(citations), citations, lambda: [dict(c) for c in citations]
        ),
        "source": record.source,
        "line": record.line,
        "kind": record.kind,
        "communication": dict(record.communication) if record.communication else _NULL,
        "run_id": run_id,
        "last_run_id": run_id,
        "first_seen": now,
        "last_seen": now,
    }


def _unique_chunks(
    findings: Iterable[FindingRecord],
) -> Iterator[list[tuple[str, FindingRecord]]]:
    """``findings`` by id, the first record of each id only, :data:`CHUNK` at a time.

    Only the ids seen are remembered, not the records, so a large audit streams
    its findings into the database instead of holding them all.
    """
    seen: set[str] = set()
    chunk: list[tuple[str, FindingRecord]] = []
    for record in findings:
        key = record.id
        if key in seen:
            continue
        seen.add(key)
        chunk.append((key, record))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _record(row: Row[Any]) -> FindingRecord:
    return FindingRecord(
        at=row.at,
        client=row.client,
        username=row.username,
        method=row.method,
        host=row.host,
        path=row.path,
        effect=row.effect,
        severity=row.severity,
        rule=row.rule,
        revision=row.revision,
        person_id=row.person_id,
        building=row.building,
        categories=tuple(row.categories),
        citations=tuple(row.citations),
        source=row.source,
        line=row.line,
        kind=row.kind,
        communication=dict(row.communication) if row.communication else None,
    )


def _run(row: Row[Any]) -> AuditRunRecord:
    return AuditRunRecord(
        id=row.id,
        operator=row.operator,
        started_at=row.started_at,
        finished_at=row.finished_at,
        range_from=row.range_from,
        range_to=row.range_to,
        audience=row.audience,
        building=row.building,
        engine=row.engine,
        revision=row.revision,
        inputs=tuple(row.inputs),
        totals=dict(row.totals),
    )


class _SqliteRows:
    """Findings into SQLite through the driver's ``executemany``.

    SQLite takes its write lock at ``BEGIN`` (:func:`~boardline.storage.database.
    write_options`), so within the save's transaction nobody else can add a finding:
    the ids already kept are looked up, and only the others are inserted, each value
    converted by the column type's own bind processor (the stored text is what
    SQLAlchemy writes). For tens of thousands of findings this takes about half the
    time of the ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` statement, which the
    PostgreSQL path keeps (there, two audits may insert at once).
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        dialect = connection.dialect
        self.columns = [c.name for c in t.findings.columns]
        self.processors = [
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in t.findings.columns
        ]
        names = ", ".join(self.columns)
        marks = ", ".join("?" for _ in self.columns)
        self.sql = f"INSERT INTO findings ({names}) VALUES ({marks})"  # noqa: S608

    def insert_new(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """Insert the rows whose id is not kept yet; their ids."""
        ids = [str(row["id"]) for row in rows]
        kept = set(
            self.connection.execute(
                select(t.findings.c.id).where(t.findings.c.id.in_(ids))
            ).scalars()
        )
        pairs = list(zip(self.columns, self.processors, strict=True))
        values = [
            tuple(row[name] if convert is None else convert(row[name]) for name, convert in pairs)
            for row in rows
            if row["id"] not in kept
        ]
        if values:
            self.connection.exec_driver_sql(self.sql, values)
        return {i for i in ids if i not in kept}


class SqlFindingStore(SqlStore):
    """Audit runs and findings in the same database as the exception store.

    ``SqlFindingStore(url)`` opens the database and brings its schema up to date
    (``upgrade=False`` where ``boardline db upgrade`` is run apart).
    """

    def save(self, run: AuditRunRecord, findings: Iterable[FindingRecord]) -> Saved:
        """Record ``run`` and add the findings not kept yet, in one transaction.

        Findings already kept (by id) are left as first recorded, except that
        their ``last_seen`` and ``last_run_id`` move to this run. Two records with
        the same id in one call are one finding. Returns how many were new and
        how many were already known.
        """
        now = run.finished_at
        with (
            translated(self.url, "save the audit's findings"),
            self._engine.connect().execution_options(**self._write_options) as connection,
            connection.begin(),
        ):
            connection.execute(t.audit_runs.insert(), [self._run_row(run, 0, 0)])
            new = known = 0
            # One statement compiled once and executed over many parameter sets: SQLAlchemy
            # batches it into multi-row INSERTs ("insertmanyvalues"), where building a
            # ``.values(rows)`` statement per chunk compiled one bind parameter per cell.
            insert = _insert(connection).returning(t.findings.c.id)
            direct = _SqliteRows(connection) if connection.dialect.name == "sqlite" else None
            # Findings of one rule share one citations tuple: it is encoded once, not per row.
            cited: _Encoded = {}
            for chunk in _unique_chunks(findings):
                rows = [_finding_row(record, key, run.id, now, cited) for key, record in chunk]
                if direct is not None:
                    inserted = direct.insert_new(rows)
                else:
                    inserted = set(connection.execute(insert, rows).scalars().all())
                new += len(inserted)
                already = [key for key, _ in chunk if key not in inserted]
                known += len(already)
                if already:
                    connection.execute(
                        update(t.findings)
                        .where(t.findings.c.id.in_(already))
                        .values(last_seen=now, last_run_id=run.id)
                    )
            saved = Saved(new, known)
            connection.execute(
                update(t.audit_runs)
                .where(t.audit_runs.c.id == run.id)
                .values(new_findings=saved.new, known_findings=saved.already_known)
            )
        return saved

    @staticmethod
    def _run_row(run: AuditRunRecord, new: int, known: int) -> dict[str, Any]:
        return {
            "id": run.id,
            "operator": run.operator,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "range_from": run.range_from,
            "range_to": run.range_to,
            "audience": run.audience,
            "building": run.building,
            "engine": run.engine,
            "revision": run.revision,
            "inputs": list(run.inputs),
            "totals": dict(run.totals),
            "new_findings": new,
            "known_findings": known,
        }

    def runs(self) -> Sequence[tuple[AuditRunRecord, Saved]]:
        """Every run, oldest first, with what it added."""
        with (
            translated(self.url, "read the audit runs"),
            self._engine.connect().execution_options(**self._read_options) as connection,
        ):
            rows = connection.execute(
                select(t.audit_runs).order_by(t.audit_runs.c.started_at, t.audit_runs.c.id)
            ).all()
        return [(_run(row), Saved(row.new_findings, row.known_findings)) for row in rows]

    def findings(self, *, run_id: str | None = None) -> Sequence[StoredFinding]:
        """Findings kept, by event time; ``run_id`` narrows to those a run first found."""
        query = select(t.findings).order_by(t.findings.c.at, t.findings.c.id)
        if run_id is not None:
            query = query.where(t.findings.c.run_id == run_id)
        with (
            translated(self.url, "read the findings"),
            self._engine.connect().execution_options(**self._read_options) as connection,
        ):
            rows = connection.execute(query).all()
        return [
            StoredFinding(
                row.id, _record(row), row.run_id, row.last_run_id, row.first_seen, row.last_seen
            )
            for row in rows
        ]
