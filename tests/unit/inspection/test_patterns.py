"""SSN and date patterns: found from the digits, they are exactly what a regex search finds.

The scanner runs its regexes only where :class:`DigitRuns` found digits and finds
date-of-birth context words with the roster's automaton; each test compares that with
the plain definition (the regex searched through the whole text) on generated text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from boardline.inspection import patterns
from boardline.inspection.digit_runs import DigitRuns
from boardline.inspection.patterns import (
    DOB_CONTEXT,
    DateMention,
    find_birth_dates,
    find_dates,
    find_ssns,
    valid_ssn,
)
from boardline.inspection.roster_match import FoldedText, RosterAutomaton

_PIECES = st.sampled_from(
    [
        " ", "  ", "\n", ",", ".", "-", "/", "_", "x", "a", "1", "05", "12", "2011", "99",
        "123", "45", "6789", "078", "3rd", "st", "May", "june", "Sept.", "sept", "December",
        "Jan", "DOB", "D.O.B.", "dob", "Bob", "born", "born on", "date of birth", "Date  Of",
        "birthday", "birth date", "bırth", "SSN", "social security", "٣", "１", "²", "İ",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_EMPTY_ROSTER = RosterAutomaton([])
Found = tuple[int, int, tuple[dt.date, ...]]


def _dates_by_regex(text: str, start: int = 0, end: int | None = None) -> list[Found]:
    stop = len(text) if end is None else end
    found = []
    for pattern in (patterns._DIGIT_DATE, patterns._NAMED_DATE):
        for match in pattern.finditer(text, start, stop):
            if patterns._starts_word(text, match.start(), patterns._NOT_BEFORE_DATE):
                readings = patterns.parse_date(match)
                if readings:
                    found.append((match.start(), match.end(), readings))
    return sorted(found, key=lambda item: item[0])


def _ssns_by_regex(text: str) -> list[tuple[int, int, str, bool]]:
    found = []
    for match in patterns._SSN.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if patterns._starts_word(text, match.start(), frozenset("-")) and valid_ssn(digits):
            context = patterns.has_context(text, match.start(), patterns.SSN_CONTEXT)
            if match.group(2) or context:
                found.append((match.start(), match.end(), digits, context))
    return found


def _birth_dates_by_regex(text: str) -> list[Found]:
    """Context words where a word starts (left to right, not overlapping), then the first
    date in the window after each, each date once."""
    found = []
    last = -1
    taken = 0
    for start in range(len(text)):
        if start < taken or not patterns._starts_word(text, start):
            continue
        context = DOB_CONTEXT.match(text, start)
        if context is None:
            continue
        taken = context.end()
        window = min(len(text), context.end() + patterns.CONTEXT_WINDOW)
        for item in _dates_by_regex(text, context.end(), window):
            if item[0] > last:
                last = item[0]
                found.append(item)
            break
    return found


def _as_tuples(mentions: Iterable[DateMention]) -> list[Found]:
    return [(m.start, m.end, m.readings) for m in mentions]


@settings(max_examples=300)
@given(_TEXT, st.integers(0, 60), st.integers(0, 200))
@example("May 3, 2011 and 3rd May 2011 and 2011-05-03 and 05/03/11", 0, 200)
@example("xmay 3, 2011 /05/03/2011 1/2/3 4-5-2011- 12.05.2011", 0, 200)
def test_dates_found_from_digits_are_the_regex_matches(text: str, start: int, end: int) -> None:
    for body in (text, "x" * 4100 + text):  # short texts: regex runs; long ones: numpy
        shift = len(body) - len(text)
        got = _as_tuples(find_dates(body, start + shift, end + shift, DigitRuns(body)))
        assert got == _dates_by_regex(body, start + shift, end + shift)


@settings(max_examples=300)
@given(_TEXT)
@example("SSN 078051120 123-45-6789 219-09-9999 412-55-1234 412 55 1234 412-55-1234-")
@example("1234-56-7890 412-55-12345 x412-55-1234 ssn: 412551234")
def test_ssns_found_from_digits_are_the_regex_matches(text: str) -> None:
    for body in (text, "x" * 4100 + text):
        got = [(m.start, m.end, m.digits, m.in_context) for m in find_ssns(body, DigitRuns(body))]
        assert got == _ssns_by_regex(body)


@settings(max_examples=300)
@given(_TEXT)
@example("DOB 4/5/2011, d.o.b. 4/5/2011 Date of  Birth: May 3, 2011 birthday 3rd May 2011")
@example("Bob 4/5/2011 reborn 1/1/2010 dobson 1/1/2010 bırthday 2/2/2012")
def test_birth_date_contexts_from_the_automaton_are_the_regex_matches(text: str) -> None:
    for body in (text, "x " * 2100 + text):
        contexts = _EMPTY_ROSTER.search(FoldedText(body))[1]
        expected = _birth_dates_by_regex(body)
        assert _as_tuples(find_birth_dates(body, contexts, DigitRuns(body))) == expected
        assert _as_tuples(find_birth_dates(body)) == expected


def test_birth_dates_examples() -> None:
    text = "Rosa DOB: 4/5/2011; born on May 3, 2011. Meeting 6/7/2024."
    found = list(find_birth_dates(text))
    assert [text[m.start : m.end] for m in found] == ["4/5/2011", "May 3, 2011"]
    assert dt.date(2011, 5, 4) in found[0].readings
    assert dt.date(2011, 4, 5) in found[0].readings


def test_stems_cover_every_context_alternative() -> None:
    for word in ("DOB", "D.O.B", "Date of Birth", "birthdate", "Birth Date", "birthday", "Born",
                 "born on", "BIRTHDAY"):  # fmt: skip
        text = f"x {word} 1/2/2010"
        assert DOB_CONTEXT.match(text, 2) is not None
        assert 2 in _EMPTY_ROSTER.search(FoldedText(text))[1], word
    assert re.fullmatch(r"[ a-zı]+", "".join(patterns.DOB_STEMS))
