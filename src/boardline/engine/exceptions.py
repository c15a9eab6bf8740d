"""Administrator grants and emergencies: the two ways round the no-access rule.

5460 prohibits access "unless asked to do so by administration" and "except in
an emergency situation". Both become time-boxed exception records:

* a :class:`Grant` is made by an administrator for people (a person, a building,
  a role or the district), scoped to categories and/or domains, with a reason
  and a validity window that ends on its own;
* an :class:`Emergency` is declared by a staff member or an administrator for a
  person, a building or the district, with a reason, for at most the pack's
  ``emergency_max_minutes``; declaring one raises an :class:`Alert`.

The :class:`ExceptionBook` is an immutable index that the engine asks "which
exception, if any, covers this person, building and site now?".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from boardline.model.errors import InputError
from boardline.policy.pack import ExceptionSettings


class Scope(StrEnum):
    PERSON = "person"
    BUILDING = "building"
    ROLE = "role"
    DISTRICT = "district"


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    approver: str
    scope: Scope
    #: Person id, building id or role value; empty for the district.
    target: str
    starts: dt.datetime
    ends: dt.datetime
    reason: str
    categories: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    revoked: bool = False

    def covers_site(self, categories: frozenset[str], host: str) -> bool:
        if not self.categories and not self.domains:
            return True
        if any(c in categories for c in self.categories):
            return True
        return any(host == d or host.endswith("." + d) for d in self.domains)


@dataclass(frozen=True, slots=True)
class Emergency:
    id: str
    declared_by: str
    scope: Scope
    target: str
    starts: dt.datetime
    ends: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Alert:
    """A record that an administrator must see (an emergency was declared)."""

    id: str
    at: dt.datetime
    kind: str
    subject: str
    message: str


def _aware(value: dt.datetime, field_name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError.at("exception", "times need a time zone", field=field_name)


def new_grant(
    *,
    grant_id: str,
    approver: str,
    approver_is_administrator: bool,
    scope: Scope,
    target: str,
    starts: dt.datetime,
    ends: dt.datetime,
    reason: str,
    settings: ExceptionSettings,
    categories: Iterable[str] = (),
    domains: Iterable[str] = (),
) -> Grant:
    """Validate and make a grant; only administrators may grant ("asked ... by administration")."""
    _aware(starts, "starts")
    _aware(ends, "ends")
    if not approver_is_administrator:
        raise InputError.at("grant", f"{approver} is not an administrator", field="approver")
    if not reason.strip():
        raise InputError.at("grant", "a reason is required", field="reason")
    if ends <= starts:
        raise InputError.at("grant", "the grant must end after it starts", field="ends")
    if ends - starts > dt.timedelta(days=settings.grant_max_days):
        raise InputError.at(
            "grant", f"a grant may last at most {settings.grant_max_days} days", field="ends"
        )
    if scope is not Scope.DISTRICT and not target:
        raise InputError.at("grant", f"a {scope.value} grant needs a target", field="target")
    return Grant(
        id=grant_id,
        approver=approver,
        scope=scope,
        target=target,
        starts=starts,
        ends=ends,
        reason=reason.strip(),
        categories=tuple(categories),
        domains=tuple(d.lower().strip(".") for d in domains),
    )


def declare_emergency(
    *,
    emergency_id: str,
    declared_by: str,
    declarer_is_administrator: bool,
    scope: Scope,
    target: str,
    at: dt.datetime,
    minutes: int,
    reason: str,
    settings: ExceptionSettings,
) -> tuple[Emergency, Alert]:
    """Declare an emergency; it takes effect at ``at`` and raises an alert for administrators.

    Staff may declare one for themselves only; building- and district-wide
    emergencies need an administrator.
    """
    _aware(at, "at")
    if settings.emergency_requires_reason and not reason.strip():
        raise InputError.at("emergency", "a reason is required", field="reason")
    if minutes < 1 or minutes > settings.emergency_max_minutes:
        raise InputError.at(
            "emergency",
            f"an emergency lasts 1 to {settings.emergency_max_minutes} minutes",
            field="minutes",
        )
    if scope is not Scope.PERSON and not declarer_is_administrator:
        raise InputError.at(
            "emergency",
            f"only an administrator may declare a {scope.value}-wide emergency",
            field="scope",
        )
    if scope is Scope.PERSON and not target:
        target = declared_by
    emergency = Emergency(
        id=emergency_id,
        declared_by=declared_by,
        scope=scope,
        target=target,
        starts=at,
        ends=at + dt.timedelta(minutes=minutes),
        reason=reason.strip(),
    )
    where = "the district" if scope is Scope.DISTRICT else f"{scope.value} {target}"
    alert = Alert(
        id=f"alert-{emergency_id}",
        at=at,
        kind="emergency",
        subject=declared_by,
        message=f"{declared_by} declared an emergency for {where} until "
        f"{emergency.ends.isoformat(timespec='minutes')}: {emergency.reason}",
    )
    return emergency, alert


@dataclass(frozen=True, slots=True)
class ExceptionBook:
    """Every grant and emergency, indexed by scope for the engine's hot path."""

    grants: tuple[Grant, ...] = ()
    emergencies: tuple[Emergency, ...] = ()
    _grants: dict[tuple[Scope, str], tuple[Grant, ...]] = field(default_factory=dict, repr=False)
    _emergencies: dict[tuple[Scope, str], tuple[Emergency, ...]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def build(
        cls, grants: Iterable[Grant] = (), emergencies: Iterable[Emergency] = ()
    ) -> ExceptionBook:
        grant_list = tuple(g for g in grants if not g.revoked)
        emergency_list = tuple(emergencies)
        g_index: dict[tuple[Scope, str], list[Grant]] = {}
        for grant in grant_list:
            g_index.setdefault((grant.scope, grant.target), []).append(grant)
        e_index: dict[tuple[Scope, str], list[Emergency]] = {}
        for emergency in emergency_list:
            e_index.setdefault((emergency.scope, emergency.target), []).append(emergency)
        return cls(
            grant_list,
            emergency_list,
            {k: tuple(v) for k, v in g_index.items()},
            {k: tuple(v) for k, v in e_index.items()},
        )

    def __bool__(self) -> bool:
        return bool(self.grants or self.emergencies)

    @staticmethod
    def _keys(person: str, buildings: tuple[str, ...], role: str) -> list[tuple[Scope, str]]:
        keys = [(Scope.PERSON, person), (Scope.ROLE, role), (Scope.DISTRICT, "")]
        keys.extend((Scope.BUILDING, b) for b in buildings)
        return keys

    def grant_for(
        self,
        person: str,
        buildings: tuple[str, ...],
        role: str,
        categories: frozenset[str],
        host: str,
        at: dt.datetime,
    ) -> Grant | None:
        if not self._grants:
            return None
        best: Grant | None = None
        for key in self._keys(person, buildings, role):
            for grant in self._grants.get(key, ()):
                if (
                    grant.starts <= at < grant.ends
                    and grant.covers_site(categories, host)
                    and (best is None or grant.ends > best.ends)
                ):
                    best = grant
        return best

    def emergency_for(
        self, person: str, buildings: tuple[str, ...], role: str, at: dt.datetime
    ) -> Emergency | None:
        if not self._emergencies:
            return None
        for key in self._keys(person, buildings, role):
            for emergency in self._emergencies.get(key, ()):
                if emergency.starts <= at < emergency.ends:
                    return emergency
        return None

    def active(self, at: dt.datetime) -> tuple[int, int]:
        """How many grants and emergencies are in force at ``at`` (for metrics)."""
        return (
            sum(1 for g in self.grants if g.starts <= at < g.ends),
            sum(1 for e in self.emergencies if e.starts <= at < e.ends),
        )
