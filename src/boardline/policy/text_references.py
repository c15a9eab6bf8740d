"""Cross references and legal references as districts lay them out under a policy.

Montana's layout is two columns after the label, with more rows below aligned
under the first::

    Cross Reference:     5015      Bullying/Harassment/Intimidation
                         5223      Personal Conduct
                         Professional Educators of Montana Code of Ethics

    Legal Reference:     § 20-1-213, MCA      School calendar
                         10.55.701, ARM       Board of Trustees

A row with only a title is a continuation of the row above when it follows it
directly and sits in the title column (or starts in lower case, or the title
above ends in "of", "and", a comma...); otherwise it is a reference of its own
(a cross reference with no code, such as a code of ethics). Single-space
layouts ("GBEB - Staff Conduct", "20 U.S.C. § 1232g Family Educational Rights
and Privacy Act") and comma-separated code lists ("GBEB, JICFB") are read too;
a bare code is kept with the code as its title, since a cross reference must
have one. California's grouped legal references ("EDUCATION CODE" above rows of
section numbers) prefix the group to each row's citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from boardline.policy.document import CrossReference, LegalReference
from boardline.policy.text_cleanup import Line
from boardline.policy.text_header import parse_code_phrase

_CONNECTOR_END = re.compile(r"(?:\b(?:and|of|for|the|to|in|on|with|by|or)|[&,\-–—/])$", re.I)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")
_ABBREVIATIONS = frozenset(
    {"mca", "arm", "u.s.c.", "usc", "u.s.c.a.", "c.f.r.", "cfr", "m.r.s.a.", "mrsa", "m.r.s."}
    | {"rsa", "stat.", "ilcs", "rcw", "wac", "ors", "oar", "p.l.", "pub.", "l.", "et", "seq."}
    | {"seq", "§", "§§", "sec.", "section", "sections", "art.", "article", "title", "chapter"}
    | {"ch.", "part", "no.", "and", "&", "through", "u.s.", "f.3d", "s.ct.", "v."}
)
_NUMBERED_WORDS = frozenset({"title", "chapter", "article", "part", "art.", "ch."})
_ALIGN = 2


def _ends_to_continue(title: str) -> bool:
    return bool(_CONNECTOR_END.search(title))


def _body_like(text: str) -> bool:
    words = text.split()
    return len(text) > 160 or (text.endswith(".") and len(words) > 12)


@dataclass(slots=True)
class _Row:
    code: str | None
    title: str
    line: int
    title_column: int | None


@dataclass(slots=True)
class CrossReferences:
    """Reads the rows of a "Cross Reference:" section, one line at a time."""

    rows: list[_Row] = field(default_factory=list)

    def feed(self, line: Line, start: int, after_blank: bool) -> bool:
        """Read ``line`` from offset ``start``; False when it is not a reference row."""
        cells = line.cells(start)
        if not cells:
            return True
        text = " ".join(cell for _, cell in cells)
        first = parse_code_phrase(cells[0][1])
        if len(cells) >= 2 and first is not None and not first.title and not first.series:
            title = " ".join(cell for _, cell in cells[1:])
            self.rows.append(_Row(first.code, title, line.number, cells[1][0]))
            return True
        whole = parse_code_phrase(text)
        if whole is not None and (whole.title or whole.series):
            self.rows.append(_Row(whole.code, whole.title or whole.series or "", line.number, None))
            return True
        codes = [parse_code_phrase(part) for part in _LIST_SPLIT.split(text) if part]
        if codes and all(c is not None and not c.title and not c.series for c in codes):
            for code in codes:
                if code is not None:
                    self.rows.append(_Row(code.code, code.code, line.number, None))
            return True
        if _body_like(text):
            return False
        previous = self.rows[-1] if self.rows else None
        if previous is not None and not after_blank and self._continues(previous, cells[0], text):
            previous.title = f"{previous.title} {text}"
            return True
        self.rows.append(_Row(None, text, line.number, cells[0][0]))
        return True

    @staticmethod
    def _continues(previous: _Row, cell: tuple[int, str], text: str) -> bool:
        if previous.title_column is not None and abs(cell[0] - previous.title_column) <= _ALIGN:
            return True
        return text[0].islower() or _ends_to_continue(previous.title)

    def references(self) -> tuple[CrossReference, ...]:
        return tuple(CrossReference(code=row.code, title=row.title) for row in self.rows)


@dataclass(slots=True)
class _Legal:
    citation: str
    title: str | None
    line: int
    title_column: int | None


def split_citation(text: str) -> tuple[str, str | None] | None:
    """("§ 20-1-213, MCA", "School calendar") from one single-spaced row, or None."""
    tokens = text.split()
    run = 0
    for index, token in enumerate(tokens):
        plain = token.casefold().rstrip(",;")
        after_numbered = index > 0 and tokens[index - 1].casefold() in _NUMBERED_WORDS
        if any(ch.isdigit() for ch in token) or plain in _ABBREVIATIONS or after_numbered:
            run = index + 1
            continue
        if token.startswith("§"):
            run = index + 1
            continue
        break
    while run and tokens[run - 1].casefold() in {"and", "&", "through", "title", "section"}:
        run -= 1
    if run == 0 or not any(any(ch.isdigit() for ch in t) for t in tokens[:run]):
        return None
    citation = " ".join(tokens[:run])
    title = " ".join(tokens[run:]) or None
    return citation, title


@dataclass(slots=True)
class LegalReferences:
    """Reads the rows of a "Legal Reference:" section, one line at a time."""

    rows: list[_Legal] = field(default_factory=list)
    group: tuple[int, str] | None = None
    group_used: bool = False
    #: Group headings no row came under: (line, text), reported by the importer.
    unused_groups: list[tuple[int, str]] = field(default_factory=list)

    def feed(self, line: Line, start: int, after_blank: bool) -> bool:
        cells = line.cells(start)
        if not cells:
            return True
        text = " ".join(cell for _, cell in cells)
        if len(cells) >= 2 and split_citation(cells[0][1]) is not None:
            title = " ".join(cell for _, cell in cells[1:])
            self._add(cells[0][1], title, line.number, cells[1][0])
            return True
        split = split_citation(text)
        if split is not None:
            self._add(split[0], split[1], line.number, None)
            return True
        if _body_like(text):
            return False
        previous = self.rows[-1] if self.rows else None
        if previous is not None and not after_blank and self._continues(previous, cells[0], text):
            previous.title = f"{previous.title} {text}" if previous.title else text
            return True
        if text.upper() == text and not any(ch.isdigit() for ch in text):
            self._close_group()
            self.group = (line.number, text)
            self.group_used = False
            return True
        self.rows.append(_Legal(text, None, line.number, None))
        return True

    def _add(self, citation: str, title: str | None, number: int, column: int | None) -> None:
        if self.group is not None and citation[:1].isdigit():
            citation = f"{self.group[1]} {citation}"
            self.group_used = True
        self.rows.append(_Legal(citation, title, number, column))

    @staticmethod
    def _continues(previous: _Legal, cell: tuple[int, str], text: str) -> bool:
        if previous.title_column is not None and abs(cell[0] - previous.title_column) <= _ALIGN:
            return True
        return text[0].islower() or (
            previous.title is not None and _ends_to_continue(previous.title)
        )

    def _close_group(self) -> None:
        if self.group is not None and not self.group_used:
            self.unused_groups.append(self.group)
        self.group = None

    def finish(self) -> None:
        self._close_group()

    def references(self) -> tuple[LegalReference, ...]:
        return tuple(LegalReference(citation=row.citation, title=row.title) for row in self.rows)
