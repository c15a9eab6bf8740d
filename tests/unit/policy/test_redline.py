"""Redlines: clause pairing by id and by similarity, word-level spans, list sections."""

from __future__ import annotations

from boardline.policy.document import (
    Clause,
    CrossReference,
    HistoryEntry,
    HistoryEvent,
    PolicyVersion,
)
from boardline.policy.redline import Change, Op, redline, word_diff


def version(label: str, *texts: str, refs: tuple[str, ...] = ()) -> PolicyVersion:
    return PolicyVersion(
        label=label,
        clauses=tuple(Clause(id=f"9.p{n}", text=t) for n, t in enumerate(texts, 1)),
        cross_references=tuple(CrossReference(code=None, title=r) for r in refs),
        history=(HistoryEntry(event=HistoryEvent.ADOPTED),),
    )


def test_word_diff_marks_struck_and_inserted_words() -> None:
    spans = word_diff("staff shall not access cites", "staff shall not access sites")
    assert [(s.op, s.text) for s in spans] == [
        (Op.EQUAL, "staff shall not access"),
        (Op.DELETE, "cites"),
        (Op.INSERT, "sites"),
    ]


def test_whitespace_is_not_a_change() -> None:
    result = redline(version("a", "One  two\u00a0three."), version("b", "One two three."))
    assert not result.changed
    assert result.counts()["unchanged"] == 1


def test_added_removed_and_changed_clauses() -> None:
    old = version(
        "2012", "First paragraph.", "Second paragraph stays.", "Third goes away entirely now."
    )
    new = version("2026", "First paragraph, amended.", "Second paragraph stays.")
    result = redline(old, new)
    changes = {c.label: c.change for c in result.clauses}
    assert changes == {"9.p1": Change.CHANGED, "9.p2": Change.UNCHANGED, "9.p3": Change.REMOVED}
    assert result.counts() == {"unchanged": 1, "changed": 1, "added": 0, "removed": 1}


def test_renumbered_clause_pairs_by_similarity() -> None:
    text = "Staff shall not post district logos or photographs on any website at all."
    old = PolicyVersion(label="a", clauses=(Clause(id="9.p7", text=text),))
    new = PolicyVersion(
        label="b",
        clauses=(
            Clause(id="9.p1", text="A brand new opening paragraph."),
            Clause(id="9.p8", text=text.replace("any website", "any website or app")),
        ),
    )
    result = redline(old, new)
    assert [(c.old_id, c.new_id, c.change) for c in result.clauses] == [
        (None, "9.p1", Change.ADDED),
        ("9.p7", "9.p8", Change.CHANGED),
    ]
    assert result.clauses[1].label == "9.p7 → 9.p8"


def test_list_sections_report_removed_and_added() -> None:
    result = redline(
        version("a", "x", refs=("Code of Ethics",)), version("b", "x", refs=("Handbook",))
    )
    section = next(s for s in result.sections if s.section == "cross references")
    assert section.removed == ("Code of Ethics",)
    assert section.added == ("Handbook",)
    assert result.changed
