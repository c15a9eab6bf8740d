"""Calendar files: the demo loads, and each kind of mistake names file, line and field."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.model.errors import InputError, Problem
from boardline.schedule import load_calendar, parse_calendar

SMALL = Path(__file__).parents[2] / "fixtures" / "calendars" / "small.calendar.yaml"
DEMO = Path(str(resources.files("boardline.demo") / "data" / "cut-bank.calendar.yaml"))


def small() -> str:
    return SMALL.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def error_for(text: str | bytes, file: str = "cal.yaml") -> InputError:
    with pytest.raises(InputError) as info:
        parse_calendar(text, file)
    return info.value


def expect(text: str, needle: str, field: str, message: str) -> InputError:
    """The first problem is at the line holding ``needle``, names ``field`` and says ``message``."""
    error = error_for(text)
    first = str(error.problems[0])
    assert first.startswith(f"cal.yaml:{line_of(text, needle)}: {field}: "), first
    assert message in first, first
    return error


def test_the_demo_and_the_fixture_load() -> None:
    demo = load_calendar(DEMO)
    again = parse_calendar(DEMO.read_bytes(), "again.yaml")
    assert demo.buildings() == again.buildings()
    assert load_calendar(SMALL).buildings() == ("north", "south")


def test_bad_yaml_names_the_line() -> None:
    text = small().replace("district: test-district", "district: [unclosed")
    error = error_for(text)
    assert str(error).startswith("cal.yaml:")
    assert "invalid YAML" in str(error)
    assert error.problems[0].place.line is not None


def test_an_unknown_field_is_named() -> None:
    text = small().replace("    name: South School", "    name: South School\n    colour: red")
    expect(text, "colour: red", "buildings.south.colour", "unknown field")


def test_a_year_ending_before_it_starts() -> None:
    text = small().replace("  end: 2027-06-07", "  end: 2025-06-07")
    expect(text, "end: 2025-06-07", "year.end", "before it starts")


def test_a_range_ending_before_it_starts() -> None:
    text = small().replace("end: 2026-10-16}", "end: 2026-10-14}")
    expect(text, "Fall break", "no_school[0].end", "the range ends on 2026-10-14")


def test_overlapping_periods() -> None:
    text = small().replace('start: "12:05", end: "15:00"', 'start: "11:50", end: "15:00"')
    expect(text, "name: afternoon", "bell_schedules.day.periods[2].start", "overlaps 'lunch'")


def test_a_period_outside_the_school_day() -> None:
    text = small().replace('{name: morning, start: "08:00"', '{name: morning, start: "07:30"')
    expect(text, "name: morning", "bell_schedules.day.periods[0].start", "before the school day")


def test_an_unknown_time_zone() -> None:
    text = small().replace("timezone: America/Denver", "timezone: America/Cut_Bank")
    expect(text, "timezone:", "timezone", "unknown time zone 'America/Cut_Bank'")


def test_an_impossible_date() -> None:
    text = small().replace("date: 2026-09-07", "date: 2027-02-30")
    expect(text, "Labor Day", "holidays[0].date", "2027-02-30 is not a real date")


def test_a_date_in_the_wrong_shape() -> None:
    text = small().replace("date: 2026-09-07", "date: 9/7/2026")
    expect(text, "Labor Day", "holidays[0].date", "write it as YYYY-MM-DD")


def test_an_impossible_time() -> None:
    text = small().replace('end: "12:00"\nbuildings', 'end: "25:00"\nbuildings')
    expect(text, 'end: "25:00"', "bell_schedules.short.end", "is not a time of day")


def test_a_date_outside_the_year() -> None:
    text = small().replace("date: 2026-09-07", "date: 2027-09-06")
    expect(text, "Labor Day", "holidays[0].date", "outside the school year 2026-27")


def test_an_unknown_schedule_name() -> None:
    text = small().replace("schedule: short", "schedule: shorter")
    expect(text, "schedule: shorter", "buildings.south.schedule", "unknown bell schedule")


def test_an_unknown_building_in_an_entry() -> None:
    text = small().replace("date: 2026-09-07}", "date: 2026-09-07, buildings: [east]}")
    expect(text, "Labor Day", "holidays[0].buildings[0]", "unknown building 'east'")


def test_an_unknown_default_building() -> None:
    text = small() + "default_building: office\n"
    expect(text, "default_building", "default_building", "unknown building 'office'")


def test_an_unknown_weekday_override() -> None:
    text = small().replace(
        "    schedule: short", "    schedule: short\n    weekdays: {monday: day}"
    )
    expect(text, "weekdays:", "buildings.south.weekdays.monday", "Input should be")


def test_a_date_listed_twice_for_one_building() -> None:
    text = small().replace("date: 2026-09-16,", "date: 2026-09-07,")
    expect(
        text,
        "name: Early release",
        "early_release[0].date",
        "2026-09-07 at north is already listed as holiday 'Labor Day' (holidays[0])",
    )


def test_an_early_release_on_a_day_without_school() -> None:
    text = small().replace("date: 2026-09-16,", "date: 2026-09-19,")
    expect(text, "name: Early release", "early_release[0].date", "has no school to release")


def test_a_release_time_outside_the_school_day() -> None:
    text = small().replace('release: "11:00"', 'release: "13:00"')
    expect(
        text,
        "name: Early release",
        "early_release[0].release",
        "release at 13:00 is not inside the school day at south",
    )


def test_an_entry_with_both_a_date_and_a_range() -> None:
    text = small().replace(
        "{name: PIR day, date: 2026-08-24}",
        "{name: PIR day, date: 2026-08-24, start: 2026-08-24, end: 2026-08-25}",
    )
    expect(text, "PIR day", "staff_days[0].date", "not both")


def test_a_missing_format_and_every_problem_reported() -> None:
    text = (
        small()
        .replace("format: boardline/calendar@1\n", "")
        .replace("timezone: America/Denver", "timezone: Mars/Olympus")
    )
    error = error_for(text)
    messages = [str(p) for p in error.problems]
    assert any("format: required field is missing" in m for m in messages)
    assert any(m.startswith(f"cal.yaml:{line_of(text, 'Mars')}: timezone:") for m in messages)
    assert "(and 1 more)" in str(error)


def test_files_that_are_not_calendars() -> None:
    assert "the file is empty" in str(error_for(""))
    assert "a calendar is a mapping" in str(error_for("- just\n- a list\n"))
    assert "not valid UTF-8" in str(error_for(b"format: \xff\n"))
    with pytest.raises(InputError, match="cannot read the calendar"):
        load_calendar(SMALL.with_name("missing.calendar.yaml"))


ODD_VALUES = [
    "",
    "x",
    "2027-02-30",
    "25:00",
    "[]",
    "{}",
    "null",
    "-1",
    "2026-08-23",
    "08:00",
    "day",
]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_damaged_calendar_is_refused_or_loaded_never_a_crash(data: st.DataObject) -> None:
    lines = small().splitlines()
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    if data.draw(st.booleans(), label="delete"):
        lines.pop(index)
    else:
        value = data.draw(st.sampled_from(ODD_VALUES), label="value")
        lines[index] = re.sub(r": [^,{}\[\]]+", f": {value}", lines[index], count=1)
    problems: tuple[Problem, ...] = ()
    try:
        parse_calendar("\n".join(lines), "cal.yaml")
    except InputError as error:
        problems = error.problems
    assert all(p.place.file == "cal.yaml" for p in problems)
