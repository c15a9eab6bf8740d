"""Redlines between two versions of a policy.

Boards review policies by reading a redline: what was struck and what was
inserted, clause by clause. Clauses are paired by id first (ids are stable
across versions), then leftover clauses are paired by text similarity, so a
renumbered paragraph reads as "moved/changed" rather than "removed + added".
Within a clause the diff is word-level, which is how people read legal text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from boardline.policy.document import Clause, PolicyVersion

SIMILAR_ENOUGH = 0.6


class Change(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


class Op(StrEnum):
    EQUAL = "equal"
    DELETE = "delete"
    INSERT = "insert"


@dataclass(frozen=True, slots=True)
class Span:
    op: Op
    text: str


@dataclass(frozen=True, slots=True)
class ClauseDiff:
    old_id: str | None
    new_id: str | None
    change: Change
    spans: tuple[Span, ...]

    @property
    def label(self) -> str:
        if self.old_id and self.new_id and self.old_id != self.new_id:
            return f"{self.old_id} → {self.new_id}"
        return self.new_id or self.old_id or "?"


@dataclass(frozen=True, slots=True)
class ListDiff:
    """A before/after of a list section (cross references, history, footnotes)."""

    section: str
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Redline:
    old_label: str
    new_label: str
    clauses: tuple[ClauseDiff, ...]
    sections: tuple[ListDiff, ...]

    @property
    def changed(self) -> bool:
        return any(c.change is not Change.UNCHANGED for c in self.clauses) or any(
            s.removed or s.added for s in self.sections
        )

    def counts(self) -> dict[str, int]:
        out = {change.value: 0 for change in Change}
        for clause in self.clauses:
            out[clause.change.value] += 1
        return out


def word_diff(old: str, new: str) -> tuple[Span, ...]:
    """Word-level diff; whitespace-only differences are not changes."""
    a, b = old.split(), new.split()
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans.append(Span(Op.EQUAL, " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            spans.append(Span(Op.DELETE, " ".join(a[i1:i2])))
        if j2 > j1:
            spans.append(Span(Op.INSERT, " ".join(b[j1:j2])))
    return tuple(spans)


def _similarity(a: Clause, b: Clause) -> float:
    return difflib.SequenceMatcher(a=a.text.split(), b=b.text.split(), autojunk=False).ratio()


def _pair(
    old: tuple[Clause, ...], new: tuple[Clause, ...]
) -> list[tuple[Clause | None, Clause | None]]:
    new_by_id = {c.id: c for c in new}
    paired_new: set[str] = set()
    pairs: dict[str, tuple[Clause | None, Clause | None]] = {}
    unpaired_old: list[Clause] = []
    for clause in old:
        match = new_by_id.get(clause.id)
        if match is not None:
            pairs[clause.id] = (clause, match)
            paired_new.add(match.id)
        else:
            unpaired_old.append(clause)
    leftovers = [c for c in new if c.id not in paired_new]
    for clause in unpaired_old:
        best = max(leftovers, key=lambda c: _similarity(clause, c), default=None)
        if best is not None and _similarity(clause, best) >= SIMILAR_ENOUGH:
            leftovers.remove(best)
            pairs[best.id] = (clause, best)
        else:
            pairs["-" + clause.id] = (clause, None)
    for clause in leftovers:
        pairs[clause.id] = (None, clause)
    # Order: follow the new version, slotting removed clauses after their old predecessor.
    order = {c.id: n for n, c in enumerate(new)}
    old_order = {c.id: n for n, c in enumerate(old)}

    def key(item: tuple[Clause | None, Clause | None]) -> tuple[float, int]:
        before, after = item
        if after is not None:
            return (float(order[after.id]), 0)
        assert before is not None
        position = old_order[before.id]
        preceding = [
            order[n.id] for o, n in pairs.values() if n and o and old_order[o.id] < position
        ]
        return (max(preceding, default=-1) + 0.5, position)

    return sorted(pairs.values(), key=key)


def _labels(items: tuple[object, ...]) -> list[str]:
    out: list[str] = []
    for item in items:
        label = getattr(item, "label", None)
        out.append(str(label) if label is not None else str(item))
    return out


def _list_diff(section: str, old: list[str], new: list[str]) -> ListDiff:
    return ListDiff(
        section=section,
        removed=tuple(x for x in old if x not in new),
        added=tuple(x for x in new if x not in old),
    )


def redline(old: PolicyVersion, new: PolicyVersion) -> Redline:
    """Compare two versions clause by clause and section by section."""
    diffs: list[ClauseDiff] = []
    for before, after in _pair(old.clauses, new.clauses):
        if before is None and after is not None:
            diffs.append(ClauseDiff(None, after.id, Change.ADDED, (Span(Op.INSERT, after.text),)))
        elif after is None and before is not None:
            diffs.append(
                ClauseDiff(before.id, None, Change.REMOVED, (Span(Op.DELETE, before.text),))
            )
        elif before is not None and after is not None:
            spans = word_diff(before.text, after.text)
            same = all(s.op is Op.EQUAL for s in spans)
            diffs.append(
                ClauseDiff(before.id, after.id, Change.UNCHANGED if same else Change.CHANGED, spans)
            )
    sections = (
        _list_diff(
            "footnotes",
            [f"{n.marker or ''} {n.text}".strip() for n in old.footnotes],
            [f"{n.marker or ''} {n.text}".strip() for n in new.footnotes],
        ),
        _list_diff(
            "cross references", _labels(old.cross_references), _labels(new.cross_references)
        ),
        _list_diff(
            "legal references",
            [f"{x.citation} {x.title or ''}".strip() for x in old.legal_references],
            [f"{x.citation} {x.title or ''}".strip() for x in new.legal_references],
        ),
        _list_diff(
            "history",
            [_history(e.event.value, e.date) for e in old.history],
            [_history(e.event.value, e.date) for e in new.history],
        ),
    )
    return Redline(old.label, new.label, tuple(diffs), sections)


def _history(event: str, date: object) -> str:
    return f"{event.replace('_', ' ')}: {date if date is not None else '(blank)'}"
