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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from boardline.inspection.digit_runs import DigitRuns

# The regexes run only where :class:`~boardline.inspection.digit_runs.DigitRuns` found
# digits (matched at candidate positions, or searched within a group of digits), and the
# character before a match is checked in Python (:func:`_starts_word`).
_SSN = re.compile(r"(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])")
#: An SSN's nine digits are never more than two characters apart.
_SSN_GAP = 2
_SPECIMENS = frozenset({"078051120", "219099999", "123456789", "987654320"})
SSN_CONTEXT = re.compile(
    r"(?i)(?<![a-z])(ssn|ss#|ss no|s\.s\.n|social\s+security|soc\.?\s*sec)(?![a-z])"
)
DOB_CONTEXT = re.compile(
    r"(?i)[bd](?:ob|\.o\.b|ate\s+of\s+birth|irth\s*date|irthday|orn(?:\s+on)?)(?![a-z])"
)
#: How every :data:`DOB_CONTEXT` match begins once folded like the roster's keys (lower
#: case, punctuation as spaces, one space between words), after the space before it
#: (:func:`_starts_word`). ``ı`` is there because ``(?i)i`` matches it and folding keeps it.
DOB_STEMS: tuple[str, ...] = tuple(
    f" {letter}{rest}"
    for letter in "bd"
    for rest in ("ob", " o b", "ate of birth", "ate of bırth", "irth", "ırth", "orn")
)
ID_CONTEXT = re.compile(
    r"(?i)(?<![a-z])(student\s*(?:id|number|no|#)|stu\s*id|id\s*(?:#|no|number)|lasid|sasid|"
    r"student\s+identifier)(?![a-z])"
)
#: A ``b`` or ``d`` with nothing alphanumeric before it (where a DOB context word can start).
_WORD_START_BD = re.compile(r"(?i)(?<![^\W_])[bd]")
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
#: A month's name (and its dot) ending exactly at the search's end position.
_MONTH_BEFORE = re.compile(rf"(?i){_MONTH}\.?\Z")
#: The longest month name with its dot.
_MONTH_CHARS = len("september.")


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


def find_ssns(text: str, digits: DigitRuns | None = None) -> Iterator[SsnMention]:
    """SSN-shaped numbers that pass :func:`valid_ssn`; bare runs only with a context word.

    The regex is searched only within groups of nine or more digits that are at most
    two characters apart (an SSN's separators are single characters), up to and
    including the character after the group, which its look-ahead reads.
    """
    digits = DigitRuns(text) if digits is None else digits
    for first, last in zip(*digits.clusters(_SSN_GAP, 9), strict=True):
        stop = min(len(text), last + 1)
        position = first
        while (match := _SSN.search(text, position, stop)) is not None:
            position = match.end()
            if not _starts_word(text, match.start(), _NOT_BEFORE_SSN):
                continue
            number = match.group(1) + match.group(3) + match.group(4)
            if not valid_ssn(number):
                continue
            separated = bool(match.group(2))
            in_context = has_context(text, match.start(), SSN_CONTEXT)
            if separated or in_context:
                yield SsnMention(match.start(), match.end(), number, separated, in_context)


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


def find_dates(
    text: str, start: int = 0, end: int | None = None, digits: DigitRuns | None = None
) -> Iterator[DateMention]:
    """Dates written in the usual ways, with every calendar day each could mean.

    The same matches as searching ``_DIGIT_DATE`` and ``_NAMED_DATE`` through
    ``text[start:end]``, found from the digits instead: a date that starts with a digit
    starts a run of digits, and a named date's day starts a run of digits after
    whitespace with the month's name right before it.
    """
    stop = len(text) if end is None else end
    digits = DigitRuns(text) if digits is None else digits
    found: list[DateMention] = []
    taken = start
    for position, run_end in zip(*digits.runs_between(start, stop), strict=True):
        # What the regexes see of the run: a date's first number has 1, 2 or 4 digits,
        # a named date's day 1 or 2 (an 8-digit id starts neither).
        length = min(run_end, stop) - position
        if position >= taken and (length <= 2 or length == 4):
            match = _DIGIT_DATE.match(text, position, stop)
            if match is not None:
                taken = match.end()
                if _starts_word(text, position, _NOT_BEFORE_DATE):
                    _add_date(found, match)
        if length <= 2 and position > start and text[position - 1].isspace():
            _add_named_date(found, text, position, start, stop)
    found.sort(key=lambda mention: mention.start)
    yield from found


def _add_date(found: list[DateMention], match: re.Match[str]) -> None:
    readings = parse_date(match)
    if readings:
        found.append(DateMention(match.start(), match.end(), readings))


def _add_named_date(found: list[DateMention], text: str, day: int, start: int, stop: int) -> None:
    """The named date whose day starts at ``day`` after whitespace, if any (``_NAMED_DATE``)."""
    month_end = day - 1
    while month_end > start and text[month_end - 1].isspace():
        month_end -= 1
    if month_end == start or not (text[month_end - 1].isalpha() or text[month_end - 1] == "."):
        return
    month = _MONTH_BEFORE.search(text, max(start, month_end - _MONTH_CHARS), month_end)
    if month is None or not _starts_word(text, month.start(), _NOT_BEFORE_DATE):
        return
    match = _NAMED_DATE.match(text, month.start(), stop)
    if match is not None and match.start("md") == day:
        _add_date(found, match)


def find_birth_dates(
    text: str, contexts: Iterable[int] | None = None, digits: DigitRuns | None = None
) -> Iterator[DateMention]:
    """Dates that follow a date-of-birth context word ("DOB: 4/5/2011", "born May 3 2011").

    A context word starts a word; ``contexts`` are where one may start (the scanner
    finds them with the roster's automaton, see :data:`DOB_STEMS`), by default every
    ``b`` or ``d`` that starts a word.
    """
    if contexts is None:
        contexts = [found.start() for found in _WORD_START_BD.finditer(text)]
    digits = DigitRuns(text) if digits is None else digits
    last = -1
    for context in _matches_at(DOB_CONTEXT, text, contexts):
        if not _starts_word(text, context.start()):
            continue
        window_end = min(len(text), context.end() + CONTEXT_WINDOW)
        if not digits.any_between(context.end(), window_end):
            continue
        for mention in find_dates(text, context.end(), window_end, digits):
            if mention.start > last:
                last = mention.start
                yield mention
            break


def _matches_at(
    pattern: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """``pattern`` matched at each of ``starts`` in order, skipping overlaps as finditer does."""
    taken = 0
    for start in sorted(set(starts)):
        if start < taken:
            continue
        match = pattern.match(text, start)
        if match is not None:
            taken = match.end()
            yield match
