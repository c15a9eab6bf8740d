"""Content posts under the posting rules: 5460's "shall not post any school district data ..."."""

from __future__ import annotations

import datetime as dt

from boardline.engine.compiled import CompiledPack
from boardline.engine.decision_builder import RANK, SEVERITY_RANK, DecisionBuilder
from boardline.engine.facts import Facts
from boardline.model.decision import Decision
from boardline.model.events import ContentPost
from boardline.policy.pack import Effect


def decide_post(
    event: ContentPost, facts: Facts, pack: CompiledPack, now: dt.datetime, explain: bool
) -> Decision:
    identity = facts.networks.identify(
        facts.directory, address=event.subject.address, username=event.subject.user, at=now
    )
    person = identity.person
    build = DecisionBuilder(event, pack, now, person.id if person else None, explain)
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
        if best is None or (RANK[decision.effect], SEVERITY_RANK[decision.severity]) > (
            RANK[best.effect],
            SEVERITY_RANK[best.severity],
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
