"""Validated patterns for confidential data: Social Security numbers and dates (of birth).

A nine-digit number is not an SSN because it has nine digits. The Social
Security Administration never issues area 000, 666 or 900-999, group 00 or
serial 0000, and a few numbers are famous specimens (the Woolworth wallet card,
the 1940s advertising card, 123-45-6789); numbers failing those rules are
not reported. A bare nine-digit run counts only next to a context word
("SSN", "social security"); the dashed form counts without one, at a lower
confidence.

Dates appear in almost every document, so a date alone is never a finding:
it is a *date of birth* next to a context word ("DOB", "born"), or it
corroborates a roster match when it equals that student's birth date. One
written date may mean two days (04/05/2011 is April or May) and a two-digit
year two centuries; :func:`find_dates` returns every reading, and a match on
any counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

# The patterns start with a character class rather than a look-behind, so the regex
# engine can skip ahead to candidate characters (2-3x faster on ordinary text); the
# character before a match is checked in Python instead (:func:`_starts_word`).
_SSN = re.compile(r"(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])")
_SPECIMENS = frozenset({"078051120", "219099999", "123456789", "987654320"})
SSN_CONTEXT = re.compile(
    r"(?i)(?<![a-z])(ssn|ss#|ss no|s\.s\.n|social\s+security|soc\.?\s*sec)(?![a-z])"
)
DOB_CONTEXT = re.compile(
    r"(?i)[bd](?:ob|\.o\.b|ate\s+of\s+birth|irth\s*date|irthday|orn(?:\s+on)?)(?![a-z])"
)
ID_CONTEXT = re.compile(
    r"(?i)(?<![a-z])(student\s*(?:id|number|no|#)|stu\s*id|id\s*(?:#|no|number)|lasid|sasid|"
    r"student\s+identifier)(?![a-z])"
)
#: Characters before a value within which a context word counts.
CONTEXT_WINDOW = 48

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
#: Dates that start with a digit: ISO, numeric with / . or -, and "3rd May 2011".
_DIGIT_DATE = re.compile(
    r"(?i)(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<na>\d{1,2})(?P<sep>[/.-])(?P<nb>\d{1,2})(?P=sep)(?P<ny>\d{4}|\d{2})"
    rf"|(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm>{_MONTH})\.?,?\s+(?P<dy>\d{{4}})"
    r")(?![\w/-])"
)
#: Dates that start with the month's name: "May 3, 2011", "Sept. 3rd 2011".
_NAMED_DATE = re.compile(
    rf"(?i)(?P<mm>{_MONTH})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})(?![\w/-])"
)
_NOT_BEFORE_DATE = frozenset("/.-_")


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a value is in the text; deliberately without the value itself."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SsnMention(Mention):
    digits: str
    separated: bool
    in_context: bool

    def __repr__(self) -> str:
        return f"SsnMention({self.start}-{self.end}, in_context={self.in_context})"


@dataclass(frozen=True, slots=True)
class DateMention(Mention):
    readings: tuple[dt.date, ...]

    def __repr__(self) -> str:
        return f"DateMention({self.start}-{self.end}, readings={len(self.readings)})"


def valid_ssn(digits: str) -> bool:
    """The issuance rules: no area 000, 666 or 9xx, no group 00, no serial 0000."""
    if len(digits) != 9 or not digits.isdigit() or digits in _SPECIMENS:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return len(set(digits)) > 1


def has_context(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text, max(0, start - CONTEXT_WINDOW), start) is not None


def _starts_word(text: str, start: int, also: frozenset[str] = frozenset()) -> bool:
    """Nothing word-like (or in ``also``) touches ``start`` from the left."""
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isalnum() or before in also)


_NOT_BEFORE_SSN = frozenset("-")


def find_ssns(text: str) -> Iterator[SsnMention]:
    """SSN-shaped numbers that pass :func:`valid_ssn`; bare runs only with a context word."""
    for match in _SSN.finditer(text):
        if not _starts_word(text, match.start(), _NOT_BEFORE_SSN):
            continue
        digits = match.group(1) + match.group(3) + match.group(4)
        if not valid_ssn(digits):
            continue
        separated = bool(match.group(2))
        in_context = has_context(text, match.start(), SSN_CONTEXT)
        if separated or in_context:
            yield SsnMention(match.start(), match.end(), digits, separated, in_context)


def _year(text: str) -> tuple[int, ...]:
    year = int(text)
    if len(text) == 4:
        return (year,)
    return (1900 + year, 2000 + year)


def _readings(candidates: list[tuple[tuple[int, ...], int, int]]) -> tuple[dt.date, ...]:
    found: list[dt.date] = []
    for years, month, day in candidates:
        for year in years:
            try:
                value = dt.date(year, month, day)
            except ValueError:
                continue
            if value not in found:
                found.append(value)
    return tuple(found)


def parse_date(match: re.Match[str]) -> tuple[dt.date, ...]:
    groups = match.groupdict()
    if groups.get("mm"):
        month = _MONTHS[groups["mm"].lower()]
        return _readings([((int(groups["my"]),), month, int(groups["md"]))])
    if groups["iy"]:
        return _readings([((int(groups["iy"]),), int(groups["im"]), int(groups["id"]))])
    if groups["na"]:
        years = _year(groups["ny"])
        first, second = int(groups["na"]), int(groups["nb"])
        return _readings([(years, first, second), (years, second, first)])
    month = _MONTHS[groups["dm"].lower()]
    return _readings([((int(groups["dy"]),), month, int(groups["dd"]))])


def find_dates(text: str, start: int = 0, end: int | None = None) -> Iterator[DateMention]:
    """Dates written in the usual ways, with every calendar day each could mean."""
    stop = len(text) if end is None else end
    found: list[DateMention] = []
    for pattern in (_DIGIT_DATE, _NAMED_DATE):
        for match in pattern.finditer(text, start, stop):
            if not _starts_word(text, match.start(), _NOT_BEFORE_DATE):
                continue
            readings = parse_date(match)
            if readings:
                found.append(DateMention(match.start(), match.end(), readings))
    found.sort(key=lambda mention: mention.start)
    yield from found


def find_birth_dates(text: str) -> Iterator[DateMention]:
    """Dates that follow a date-of-birth context word ("DOB: 4/5/2011", "born May 3 2011")."""
    last = -1
    for context in DOB_CONTEXT.finditer(text):
        if not _starts_word(text, context.start()):
            continue
        window_end = min(len(text), context.end() + CONTEXT_WINDOW)
        for mention in find_dates(text, context.end(), window_end):
            if mention.start > last:
                last = mention.start
                yield mention
            break
