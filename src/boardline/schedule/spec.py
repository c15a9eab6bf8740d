"""The calendar file's schema, ``boardline/calendar@1``, as frozen pydantic models.

A district writes one YAML file per school year (the demo is
``boardline/demo/data/cut-bank.calendar.yaml``)::

    format: boardline/calendar@1
    district: cut-bank
    timezone: America/Denver            # IANA name, checked against tzdata
    year:
      name: 2026-27
      start: 2026-08-24                 # first contract day (PIR days included)
      end: 2027-06-07
      terms:                            # days with students lie inside a term
        - {name: Fall semester, start: 2026-08-26, end: 2027-01-15}
    weekdays: [mon, tue, wed, thu, fri] # days in session (the default)
    bell_schedules:
      hs-regular:
        start: "08:00"                  # school hours: start <= t < end
        end: "15:30"
        periods:                        # gaps between periods are passing time
          - {name: period 1, start: "08:00", end: "08:50"}
          - {name: lunch, kind: lunch, start: "11:50", end: "12:25"}
    buildings:
      cbhs:
        name: Cut Bank High School
        schedule: hs-regular
        weekdays: {mon: hs-late-start}  # optional per-weekday overrides
        early_release: hs-early         # optional schedule for early-release days
        staff_day: staff-hours          # optional schedule for staff days
        students: true                  # false for an office (see below)
    default_building: district          # answers for building ids not listed
    holidays:      [{name: Labor Day, date: 2026-09-07}]
    no_school:     [{name: Spring break, start: 2027-03-22, end: 2027-03-25}]
    staff_days:    [{name: PIR day, date: 2026-08-24}]
    early_release: [{name: Early release, date: 2026-09-16, release: "13:00"}]
    closures:      [{name: snow day, date: 2027-01-14, reason: roads closed}]

Every dated entry takes ``date`` or an inclusive ``start``/``end`` range and an
optional ``buildings`` list (default: every building; for early release, every
building with students). A building with ``students: false`` keeps its hours on
no-school days, which it reports as staff days, and on early-release days.

The models check shapes and types; :mod:`boardline.schedule.checks` checks what
spans fields (dates inside the year, periods inside the day, known names).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from boardline.schedule.day import PeriodKind, Weekday

CALENDAR_FORMAT = "boardline/calendar@1"

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", min_length=1, max_length=64)
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _to_date(value: object) -> object:
    if not isinstance(value, str):
        return value
    if not _DATE.fullmatch(value):
        msg = f"{value!r} is not a date: write it as YYYY-MM-DD"
        raise ValueError(msg)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        msg = f"{value} is not a real date ({exc})"
        raise ValueError(msg) from None


def _to_clock(value: object) -> object:
    if not isinstance(value, str):
        return value
    match = _CLOCK.fullmatch(value.strip())
    if match is None:
        msg = f"{value!r} is not a time of day: write it as HH:MM (24-hour clock)"
        raise ValueError(msg)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        msg = f"{value} is not a time of day (00:00 to 23:59)"
        raise ValueError(msg)
    return dt.time(hour, minute)


Day = Annotated[dt.date, BeforeValidator(_to_date)]
Clock = Annotated[dt.time, BeforeValidator(_to_clock)]

WORKWEEK = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TermSpec(_Strict):
    name: Text
    start: Day
    end: Day


class YearSpec(_Strict):
    name: Text
    #: First and last day the calendar covers (contract days, so PIR days fit).
    start: Day
    end: Day
    terms: tuple[TermSpec, ...] = Field(min_length=1)


class PeriodSpec(_Strict):
    name: Text
    start: Clock
    end: Clock
    kind: PeriodKind = PeriodKind.CLASS


class BellScheduleSpec(_Strict):
    start: Clock
    end: Clock
    periods: tuple[PeriodSpec, ...] = ()
    note: str | None = None


class BuildingSpec(_Strict):
    name: Text
    schedule: Slug
    weekdays: dict[Weekday, Slug] = Field(default_factory=dict)
    early_release: Slug | None = None
    staff_day: Slug | None = None
    #: False for an office: no-school and early-release days do not shorten its hours.
    students: bool = True

    def schedule_on(self, weekday: Weekday) -> str:
        """The bell schedule of a regular day on ``weekday`` (override, else the default)."""
        return self.weekdays.get(weekday, self.schedule)


class DatedSpec(_Strict):
    """A named day or inclusive range of days, for all or some buildings."""

    name: Text
    date: Day | None = None
    start: Day | None = None
    end: Day | None = None
    buildings: tuple[Slug, ...] | None = Field(default=None, min_length=1)

    def days(self) -> tuple[dt.date, ...]:
        """The dates listed (empty when the entry is malformed; the checks report that)."""
        if self.date is not None:
            return (self.date,)
        if self.start is None or self.end is None or self.end < self.start:
            return ()
        count = (self.end - self.start).days + 1
        return tuple(self.start + dt.timedelta(days=n) for n in range(count))


class HolidaySpec(DatedSpec):
    pass


class NoSchoolSpec(DatedSpec):
    pass


class StaffDaySpec(DatedSpec):
    #: Bell schedule for the day; else the building's ``staff_day``, else its usual window.
    schedule: Slug | None = None


class EarlyReleaseSpec(DatedSpec):
    #: Students leave at this time (the building's usual schedule, cut short) ...
    release: Clock | None = None
    #: ... or the day follows this bell schedule instead.
    schedule: Slug | None = None


class ClosureSpec(DatedSpec):
    name: Text = "closure"
    reason: Text


class CalendarSpec(_Strict):
    """A validated calendar file. Load it with :func:`boardline.schedule.load_calendar`."""

    format: Literal["boardline/calendar@1"]
    district: Slug
    timezone: str
    year: YearSpec
    weekdays: tuple[Weekday, ...] = Field(default=WORKWEEK, min_length=1)
    bell_schedules: dict[Slug, BellScheduleSpec] = Field(min_length=1)
    buildings: dict[Slug, BuildingSpec] = Field(min_length=1)
    default_building: Slug | None = None
    holidays: tuple[HolidaySpec, ...] = ()
    no_school: tuple[NoSchoolSpec, ...] = ()
    staff_days: tuple[StaffDaySpec, ...] = ()
    early_release: tuple[EarlyReleaseSpec, ...] = ()
    closures: tuple[ClosureSpec, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {value!r}: use an IANA name such as America/Denver"
            raise ValueError(msg) from None
        return value
