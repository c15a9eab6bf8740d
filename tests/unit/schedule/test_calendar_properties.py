"""Properties: the explained answer and the hot path agree, and segments bound the instant."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.schedule import END, SchoolCalendar, load_calendar


@cache
def demo() -> SchoolCalendar:
    calendar = load_calendar(
        str(resources.files("boardline.demo") / "data" / "cut-bank.calendar.yaml")
    )
    # One run-time closure of one building, so that path is exercised too.
    return calendar.with_closure(dt.date(2027, 2, 3), "roads closed", "cbms")


ZONES = [dt.UTC, ZoneInfo("America/Denver"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London")]
BUILDINGS = ["cbhs", "cbms", "hay", "cbsd", "not-listed"]

instants = st.datetimes(
    min_value=dt.datetime(2026, 8, 20),  # hypothesis takes naive bounds plus zones
    max_value=dt.datetime(2027, 6, 12),
    timezones=st.sampled_from(ZONES),
)


@settings(max_examples=200, deadline=None)
@given(at=instants, building=st.sampled_from(BUILDINGS), staff_days=st.booleans())
def test_status_agrees_with_the_hot_path(at: dt.datetime, building: str, staff_days: bool) -> None:
    calendar = demo()
    answer = calendar.status(building, at, staff_days=staff_days)
    fast = calendar.in_school_hours(building, at.timestamp(), staff_days=staff_days)
    assert answer.in_school_hours == fast
    assert answer.segment_start <= at < answer.segment_end
    assert (answer.period is not None) <= answer.in_school_hours
    # The segment is constant-answer and ends where the answer changes.
    start = answer.segment_start.timestamp() if answer.segment_start.year > 1 else None
    if start is not None:
        assert calendar.in_school_hours(building, start, staff_days=staff_days) == fast
    if answer.segment_end != END:
        end = answer.segment_end.timestamp()
        assert calendar.in_school_hours(building, end, staff_days=staff_days) != fast


@settings(max_examples=200, deadline=None)
@given(at=instants, building=st.sampled_from(BUILDINGS))
def test_school_hours_fall_inside_the_days_local_window(at: dt.datetime, building: str) -> None:
    calendar = demo()
    answer = calendar.status(building, at)
    day = calendar.day(building, answer.local.date())
    if answer.in_school_hours:
        assert day.start is not None
        assert day.end is not None
        wall = answer.local.time()
        assert day.start <= wall < day.end
        assert answer.day_kind is day.kind
        assert answer.schedule == day.schedule
    else:
        assert answer.period is None
