"""What a day is at one building: its kind, its bell schedule and its periods.

These are the plain values the rest of :mod:`boardline.schedule` hands out. They
carry local wall-clock times (``time``), because that is how a district writes
its calendar; turning them into instants is the compiler's job
(:mod:`boardline.schedule.table`), done once through ``zoneinfo`` so daylight
saving time is right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class DayKind(StrEnum):
    """The kind of a day at one building, as the district calendar defines it."""

    INSTRUCTIONAL = "instructional"
    EARLY_RELEASE = "early_release"
    #: In-service or PIR day: staff work, students do not attend.
    STAFF_DAY = "staff_day"
    HOLIDAY = "holiday"
    NO_SCHOOL = "no_school"
    #: A closure declared at run time (snow day) or listed in the file.
    CLOSURE = "closure"
    WEEKEND = "weekend"
    OUTSIDE_TERM = "outside_term"


class PeriodKind(StrEnum):
    """What a named block of the school day is for."""

    CLASS = "class"
    LUNCH = "lunch"
    BREAK = "break"
    PREP = "prep"
    PASSING = "passing"
    ADVISORY = "advisory"
    OTHER = "other"

    @property
    def is_break(self) -> bool:
        """Breaks, lunch, preparation and passing time: inside school hours under 5460.

        Policy 5460 forbids staff social networking "during school hours ... including
        during breaks or preparation periods", so these never end school hours; the
        flag exists so a pack that reads the policy differently can tell them apart.
        """
        return self in _BREAKS


_BREAKS = frozenset({PeriodKind.LUNCH, PeriodKind.BREAK, PeriodKind.PREP, PeriodKind.PASSING})


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def of(cls, day: dt.date) -> Weekday:
        return _WEEKDAYS[day.weekday()]

    @property
    def full_name(self) -> str:
        """The full English name ("Saturday"), for explanations."""
        return _NAMES[self]


_WEEKDAYS = tuple(Weekday)
_NAMES = {
    Weekday.MON: "Monday",
    Weekday.TUE: "Tuesday",
    Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday",
    Weekday.FRI: "Friday",
    Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}


def clock(value: dt.time) -> str:
    """``08:00``: how the calendar file and every explanation write a time of day."""
    return value.strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class Period:
    """A named block of the school day in local wall-clock time, ``start <= t < end``."""

    name: str
    kind: PeriodKind
    start: dt.time
    end: dt.time

    def __str__(self) -> str:
        return f"{self.name} ({clock(self.start)}–{clock(self.end)})"


@dataclass(frozen=True, slots=True)
class Closure:
    """A day on which one building, or the whole district (``building=None``), is closed."""

    day: dt.date
    reason: str
    building: str | None = None
    #: What the closure is called in explanations ("snow day", "closure").
    name: str = "closure"

    def explain(self) -> str:
        return f"{self.name} declared {self.day.isoformat()}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SchoolDay:
    """One building's day: what kind it is and, if it has school hours, when they are.

    ``start``/``end`` are the local school-hours window (``None`` when the day has
    none); ``periods`` cover it in order: the blocks the bell schedule lists, with
    the gaps between them filled as ``passing``. ``schedule`` is the bell
    schedule's name (an early release cut from the usual schedule keeps its
    name; ``end`` shows the release). ``title`` names the day ("Presidents' Day",
    "Saturday", "school day") and ``reason`` explains it in one line.
    """

    building: str
    building_name: str
    date: dt.date
    kind: DayKind
    title: str
    reason: str
    schedule: str | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    periods: tuple[Period, ...] = ()
    #: ``08:00–15:30``, or ``None`` on a day without school hours (kept: explanations use it).
    hours: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hours = None
        if self.start is not None and self.end is not None:
            hours = f"{clock(self.start)}–{clock(self.end)}"
        object.__setattr__(self, "hours", hours)

    @property
    def has_hours(self) -> bool:
        return self.start is not None and self.end is not None
