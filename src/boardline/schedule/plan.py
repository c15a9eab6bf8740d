"""Deciding what one date is at one building, in local wall-clock terms.

The order in which the calendar's facts win, first match first:

1. a date outside the year is ``outside_term``;
2. a closure (listed in the file or declared at run time; the last one
   declared for the building or the district wins) is ``closure``;
3. a holiday is ``holiday``;
4. a no-school day is ``no_school`` (for a building without students, an
   office, it is a ``staff_day`` with the building's usual hours, or a weekend);
5. a staff day is ``staff_day``, with the entry's schedule, else the
   building's ``staff_day`` schedule, else the building's usual window without
   its periods;
6. a weekday not in session is ``weekend``;
7. a date between terms is ``outside_term``;
8. an early release is ``early_release``: the entry's schedule, else its
   release time cutting the building's usual schedule short, else the
   building's ``early_release`` schedule;
9. anything else is ``instructional`` with the building's schedule for that
   weekday (its override, else its default).

The checks guarantee at most one listing per building and date, so steps 3-5
and 8 never compete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from boardline.schedule.bell import BellSchedule
from boardline.schedule.day import Closure, DayKind, Period, SchoolDay, Weekday
from boardline.schedule.listing import Listing, by_building
from boardline.schedule.spec import (
    BellScheduleSpec,
    BuildingSpec,
    CalendarSpec,
    EarlyReleaseSpec,
    StaffDaySpec,
)

#: How each kind of day with school hours is named in explanations.
WHAT = {
    DayKind.INSTRUCTIONAL: "school day",
    DayKind.EARLY_RELEASE: "early release day",
    DayKind.STAFF_DAY: "staff day",
}


def bell_schedule(name: str, spec: BellScheduleSpec) -> BellSchedule:
    periods = tuple(Period(p.name, p.kind, p.start, p.end) for p in spec.periods)
    return BellSchedule(name, spec.start, spec.end, periods)


class Planner:
    """Turns a validated :class:`CalendarSpec` into one :class:`SchoolDay` per building and date."""

    __slots__ = ("_listed", "_schedules", "_spec")

    def __init__(self, spec: CalendarSpec) -> None:
        self._spec = spec
        self._schedules = {name: bell_schedule(name, s) for name, s in spec.bell_schedules.items()}
        self._listed = by_building(spec)

    def plan(
        self, building: str, day: dt.date, closures: Mapping[dt.date, Sequence[Closure]]
    ) -> SchoolDay:
        spec = self._spec
        site = spec.buildings[building]
        year = spec.year
        if not year.start <= day <= year.end:
            return self._without_hours(
                building,
                day,
                DayKind.OUTSIDE_TERM,
                "outside the school year",
                f"{day} is outside the school year {year.name} ({year.start} to {year.end})",
            )
        closure = _closure_for(building, closures.get(day, ()))
        if closure is not None:
            return self._without_hours(
                building, day, DayKind.CLOSURE, closure.name, closure.explain()
            )
        weekday = Weekday.of(day)
        listing = self._listed.get((building, day))
        if listing is not None:
            planned = self._listed_day(building, site, day, weekday, listing)
            if planned is not None:
                return planned
        if weekday not in spec.weekdays:
            return self._without_hours(
                building, day, DayKind.WEEKEND, weekday.full_name, f"{weekday.full_name} (weekend)"
            )
        if not any(term.start <= day <= term.end for term in year.terms):
            return self._without_hours(
                building,
                day,
                DayKind.OUTSIDE_TERM,
                "between terms",
                f"{day} is between the terms of the {year.name} school year",
            )
        usual = self._schedules[site.schedule_on(weekday)]
        return self._with_hours(building, day, DayKind.INSTRUCTIONAL, usual)

    def _listed_day(
        self,
        building: str,
        site: BuildingSpec,
        day: dt.date,
        weekday: Weekday,
        listing: Listing,
    ) -> SchoolDay | None:
        entry = listing.entry
        usual = self._schedules[site.schedule_on(weekday)]
        if listing.kind is DayKind.HOLIDAY:
            reason = f"{entry.name} (holiday)"
            return self._without_hours(building, day, DayKind.HOLIDAY, entry.name, reason)
        if listing.kind is DayKind.NO_SCHOOL:
            if not site.students:
                if weekday not in self._spec.weekdays:
                    return None
                return self._with_hours(
                    building, day, DayKind.STAFF_DAY, usual.window_only(), listed_as=entry.name
                )
            reason = f"{entry.name} (no school)"
            return self._without_hours(building, day, DayKind.NO_SCHOOL, entry.name, reason)
        if listing.kind is DayKind.STAFF_DAY and isinstance(entry, StaffDaySpec):
            named = entry.schedule or site.staff_day
            bell = usual.window_only() if named is None else self._schedules[named]
            return self._with_hours(building, day, DayKind.STAFF_DAY, bell, listed_as=entry.name)
        if listing.kind is DayKind.EARLY_RELEASE and isinstance(entry, EarlyReleaseSpec):
            if entry.schedule is not None:
                bell = self._schedules[entry.schedule]
            elif entry.release is not None:
                bell = usual.released_at(entry.release)
            else:
                # The checks make sure the building has one when the entry has neither.
                bell = self._schedules[site.early_release or site.schedule]
            return self._with_hours(
                building, day, DayKind.EARLY_RELEASE, bell, listed_as=entry.name
            )
        return None

    def _without_hours(
        self, building: str, day: dt.date, kind: DayKind, title: str, reason: str
    ) -> SchoolDay:
        name = self._spec.buildings[building].name
        return SchoolDay(building, name, day, kind, title, reason)

    def _with_hours(
        self,
        building: str,
        day: dt.date,
        kind: DayKind,
        bell: BellSchedule,
        *,
        listed_as: str | None = None,
    ) -> SchoolDay:
        site = self._spec.buildings[building]
        reason = f"{WHAT[kind]} at {site.name} ({bell.hours})"
        if listed_as is not None:
            reason += f"; {listed_as}"
        return SchoolDay(
            building=building,
            building_name=site.name,
            date=day,
            kind=kind,
            title=listed_as or WHAT[kind],
            reason=reason,
            schedule=bell.name,
            start=bell.start,
            end=bell.end,
            periods=bell.slots(),
        )


def _closure_for(building: str, closures: Sequence[Closure]) -> Closure | None:
    for closure in reversed(closures):
        if closure.building is None or closure.building == building:
            return closure
    return None
