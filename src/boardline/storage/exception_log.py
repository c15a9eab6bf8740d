"""Grants, emergencies and alerts kept in an append-only JSON-lines file.

The embedded default for a single enforcement point: every record is appended
and fsynced before the caller is told it exists, so nothing acknowledged is
lost; a revocation is a new record, never an edit. Reading tolerates a torn
last line (a crash mid-write) and reports any other bad line by number.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from boardline.engine.exceptions import Alert, Emergency, ExceptionBook, Grant, Scope
from boardline.engine.requests import StoredExceptions
from boardline.model.errors import InputError, Place, Problem

SCHEMA = "boardline/exception@1"


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _grant(data: dict[str, Any]) -> Grant:
    return Grant(
        id=data["id"],
        approver=data["approver"],
        scope=Scope(data["scope"]),
        target=data["target"],
        starts=_time(data["starts"]),
        ends=_time(data["ends"]),
        reason=data["reason"],
        categories=tuple(data.get("categories", ())),
        domains=tuple(data.get("domains", ())),
    )


def _emergency(data: dict[str, Any]) -> Emergency:
    return Emergency(
        id=data["id"],
        declared_by=data["declared_by"],
        scope=Scope(data["scope"]),
        target=data["target"],
        starts=_time(data["starts"]),
        ends=_time(data["ends"]),
        reason=data["reason"],
    )


class ExceptionLog:
    """An append-only file of exception records."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"schema": SCHEMA, **record}, ensure_ascii=False, sort_keys=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def add_grant(self, grant: Grant) -> None:
        self._append(
            {
                "type": "grant",
                "id": grant.id,
                "approver": grant.approver,
                "scope": grant.scope.value,
                "target": grant.target,
                "starts": grant.starts.isoformat(),
                "ends": grant.ends.isoformat(),
                "reason": grant.reason,
                "categories": list(grant.categories),
                "domains": list(grant.domains),
            }
        )

    def add_emergency(self, emergency: Emergency, alert: Alert) -> None:
        self._append(
            {
                "type": "emergency",
                "id": emergency.id,
                "declared_by": emergency.declared_by,
                "scope": emergency.scope.value,
                "target": emergency.target,
                "starts": emergency.starts.isoformat(),
                "ends": emergency.ends.isoformat(),
                "reason": emergency.reason,
            }
        )
        self._append(
            {
                "type": "alert",
                "id": alert.id,
                "at": alert.at.isoformat(),
                "kind": alert.kind,
                "subject": alert.subject,
                "message": alert.message,
            }
        )

    def revoke(self, exception_id: str, by: str, at: dt.datetime) -> None:
        self._append({"type": "revoke", "id": exception_id, "by": by, "at": at.isoformat()})

    def version(self) -> str:
        """Changes whenever a record is appended (size and mtime of the file)."""
        try:
            info = self.path.stat()
        except OSError:
            return "absent"
        return f"{info.st_mtime_ns}:{info.st_size}"

    def read(self) -> StoredExceptions:
        grants: list[Grant] = []
        emergencies: list[Emergency] = []
        alerts: list[Alert] = []
        revoked: set[str] = set()
        if not self.path.exists():
            return StoredExceptions(ExceptionBook(), (), frozenset())
        lines = self.path.read_text(encoding="utf-8", errors="replace").split("\n")
        problems: list[Problem] = []
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                kind = data["type"]
                if kind == "grant":
                    grants.append(_grant(data))
                elif kind == "emergency":
                    emergencies.append(_emergency(data))
                elif kind == "alert":
                    alerts.append(
                        Alert(
                            data["id"],
                            _time(data["at"]),
                            data["kind"],
                            data["subject"],
                            data["message"],
                        )
                    )
                elif kind == "revoke":
                    revoked.add(data["id"])
                else:
                    problems.append(
                        Problem(
                            Place(str(self.path), number, None, "type"),
                            f"unknown record type {kind!r}",
                        )
                    )
            except (ValueError, KeyError, TypeError) as exc:
                if number == len(lines):
                    # A final line without its newline is a torn append from a crash:
                    # the writer had not returned, so nobody was told it exists.
                    continue
                problems.append(Problem(Place(str(self.path), number), f"bad record: {exc}"))
        if problems:
            raise InputError(problems)
        book = ExceptionBook.build(
            (g for g in grants if g.id not in revoked),
            (e for e in emergencies if e.id not in revoked),
        )
        return StoredExceptions(book, tuple(alerts), frozenset(revoked))
