"""schedule (core): the school calendar, per building and instant.

Answers "is it school hours at this building now?" for policy 5460, fast and
right across daylight saving time. Start at :mod:`boardline.schedule.calendar`
(what counts as school hours, staff days, unknown buildings) and
:mod:`boardline.schedule.spec` (the calendar file format).
"""

from boardline.schedule.bell import BellSchedule
from boardline.schedule.calendar import (
    BEGINNING,
    END,
    SchoolCalendar,
    SchoolTime,
    UnknownBuildingError,
)
from boardline.schedule.calendar_file import load_calendar, parse_calendar, validate_calendar
from boardline.schedule.day import Closure, DayKind, Period, PeriodKind, SchoolDay, Weekday
from boardline.schedule.spec import CALENDAR_FORMAT, CalendarSpec

__all__ = [
    "BEGINNING",
    "CALENDAR_FORMAT",
    "END",
    "BellSchedule",
    "CalendarSpec",
    "Closure",
    "DayKind",
    "Period",
    "PeriodKind",
    "SchoolCalendar",
    "SchoolDay",
    "SchoolTime",
    "UnknownBuildingError",
    "Weekday",
    "load_calendar",
    "parse_calendar",
    "validate_calendar",
]
