"""Requests for an exception, and the ports that keep exceptions and decisions.

A staff member who meets the block page can ask administration for access
("unless asked to do so by administration"): the request waits in the
administrators' queue until one approves it (making a :class:`Grant` with a
scope and a window) or declines it. Requests, grants, emergencies and alerts
are kept by an :class:`ExceptionStore`; decisions go to a :class:`DecisionSink`.
Both are ports: the storage and enforcement adapters implement them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from boardline.engine.exceptions import Alert, Emergency, ExceptionBook, Grant
from boardline.model.decision import Decision
from boardline.model.errors import InputError
from boardline.model.events import Event


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class ExceptionRequest:
    id: str
    #: The person asking (directory id), taken from the signed decision, never from a form.
    person: str
    #: The decision that blocked them, and what it was about.
    decision_id: str
    host: str
    categories: tuple[str, ...]
    reason: str
    created: dt.datetime
    status: RequestStatus = RequestStatus.PENDING
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    #: The grant made when it was approved.
    grant_id: str | None = None
    note: str = ""


MAX_REASON = 2000


def new_request(
    *,
    request_id: str,
    person: str,
    decision_id: str,
    host: str,
    categories: tuple[str, ...],
    reason: str,
    at: dt.datetime,
) -> ExceptionRequest:
    reason = reason.strip()
    if not reason:
        raise InputError.at("request", "say why you need access", field="reason")
    if len(reason) > MAX_REASON:
        raise InputError.at(
            "request", f"keep the reason under {MAX_REASON} characters", field="reason"
        )
    if at.tzinfo is None:
        raise InputError.at("request", "the time needs a time zone", field="created")
    return ExceptionRequest(request_id, person, decision_id, host, categories, reason, at)


@dataclass(frozen=True, slots=True)
class StoredExceptions:
    """What an exception store holds, as the engine and the workspace read it."""

    book: ExceptionBook
    alerts: tuple[Alert, ...]
    revoked: frozenset[str]
    requests: tuple[ExceptionRequest, ...] = ()


class ExceptionStore(Protocol):
    """Keeps grants, emergencies, alerts and requests; nothing acknowledged is lost."""

    def add_grant(self, grant: Grant) -> None: ...

    def add_emergency(self, emergency: Emergency, alert: Alert) -> None: ...

    def revoke(self, exception_id: str, by: str, at: dt.datetime) -> None: ...

    def add_request(self, request: ExceptionRequest) -> None: ...

    def decide_request(self, request: ExceptionRequest, grant: Grant | None = None) -> None:
        """Record the approved or declined request; an approval's grant is written with it,
        atomically, so a request decided twice never leaves a second grant behind."""
        ...

    def read(self) -> StoredExceptions: ...

    def pending_requests(self) -> int:
        """How many requests wait for an administrator, without reading the whole record."""
        ...

    def version(self) -> str:
        """Changes whenever anything is added, so readers can reload only when needed."""
        ...


class DecisionSink(Protocol):
    """Receives every decision once, in order, before it is acknowledged."""

    def write(self, decision: Decision, event: Event) -> None: ...

    def flush(self) -> None: ...
