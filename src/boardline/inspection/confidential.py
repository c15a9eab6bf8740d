"""The confidential-data scanner: students' records, identifiers, SSNs and birth dates in text.

Two kinds of evidence, combined the way Exact Data Match products do it:

* **Roster matches.** A student id (or an SSN of record with its owner) is an
  *anchor*: a pattern-like value that is rarely there by chance. Another field
  of the *same* student within ``window`` characters (name in any of its
  forms, birth date in any of its formats) *corroborates* it, and an anchor
  with corroboration is a ``student_record``. A name with that student's
  birth date beside it is one too. Names alone are weak (names are common and
  many posts rightly mention students), so they count only as a list of many
  students; ids alone are ``student_identifier`` findings, stronger with a
  context word ("Student ID").
* **Validated patterns.** SSN-shaped numbers that pass the issuance rules
  (:mod:`boardline.inspection.patterns`), stronger with a context word and
  certain when the salted digest is in the district's SSNs of record; dates
  after a date-of-birth context word.

A finding says what kind of data, how many distinct people, how sure, and
*where* (character offsets in the scanned text), never *what*: evidence is the
field names and offsets only, no value and no part of one, because findings
go to the decision log, block pages and reports. The people count is the
number of distinct roster records (or distinct SSNs / birth dates for
patterns).

The combining order: records first (a value that is part of a record is not
reported again as a bare identifier or birth date), then identifiers, SSNs,
birth dates in context, then a list of names. Confidence values are fixed by
tier, so a pack's ``min_confidence`` picks the tier it acts on:

====================================================  ==========
student id or SSN of record + name + birth date        0.97
student id or SSN of record + name or birth date       0.90
name + that student's birth date                       0.80
SSN of record (no owner on the roster)                 0.95
SSN pattern with a context word / dashed, no context   0.85 / 0.60
student id with a context word / 3+ ids / one id       0.75 / 0.65 / 0.45
birth dates in context: 3+ / 1-2                        0.75 / 0.60
a list of 10+ / 5-9 students' names                    0.60 / 0.40
====================================================  ==========
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from boardline.directory.directory import Directory
from boardline.inspection.confidential_values import SaltedValues
from boardline.inspection.digit_runs import DigitRuns
from boardline.inspection.patterns import (
    ID_CONTEXT,
    DateMention,
    find_birth_dates,
    find_dates,
    find_ssns,
    has_context,
)
from boardline.inspection.roster_match import (
    Field,
    FoldedText,
    RosterAutomaton,
    RosterRecord,
    records_from_directory,
)
from boardline.model.events import Finding, FindingKind

#: Evidence groups written out in a finding before the rest are counted.
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where one matched value is: which field, and its character offsets. Never the value."""

    field: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.field} {self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class ConfidentialReport:
    """The findings of one scan and every evidence span (for highlighting or redaction)."""

    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]


@dataclass(slots=True)
class _Record:
    person: int
    anchor: Evidence | None
    corroboration: list[Evidence]

    @property
    def confidence(self) -> float:
        if self.anchor is None:
            return 0.80
        return 0.97 if len({e.field for e in self.corroboration}) >= 2 else 0.90


class ConfidentialScanner:
    """Scans text against one roster (and optionally SSNs of record); immutable after build."""

    __slots__ = (
        "_record_numbers",
        "min_listed_names",
        "revision",
        "roster",
        "source",
        "ssns",
        "window",
    )

    def __init__(
        self,
        roster: RosterAutomaton,
        *,
        ssns_of_record: SaltedValues | None = None,
        window: int = 300,
        min_listed_names: int = 5,
        source: str = "roster",
    ) -> None:
        self.roster = roster
        self.ssns = ssns_of_record
        self.window = window
        self.min_listed_names = min_listed_names
        self.source = source
        # Owners of SSNs of record are person ids; their record numbers, found once.
        self._record_numbers = (
            {r.person_id: n for n, r in enumerate(roster.records)} if ssns_of_record else {}
        )
        self.revision = (
            f"confidential/1 {source}={roster.digest} "
            f"records={len(roster)} ssn-of-record={len(ssns_of_record or ())} window={window}"
        )

    @classmethod
    def from_records(
        cls,
        records: Sequence[RosterRecord],
        *,
        nicknames: Mapping[str, Sequence[str]] | None = None,
        ssns_of_record: SaltedValues | None = None,
        window: int = 300,
        source: str = "roster",
    ) -> ConfidentialScanner:
        automaton = RosterAutomaton(records, nicknames=nicknames)
        return cls(automaton, ssns_of_record=ssns_of_record, window=window, source=source)

    @classmethod
    def from_directory(
        cls,
        directory: Directory,
        *,
        birth_dates: Mapping[str, dt.date] | None = None,
        nicknames: Mapping[str, Sequence[str]] | None = None,
        ssns_of_record: SaltedValues | None = None,
        window: int = 300,
    ) -> ConfidentialScanner:
        """The district's students from its directory, birth dates joined by sourcedId."""
        records = records_from_directory(directory, birth_dates=birth_dates)
        return cls.from_records(
            records, nicknames=nicknames, ssns_of_record=ssns_of_record, window=window
        )

    def scan_text(self, text: str) -> tuple[Finding, ...]:
        return self.scan(text).findings

    def scan(self, text: str) -> ConfidentialReport:
        folded = FoldedText(text)
        hits, contexts = self.roster.search(folded)
        digits = DigitRuns(text, folded.codes)
        ids: dict[int, list[Evidence]] = {}
        names: dict[int, list[Evidence]] = {}
        for hit in hits:
            target = ids if hit.field is Field.IDENTIFIER else names
            label = "student id" if hit.field is Field.IDENTIFIER else "name"
            for person in hit.people:
                target.setdefault(person, []).append(Evidence(label, hit.start, hit.end))
        anchors = {person: list(found) for person, found in ids.items()}
        ssn_findings = self._ssns(text, anchors, digits)
        dates = (
            _Dates(text, [e for found in (*anchors.values(), *names.values()) for e in found],
                   self.window, digits)
            if self.roster.birth_dates and (anchors or names) and len(digits)
            else None
        )  # fmt: skip
        records = self._records(anchors, names, dates)
        findings: list[Finding] = []
        used: set[tuple[int, int]] = set()
        for record in records:
            for item in (record.anchor, *record.corroboration):
                if item is not None:
                    used.add((item.start, item.end))
        if records:
            findings.append(self._record_finding(records))
        confirmed = {r.person for r in records}
        bare = {p: found for p, found in ids.items() if p not in confirmed}
        if bare:
            findings.append(self._identifier_finding(text, bare))
        findings.extend(ssn_findings[0])
        birth = [
            m for m in find_birth_dates(text, contexts, digits) if (m.start, m.end) not in used
        ]
        if birth:
            findings.append(self._birth_finding(birth))
        listed = {
            p
            for p, found in names.items()
            if p not in confirmed and any(e.field == "name" for e in found)
        }
        if len(listed) >= self.min_listed_names:
            findings.append(self._names_finding(listed, names))
        evidence = sorted(
            {e for found in (*ids.values(), *names.values()) for e in found}
            | set(ssn_findings[1])
            | {Evidence("date of birth", m.start, m.end) for m in birth},
            key=lambda e: (e.start, e.end, e.field),
        )
        return ConfidentialReport(tuple(findings), tuple(evidence))

    # -- anchors and records ------------------------------------------------------------

    def _ssns(
        self, text: str, anchors: dict[int, list[Evidence]], digits: DigitRuns
    ) -> tuple[list[Finding], list[Evidence]]:
        """SSN findings; an SSN of record whose owner is on the roster becomes an anchor."""
        of_record: set[str] = set()
        recorded: list[Evidence] = []
        pattern: set[str] = set()
        patterned: list[Evidence] = []
        sure = False
        by_id = self._record_numbers
        for mention in find_ssns(text, digits):
            where = Evidence("ssn", mention.start, mention.end)
            owner = self.ssns.owner(mention.digits) if self.ssns is not None else None
            if owner is None:
                pattern.add(mention.digits)
                patterned.append(where)
                sure = sure or mention.in_context
                continue
            of_record.add(mention.digits)
            recorded.append(where)
            person = by_id.get(owner) if owner else None
            if person is not None:
                anchors.setdefault(person, []).append(where)
        findings: list[Finding] = []
        if of_record:
            findings.append(
                self._finding(
                    FindingKind.SSN,
                    0.95,
                    len(of_record),
                    f"{len(of_record)} SSN(s) of record at " + _listed([str(e) for e in recorded]),
                    asset=self.ssns.name if self.ssns is not None else None,
                )
            )
        if pattern:
            context = " with an SSN context word" if sure else ""
            findings.append(
                self._finding(
                    FindingKind.SSN,
                    0.85 if sure else 0.60,
                    len(pattern),
                    f"{len(pattern)} valid SSN pattern(s){context} at "
                    + _listed([str(e) for e in patterned]),
                )
            )
        return findings, recorded + patterned

    def _records(
        self,
        anchors: dict[int, list[Evidence]],
        names: dict[int, list[Evidence]],
        dates: _Dates | None,
    ) -> list[_Record]:
        window = self.window
        records: list[_Record] = []
        for person, found in anchors.items():
            best: _Record | None = None
            for anchor in found:
                near = [e for e in names.get(person, ()) if abs(e.start - anchor.start) <= window]
                support = [min(near, key=lambda e: abs(e.start - anchor.start))] if near else []
                birth = self._birth_near(person, anchor, dates)
                if birth is not None:
                    support.append(birth)
                if support and (best is None or len(support) > len(best.corroboration)):
                    best = _Record(person, anchor, support)
            if best is not None:
                records.append(best)
        confirmed = {r.person for r in records}
        if dates is not None:
            for person, found in names.items():
                if person in confirmed:
                    continue
                for name in found:
                    birth = self._birth_near(person, name, dates)
                    if birth is not None:
                        records.append(_Record(person, None, [name, birth]))
                        break
        return records

    def _birth_near(self, person: int, near: Evidence, dates: _Dates | None) -> Evidence | None:
        if dates is None:
            return None
        born = self.roster.records[person].birth_date
        if born is None:
            return None
        for mention in dates.between(near.start - self.window, near.end + self.window):
            if born in mention.readings:
                return Evidence("date of birth", mention.start, mention.end)
        return None

    # -- findings -----------------------------------------------------------------------

    def _finding(
        self,
        kind: FindingKind,
        confidence: float,
        people: int,
        evidence: str,
        *,
        asset: str | None = None,
    ) -> Finding:
        return Finding(
            kind=kind.value,
            confidence=confidence,
            asset=asset,
            evidence=evidence,
            scanner=self.revision,
            people=people,
        )

    def _record_finding(self, records: list[_Record]) -> Finding:
        groups = []
        for record in sorted(records, key=lambda r: (r.anchor or r.corroboration[0]).start):
            parts = [str(record.anchor)] if record.anchor else []
            parts += [str(e) for e in record.corroboration]
            groups.append(" with ".join(parts))
        people = len({r.person for r in records})
        text = f"{people} student record(s): " + _listed(groups)
        confidence = max(r.confidence for r in records)
        return self._finding(
            FindingKind.STUDENT_RECORD, confidence, people, text, asset=self.source
        )

    def _identifier_finding(self, text: str, bare: dict[int, list[Evidence]]) -> Finding:
        spans = sorted((e for found in bare.values() for e in found), key=lambda e: e.start)
        in_context = any(has_context(text, e.start, ID_CONTEXT) for e in spans)
        if in_context:
            confidence = 0.75
        elif len(bare) >= 3:
            confidence = 0.65
        else:
            confidence = 0.45
        note = " after a student-id context word" if in_context else ""
        return self._finding(
            FindingKind.STUDENT_IDENTIFIER,
            confidence,
            len(bare),
            f"{len(bare)} roster student id(s){note} at " + _listed([str(e) for e in spans]),
            asset=self.source,
        )

    def _birth_finding(self, mentions: list[DateMention]) -> Finding:
        distinct = {(m.readings, m.start) for m in mentions}
        confidence = 0.75 if len(distinct) >= 3 else 0.60
        return self._finding(
            FindingKind.DATE_OF_BIRTH,
            confidence,
            len(distinct),
            f"{len(distinct)} date(s) of birth in context at "
            + _listed([f"date of birth {m.start}-{m.end}" for m in mentions]),
        )

    def _names_finding(self, listed: set[int], names: dict[int, list[Evidence]]) -> Finding:
        spans = sorted(
            (e for p in listed for e in names[p] if e.field == "name"), key=lambda e: e.start
        )
        confidence = 0.60 if len(listed) >= 2 * self.min_listed_names else 0.40
        return self._finding(
            FindingKind.STUDENT_RECORD,
            confidence,
            len(listed),
            f"a list of {len(listed)} students' names at " + _listed([str(e) for e in spans]),
            asset=self.source,
        )


class _Dates:
    """The dates within ``window`` of a roster match, found once and only if one needs them."""

    __slots__ = ("_mentions", "_starts")

    def __init__(self, text: str, near: list[Evidence], window: int, digits: DigitRuns) -> None:
        spans: list[list[int]] = []
        for item in sorted(near, key=lambda e: e.start):
            start, end = max(0, item.start - window), min(len(text), item.end + window)
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        self._mentions = [m for start, end in spans for m in find_dates(text, start, end, digits)]
        self._starts = [m.start for m in self._mentions]

    def between(self, start: int, end: int) -> list[DateMention]:
        low = bisect.bisect_left(self._starts, start)
        high = bisect.bisect_right(self._starts, end)
        return self._mentions[low:high]


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    more = len(items) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


__all__ = ["ConfidentialReport", "ConfidentialScanner", "Evidence"]
