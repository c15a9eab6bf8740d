"""A pack compiled once per revision into what the hot path needs.

Compilation resolves every citation to its quoted text, groups rules by the
event they govern, indexes the interaction catalogue by channel and finding
kinds by posting rule, so that :func:`boardline.engine.evaluate.evaluate` does
dictionary hits and no parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from boardline.model.decision import Citation
from boardline.policy.pack import (
    CitationRef,
    DefaultRule,
    InteractionItem,
    InteractionRule,
    Pack,
    PostingRule,
    Role,
    SchoolHoursAccessRule,
)


@dataclass(frozen=True, slots=True)
class CompiledSchoolHours:
    rule: SchoolHoursAccessRule
    covers: frozenset[str]
    categories: frozenset[str]
    citations: tuple[Citation, ...]
    honours_grants: bool
    honours_emergencies: bool


@dataclass(frozen=True, slots=True)
class CompiledPosting:
    rule: PostingRule
    covers: frozenset[str]
    findings: frozenset[str]
    destinations: frozenset[str]
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CompiledItem:
    item: InteractionItem
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CompiledInteraction:
    rule: InteractionRule
    covers: frozenset[str]
    citations: tuple[Citation, ...]
    #: Catalogue items by channel value, forbidden items first.
    by_channel: dict[str, tuple[CompiledItem, ...]]


@dataclass(frozen=True, slots=True)
class CompiledPack:
    pack: Pack
    revision: str
    school_hours: tuple[CompiledSchoolHours, ...]
    posting: tuple[CompiledPosting, ...]
    interaction: CompiledInteraction | None
    default: DefaultRule | None
    default_citations: tuple[Citation, ...]
    #: Roles some rule covers; anyone else is "not covered by this policy".
    covered_roles: frozenset[str]
    #: Categories any school-hours rule watches (to skip work for other sites).
    watched_categories: frozenset[str]
    timezone: str
    zone: ZoneInfo


def resolve(
    pack: Pack, refs: tuple[CitationRef, ...], rule_id: str, revision: str, reason: str
) -> tuple[Citation, ...]:
    out: list[Citation] = []
    for ref in refs:
        version = pack.current(ref.policy)
        clause = version.clause(ref.clause) if version is not None else None
        quote = ref.quote if ref.quote is not None else (clause.text if clause else "")
        out.append(Citation(ref.policy, ref.clause, quote, rule_id, revision, reason))
    return tuple(out)


def compile_pack(pack: Pack) -> CompiledPack:
    revision = pack.revision
    school: list[CompiledSchoolHours] = []
    posting: list[CompiledPosting] = []
    interaction: CompiledInteraction | None = None
    default: DefaultRule | None = None
    covered: set[str] = set()
    for rule in pack.rules:
        if not rule.enabled:
            continue
        cites = resolve(pack, rule.cites, rule.id, revision, rule.title)
        if isinstance(rule, SchoolHoursAccessRule):
            school.append(
                CompiledSchoolHours(
                    rule,
                    frozenset(r.value for r in rule.covers),
                    frozenset(rule.categories),
                    cites,
                    honours_grants="grant" in rule.honours,
                    honours_emergencies="emergency" in rule.honours,
                )
            )
            covered.update(r.value for r in rule.covers)
        elif isinstance(rule, PostingRule):
            posting.append(
                CompiledPosting(
                    rule,
                    frozenset(r.value for r in rule.covers),
                    frozenset(rule.findings),
                    frozenset(rule.destinations),
                    cites,
                )
            )
            covered.update(r.value for r in rule.covers)
        elif isinstance(rule, InteractionRule):
            by_channel: dict[str, list[CompiledItem]] = {}
            for item in pack.interactions:
                reason = f"{item.stance.value}: {item.description}"
                compiled = CompiledItem(item, resolve(pack, item.cites, rule.id, revision, reason))
                for channel in item.channels:
                    by_channel.setdefault(channel.value, []).append(compiled)
            ordered = {
                ch: tuple(sorted(items, key=lambda c: c.item.stance.value != "forbidden"))
                for ch, items in by_channel.items()
            }
            interaction = CompiledInteraction(
                rule, frozenset(r.value for r in rule.covers), cites, ordered
            )
            covered.update(r.value for r in rule.covers)
        else:
            default = rule
    default_cites = (
        resolve(pack, default.cites, default.id, revision, default.title)
        if default is not None
        else ()
    )
    return CompiledPack(
        pack=pack,
        revision=revision,
        school_hours=tuple(school),
        posting=tuple(posting),
        interaction=interaction,
        default=default,
        default_citations=default_cites,
        covered_roles=frozenset(covered) or frozenset({Role.STAFF.value}),
        watched_categories=frozenset(c for s in school for c in s.categories),
        timezone=pack.district.timezone,
        zone=ZoneInfo(pack.district.timezone),
    )
