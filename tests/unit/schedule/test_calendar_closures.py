"""Closures declared at run time (snow days): new calendars, district-wide or one building."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from boardline.schedule import Closure, DayKind, SchoolCalendar, UnknownBuildingError, load_calendar

DENVER = ZoneInfo("America/Denver")
SNOW = dt.date(2027, 2, 3)  # a Wednesday with school everywhere


@cache
def demo() -> SchoolCalendar:
    return load_calendar(str(resources.files("boardline.demo") / "data" / "cut-bank.calendar.yaml"))


def at(clock: str, day: dt.date = SNOW) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=DENVER)


def test_a_district_wide_snow_day_closes_every_building() -> None:
    before = demo()
    closed = before.with_closure(SNOW, "roads closed", name="snow day")
    for building in closed.buildings():
        answer = closed.status(building, at("10:00"))
        assert not answer.in_school_hours
        assert not closed.in_school_hours(building, at("10:00").timestamp())
        assert answer.day_kind is DayKind.CLOSURE
        assert answer.reason == "snow day declared 2027-02-03: roads closed"
        assert closed.day(building, SNOW).kind is DayKind.CLOSURE
    # The calendar it came from is unchanged.
    assert before.status("cbhs", at("10:00")).in_school_hours
    assert before.in_school_hours("cbhs", at("10:00").timestamp())


def test_a_closure_of_one_building_leaves_the_others_open() -> None:
    closed = demo().with_closure(SNOW, "boiler failure", "hay")
    assert not closed.status("hay", at("10:00")).in_school_hours
    assert closed.status("hay", at("10:00")).reason == (
        "closure declared 2027-02-03: boiler failure"
    )
    assert closed.status("cbhs", at("10:00")).in_school_hours
    assert closed.in_school_hours("cbms", at("10:00").timestamp())


def test_a_closure_joins_the_segments_around_it() -> None:
    closed = demo().with_closure(SNOW, "roads closed")
    answer = closed.status("cbhs", at("16:00", dt.date(2027, 2, 2)))
    assert answer.segment_end == at("08:00", dt.date(2027, 2, 4)).astimezone(dt.UTC)
    assert closed.status("cbhs", at("12:00")).segment_start == at(
        "15:30", dt.date(2027, 2, 2)
    ).astimezone(dt.UTC)


def test_the_last_closure_declared_explains_the_day() -> None:
    closed = demo().with_closure(SNOW, "roads closed").with_closure(SNOW, "power out", "cbhs")
    assert closed.status("cbhs", at("10:00")).reason == "closure declared 2027-02-03: power out"
    assert closed.status("hay", at("10:00")).reason == "closure declared 2027-02-03: roads closed"
    assert closed.closures[-2:] == (
        Closure(SNOW, "roads closed"),
        Closure(SNOW, "power out", "cbhs"),
    )
    # The file's own snow day comes first.
    assert closed.closures[0].day == dt.date(2027, 1, 14)


def test_a_closure_wins_over_an_early_release() -> None:
    day = dt.date(2026, 9, 16)
    closed = demo().with_closure(day, "water main break")
    assert closed.day("cbhs", day).kind is DayKind.CLOSURE
    assert not closed.status("cbhs", at("10:00", day)).in_school_hours


def test_bad_closures_are_refused() -> None:
    calendar = demo()
    with pytest.raises(UnknownBuildingError):
        calendar.with_closure(SNOW, "roads closed", "bus-barn")
    with pytest.raises(ValueError, match="outside the school year"):
        calendar.with_closure(dt.date(2027, 7, 1), "roads closed")
    with pytest.raises(ValueError, match="reason"):
        calendar.with_closure(SNOW, "  ")
