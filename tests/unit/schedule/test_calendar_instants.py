"""Instants: daylight saving time and the exact bounds of each constant-answer segment."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from boardline.schedule import SchoolCalendar, load_calendar

DENVER = ZoneInfo("America/Denver")
UTC = dt.UTC


@cache
def demo() -> SchoolCalendar:
    return load_calendar(str(resources.files("boardline.demo") / "data" / "cut-bank.calendar.yaml"))


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=DENVER)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("monday", "opens_utc", "closes_utc"),
    [
        # After the spring change (2027-03-14) Denver is UTC-6: 08:00 is 14:00 UTC.
        ("2027-03-15", "2027-03-15 14:00", "2027-03-15 21:30"),
        # After the autumn change (2026-11-01) Denver is UTC-7: 08:00 is 15:00 UTC.
        ("2026-11-02", "2026-11-02 15:00", "2026-11-02 22:30"),
    ],
)
def test_the_monday_after_a_clock_change_starts_at_eight_local(
    monday: str, opens_utc: str, closes_utc: str
) -> None:
    calendar = demo()
    inside = local(f"{monday} 08:05")
    outside = local(f"{monday} 07:55")
    assert calendar.status("cbhs", inside).in_school_hours
    assert calendar.in_school_hours("cbhs", inside.timestamp())
    assert not calendar.status("cbhs", outside).in_school_hours
    assert not calendar.in_school_hours("cbhs", outside.timestamp())
    answer = calendar.status("cbhs", inside)
    assert answer.segment_start == utc(opens_utc)
    assert answer.segment_end == utc(closes_utc)
    assert answer.period == "period 1"
    assert calendar.status("cbhs", outside).segment_end == utc(opens_utc)
    opens = utc(opens_utc).timestamp()
    assert calendar.in_school_hours("cbhs", opens)
    assert not calendar.in_school_hours("cbhs", opens - 1)
    assert not calendar.in_school_hours("cbhs", opens - 0.000001)


def test_the_fridays_before_the_changes_use_the_offset_then_in_force() -> None:
    # 2027-03-12 is still MST (UTC-7); 2026-10-30 is still MDT (UTC-6).
    assert demo().status("cbhs", local("2027-03-12 10:00")).segment_start == utc("2027-03-12 15:00")
    assert demo().status("cbhs", local("2026-10-30 10:00")).segment_start == utc("2026-10-30 14:00")


def test_a_weekend_across_a_clock_change_spans_friday_close_to_monday_open() -> None:
    answer = demo().status("cbhs", local("2027-03-14 02:30"))  # a wall time that never happens
    assert not answer.in_school_hours
    assert answer.segment_start == utc("2027-03-12 22:30")
    assert answer.segment_end == utc("2027-03-15 14:00")


@pytest.mark.parametrize(
    ("at", "inside", "start", "end"),
    [
        # Mid-morning: the segment is the whole school day, not the current period.
        ("2026-10-06 10:00", True, "2026-10-06 08:00", "2026-10-06 15:30"),
        # Evening: from today's close to tomorrow's open.
        ("2026-10-06 17:00", False, "2026-10-06 15:30", "2026-10-07 08:00"),
        # Friday evening: to Monday's open.
        ("2026-10-09 17:00", False, "2026-10-09 15:30", "2026-10-12 08:00"),
        # Thanksgiving: from Tuesday's close to the Monday after.
        ("2026-11-24 16:00", False, "2026-11-24 15:30", "2026-11-30 08:00"),
        # Early release: school hours end at the release time.
        ("2026-09-16 12:59", True, "2026-09-16 08:00", "2026-09-16 13:00"),
        # The boundary itself belongs to the segment it starts.
        ("2026-10-06 08:00", True, "2026-10-06 08:00", "2026-10-06 15:30"),
        ("2026-10-06 15:30", False, "2026-10-06 15:30", "2026-10-07 08:00"),
    ],
)
def test_segment_bounds_are_the_neighbouring_boundaries(
    at: str, inside: bool, start: str, end: str
) -> None:
    answer = demo().status("cbhs", local(at))
    assert answer.in_school_hours is inside
    assert answer.segment_start == local(start).astimezone(UTC)
    assert answer.segment_end == local(end).astimezone(UTC)
    assert answer.segment_start.tzinfo is UTC
    assert answer.segment_end.tzinfo is UTC


def test_segment_end_is_where_the_answer_changes() -> None:
    calendar = demo()
    answer = calendar.status("cbms", local("2026-10-06 12:00"))
    end = answer.segment_end.timestamp()
    assert calendar.in_school_hours("cbms", end - 0.001)
    assert not calendar.in_school_hours("cbms", end)


def test_staff_day_segments_depend_on_whether_staff_days_count() -> None:
    calendar = demo()
    at = local("2026-08-24 10:00")
    counted = calendar.status("hay", at)
    assert counted.segment_end == local("2026-08-24 16:00").astimezone(UTC)
    skipped = calendar.status("hay", at, staff_days=False)
    assert skipped.segment_end == local("2026-08-26 08:30").astimezone(UTC)
