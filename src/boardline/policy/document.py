"""A board policy as structured data: the policy book's unit.

A policy is identified by its code inside a district and has one or more
versions. Each version holds the body as ordered clauses whose text is kept
*verbatim* (citations quote it), plus the footnotes, cross references, legal
references and history that districts publish with it. Nothing here reads a
file; the pack loader and the text importer build these objects.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from boardline.policy.code import PolicyCode

ClauseId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", min_length=1, max_length=80),
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class ClauseKind(StrEnum):
    """What a body element is; citations normally point at paragraphs and items."""

    PARAGRAPH = "paragraph"
    ITEM = "item"
    HEADING = "heading"


class Clause(_Frozen):
    """One citable element of a policy body, with its verbatim text."""

    id: ClauseId
    text: str = Field(min_length=1)
    kind: ClauseKind = ClauseKind.PARAGRAPH
    #: The list marker as published ("•", "1.", "a)") for list items.
    marker: str | None = None
    #: Nesting depth for list items (0 for top-level).
    level: int = Field(default=0, ge=0, le=8)
    #: Footnote markers that the clause carries (e.g. "1" after a colon).
    footnote_refs: tuple[str, ...] = ()


class Footnote(_Frozen):
    """A note attached to the policy ("Note: 1 What is and is not ...")."""

    id: ClauseId
    marker: str | None = None
    text: str = Field(min_length=1)


class CrossReference(_Frozen):
    """Another policy (code and title) or a free-text document such as a code of ethics."""

    code: PolicyCode | None = None
    title: str = Field(min_length=1)

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}" if self.code else self.title


class LegalReference(_Frozen):
    """A statute or rule the policy rests on (e.g. "§ 20-1-213, MCA  School calendar")."""

    citation: str = Field(min_length=1)
    title: str | None = None


class HistoryEvent(StrEnum):
    ADOPTED = "adopted"
    REVIEWED = "reviewed"
    REVISED = "revised"
    FIRST_READING = "first_reading"
    SECOND_READING = "second_reading"
    UPDATED = "updated"


class HistoryEntry(_Frozen):
    """One line of a policy's history; the date may be blank, as districts publish it.

    ``precision`` records how much of the date the source gave ("August 2011" is a
    month), so a re-export never invents a day that was not there.
    """

    event: HistoryEvent
    date: dt.date | None = None
    precision: str = Field(default="day", pattern=r"^(day|month|year)$")
    #: The date as written in the source, kept for audit ("5-23-11").
    source_text: str | None = None


class PolicyVersion(_Frozen):
    """One revision of a policy's text. A new revision never replaces an old one."""

    label: str = Field(min_length=1, max_length=40)
    clauses: tuple[Clause, ...] = Field(min_length=1)
    footnotes: tuple[Footnote, ...] = ()
    cross_references: tuple[CrossReference, ...] = ()
    legal_references: tuple[LegalReference, ...] = ()
    history: tuple[HistoryEntry, ...] = ()

    @field_validator("clauses")
    @classmethod
    def _unique_clause_ids(cls, clauses: tuple[Clause, ...]) -> tuple[Clause, ...]:
        seen: set[str] = set()
        for clause in clauses:
            if clause.id in seen:
                msg = f"duplicate clause id {clause.id!r}"
                raise ValueError(msg)
            seen.add(clause.id)
        return clauses

    def clause(self, clause_id: str) -> Clause | None:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        for note in self.footnotes:
            if note.id == clause_id:
                return Clause(id=note.id, text=note.text, kind=ClauseKind.PARAGRAPH)
        return None

    def dates(self, event: HistoryEvent) -> tuple[dt.date | None, ...]:
        return tuple(entry.date for entry in self.history if entry.event is event)


class Policy(_Frozen):
    """A board policy with all of its versions, oldest first."""

    district: str = Field(min_length=1)
    series: str | None = None
    code: PolicyCode
    title: str = Field(min_length=1)
    versions: tuple[PolicyVersion, ...] = Field(min_length=1)

    @field_validator("versions")
    @classmethod
    def _unique_labels(cls, versions: tuple[PolicyVersion, ...]) -> tuple[PolicyVersion, ...]:
        labels = [v.label for v in versions]
        dupes = sorted({label for label in labels if labels.count(label) > 1})
        if dupes:
            msg = f"duplicate version label(s): {', '.join(dupes)}"
            raise ValueError(msg)
        return versions

    @property
    def current(self) -> PolicyVersion:
        return self.versions[-1]

    def version(self, label: str) -> PolicyVersion | None:
        for version in self.versions:
            if version.label == label:
                return version
        return None


_SLUG = re.compile(r"[^a-z0-9]+")


def paragraph_id(code: str, index: int) -> str:
    """The stable id of the ``index``-th (1-based) body paragraph: ``5460.p6``."""
    return f"{code}.p{index}"


def slug(text: str, limit: int = 40) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:limit].rstrip("-") or "x"
