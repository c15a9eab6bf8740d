"""Staff-student communication under the district's interaction catalogue (5460.p5)."""

from __future__ import annotations

import datetime as dt

from boardline.directory.person import Person
from boardline.engine.compiled import CompiledInteraction, CompiledItem, CompiledPack
from boardline.engine.decision_builder import DecisionBuilder, find_person
from boardline.engine.facts import Facts
from boardline.model.decision import Decision
from boardline.model.events import Communication, Purpose
from boardline.policy.pack import Audience, Effect, Relationship, Stance


def decide_communication(
    event: Communication, facts: Facts, pack: CompiledPack, now: dt.datetime, explain: bool
) -> Decision:
    staff = find_person(facts, event.staff)
    student = find_person(facts, event.student)
    build = DecisionBuilder(event, pack, now, staff.id if staff else None, explain)
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
    build: DecisionBuilder,
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
