"""History dates as districts write them: every form, two-digit years, impossible dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.policy.dates import expand_year, find_dates, leftover, parse_date


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("11/13/2012", dt.date(2012, 11, 13), "day"),
        ("3/5/2012", dt.date(2012, 3, 5), "day"),
        ("03/05/2012", dt.date(2012, 3, 5), "day"),
        ("5-23-11", dt.date(2011, 5, 23), "day"),
        ("5-23-2011", dt.date(2011, 5, 23), "day"),
        ("5.23.11", dt.date(2011, 5, 23), "day"),
        ("2012-11-13", dt.date(2012, 11, 13), "day"),
        ("November 13, 2012", dt.date(2012, 11, 13), "day"),
        ("November 13 2012", dt.date(2012, 11, 13), "day"),
        ("Nov. 13, 2012", dt.date(2012, 11, 13), "day"),
        ("Sept. 14, 2020", dt.date(2020, 9, 14), "day"),
        ("Nov 13, 2012", dt.date(2012, 11, 13), "day"),
        ("november 13th, 2012", dt.date(2012, 11, 13), "day"),
        ("13 November 2012", dt.date(2012, 11, 13), "day"),
        ("6 June 2018", dt.date(2018, 6, 6), "day"),
        ("August 2011", dt.date(2011, 8, 1), "month"),
        ("Aug. 2011", dt.date(2011, 8, 1), "month"),
        ("2011", dt.date(2011, 1, 1), "year"),
    ],
)
def test_forms(text: str, expected: dt.date, precision: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert (found.date, found.precision, found.source_text, found.problem) == (
        expected,
        precision,
        text,
        None,
    )


@pytest.mark.parametrize(
    ("two", "year"), [(0, 2000), (11, 2011), (69, 2069), (70, 1970), (85, 1985), (99, 1999)]
)
def test_two_digit_years_pivot_at_seventy(two: int, year: int) -> None:
    assert expand_year(two) == year
    found = parse_date(f"1/2/{two:02d}")
    assert found is not None
    assert found.date == dt.date(year, 1, 2)


@pytest.mark.parametrize(
    "text", ["2/30/2015", "13/1/2015", "0/5/2015", "February 30, 2015", "2015-02-29", "4/31/21"]
)
def test_impossible_dates_are_kept_without_a_date(text: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.date is None
    assert found.source_text == text
    assert found.problem is not None
    assert text in found.problem


def test_several_dates_and_what_is_left_over() -> None:
    text = "3/12/2015, 6/9/2019 and Jan. 4, 2021; 2023 at the May meeting"
    found = find_dates(text)
    assert [f.source_text for f in found] == ["3/12/2015", "6/9/2019", "Jan. 4, 2021", "2023"]
    assert leftover(text, found) == "at the May meeting"
    assert leftover("3/12/2015, 6/9/2019", find_dates("3/12/2015, 6/9/2019")) == ""


@pytest.mark.parametrize("text", ["", "TBD", "3/12/2015, 6/9/2019", "Policy 5460", "1/2"])
def test_parse_date_wants_exactly_one_date(text: str) -> None:
    assert parse_date(text) is None


def test_numbers_inside_words_and_codes_are_not_dates() -> None:
    assert find_dates("6141.326 and 20-1-213 and GBEBD2012") == []


_STYLES = [
    lambda d: f"{d.month}/{d.day}/{d.year}",
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    lambda d: f"{d.month}-{d.day}-{d.year % 100:02d}",
    lambda d: d.isoformat(),
    lambda d: f"{d:%B} {d.day}, {d.year}",
    lambda d: f"{d:%b}. {d.day}, {d.year}",
    lambda d: f"{d.day} {d:%B} {d.year}",
]


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1970, 1, 1), dt.date(2069, 12, 31)), st.sampled_from(_STYLES))
def test_every_style_reads_back(day: dt.date, style: object) -> None:
    assert callable(style)
    text = style(day)
    found = parse_date(text)
    assert found is not None
    assert found.date == day
    assert found.precision == "day"


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(codec="utf-8") | st.sampled_from(list("0123456789/-., ")), max_size=60)
)
def test_find_dates_never_fails_and_spans_are_exact(text: str) -> None:
    for found in find_dates(text):
        assert text[found.start : found.end] == found.source_text
        assert (found.date is None) == (found.problem is not None)
        assert found.precision in ("day", "month", "year")
    leftover(text, find_dates(text))
