"""Web access under the school-hours rules: 5460's "no social networking during school hours".

Which buildings' hours apply, the pack's interpretation outside school hours
(district vs personal equipment), and administrator grants and emergencies
ahead of the rule's own effect. The combining order is in :mod:`~boardline.engine.evaluate`.
"""

from __future__ import annotations

import datetime as dt

from boardline.directory.network import Identity
from boardline.directory.person import Person
from boardline.engine.compiled import CompiledPack, CompiledSchoolHours
from boardline.engine.decision_builder import RANK, DecisionBuilder
from boardline.engine.facts import Facts, schedule_buildings
from boardline.model.decision import Decision, ExceptionUsed
from boardline.model.events import WebAccess
from boardline.policy.pack import Effect, Severity


def decide_web(
    event: WebAccess,
    identity: Identity,
    facts: Facts,
    pack: CompiledPack,
    now: dt.datetime,
    explain: bool,
) -> Decision:
    subject = event.subject
    person = identity.person
    build = DecisionBuilder(event, pack, now, person.id if person else None, explain)
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
        if outcome is None or RANK[decision.effect] > RANK[outcome.effect]:
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
    build: DecisionBuilder,
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
