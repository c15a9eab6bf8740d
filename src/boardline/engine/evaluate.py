"""``evaluate(event, facts, pack, now) -> Decision``: the pure decision function.

Combining order (tested in ``tests/unit/engine/test_combining.py``):

1. **Who.** The subject is identified (proxy login, then an active lease, then a
   static device). Nobody identified: the default rule's ``unknown_subject_effect``.
   A person whose role no rule covers (a student, a guest): ``not_covered_effect``.
2. **What.** Only rules for the event's kind apply: school-hours rules to web
   access, posting rules to content posts, the interaction rule to
   communications.
3. **Exceptions first.** Where a rule would deny or flag and it honours
   exceptions, an active administrator grant (then an active emergency) turns
   it into an allow that cites the grant or emergency next to the clause.
4. **Deny overrides flag overrides allow** across the rules that apply.
5. **Default.** Nothing applies: allow, citing the rule that was considered and
   why it did not apply (every effect cites).

Outside school hours the school-hours rule applies the pack's explicit
interpretation (district vs personal equipment), never a choice made here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from boardline.directory.network import Identity
from boardline.directory.person import Person
from boardline.engine.compiled import (
    CompiledInteraction,
    CompiledItem,
    CompiledPack,
    CompiledSchoolHours,
)
from boardline.engine.facts import Facts, schedule_buildings
from boardline.model.decision import Citation, Decision, ExceptionUsed
from boardline.model.events import Communication, ContentPost, Event, Purpose, WebAccess
from boardline.policy.pack import Audience, Effect, Relationship, Severity, Stance

_RANK = {Effect.ALLOW: 0, Effect.FLAG: 1, Effect.DENY: 2}
_SEVERITY_RANK = {s: n for n, s in enumerate(Severity)}


def decision_id(revision: str, event: Event, now: dt.datetime | float) -> str:
    """Deterministic id: the same event under the same revision at the same instant.

    Adapters give every event an ``event_id`` unique to them (a helper's channel
    and sequence, a log file and offset); without one the event's content is
    hashed instead, which is slower but still unique per distinct event.
    """
    ident = event.event_id or repr(event)
    moment = now if isinstance(now, float) else now.timestamp()
    key = f"{revision}|{event.kind}|{ident}|{moment}"
    return "d-" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest()


def evaluate(
    event: Event,
    facts: Facts,
    pack: CompiledPack,
    now: dt.datetime,
    *,
    explain: bool = False,
    identity: Identity | None = None,
) -> Decision:
    """Decide ``event`` at ``now`` under ``pack`` with ``facts``. Pure: no I/O, no clock.

    ``identity`` lets a caller that already identified the event's subject at
    ``now`` (see :class:`boardline.engine.evaluator.Evaluator`) skip doing it again.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        msg = "evaluate() needs an aware `now`"
        raise ValueError(msg)
    if isinstance(event, WebAccess):
        if identity is None:
            identity = facts.networks.identify(
                facts.directory, address=event.subject.address, username=event.subject.user, at=now
            )
        return _web(event, identity, facts, pack, now, explain)
    if isinstance(event, ContentPost):
        return _post(event, facts, pack, now, explain)
    return _communication(event, facts, pack, now, explain)


class _Builder:
    """Collects the parts of one decision; keeps the three evaluators short."""

    __slots__ = ("event", "explain", "facts", "moment", "now", "pack", "subject")

    def __init__(
        self, event: Event, pack: CompiledPack, now: dt.datetime, subject: str | None, explain: bool
    ) -> None:
        self.event = event
        self.pack = pack
        self.now = now
        self.moment = now.timestamp()
        self.subject = subject
        self.explain = explain
        self.facts: list[tuple[str, str]] = []

    def note(self, key: str, value: str) -> None:
        if self.explain:
            self.facts.append((key, value))

    def make(
        self,
        effect: Effect,
        rule: str,
        citations: tuple[Citation, ...],
        explanation: str,
        *,
        severity: Severity = Severity.INFO,
        exception: ExceptionUsed | None = None,
        follow_up: tuple[str, ...] = (),
        alert: bool = False,
        categories: tuple[str, ...] = (),
    ) -> Decision:
        # Positional: a NamedTuple builds noticeably faster that way on the hot path.
        return Decision(
            decision_id(self.pack.revision, self.event, self.moment),
            effect,
            rule,
            self.pack.revision,
            citations,
            explanation,
            self.event.kind,
            self.now,
            self.subject,
            severity,
            exception,
            follow_up if effect is not Effect.ALLOW else (),
            alert,
            categories,
            tuple(self.facts) if self.facts else (),
        )

    def default(self, unknown: bool, who: str) -> Decision:
        pack = self.pack
        rule = pack.default
        if unknown:
            effect = rule.unknown_subject_effect if rule else Effect.ALLOW
            text = f"{who} could not be tied to a person in the directory"
        else:
            effect = rule.not_covered_effect if rule else Effect.ALLOW
            text = f"{who} is not someone this policy covers (its rules cover {_roles(pack)})"
        rule_id = rule.id if rule else "default"
        return self.make(effect, rule_id, pack.default_citations, f"{effect.value}: {text}")


@functools.lru_cache(maxsize=64)
def _role_list(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles))


def _roles(pack: CompiledPack) -> str:
    return _role_list(pack.covered_roles)


def _person(facts: Facts, who: str) -> Person | None:
    return facts.directory.resolve(who)


# --------------------------------------------------------------------------- web access


def _web(
    event: WebAccess,
    identity: Identity,
    facts: Facts,
    pack: CompiledPack,
    now: dt.datetime,
    explain: bool,
) -> Decision:
    subject = event.subject
    person = identity.person
    build = _Builder(event, pack, now, person.id if person else None, explain)
    if explain:
        build.note("identity", identity.source)
        if identity.network is not None:
            build.note("network", f"{identity.network.name} ({identity.network.kind.value})")
        if person is not None:
            build.note("person", f"{person.username} ({person.role.value})")
    if person is None:
        return build.default(True, str(subject))
    if person.role not in pack.covered_roles:
        return build.default(False, f"{person.username} ({person.role.value})")

    categories = facts.categories.lookup(event.host, event.path)
    if explain:
        build.note("categories", ", ".join(sorted(categories)) or "none")
    outcome: Decision | None = None
    considered: CompiledSchoolHours | None = None
    for rule in pack.school_hours:
        if person.role not in rule.covers:
            continue
        considered = considered or rule
        hit = categories & rule.categories
        if not hit:
            continue
        decision = _school_hours(build, rule, person, identity, hit, event, facts)
        if outcome is None or _RANK[decision.effect] > _RANK[outcome.effect]:
            outcome = decision
    if outcome is not None:
        return outcome
    if considered is None:
        return build.default(False, f"{person.username} ({person.role.value})")
    reason = f"allow: {event.host} is not in a category this rule covers"
    return build.make(
        Effect.ALLOW,
        considered.rule.id,
        considered.citations,
        reason,
        categories=tuple(sorted(categories)),
    )


def _school_hours(
    build: _Builder,
    rule: CompiledSchoolHours,
    person: Person,
    identity: Identity,
    hit: frozenset[str],
    event: WebAccess,
    facts: Facts,
) -> Decision:
    now = build.now
    cats = tuple(sorted(hit))
    label = "/".join(cats)
    network_building = identity.network.building if identity.network else None
    buildings = schedule_buildings(network_building, person.buildings, facts.default_building)
    epoch = build.moment
    in_hours = False
    where = buildings[0]
    interpretation = rule.rule.interpretation
    staff_days = interpretation.staff_days_count
    for building in buildings:
        if facts.calendar.in_school_hours(building, epoch, staff_days=staff_days):
            in_hours, where = True, building
            break
    if in_hours and not interpretation.breaks_count:
        # A district that reads breaks as outside school hours: ask which period it is.
        period = facts.calendar.status(where, now, staff_days=staff_days).period_kind
        in_hours = not (period is not None and period.is_break)
    if build.explain:
        status = facts.calendar.status(where, now, staff_days=staff_days)
        build.note("school time", status.reason)
    where = facts.calendar.building_name(where)
    if not in_hours:
        if identity.district_equipment:
            reading, equipment = (
                interpretation.district_equipment_outside_hours,
                "district equipment",
            )
        else:
            reading, equipment = (
                interpretation.personal_equipment_outside_hours,
                "personal equipment",
            )
        effect = Effect(reading.value)
        text = (
            f"{effect.value}: {event.host} is {label}, outside school hours at {where}, on "
            f"{equipment}; the district reads the rule as {reading.value} for that"
        )
        if build.explain and interpretation.note:
            build.note("interpretation", " ".join(interpretation.note.split()))
        return build.make(
            effect,
            rule.rule.id,
            rule.citations,
            text,
            severity=rule.rule.severity if effect is not Effect.ALLOW else Severity.INFO,
            follow_up=rule.rule.follow_up,
            categories=cats,
        )
    book = facts.exceptions
    if book:
        role = person.role.value
        if rule.honours_grants:
            grant = book.grant_for(person.id, person.buildings, role, hit, event.host, now)
            if grant is not None:
                text = (
                    f"allow: {event.host} is {label} during school hours at {where}, "
                    f"but administration asked for it: grant {grant.id} by {grant.approver} "
                    f"until {grant.ends.isoformat(timespec='minutes')} ({grant.reason})"
                )
                used = ExceptionUsed("grant", grant.id, grant.approver, grant.reason, grant.ends)
                return build.make(
                    Effect.ALLOW,
                    rule.rule.id,
                    rule.citations,
                    text,
                    exception=used,
                    categories=cats,
                )
        if rule.honours_emergencies:
            emergency = book.emergency_for(person.id, person.buildings, role, now)
            if emergency is not None:
                text = (
                    f"allow: {event.host} is {label} during school hours at {where}, in an "
                    f"emergency declared by {emergency.declared_by} until "
                    f"{emergency.ends.isoformat(timespec='minutes')} ({emergency.reason})"
                )
                used = ExceptionUsed(
                    "emergency",
                    emergency.id,
                    emergency.declared_by,
                    emergency.reason,
                    emergency.ends,
                )
                return build.make(
                    Effect.ALLOW,
                    rule.rule.id,
                    rule.citations,
                    text,
                    exception=used,
                    alert=True,
                    categories=cats,
                )
    effect = rule.rule.effect
    text = (
        f"{effect.value}: {event.host} is {label}, and it is school hours at {where}; "
        f"no administrator grant or emergency covers {person.username}"
    )
    return build.make(
        effect,
        rule.rule.id,
        rule.citations,
        text,
        severity=rule.rule.severity,
        follow_up=rule.rule.follow_up,
        categories=cats,
    )


# --------------------------------------------------------------------------- content posts


def _post(
    event: ContentPost, facts: Facts, pack: CompiledPack, now: dt.datetime, explain: bool
) -> Decision:
    identity = facts.networks.identify(
        facts.directory, address=event.subject.address, username=event.subject.user, at=now
    )
    person = identity.person
    build = _Builder(event, pack, now, person.id if person else None, explain)
    if person is None:
        return build.default(True, str(event.subject))
    if person.role not in pack.covered_roles:
        return build.default(False, f"{person.username} ({person.role.value})")
    destination = facts.categories.lookup(event.host, event.path)
    best: Decision | None = None
    considered = None
    for rule in pack.posting:
        if person.role not in rule.covers:
            continue
        if rule.destinations and not (rule.destinations & destination):
            continue
        considered = considered or rule
        found = [
            f
            for f in event.findings
            if f.kind in rule.findings and f.confidence >= rule.rule.min_confidence
        ]
        if not found:
            continue
        kinds = ", ".join(sorted({f.kind.replace("_", " ") for f in found}))
        people = sum(f.people for f in found)
        who = f" about {people} people" if people else ""
        text = (
            f"{rule.rule.effect.value}: the post to {event.host} carries {kinds}{who} "
            f"({len(found)} finding{'s' if len(found) != 1 else ''})"
        )
        decision = build.make(
            rule.rule.effect,
            rule.rule.id,
            rule.citations,
            text,
            severity=rule.rule.severity,
            follow_up=rule.rule.follow_up,
            categories=tuple(sorted(destination)),
        )
        if best is None or (_RANK[decision.effect], _SEVERITY_RANK[decision.severity]) > (
            _RANK[best.effect],
            _SEVERITY_RANK[best.severity],
        ):
            best = decision
    if best is not None:
        return best
    if considered is None:
        return build.default(False, f"{person.username} ({person.role.value})")
    return build.make(
        Effect.ALLOW,
        considered.rule.id,
        considered.citations,
        f"allow: nothing district-owned or confidential was found in the post to {event.host}",
    )


# --------------------------------------------------------------------------- communications


def _communication(
    event: Communication, facts: Facts, pack: CompiledPack, now: dt.datetime, explain: bool
) -> Decision:
    staff = _person(facts, event.staff)
    student = _person(facts, event.student)
    build = _Builder(event, pack, now, staff.id if staff else None, explain)
    if staff is None:
        return build.default(True, event.staff)
    rule = pack.interaction
    if rule is None or staff.role.value not in rule.covers:
        return build.default(False, f"{staff.username} ({staff.role.value})")
    if student is None or student.role.value != "student":
        what = (
            "is not in the directory"
            if student is None
            else f"is {student.role.value}, not a student"
        )
        return build.make(
            Effect.ALLOW,
            rule.rule.id,
            rule.citations,
            f"allow: {event.student} {what}; the catalogue governs staff-student interaction",
        )
    local_day = now.astimezone(pack.zone).date()
    relationships = facts.directory.relationships(staff.id, student.id, on=local_day)
    build.note("relationships", ", ".join(sorted(r.value for r in relationships)) or "none")
    return _catalogue(build, rule, event, staff, relationships)


def _applies(item: CompiledItem, event: Communication) -> bool:
    spec = item.item
    if spec.audience is not Audience.ANY and spec.audience is not event.audience:
        return False
    return not (spec.emergency_only and event.purpose is not Purpose.EMERGENCY)


def _catalogue(
    build: _Builder,
    rule: CompiledInteraction,
    event: Communication,
    staff: Person,
    relationships: frozenset[Relationship],
) -> Decision:
    channel = event.channel.value
    items = [i for i in rule.by_channel.get(channel, ()) if _applies(i, event)]
    emergency = next(
        (i for i in items if i.item.emergency_only and i.item.stance is Stance.PERMITTED), None
    )
    if emergency is not None:
        return build.make(
            Effect.ALLOW,
            rule.rule.id,
            emergency.citations,
            f"allow: '{emergency.item.id}' — {emergency.item.description} (declared emergency)",
        )
    exempted: tuple[CompiledItem, str] | None = None
    for item in items:
        spec = item.item
        if spec.stance is not Stance.FORBIDDEN:
            continue
        if spec.qualifiers.non_educational_only and event.purpose is Purpose.EDUCATIONAL:
            continue
        if spec.qualifiers.district_channels_allowed and event.on_district_channel:
            continue
        shared = sorted(r.value for r in spec.qualifiers.exempt_relationships if r in relationships)
        if shared:
            exempted = exempted or (item, shared[0])
            continue
        effect = rule.rule.forbidden_effect
        text = (
            f"{effect.value}: {channel.replace('_', ' ')} between {staff.username} and a student "
            f"is forbidden by the district's catalogue item '{spec.id}' — {spec.description}"
        )
        return build.make(
            effect,
            rule.rule.id,
            item.citations + rule.citations,
            text,
            severity=spec.severity,
            follow_up=rule.rule.follow_up,
        )
    if exempted is not None:
        item, relation = exempted
        text = (
            f"allow: '{item.item.id}' does not apply because {staff.username} and the student "
            f"have a {relation} relationship, which the district exempts"
        )
        return build.make(Effect.ALLOW, rule.rule.id, item.citations, text)
    permitted = next((i for i in items if i.item.stance is Stance.PERMITTED), None)
    if permitted is not None:
        spec = permitted.item
        text = f"allow: permitted by the district's catalogue item '{spec.id}' — {spec.description}"
        return build.make(Effect.ALLOW, rule.rule.id, permitted.citations, text)
    unlisted: Effect = rule.rule.unlisted_effect
    text = (
        f"{unlisted.value}: no catalogue item lists {channel.replace('_', ' ')} "
        "for this audience and purpose"
    )
    return build.make(unlisted, rule.rule.id, rule.citations, text)
