"""The exception desk: what the block page and the administrators' queue do, without HTTP.

Policy 5460 allows social networking during school hours "when asked to do so
by administration" and "in an emergency situation". The block page lets the
blocked person ask (a pending :class:`ExceptionRequest`) or declare an
emergency (at once, time-boxed, alerting administrators); the queue lets an
administrator approve a request with a scope and a window (a :class:`Grant`)
or decline it. The person is always the one the signed decision token names:
no method here takes a person from a form.

Everything is written through the :class:`ExceptionStore` port; a write this
process makes is reloaded into the runtime before the method returns, so the
next decision already honours it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from boardline.directory.person import Person
from boardline.enforcement.decision_token import TokenClaims
from boardline.enforcement.http_api.service import DecisionService
from boardline.engine.compiled import resolve
from boardline.engine.exceptions import Alert, Emergency, Grant, Scope, declare_emergency, new_grant
from boardline.engine.requests import ExceptionRequest, RequestStatus, new_request
from boardline.model.decision import Citation
from boardline.model.errors import InputError
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Role, Rule, SchoolHoursAccessRule

#: Lengths offered for an emergency, in minutes; capped by the pack's maximum.
EMERGENCY_CHOICES = (5, 10, 15, 30, 45, 60, 90, 120, 240, 480)


@dataclass(frozen=True, slots=True)
class BlockedView:
    """What the block page shows, looked up from the current pack and directory."""

    claims: TokenClaims
    person: Person
    rule_title: str
    citations: tuple[Citation, ...]
    categories: tuple[str, ...]
    #: The same request decided again now (a grant may have arrived since).
    now_effect: str
    now_explanation: str
    emergency_minutes: tuple[int, ...]

    @property
    def emergency_default(self) -> int:
        """Preselected: half an hour, or the longest allowed if that is less."""
        return max(
            (m for m in self.emergency_minutes if m <= 30), default=self.emergency_minutes[0]
        )


class ExceptionDesk:
    """Requests, emergencies, grants and alerts, for one app."""

    def __init__(self, service: DecisionService) -> None:
        self.service = service

    def person(self, claims: TokenClaims) -> Person:
        found = self.service.runtime.facts.directory.resolve(claims.person)
        if found is None:
            raise InputError.at(
                "decision token", "the person this link is for is no longer in the directory"
            )
        return found

    def emergency_minutes(self) -> tuple[int, ...]:
        most = self.service.runtime.pack.exceptions.emergency_max_minutes
        return (*(m for m in EMERGENCY_CHOICES if m < most), most)

    def categories(self, claims: TokenClaims) -> tuple[str, ...]:
        """What was blocked: the host's categories that the blocking rule watches."""
        found = self.service.runtime.facts.categories.lookup(claims.host)
        rule = self._rule(claims.rule)
        if isinstance(rule, SchoolHoursAccessRule):
            found = found & frozenset(rule.categories)
        return tuple(sorted(found))

    def _rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.service.runtime.pack.rules if r.id == rule_id), None)

    def view(self, claims: TokenClaims, now: dt.datetime) -> BlockedView:
        person = self.person(claims)
        pack = self.service.runtime.pack
        rule = self._rule(claims.rule)
        citations: tuple[Citation, ...] = ()
        if rule is None:
            title = f"rule {claims.rule} (no longer in the policy pack)"
        else:
            title = rule.title
            citations = resolve(pack, rule.cites, rule.id, pack.revision, rule.title)
        event = WebAccess(Subject(person.username), claims.host, "/", event_id="block-page")
        again = self.service.evaluator().decide(event, now)
        return BlockedView(
            claims=claims,
            person=person,
            rule_title=title,
            citations=citations,
            categories=self.categories(claims),
            now_effect=again.effect.value,
            now_explanation=again.explanation,
            emergency_minutes=self.emergency_minutes(),
        )

    # ------------------------------------------------------------------ the block page

    def request_exception(
        self, claims: TokenClaims, reason: str, now: dt.datetime
    ) -> ExceptionRequest:
        """A pending request for the token's person; asking twice returns the first one."""
        person = self.person(claims)
        store = self.service.store
        for existing in store.read().requests:
            if (
                existing.person == person.id
                and existing.decision_id == claims.decision_id
                and existing.status is RequestStatus.PENDING
            ):
                return existing
        made = new_request(
            request_id="r-" + secrets.token_hex(5),
            person=person.id,
            decision_id=claims.decision_id,
            host=claims.host,
            categories=self.categories(claims),
            reason=reason,
            at=now,
        )
        store.add_request(made)
        return made

    def declare_emergency(
        self, claims: TokenClaims, reason: str, minutes: int, now: dt.datetime
    ) -> tuple[Emergency, Alert]:
        """An emergency for the token's person, in force from ``now``.

        While one they declared for themselves is still in force, declaring again
        (a second click, the same link reused) returns that one: one emergency,
        one alert for the administrators, not a stack of them. A new one can be
        declared once it has ended.
        """
        person = self.person(claims)
        stored = self.service.store.read()
        for active in reversed(stored.book.emergencies):
            if (
                active.scope is Scope.PERSON
                and active.target == person.id
                and active.declared_by == person.username
                and active.starts <= now < active.ends
                and active.id not in stored.revoked
            ):
                for alert in stored.alerts:
                    if alert.id == f"alert-{active.id}":
                        return active, alert
        emergency, alert = declare_emergency(
            emergency_id="e-" + secrets.token_hex(5),
            declared_by=person.username,
            declarer_is_administrator=person.role is Role.ADMINISTRATOR,
            scope=Scope.PERSON,
            target=person.id,
            at=now,
            minutes=minutes,
            reason=reason,
            settings=self.service.runtime.pack.exceptions,
        )
        self.service.store.add_emergency(emergency, alert)
        self.service.changed_exceptions()
        return emergency, alert

    # ------------------------------------------------------------------ the queue

    def administrator(self, username: str) -> Person | None:
        person = self.service.runtime.facts.directory.resolve(username)
        return person if person is not None and person.role is Role.ADMINISTRATOR else None

    def requests(self) -> tuple[ExceptionRequest, ...]:
        """Every request, pending first, newest first within each status."""
        stored = self.service.store.read().requests
        order = {RequestStatus.PENDING: 0, RequestStatus.APPROVED: 1, RequestStatus.DECLINED: 2}
        return tuple(sorted(stored, key=lambda r: (order[r.status], -r.created.timestamp(), r.id)))

    def alerts(self) -> tuple[Alert, ...]:
        return tuple(sorted(self.service.store.read().alerts, key=lambda a: a.at, reverse=True))

    def find_pending(self, request_id: str) -> ExceptionRequest:
        for request in self.service.store.read().requests:
            if request.id == request_id:
                if request.status is not RequestStatus.PENDING:
                    raise InputError.at(
                        "request",
                        f"{request_id} was already {request.status.value} by {request.decided_by}",
                        field="id",
                    )
                return request
        raise InputError.at("request", f"there is no request {request_id}", field="id")

    def approve(
        self,
        request: ExceptionRequest,
        *,
        approver: Person,
        scope: Scope,
        target: str,
        starts: dt.datetime,
        ends: dt.datetime,
        categories: Iterable[str],
        domains: Iterable[str],
        note: str,
        now: dt.datetime,
    ) -> Grant:
        """Make the grant the administrator chose and record the request as approved."""
        grant = new_grant(
            grant_id="g-" + secrets.token_hex(5),
            approver=approver.username,
            approver_is_administrator=approver.role is Role.ADMINISTRATOR,
            scope=scope,
            target=target,
            starts=starts,
            ends=ends,
            reason=request.reason + (f" — {note.strip()}" if note.strip() else ""),
            settings=self.service.runtime.pack.exceptions,
            categories=categories,
            domains=domains,
        )
        self.service.store.decide_request(
            dataclasses.replace(
                request,
                status=RequestStatus.APPROVED,
                decided_by=approver.username,
                decided_at=now,
                grant_id=grant.id,
                note=note.strip(),
            ),
            grant,
        )
        self.service.changed_exceptions()
        return grant

    def decline(
        self, request: ExceptionRequest, *, by: Person, note: str, now: dt.datetime
    ) -> ExceptionRequest:
        declined = dataclasses.replace(
            request,
            status=RequestStatus.DECLINED,
            decided_by=by.username,
            decided_at=now,
            note=note.strip(),
        )
        self.service.store.decide_request(declined)
        return declined
