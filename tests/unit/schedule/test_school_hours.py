"""School hours at the demo district's buildings: school days, breaks, days off, staff days."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from boardline.schedule import (
    BEGINNING,
    END,
    DayKind,
    PeriodKind,
    SchoolCalendar,
    SchoolTime,
    UnknownBuildingError,
    load_calendar,
)

DENVER = ZoneInfo("America/Denver")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "calendars"


@cache
def demo() -> SchoolCalendar:
    path = resources.files("boardline.demo") / "data" / "cut-bank.calendar.yaml"
    return load_calendar(str(path))


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=DENVER)


def status(building: str, text: str, **kwargs: bool) -> SchoolTime:
    """The status at a local Denver time, checked against the hot path on the way."""
    at = local(text)
    answer = demo().status(building, at, **kwargs)
    assert demo().in_school_hours(building, at.timestamp(), **kwargs) == answer.in_school_hours
    return answer


def test_the_demo_calendar_lists_the_directory_building_ids() -> None:
    calendar = demo()
    assert calendar.buildings() == ("cbhs", "cbms", "hay", "cbsd")
    assert calendar.timezone == "America/Denver"
    assert calendar.year == (dt.date(2026, 8, 24), dt.date(2027, 6, 7))
    assert calendar.building_name("cbhs") == "Cut Bank High School"


def test_mid_morning_on_a_school_day_is_school_hours() -> None:
    answer = status("cbhs", "2026-10-06 10:00")
    assert answer.in_school_hours
    assert answer.day_kind is DayKind.INSTRUCTIONAL
    assert answer.period == "period 3"
    assert answer.period_kind is PeriodKind.CLASS
    assert answer.schedule == "hs-regular"
    assert answer.building == "cbhs"
    assert answer.local == local("2026-10-06 10:00")
    assert answer.reason == "school day at Cut Bank High School (08:00–15:30), period 3"


@pytest.mark.parametrize(
    ("clock", "period", "kind"),
    [
        ("12:00", "lunch", PeriodKind.LUNCH),
        ("15:20", "prep", PeriodKind.PREP),
        ("09:50", "morning break", PeriodKind.BREAK),
        ("08:52", "passing", PeriodKind.PASSING),
    ],
)
def test_lunch_prep_breaks_and_passing_are_inside_school_hours(
    clock: str, period: str, kind: PeriodKind
) -> None:
    answer = status("cbhs", f"2026-10-06 {clock}")
    assert answer.in_school_hours
    assert answer.period == period
    assert answer.period_kind is kind
    assert kind.is_break
    assert answer.reason.endswith(f", {period}")


@pytest.mark.parametrize(("clock", "word"), [("07:00", "before"), ("17:00", "after")])
def test_early_morning_and_evening_are_outside(clock: str, word: str) -> None:
    answer = status("cbhs", f"2026-10-06 {clock}")
    assert not answer.in_school_hours
    assert answer.day_kind is DayKind.INSTRUCTIONAL
    assert answer.period is None
    assert answer.reason.startswith(f"{word} school hours: school day at Cut Bank High School")


def test_weekends_are_outside() -> None:
    for day in ("2026-10-10", "2026-10-11"):
        answer = status("cbhs", f"{day} 10:00")
        assert not answer.in_school_hours
        assert answer.day_kind is DayKind.WEEKEND
    assert status("hay", "2026-10-10 10:00").reason == "Saturday (weekend)"


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2027-02-15", "Presidents' Day (holiday)"),
        ("2026-09-07", "Labor Day (holiday)"),
        ("2026-11-26", "Thanksgiving break (holiday)"),
        ("2026-12-31", "Winter break (holiday)"),
        ("2027-03-26", "Good Friday (holiday)"),
    ],
)
def test_holidays_are_outside_at_every_building(day: str, reason: str) -> None:
    for building in demo().buildings():
        answer = status(building, f"{day} 10:00")
        assert not answer.in_school_hours
        assert answer.day_kind is DayKind.HOLIDAY
        assert answer.reason == reason


def test_a_no_school_day_closes_schools_but_the_office_works_it_as_a_staff_day() -> None:
    school = status("cbms", "2026-10-15 10:00")
    assert (school.in_school_hours, school.day_kind) == (False, DayKind.NO_SCHOOL)
    assert school.reason == "MEA-MFT Educators' Conference (no school)"
    office = status("cbsd", "2026-10-15 10:00")
    assert (office.in_school_hours, office.day_kind) == (True, DayKind.STAFF_DAY)
    assert "District Office (07:30–16:30)" in office.reason


def test_the_listed_snow_day_is_a_closure() -> None:
    answer = status("hay", "2027-01-14 10:00")
    assert not answer.in_school_hours
    assert answer.day_kind is DayKind.CLOSURE
    assert answer.reason == "snow day declared 2027-01-14: roads closed by blowing snow"


def test_early_release_afternoon_is_outside_but_a_normal_wednesday_is_not() -> None:
    early = status("cbhs", "2026-09-16 14:00")
    assert not early.in_school_hours
    assert early.day_kind is DayKind.EARLY_RELEASE
    assert early.reason.startswith("after school hours: early release day at Cut Bank High")
    assert "(08:00–13:00)" in early.reason
    assert status("cbhs", "2026-09-23 14:00").in_school_hours
    before_release = status("cbhs", "2026-09-16 12:45")
    assert before_release.in_school_hours
    assert before_release.period == "period 5"
    assert before_release.day_kind is DayKind.EARLY_RELEASE


def test_the_office_keeps_its_hours_on_an_early_release_day() -> None:
    answer = status("cbsd", "2026-09-16 14:00")
    assert answer.in_school_hours
    assert answer.day_kind is DayKind.INSTRUCTIONAL


def test_an_early_release_for_one_building_leaves_the_others_alone() -> None:
    assert not status("hay", "2026-10-29 12:30").in_school_hours
    assert status("cbhs", "2026-10-29 12:30").in_school_hours


def test_buildings_follow_their_own_bell_schedules_at_the_same_instant() -> None:
    at = "2026-10-06 08:15"
    assert status("cbhs", at).period == "period 1"
    assert status("cbms", at).period == "homeroom"
    assert not status("hay", at).in_school_hours
    assert status("cbsd", at).in_school_hours
    assert status("cbsd", at).period is None
    late = "2026-10-06 15:10"
    assert status("cbhs", late).period == "prep"
    assert status("cbms", late).period == "team prep"
    assert not status("hay", late).in_school_hours
    assert status("cbms", "2026-10-06 11:40").period == "lunch"
    assert status("cbhs", "2026-10-06 11:40").period == "period 4"


def test_a_weekday_override_changes_the_bell_schedule() -> None:
    monday = status("cbms", "2026-10-05 08:30")
    assert monday.period == "PLC collaboration"
    assert monday.period_kind is PeriodKind.PREP
    assert monday.schedule == "ms-late-start"
    assert status("cbms", "2026-10-06 08:30").period == "period 1"


def test_staff_days_count_unless_the_pack_says_otherwise() -> None:
    counted = status("cbhs", "2026-08-24 10:00")
    assert counted.in_school_hours
    assert counted.day_kind is DayKind.STAFF_DAY
    assert counted.period == "in-service sessions"
    assert counted.schedule == "pir-day"
    not_counted = status("cbhs", "2026-08-24 10:00", staff_days=False)
    assert not not_counted.in_school_hours
    assert not_counted.day_kind is DayKind.STAFF_DAY
    assert not_counted.period is None
    assert "not counted" in not_counted.reason
    assert not status("cbhs", "2026-08-24 17:00").in_school_hours
    # A school day is the same either way.
    assert status("cbhs", "2026-10-06 10:00", staff_days=False).in_school_hours


def test_the_office_staff_day_uses_its_usual_window() -> None:
    day = demo().day("cbsd", dt.date(2026, 8, 24))
    assert day.kind is DayKind.STAFF_DAY
    assert (day.start, day.end) == (dt.time(7, 30), dt.time(16, 30))
    assert day.periods == ()


def test_the_day_view_gives_kind_schedule_and_window() -> None:
    calendar = demo()
    early = calendar.day("cbhs", dt.date(2026, 9, 16))
    assert early.kind is DayKind.EARLY_RELEASE
    assert (early.schedule, early.start, early.end) == ("hs-regular", dt.time(8), dt.time(13))
    assert early.periods[-1].name == "period 5"
    assert early.periods[-1].end == dt.time(13)
    assert early.title == "Early release Wednesday"
    assert calendar.day("cbms", dt.date(2026, 10, 5)).schedule == "ms-late-start"
    holiday = calendar.day("hay", dt.date(2027, 5, 31))
    assert (holiday.kind, holiday.schedule, holiday.start) == (DayKind.HOLIDAY, None, None)
    assert holiday.hours is None
    assert holiday.title == "Memorial Day"
    regular = calendar.day("hay", dt.date(2026, 10, 6))
    assert regular.hours == "08:30–15:00"
    assert [p.start for p in regular.periods] == sorted(p.start for p in regular.periods)
    assert regular.periods[0].start == regular.start
    assert regular.periods[-1].end == regular.end


def test_outside_the_year_nothing_is_school_hours_and_nothing_changes() -> None:
    before = status("cbhs", "2026-08-20 10:00")
    assert not before.in_school_hours
    assert before.day_kind is DayKind.OUTSIDE_TERM
    assert before.segment_start == BEGINNING
    assert before.segment_end == local("2026-08-24 08:00").astimezone(dt.UTC)
    after = status("cbhs", "2027-07-01 10:00")
    assert after.day_kind is DayKind.OUTSIDE_TERM
    assert after.segment_end == END
    assert "outside the school year 2026-27" in after.reason


def test_weekdays_between_terms_are_outside_term() -> None:
    calendar = load_calendar(FIXTURES / "small.calendar.yaml")
    answer = calendar.status("north", local("2027-01-20 10:00"))
    assert not answer.in_school_hours
    assert answer.day_kind is DayKind.OUTSIDE_TERM
    assert "between the terms" in answer.reason
    assert calendar.status("north", local("2027-01-26 10:00")).in_school_hours


def test_an_unknown_building_falls_back_to_the_default_building() -> None:
    answer = status("bus-barn", "2026-10-06 07:45")
    assert answer.in_school_hours
    assert answer.building == "bus-barn"
    assert "answered with the default building, District Office" in answer.reason
    assert demo().day("bus-barn", dt.date(2026, 10, 6)).building == "cbsd"


def test_an_unknown_building_without_a_default_is_a_key_error() -> None:
    calendar = load_calendar(FIXTURES / "small.calendar.yaml")
    with pytest.raises(KeyError) as info:
        calendar.status("east", local("2026-10-06 10:00"))
    assert isinstance(info.value, UnknownBuildingError)
    assert str(info.value) == (
        "building 'east' is not in the calendar and it names no default_building "
        "(known: north, south)"
    )
    with pytest.raises(UnknownBuildingError):
        calendar.in_school_hours("east", 0.0)
    with pytest.raises(UnknownBuildingError):
        calendar.day("east", dt.date(2026, 10, 6))


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        demo().status("cbhs", dt.datetime(2026, 10, 6, 10, 0))


def test_an_instant_in_any_zone_is_read_in_the_district_zone() -> None:
    tokyo = dt.datetime(2026, 10, 7, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 10:00 in Denver
    answer = demo().status("cbhs", tokyo)
    assert answer.in_school_hours
    assert answer.period == "period 3"
    assert answer.local == local("2026-10-06 10:00")
    assert answer.local.tzinfo == DENVER
