"""The report's "staff–student messages" part, from ``comm_outcomes``.

Issue 5 asks the audit to show who messaged students outside district channels.
The engine has already decided every mail-trace event (:func:`boardline.audit.bulk.evaluate_comm`);
this module only counts and lists those decisions for one audience, under the same
rules as the web part (:mod:`boardline.audit.report_data`):

* the *student* is never named, for any audience: a message lists "student #n",
  a pseudonym numbered afresh in each report, so HR can see that one staff member
  wrote to the same student three times without learning who the student is;
* the board gets counts only, with 1 to 4 suppressed; HR and administrators get
  each violating message per staff member with the decision's citations;
* ``--building`` keeps the staff members whose directory entry lists that building
  (a message has no building of its own, unlike a web visit).

Citations are rebuilt from the compiled pack, by the ``policy clause`` strings the
outcome row stores, rather than by deciding the event again: the row *is* the
decision the audit made, and the report must show that decision, not a new one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import duckdb

from boardline.engine.compiled import CompiledItem, CompiledPack
from boardline.engine.facts import Facts
from boardline.model.decision import Citation
from boardline.policy.pack import Role

__all__ = [
    "MessagePerson",
    "MessageViolation",
    "Messages",
    "build_messages",
    "in_scope",
    "message_citations",
    "message_item",
    "sender_of",
]

#: Violating messages listed per staff member (the rest are counted, not listed).
DETAIL_LIMIT: Final = 200
#: The effects that make a message a violation.
VIOLATING: Final = ("deny", "flag")
#: Label of a violation that no catalogue item lists (the rule's ``unlisted_effect``).
UNLISTED: Final = "(no catalogue item)"

_COLUMNS: Final = (
    "source", "line", "ts", "staff", "student", "channel", "direction", "audience",
    "purpose", "person_id", "effect", "rule", "severity", "clauses", "follow_up",
    "explanation", "revision",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Count:
    """One row of a count table; ``value`` is None when suppressed (board, 1 to 4)."""

    key: str
    label: str
    value: int | None


@dataclass(frozen=True, slots=True)
class MessageViolation:
    """One message the engine denied or flagged, with its citations; the student is a pseudonym."""

    at: dt.datetime
    channel: str
    direction: str
    audience: str
    purpose: str
    student: str
    effect: str
    severity: str
    rule: str
    item: str | None
    revision: str
    citations: tuple[Citation, ...]
    explanation: str
    follow_up: tuple[str, ...]
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class MessagePerson:
    person_id: str
    username: str
    name: str
    role: str
    building: str | None
    violating_messages: int
    violations: tuple[MessageViolation, ...]

    @property
    def unlisted(self) -> int:
        return self.violating_messages - len(self.violations)


@dataclass(frozen=True, slots=True)
class Messages:
    """Counts of decided and violating messages, and (identified audiences) who sent them."""

    decided: int
    violations: int | None
    staff_with_violations: int | None
    by_rule: tuple[Count, ...]
    by_channel: tuple[Count, ...]
    #: None for a de-identified audience.
    people: tuple[MessagePerson, ...] | None


def build_messages(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledPack,
    facts: Facts,
    *,
    identified: bool,
    building: str | None,
    cell: Callable[[int], int | None],
    cells: Callable[[Sequence[int], int], list[int | None]] | None = None,
    building_label: Callable[[str | None], str],
    mask: Callable[[str], str],
) -> Messages:
    """The messages part of one report.

    ``cell`` suppresses small counts for the board; ``mask`` is the report's masking
    of students in free text (:func:`boardline.audit.report_data.mask_students`).
    """
    columns = ", ".join(_COLUMNS)
    cursor = con.execute(
        f"SELECT {columns} FROM comm_outcomes ORDER BY ts, source, line"  # noqa: S608
    )
    rows = [dict(zip(_COLUMNS, values, strict=True)) for values in cursor.fetchall()]
    scoped = [r for r in rows if in_scope(r, facts, building)]
    bad = [r for r in scoped if str(r["effect"]) in VIOLATING]
    by_rule: dict[tuple[str, str], int] = {}
    by_channel: dict[str, int] = {}
    items: list[CompiledItem | None] = []
    for row in bad:
        item = message_item(row, compiled)
        items.append(item)
        key = (str(row["rule"]), item.item.id if item else UNLISTED)
        by_rule[key] = by_rule.get(key, 0) + 1
        by_channel[str(row["channel"])] = by_channel.get(str(row["channel"]), 0) + 1
    senders = {sender_of(r) for r in bad}
    rules = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    channels = sorted(by_channel.items(), key=lambda kv: (-kv[1], kv[0]))

    def shown(values: list[int]) -> list[int | None]:
        # Both breakdowns add up to the violations: complementary suppression applies.
        if cells is None:
            return [cell(v) for v in values]
        return cells(values, len(bad))

    return Messages(
        decided=len(scoped),
        violations=cell(len(bad)),
        staff_with_violations=cell(len(senders)),
        by_rule=tuple(
            Count(f"{rule}/{item}", f"{rule}: {item}", v)
            for ((rule, item), _), v in zip(rules, shown([n for _, n in rules]), strict=True)
        ),
        by_channel=tuple(
            Count(ch, ch.replace("_", " "), v)
            for (ch, _), v in zip(channels, shown([n for _, n in channels]), strict=True)
        ),
        people=_people(bad, items, compiled, facts, building_label, mask) if identified else None,
    )


def sender_of(row: Mapping[str, Any]) -> str:
    return str(row["person_id"] or row["staff"])


def in_scope(row: Mapping[str, Any], facts: Facts, building: str | None) -> bool:
    """Staff and administrators only (never a student as sender); one building if asked."""
    person = facts.directory.resolve(sender_of(row))
    if person is not None and person.role not in (Role.STAFF, Role.ADMINISTRATOR):
        return False
    recorded = facts.directory.resolve(str(row["staff"]))
    if recorded is not None and recorded.role is Role.STUDENT:
        return False
    if building is None:
        return True
    return person is not None and building in person.buildings


def _people(
    bad: list[dict[str, Any]],
    items: list[CompiledItem | None],
    compiled: CompiledPack,
    facts: Facts,
    building_label: Callable[[str | None], str],
    mask: Callable[[str], str],
) -> tuple[MessagePerson, ...]:
    pseudonyms: dict[str, str] = {}
    listed: dict[str, list[MessageViolation]] = {}
    counts: dict[str, int] = {}
    for row, item in zip(bad, items, strict=True):
        sender = sender_of(row)
        counts[sender] = counts.get(sender, 0) + 1
        if counts[sender] > DETAIL_LIMIT:
            continue
        student = pseudonyms.setdefault(str(row["student"]), f"student #{len(pseudonyms) + 1}")
        listed.setdefault(sender, []).append(_violation(row, item, student, compiled, facts, mask))
    out = []
    for sender, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        person = facts.directory.resolve(sender)
        out.append(
            MessagePerson(
                person_id=sender,
                username=person.username if person else sender,
                name=person.display_name if person else "",
                role=person.role.value if person else "",
                building=building_label(person.buildings[0])
                if person and person.buildings
                else None,
                violating_messages=n,
                violations=tuple(listed.get(sender, ())),
            )
        )
    return tuple(out)


def _violation(
    row: Mapping[str, Any],
    item: CompiledItem | None,
    student: str,
    compiled: CompiledPack,
    facts: Facts,
    mask: Callable[[str], str],
) -> MessageViolation:
    return MessageViolation(
        at=dt.datetime.fromtimestamp(float(row["ts"]), compiled.zone),
        channel=str(row["channel"]),
        direction=str(row["direction"]),
        audience=str(row["audience"]),
        purpose=str(row["purpose"]),
        student=student,
        effect=str(row["effect"]),
        severity=str(row["severity"]),
        rule=str(row["rule"]),
        item=item.item.id if item else None,
        revision=str(row["revision"]),
        citations=message_citations(row, item, compiled),
        explanation=_unnamed(str(row["explanation"]), str(row["student"]), facts, mask),
        follow_up=tuple(str(f) for f in row["follow_up"]),
        source=str(row["source"]),
        line=int(row["line"]),
    )


def _unnamed(text: str, student: str, facts: Facts, mask: Callable[[str], str]) -> str:
    """``text`` with the message's student, by id, login or address, replaced by "a student".

    The engine's explanations already say "a student"; this is the guarantee, not the habit.
    """
    names = {student}
    person = facts.directory.resolve(student)
    if person is not None:
        names.update({person.id, person.username, person.display_name, person.email or ""})
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(rf"(?<![\w.@-]){re.escape(name)}(?![\w@-])", "a student", text)
    return mask(text)


def message_item(row: Mapping[str, Any], compiled: CompiledPack) -> CompiledItem | None:
    """The catalogue item that forbade the message, or None (unlisted, or not the catalogue)."""
    rule = compiled.interaction
    if rule is None or rule.rule.id != row["rule"]:
        return None
    candidates = [
        i
        for i in rule.by_channel.get(str(row["channel"]), ())
        if i.item.stance.value == "forbidden"
    ]
    explanation = str(row["explanation"])
    for item in candidates:
        if f"'{item.item.id}'" in explanation:
            return item
    clauses = list(row["clauses"])
    for item in candidates:
        if [f"{c.policy} {c.clause}" for c in item.citations + rule.citations] == clauses:
            return item
    return None


def message_citations(
    row: Mapping[str, Any], item: CompiledItem | None, compiled: CompiledPack
) -> tuple[Citation, ...]:
    """The outcome's citations, with the quoted words from the pack it was decided under."""
    clauses = [str(c) for c in row["clauses"]]
    rule = compiled.interaction
    for whole in (
        (item.citations + rule.citations) if item and rule else None,
        rule.citations if rule else None,
        compiled.default_citations,
    ):
        if whole is not None and [f"{c.policy} {c.clause}" for c in whole] == clauses:
            return tuple(
                Citation(c.policy, c.clause, c.quote, str(row["rule"]), str(row["revision"]),
                         c.reason)
                for c in whole
            )  # fmt: skip
    # Not one of the pack's citation lists (another revision's row): clause by clause.
    known: dict[str, Citation] = {}
    pools: list[tuple[Citation, ...]] = [item.citations] if item else []
    if compiled.interaction is not None:
        pools.append(compiled.interaction.citations)
        pools.extend(
            i.citations for items in compiled.interaction.by_channel.values() for i in items
        )
    pools.append(compiled.default_citations)
    for pool in pools:
        for c in pool:
            known.setdefault(f"{c.policy} {c.clause}", c)
    out = []
    for text in clauses:
        found = known.get(text)
        if found is not None:
            policy, clause, quote, reason = found.policy, found.clause, found.quote, found.reason
        else:
            policy, _, clause = text.partition(" ")
            version = compiled.pack.current(policy)
            words = version.clause(clause) if version is not None else None
            quote, reason = (words.text if words else ""), ""
        out.append(Citation(policy, clause, quote, str(row["rule"]), str(row["revision"]), reason))
    return tuple(out)
