"""A policy's history lines: "Adopted on: November 13, 2012", "Revised: 3/12/2015, 6/9/2019".

Each label names an event; the value holds zero or more dates (see
:mod:`boardline.policy.dates`). A blank value is an entry with no date, as
Montana publishes "Reviewed on:" before any review; several labels may share a
line ("Adopted: 5/12/2010  Revised: 3/3/2015"); a line of dates alone, under a
label, adds dates to that label's event. Anything on a history line that is not
a label, a date or a separator is handed back as left over, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from boardline.policy.dates import find_dates, leftover
from boardline.policy.document import HistoryEntry, HistoryEvent
from boardline.policy.text_cleanup import collapse

_LABELS: tuple[tuple[str, HistoryEvent], ...] = (
    (
        r"Date\s+of\s+(?:Adoption|Original\s+Adoption)|Adoption\s+Date|Date\s+Adopted",
        HistoryEvent.ADOPTED,
    ),
    (
        r"(?:Originally\s+)?Adopted(?:\s+by\s+(?:the\s+)?Board(?:\s+of\s+\w+)?)?(?:\s+on)?",
        HistoryEvent.ADOPTED,
    ),
    (r"Board\s+Approved|Approved(?:\s+on)?|Re-?adopted(?:\s+on)?", HistoryEvent.ADOPTED),
    (r"Date\s+Reviewed|Review\s+Dates?|Last\s+Reviewed|Reviewed(?:\s+on)?", HistoryEvent.REVIEWED),
    (r"Date\s+Revised|Revision\s+Dates?|Last\s+Revised|Revised(?:\s+on)?", HistoryEvent.REVISED),
    (r"Amended(?:\s+on)?", HistoryEvent.REVISED),
    (r"First\s+Reading|1st\s+Reading", HistoryEvent.FIRST_READING),
    (r"Second\s+Reading|2nd\s+Reading", HistoryEvent.SECOND_READING),
    (r"Last\s+Updated|Updated(?:\s+on)?|Last\s+Modified", HistoryEvent.UPDATED),
)
_ALTERNATION = "|".join(f"(?P<e{n}>{pattern})" for n, (pattern, _) in enumerate(_LABELS))
_LABEL = re.compile(rf"(?<![\w-])(?:Policy\s+)?(?:{_ALTERNATION})\s*:", re.IGNORECASE)
_LABEL_AT_START = re.compile(rf"^(?:Policy\s+)?(?:{_ALTERNATION})\s*(?::|(?=\s+\d))", re.IGNORECASE)
SECTION = re.compile(
    r"^(?:Policy\s+History|History|Legislative\s+History|Adoption\s+History|Revision\s+History"
    r"|Policy\s+Dates|Dates)\s*:?$",
    re.IGNORECASE,
)


def _event(match: re.Match[str]) -> HistoryEvent:
    for n, (_, event) in enumerate(_LABELS):
        if match[f"e{n}"] is not None:
            return event
    raise LookupError(match.group())  # unreachable: one alternative always matched


def starts_history(text: str, *, strict: bool = True) -> bool:
    """Does this collapsed line start with a history label ("Adopted on:")?

    ``strict`` demands the colon; inside a history section "Adopted 5/12/2010" is
    enough.
    """
    if strict:
        match = _LABEL.match(text)
        return match is not None and match.start() == 0
    return _LABEL_AT_START.match(text) is not None


@dataclass(slots=True)
class HistoryLine:
    """What one line gave: entries, warnings, and any text left over."""

    entries: list[HistoryEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    leftover: str = ""


def read_history_line(text: str, where: str) -> HistoryLine:
    """Entries from a line starting with a label; ``where`` ("file:12") goes in warnings."""
    result = HistoryLine()
    labels = list(_LABEL.finditer(text))
    if not labels or labels[0].start() != 0:
        start = _LABEL_AT_START.match(text)
        if start is None:
            result.leftover = text
            return result
        labels = [start, *[m for m in labels if m.start() >= start.end()]]
    spans: list[str] = []
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(text)
        value = text[label.end() : end]
        rest = _value(_event(label), value, where, result)
        if rest:
            spans.append(rest)
    result.leftover = " ".join(spans)
    return result


def read_dates_line(text: str, event: HistoryEvent, where: str) -> HistoryLine | None:
    """A line of dates only, under the last label; ``None`` when it is not one."""
    found = find_dates(text)
    if not found or leftover(text, found):
        return None
    result = HistoryLine()
    _value(event, text, where, result)
    return result


def _value(event: HistoryEvent, value: str, where: str, result: HistoryLine) -> str:
    value = collapse(value)
    if not value:
        result.entries.append(HistoryEntry(event=event))
        return ""
    found = find_dates(value)
    if not found:
        result.entries.append(HistoryEntry(event=event, source_text=value))
        result.warnings.append(f"{where}: {event.value.replace('_', ' ')}: no date in {value!r}")
        return ""
    for item in found:
        result.entries.append(
            HistoryEntry(
                event=event, date=item.date, precision=item.precision, source_text=item.source_text
            )
        )
        if item.problem is not None:
            result.warnings.append(f"{where}: {item.problem}; kept without a date")
    return leftover(value, found)
