"""Dates as US districts write them in a policy's history.

A history line says "Adopted on: November 13, 2012", "Adoption Date: 5-23-11",
"Revised: 3/12/2015, 6/9/2019" or "Last Updated: August 2011". This module finds
each date in such a value and says how much of it was given (``precision`` day,
month or year), so a re-export never invents a day the source did not state.

Accepted forms (month names in full or abbreviated, with or without a dot):

* ``M/D/YYYY``, ``MM/DD/YYYY``, ``M-D-YY``, ``M.D.YYYY`` (US order, month first);
* ``YYYY-MM-DD`` (ISO 8601);
* ``Month D, YYYY``, ``Mon. D, YYYY``, ``Month Dth, YYYY`` and ``D Month YYYY``;
* ``Month YYYY`` (month precision) and a bare ``YYYY`` (year precision).

Two-digit years pivot at 70: ``00``-``69`` are 20xx, ``70``-``99`` are 19xx,
which covers every policy a district still has on its books. A date that has
the shape of one but does not exist (``2/30/2015``, month 13) is returned with
``date=None`` and a ``problem`` so the caller can warn: it is never a crash and
never silently corrected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_D = "[0-9]"
_ORD = r"(?:st|nd|rd|th)?"

DATE_PATTERN = re.compile(
    rf"""
    (?<![0-9A-Za-z])
    (?:
        (?P<iso_y>{_D}{{4}})-(?P<iso_m>{_D}{{1,2}})-(?P<iso_d>{_D}{{1,2}})
      | (?P<num_m>{_D}{{1,2}})(?P<sep>[/.-])(?P<num_d>{_D}{{1,2}})
        (?P=sep)(?P<num_y>{_D}{{4}}|{_D}{{2}})
      | (?P<mdy_m>{_MONTH})\.?\s+(?P<mdy_d>{_D}{{1,2}}){_ORD},?\s+(?P<mdy_y>{_D}{{4}})
      | (?P<dmy_d>{_D}{{1,2}}){_ORD}\s+(?P<dmy_m>{_MONTH})\.?,?\s+(?P<dmy_y>{_D}{{4}})
      | (?P<my_m>{_MONTH})\.?,?\s+(?P<my_y>{_D}{{4}})
      | (?P<y_y>(?:19|20){_D}{{2}})
    )
    (?![0-9A-Za-z])
    """,
    re.IGNORECASE | re.VERBOSE,
)

#: What may stand between two dates of one value: "3/12/2015, 6/9/2019 and 1/2/2020".
_SEPARATORS = re.compile(r"^(?:[\s,;&/|]|\band\b)*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """One date found in a text, as written, with what it means (if anything)."""

    source_text: str
    start: int
    end: int
    date: dt.date | None
    precision: str
    #: Why ``date`` is None although the text has the shape of a date.
    problem: str | None = None


def find_dates(text: str) -> list[FoundDate]:
    """Every date in ``text``, left to right."""
    return [_interpret(match) for match in DATE_PATTERN.finditer(text)]


def leftover(text: str, found: list[FoundDate]) -> str:
    """The text that is neither a date nor a separator between dates ("" when none)."""
    pieces: list[str] = []
    cursor = 0
    for item in found:
        pieces.append(text[cursor : item.start])
        cursor = item.end
    pieces.append(text[cursor:])
    rest = " ".join(piece.strip() for piece in pieces if not _SEPARATORS.match(piece))
    return " ".join(rest.split())


def parse_date(text: str) -> FoundDate | None:
    """The date that ``text`` is in full, or ``None`` when it is not exactly one date."""
    found = find_dates(text)
    if len(found) != 1 or leftover(text, found):
        return None
    return found[0]


def expand_year(two_digits: int) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999."""
    return 2000 + two_digits if two_digits < 70 else 1900 + two_digits


def _interpret(match: re.Match[str]) -> FoundDate:
    groups = match.groupdict()
    year: int
    month: int | None
    day: int | None
    if groups["iso_y"]:
        year, month, day = int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"])
    elif groups["num_y"]:
        raw_year = groups["num_y"]
        year = int(raw_year) if len(raw_year) == 4 else expand_year(int(raw_year))
        month, day = int(groups["num_m"]), int(groups["num_d"])
    elif groups["mdy_y"]:
        year = int(groups["mdy_y"])
        month, day = _MONTHS[groups["mdy_m"].lower()], int(groups["mdy_d"])
    elif groups["dmy_y"]:
        year = int(groups["dmy_y"])
        month, day = _MONTHS[groups["dmy_m"].lower()], int(groups["dmy_d"])
    elif groups["my_y"]:
        year, month, day = int(groups["my_y"]), _MONTHS[groups["my_m"].lower()], None
    else:
        year, month, day = int(groups["y_y"]), None, None
    source = match.group()
    start, end = match.span()
    if month is None:
        return FoundDate(source, start, end, dt.date(year, 1, 1), "year")
    if day is None:
        return _checked(match, (year, month, 1), "month")
    return _checked(match, (year, month, day), "day")


def _checked(match: re.Match[str], ymd: tuple[int, int, int], precision: str) -> FoundDate:
    source = match.group()
    start, end = match.span()
    try:
        value = dt.date(*ymd)
    except ValueError as exc:
        return FoundDate(source, start, end, None, precision, f"{source!r} is not a date ({exc})")
    return FoundDate(source, start, end, value, precision)
