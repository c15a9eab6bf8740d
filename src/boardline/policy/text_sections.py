"""Reading a pasted policy section by section, after its header.

The importer (:mod:`boardline.policy.importer`) sets chrome aside and reads the
header; everything after it is read here, one line at a time, in the section
that the last label opened: the body, notes ("Note: 1 ..."), cross references,
legal references or history. Section labels may carry their first row on the
same line ("Cross Reference:   5015   Bullying/Harassment/Intimidation").

Three things end a section early, because districts' texts do: a paragraph-like
line in a reference or history section goes back to the body; a paragraph
without a footnote marker after a blank line ends the notes; and a second
document on the same page ("Administrative Regulation 5460" after "BP 5460")
ends the policy: its lines are reported as unplaced, never mixed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from boardline.policy.chrome import chrome_reason, repeated_lines
from boardline.policy.document import HistoryEntry, HistoryEvent
from boardline.policy.text_body import list_marker
from boardline.policy.text_cleanup import Line, UnplacedLine, split_lines
from boardline.policy.text_header import Header, looks_like_body, match_code_line, read_header
from boardline.policy.text_history import SECTION as HISTORY_SECTION
from boardline.policy.text_history import read_dates_line, read_history_line, starts_history
from boardline.policy.text_references import CrossReferences, LegalReferences

_XREF = re.compile(
    r"^\s*(?:Cross[-\s]?Ref(?:erence)?s?\.?(?:\s*\(s\))?\s*(?::|$)"
    r"|(?:Related\s+Polic(?:y|ies)|See\s+Also|Related\s+Documents|Management\s+Resources)\s*:)",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"^\s*(?:(?:Legal\s+Ref(?:erence)?s?\.?(?:\s*\(s\))?|Legal\s+Authority"
    r"|Statutory\s+Authority)\s*(?::|$)|(?:Authority|References)\s*:)",
    re.IGNORECASE,
)
_NOTE = re.compile(
    r"^(?:Notes?|Footnotes?|Drafting\s+Notes?)\s*(?P<m1>\d{1,2}|\*{1,3})?\s*:\s*"
    r"(?:(?P<m2>\d{1,2}|\*{1,3}|\[\d{1,2}\])(?:\s+|$))?(?P<rest>.*)$",
    re.IGNORECASE,
)
_NOTES_ALONE = re.compile(r"^(?:Notes|Footnotes)$", re.IGNORECASE)
_FOOTNOTE_ROW = re.compile(r"^(?P<m>\d{1,2}|\*{1,3}|\[\d{1,2}\])[.)]?\s+(?P<rest>\S.*)$")


class Section(Enum):
    BODY = "body"
    NOTES = "notes"
    CROSS = "cross references"
    LEGAL = "legal references"
    HISTORY = "history"
    OTHER_DOCUMENT = "another document"


@dataclass(slots=True)
class Note:
    marker: str | None
    lines: list[Line]
    parts: list[str]


@dataclass(slots=True)
class Reader:
    """The state of one import: what has been read so far, section by section."""

    source: str
    header: Header
    section: Section = Section.BODY
    after_blank: bool = True
    body: list[Line] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    cross: CrossReferences = field(default_factory=CrossReferences)
    legal: LegalReferences = field(default_factory=LegalReferences)
    history: list[HistoryEntry] = field(default_factory=list)
    last_event: HistoryEvent | None = None
    unplaced: list[UnplacedLine] = field(default_factory=list)
    chrome: list[UnplacedLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    other_code: str | None = None

    def where(self, line: Line) -> str:
        return f"{self.source}:{line.number}"


def read_document(text: str, source: str) -> tuple[list[Line], Reader]:
    """Number the lines of ``text``, set chrome aside, read the header and every section."""
    lines = split_lines(text)
    chrome: dict[int, str] = {}
    for line in lines:
        reason = chrome_reason(line.text)
        if reason is not None:
            chrome[line.number] = reason
    for number in repeated_lines([ln for ln in lines if ln.number not in chrome], _structural):
        chrome[number] = "repeated page header/footer"
    content = [line for line in lines if line.number not in chrome]
    header = read_header(content, _opens_section)
    reader = Reader(source=source, header=header)
    reader.chrome = [UnplacedLine(n, lines[n - 1].text, chrome[n]) for n in sorted(chrome)]
    reader.unplaced.extend(header.unplaced)
    skip = header.placed | {u.line for u in header.unplaced}
    for line in content[header.body_start :]:
        if line.number not in skip:
            _read_line(reader, line)
    return lines, reader


def _structural(text: str) -> bool:
    """Lines that may repeat in a policy without being running headers."""
    return (
        list_marker(text) is not None
        or starts_history(text)
        or bool(_XREF.match(text) or _LEGAL.match(text) or _NOTE.match(text))
    )


def _opens_section(line: Line) -> bool:
    text = line.text
    return bool(
        _XREF.match(text)
        or _LEGAL.match(text)
        or _NOTE.match(text)
        or _NOTES_ALONE.match(text)
        or HISTORY_SECTION.match(text)
        or starts_history(text)
    )


def _read_line(reader: Reader, line: Line) -> None:
    if reader.section is Section.OTHER_DOCUMENT:
        if not line.blank:
            reason = f"part of another document ({reader.other_code}); import it separately"
            reader.unplaced.append(UnplacedLine(line.number, line.text, reason))
        return
    if line.blank:
        reader.after_blank = True
        if reader.section is Section.BODY:
            reader.body.append(line)
        return
    if _running_header(reader, line):
        return
    if _label(reader, line):
        reader.after_blank = False
        return
    if _other_document(reader, line):
        return
    handler = {
        Section.BODY: _body_line,
        Section.NOTES: _note_line,
        Section.CROSS: _cross_line,
        Section.LEGAL: _legal_line,
        Section.HISTORY: _history_line,
    }[reader.section]
    handler(reader, line)
    reader.after_blank = False


def _running_header(reader: Reader, line: Line) -> bool:
    """A PDF's page header repeating the code ("BP 5460(b)", "Pine Hollow ...  5460")."""
    found = match_code_line(line)
    header = reader.header
    if found is None or found.code != header.code or not (found.labelled or found.district):
        return False
    if reader.section is Section.CROSS and not found.labelled:
        return False
    title = (found.title or "").casefold()
    if title and title != (header.title or "").casefold() and "continued" not in title:
        return False
    reader.chrome.append(UnplacedLine(line.number, line.text, "running page header"))
    return True


def _other_document(reader: Reader, line: Line) -> bool:
    """A second document on the same page: "AR 5460" after "BP 5460", "GBEBD-R" after "GBEBD"."""
    if reader.section not in (Section.BODY, Section.HISTORY) or not reader.after_blank:
        return False
    found = match_code_line(line)
    if found is None or not found.labelled or found.code == reader.header.code:
        return False
    if len(line.text) > 100 or not _same_base(found.code, reader.header.code or ""):
        return False
    reader.section = Section.OTHER_DOCUMENT
    reader.other_code = found.code
    reader.warnings.append(
        f"{reader.where(line)}: another document ({found.code}) starts here; its lines are "
        "reported as unplaced"
    )
    _read_line(reader, line)
    return True


def _same_base(code: str, other: str) -> bool:
    def base(value: str) -> str:
        return re.split(r"[-\s]|(?<=\d)(?=[A-Z])", value, maxsplit=1)[0]

    return base(code) == base(other)


def _label(reader: Reader, line: Line) -> bool:
    """Section labels: each opens its section, and the rest of its line is read in it."""
    text = line.text
    for pattern, section in ((_XREF, Section.CROSS), (_LEGAL, Section.LEGAL)):
        match = pattern.match(line.layout)
        if match is not None:
            _leave_body(reader, section)
            feed = reader.cross.feed if section is Section.CROSS else reader.legal.feed
            if not feed(line, match.end(), after_blank=True):
                reader.unplaced.append(
                    UnplacedLine(line.number, text, f"not a {section.value} row")
                )
            return True
    if HISTORY_SECTION.match(text):
        _leave_body(reader, Section.HISTORY)
        return True
    if starts_history(text) or (
        reader.section is Section.HISTORY and starts_history(text, strict=False)
    ):
        _leave_body(reader, Section.HISTORY)
        _history_line(reader, line)
        return True
    if _NOTES_ALONE.match(text):
        _leave_body(reader, Section.NOTES)
        return True
    note = _NOTE.match(text)
    if note is not None:
        _leave_body(reader, Section.NOTES)
        marker = note["m1"] or note["m2"]
        rest = note["rest"]
        reader.notes.append(Note(marker, [line], [rest] if rest else []))
        return True
    return False


def _leave_body(reader: Reader, section: Section) -> None:
    if reader.section is Section.BODY and reader.body and not reader.body[-1].blank:
        reader.body.append(_blank_after(reader.body[-1]))
    reader.section = section


def _blank_after(line: Line) -> Line:
    return Line(number=line.number, raw="", text="", indent=0)


def _back_to_body(reader: Reader, line: Line) -> None:
    if reader.body and not reader.body[-1].blank:
        reader.body.append(_blank_after(reader.body[-1]))
    reader.section = Section.BODY
    reader.body.append(line)


def _body_line(reader: Reader, line: Line) -> None:
    reader.body.append(line)


def _note_line(reader: Reader, line: Line) -> None:
    row = _FOOTNOTE_ROW.match(line.text)
    if row is not None:
        reader.notes.append(Note(row["m"], [line], [row["rest"]]))
        return
    if reader.after_blank or not reader.notes:
        _back_to_body(reader, line)
        return
    reader.notes[-1].lines.append(line)
    reader.notes[-1].parts.append(line.text)


def _cross_line(reader: Reader, line: Line) -> None:
    if not reader.cross.feed(line, 0, reader.after_blank):
        _back_to_body(reader, line)


def _legal_line(reader: Reader, line: Line) -> None:
    if not reader.legal.feed(line, 0, reader.after_blank):
        _back_to_body(reader, line)


def _history_line(reader: Reader, line: Line) -> None:
    where = reader.where(line)
    read = read_history_line(line.text, where)
    if not read.entries and reader.last_event is not None:
        dates = read_dates_line(line.text, reader.last_event, where)
        if dates is not None:
            _replace_blank(reader, reader.last_event)
            read = dates
    if not read.entries:
        if looks_like_body(line.text):
            _back_to_body(reader, line)
        else:
            reason = "not a history line (expected e.g. 'Adopted on: November 13, 2012')"
            reader.unplaced.append(UnplacedLine(line.number, line.text, reason))
        return
    reader.history.extend(read.entries)
    reader.last_event = read.entries[-1].event
    reader.warnings.extend(read.warnings)
    if read.leftover:
        reader.unplaced.append(
            UnplacedLine(line.number, read.leftover, "text on a history line that is not a date")
        )


def _replace_blank(reader: Reader, event: HistoryEvent) -> None:
    """Dates on the line under "Revised:" replace the blank entry that label made."""
    for index in range(len(reader.history) - 1, -1, -1):
        entry = reader.history[index]
        if entry.event is event:
            if entry.date is None and entry.source_text is None:
                del reader.history[index]
            return
