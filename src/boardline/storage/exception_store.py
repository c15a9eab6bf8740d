"""The exception store on SQL: SQLite by default, PostgreSQL in production.

Implements :class:`boardline.engine.requests.ExceptionStore`. Each write is one
transaction that is committed before the method returns, so whatever a caller
was told exists survives a crash of this process. Every write starts by bumping
the counter row: that takes the writers' lock first (SQLite's write lock, a
PostgreSQL row lock), which is what lets the checks below ("does this grant
exist?", "is this request still pending?") be trusted without a race, and
makes :meth:`SqlExceptionStore.version` move in commit order.

Mistakes a caller can make (a duplicate id, revoking something unknown,
deciding a request twice) are refused with :class:`InputError`; a database that
fails is reported as :class:`StorageError` with the URL's password masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Table, func, select, update
from sqlalchemy.exc import IntegrityError

from boardline.engine.exceptions import Alert, Emergency, ExceptionBook, Grant, Scope
from boardline.engine.requests import ExceptionRequest, RequestStatus, StoredExceptions
from boardline.model.errors import InputError
from boardline.storage import tables as t
from boardline.storage.database import (
    StorageError,
    describe,
    translated,
)
from boardline.storage.sql_store import SqlStore


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class _Write:
    """The open transaction of one write, with its change number and time."""

    connection: Connection
    change: int
    at: dt.datetime

    def stamp(self) -> dict[str, Any]:
        return {"change": self.change, "recorded_at": self.at}


def _exists(connection: Connection, table: Table, record_id: str) -> bool:
    found = connection.execute(select(table.c.id).where(table.c.id == record_id)).first()
    return found is not None


def _grant(row: Row[Any]) -> Grant:
    return Grant(
        id=row.id,
        approver=row.approver,
        scope=Scope(row.scope),
        target=row.target,
        starts=row.starts,
        ends=row.ends,
        reason=row.reason,
        categories=tuple(row.categories),
        domains=tuple(row.domains),
    )


def _emergency(row: Row[Any]) -> Emergency:
    return Emergency(
        id=row.id,
        declared_by=row.declared_by,
        scope=Scope(row.scope),
        target=row.target,
        starts=row.starts,
        ends=row.ends,
        reason=row.reason,
    )


def _request(row: Row[Any]) -> ExceptionRequest:
    return ExceptionRequest(
        id=row.id,
        person=row.person,
        decision_id=row.decision_id,
        host=row.host,
        categories=tuple(row.categories),
        reason=row.reason,
        created=row.created,
        status=RequestStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        grant_id=row.grant_id,
        note=row.note,
    )


class SqlExceptionStore(SqlStore):
    """Grants, emergencies, alerts and requests in a SQL database.

    ``SqlExceptionStore(url)`` opens the database and brings its schema up to
    date (pass ``upgrade=False`` where ``boardline db upgrade`` is run apart).
    ``clock`` gives the ``recorded_at`` stamp kept beside every row for review.
    """

    def __init__(
        self,
        url: str,
        *,
        upgrade: bool = True,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        super().__init__(url, upgrade=upgrade)
        self._clock = clock

    @contextmanager
    def _write(self, doing: str) -> Iterator[_Write]:
        with (
            translated(self.url, doing),
            self._engine.connect().execution_options(**self._write_options) as connection,
            connection.begin(),
        ):
            connection.execute(
                update(t.exception_counter)
                .where(t.exception_counter.c.id == 1)
                .values(value=t.exception_counter.c.value + 1)
            )
            change = connection.execute(select(t.exception_counter.c.value)).scalar_one()
            yield _Write(connection, change, self._clock())

    def _insert(self, write: _Write, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        try:
            write.connection.execute(table.insert(), [{**row, **write.stamp()} for row in rows])
        except IntegrityError as exc:
            # Checked beforehand where a caller can get it wrong; this is what the database
            # itself refused (a constraint), reported rather than swallowed.
            raise StorageError(self.url, f"{table.name}: refused: {describe(exc)}") from None

    def add_grant(self, grant: Grant) -> None:
        with self._write("record the grant") as write:
            self._insert_grant(write, grant)

    def _insert_grant(self, write: _Write, grant: Grant) -> None:
        if _exists(write.connection, t.grants, grant.id):
            raise InputError.at("grant", f"grant {grant.id} already exists", field="id")
        row = {
            "id": grant.id,
            "approver": grant.approver,
            "scope": grant.scope.value,
            "target": grant.target,
            "starts": grant.starts,
            "ends": grant.ends,
            "reason": grant.reason,
            "categories": list(grant.categories),
            "domains": list(grant.domains),
        }
        self._insert(write, t.grants, [row])

    def add_emergency(self, emergency: Emergency, alert: Alert) -> None:
        """Keep the emergency and its alert together: both are written, or neither."""
        with self._write("record the emergency") as write:
            if _exists(write.connection, t.emergencies, emergency.id):
                raise InputError.at(
                    "emergency", f"emergency {emergency.id} already exists", field="id"
                )
            if _exists(write.connection, t.alerts, alert.id):
                raise InputError.at("alert", f"alert {alert.id} already exists", field="id")
            e_row = {
                "id": emergency.id,
                "declared_by": emergency.declared_by,
                "scope": emergency.scope.value,
                "target": emergency.target,
                "starts": emergency.starts,
                "ends": emergency.ends,
                "reason": emergency.reason,
            }
            self._insert(write, t.emergencies, [e_row])
            a_row = {
                "id": alert.id,
                "at": alert.at,
                "kind": alert.kind,
                "subject": alert.subject,
                "message": alert.message,
                "emergency_id": emergency.id,
            }
            self._insert(write, t.alerts, [a_row])

    def revoke(self, exception_id: str, by: str, at: dt.datetime) -> None:
        """Revoke a grant or end an emergency early; revoking twice keeps both records."""
        with self._write("record the revocation") as write:
            connection = write.connection
            rows = [
                {column: exception_id, "revoked_by": by, "revoked_at": at}
                for column, table in (("grant_id", t.grants), ("emergency_id", t.emergencies))
                if _exists(connection, table, exception_id)
            ]
            if not rows:
                raise InputError.at(
                    "revoke", f"no grant or emergency {exception_id}", field="exception_id"
                )
            # Each row names one of the two; the other column is explicitly empty.
            rows = [{"grant_id": None, "emergency_id": None, **row} for row in rows]
            self._insert(write, t.revocations, rows)

    def add_request(self, request: ExceptionRequest) -> None:
        if request.status is not RequestStatus.PENDING or request.decided_by or request.grant_id:
            raise InputError.at(
                "request", f"a new request must be pending, not {request.status}", field="status"
            )
        with self._write("record the request") as write:
            if _exists(write.connection, t.exception_requests, request.id):
                raise InputError.at("request", f"request {request.id} already exists", field="id")
            row = {
                "id": request.id,
                "person": request.person,
                "decision_id": request.decision_id,
                "host": request.host,
                "categories": list(request.categories),
                "reason": request.reason,
                "created": request.created,
                "status": request.status.value,
                "decided_by": None,
                "decided_at": None,
                "grant_id": None,
                "note": request.note,
                "decided_change": None,
            }
            self._insert(write, t.exception_requests, [row])

    def decide_request(self, request: ExceptionRequest, grant: Grant | None = None) -> None:
        """Record an approval (with its grant, in the same transaction) or a decline, once.

        Two administrators approving the same request at once: the second finds it
        decided, and its grant is rolled back with it, so no stray grant remains.
        """
        _check_decision(request)
        with self._write("record the decision") as write:
            connection = write.connection
            if grant is not None:
                self._insert_grant(write, grant)
            table = t.exception_requests
            if request.grant_id is not None and not _exists(connection, t.grants, request.grant_id):
                raise InputError.at(
                    "request",
                    f"grant {request.grant_id} is not recorded; add the grant first",
                    field="grant_id",
                )
            done = connection.execute(
                update(table)
                .where(table.c.id == request.id, table.c.status == RequestStatus.PENDING.value)
                .values(
                    status=request.status.value,
                    decided_by=request.decided_by,
                    decided_at=request.decided_at,
                    grant_id=request.grant_id,
                    note=request.note,
                    decided_change=write.change,
                )
            )
            if done.rowcount == 1:
                return
            found = connection.execute(
                select(table.c.status, table.c.decided_by).where(table.c.id == request.id)
            ).first()
            if found is None:
                raise InputError.at("request", f"no request {request.id}", field="id")
            raise InputError.at(
                "request",
                f"request {request.id} was already {found.status} by {found.decided_by}",
                field="status",
            )

    def read(self) -> StoredExceptions:
        """Everything on record, from one snapshot, in the order it was written."""
        with (
            translated(self.url, "read exceptions"),
            self._engine.connect().execution_options(**self._read_options) as connection,
            connection.begin(),
        ):
            revoked = frozenset(
                row.grant_id or row.emergency_id
                for row in connection.execute(
                    select(t.revocations.c.grant_id, t.revocations.c.emergency_id)
                )
            )
            grants = [
                _grant(row)
                for row in connection.execute(select(t.grants).order_by(t.grants.c.change))
            ]
            emergencies = [
                _emergency(row)
                for row in connection.execute(
                    select(t.emergencies).order_by(t.emergencies.c.change)
                )
            ]
            alerts = tuple(
                Alert(row.id, row.at, row.kind, row.subject, row.message)
                for row in connection.execute(select(t.alerts).order_by(t.alerts.c.change))
            )
            requests = tuple(
                _request(row)
                for row in connection.execute(
                    select(t.exception_requests).order_by(t.exception_requests.c.change)
                )
            )
        book = ExceptionBook.build(
            (g for g in grants if g.id not in revoked),
            (e for e in emergencies if e.id not in revoked),
        )
        return StoredExceptions(book, alerts, revoked, requests)

    def pending_requests(self) -> int:
        """How many exception requests wait for an administrator (one count, for metrics)."""
        query = (
            select(func.count())
            .select_from(t.exception_requests)
            .where(t.exception_requests.c.status == RequestStatus.PENDING.value)
        )
        with translated(self.url, "count pending requests"), self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def version(self) -> str:
        """The change counter: one indexed row, so a poller can ask every second."""
        with translated(self.url, "read the version"), self._engine.connect() as connection:
            value = connection.execute(
                select(t.exception_counter.c.value).where(t.exception_counter.c.id == 1)
            ).scalar_one()
        return str(value)


def _check_decision(request: ExceptionRequest) -> None:
    if request.status is RequestStatus.PENDING:
        raise InputError.at("request", "a decision approves or declines", field="status")
    if not request.decided_by:
        raise InputError.at("request", "say who decided", field="decided_by")
    if request.decided_at is None:
        raise InputError.at("request", "say when it was decided", field="decided_at")
    if request.decided_at.tzinfo is None or request.decided_at.utcoffset() is None:
        raise InputError.at("request", "the time needs a time zone", field="decided_at")
    if request.status is RequestStatus.APPROVED and not request.grant_id:
        raise InputError.at("request", "an approval names the grant it made", field="grant_id")
    if request.status is RequestStatus.DECLINED and request.grant_id:
        raise InputError.at("request", "a declined request makes no grant", field="grant_id")
