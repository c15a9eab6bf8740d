"""Checks that span a calendar file, each pointed at the field it is about.

The pydantic models check each value on its own; these check how values fit
together: the year and its terms in order, periods inside their school day and
apart, every schedule and building named known, every dated entry inside the
year, early releases on days that have school and a release time inside the
day, and no date listed twice for one building (a holiday that is also an
early release is always a mistake, and silently letting one win would hide it).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from boardline.schedule.day import DayKind, Weekday, clock
from boardline.schedule.listing import SECTIONS, Listing, applies_to, entries, listings
from boardline.schedule.spec import BellScheduleSpec, CalendarSpec, DatedSpec, EarlyReleaseSpec

Loc = tuple[str | int, ...]
Problems = list[tuple[Loc, str]]

#: The longest year a file may describe; it bounds the work of compiling one.
MAX_YEAR_DAYS = 400


def cross_check(spec: CalendarSpec) -> Problems:
    """Every problem found, as (field path, message); empty when the file is sound."""
    problems: Problems = []
    _check_year(spec, problems)
    for name, schedule in spec.bell_schedules.items():
        _check_schedule(("bell_schedules", name), schedule, problems)
    _check_buildings(spec, problems)
    for section, _kind in SECTIONS:
        for index, entry in enumerate(entries(spec, section)):
            _check_entry(spec, (section, index), entry, problems)
    if not problems:
        _check_clashes(spec, problems)
    return problems


def _check_year(spec: CalendarSpec, problems: Problems) -> None:
    year = spec.year
    if year.end < year.start:
        problems.append((("year", "end"), f"the year ends on {year.end}, before it starts"))
        return
    if (year.end - year.start).days >= MAX_YEAR_DAYS:
        problems.append((("year", "end"), f"a school year spans at most {MAX_YEAR_DAYS} days"))
        return
    for n, term in enumerate(year.terms):
        loc: Loc = ("year", "terms", n)
        if term.end < term.start:
            problems.append(((*loc, "end"), f"the term ends on {term.end}, before it starts"))
        for field, day in (("start", term.start), ("end", term.end)):
            if not year.start <= day <= year.end:
                problems.append(((*loc, field), _outside_year(spec, day)))
    ordered = sorted(enumerate(year.terms), key=lambda item: item[1].start)
    for (_, before), (n, term) in pairwise(ordered):
        if term.start <= before.end:
            problems.append(
                (("year", "terms", n, "start"), f"term {term.name!r} overlaps {before.name!r}")
            )


def _outside_year(spec: CalendarSpec, day: dt.date) -> str:
    year = spec.year
    return f"{day} is outside the school year {year.name} ({year.start} to {year.end})"


def _check_schedule(loc: Loc, schedule: BellScheduleSpec, problems: Problems) -> None:
    if schedule.end <= schedule.start:
        problems.append(
            (
                (*loc, "end"),
                f"the school day ends at {clock(schedule.end)}, "
                f"not after it starts at {clock(schedule.start)}",
            )
        )
        return
    day = f"{clock(schedule.start)}–{clock(schedule.end)}"
    for n, period in enumerate(schedule.periods):
        where: Loc = (*loc, "periods", n)
        if period.end <= period.start:
            problems.append(((*where, "end"), f"period {period.name!r} ends before it starts"))
        elif period.start < schedule.start:
            problems.append(
                ((*where, "start"), f"period {period.name!r} starts before the school day ({day})")
            )
        elif period.end > schedule.end:
            problems.append(
                ((*where, "end"), f"period {period.name!r} ends after the school day ({day})")
            )
    ordered = sorted(enumerate(schedule.periods), key=lambda item: (item[1].start, item[1].end))
    for (_, before), (n, period) in pairwise(ordered):
        if period.start < before.end:
            problems.append(
                (
                    (*loc, "periods", n, "start"),
                    f"period {period.name!r} ({clock(period.start)}–{clock(period.end)}) overlaps "
                    f"{before.name!r} ({clock(before.start)}–{clock(before.end)})",
                )
            )


def _known(kind: str, name: str, known: list[str]) -> str:
    return f"unknown {kind} {name!r} (known: {', '.join(known)})"


def _check_buildings(spec: CalendarSpec, problems: Problems) -> None:
    schedules = list(spec.bell_schedules)
    for ident, building in spec.buildings.items():
        loc: Loc = ("buildings", ident)
        named: list[tuple[Loc, str | None]] = [
            ((*loc, "schedule"), building.schedule),
            ((*loc, "early_release"), building.early_release),
            ((*loc, "staff_day"), building.staff_day),
        ]
        named += [((*loc, "weekdays", day.value), name) for day, name in building.weekdays.items()]
        for where, name in named:
            if name is not None and name not in spec.bell_schedules:
                problems.append((where, _known("bell schedule", name, schedules)))
        for day in building.weekdays:
            if day not in spec.weekdays:
                problems.append(
                    ((*loc, "weekdays", day.value), f"{day.full_name} is not a day in session")
                )
    if spec.default_building is not None and spec.default_building not in spec.buildings:
        problems.append(
            (("default_building",), _known("building", spec.default_building, list(spec.buildings)))
        )


def _check_entry(spec: CalendarSpec, loc: Loc, entry: DatedSpec, problems: Problems) -> None:
    before = len(problems)
    if entry.date is not None and (entry.start is not None or entry.end is not None):
        problems.append(((*loc, "date"), "give either date or start and end, not both"))
    elif entry.date is None and entry.start is None and entry.end is None:
        problems.append((loc, "give a date, or a start and end"))
    elif entry.date is None and (entry.start is None or entry.end is None):
        missing = "end" if entry.end is None else "start"
        problems.append(((*loc, missing), "a range needs both start and end"))
    elif entry.start is not None and entry.end is not None and entry.end < entry.start:
        problems.append(((*loc, "end"), f"the range ends on {entry.end}, before it starts"))
    for field in ("date", "start", "end"):
        day: dt.date | None = getattr(entry, field)
        if day is not None and not spec.year.start <= day <= spec.year.end:
            problems.append(((*loc, field), _outside_year(spec, day)))
    for n, building in enumerate(entry.buildings or ()):
        if building not in spec.buildings:
            problems.append(
                ((*loc, "buildings", n), _known("building", building, list(spec.buildings)))
            )
    schedule: str | None = getattr(entry, "schedule", None)
    if schedule is not None and schedule not in spec.bell_schedules:
        problems.append(
            ((*loc, "schedule"), _known("bell schedule", schedule, list(spec.bell_schedules)))
        )
    if isinstance(entry, EarlyReleaseSpec) and len(problems) == before:
        _check_release(spec, loc, entry, problems)


def _check_release(
    spec: CalendarSpec, loc: Loc, entry: EarlyReleaseSpec, problems: Problems
) -> None:
    """An early release needs a school day to shorten and a time inside it."""
    if entry.release is not None and entry.schedule is not None:
        problems.append(((*loc, "release"), "give release or schedule, not both"))
        return
    field = "date" if entry.date is not None else "start"
    for day in entry.days():
        weekday = Weekday.of(day)
        if weekday not in spec.weekdays or not _in_term(spec, day):
            problems.append(
                ((*loc, field), f"{day} ({weekday.full_name}) has no school to release early from")
            )
            return
        for ident in applies_to(spec, entry):
            building = spec.buildings.get(ident)
            if building is None or entry.schedule is not None:
                continue
            if entry.release is None:
                if building.early_release is None:
                    problems.append(
                        (
                            loc,
                            f"no release time or schedule, and building {ident!r} "
                            "has no early_release schedule",
                        )
                    )
                    return
                continue
            usual = spec.bell_schedules.get(building.schedule_on(weekday))
            if usual is not None and not usual.start < entry.release < usual.end:
                problems.append(
                    (
                        (*loc, "release"),
                        f"release at {clock(entry.release)} is not inside the school day at "
                        f"{ident} on {day} ({clock(usual.start)}–{clock(usual.end)})",
                    )
                )
                return


def _in_term(spec: CalendarSpec, day: dt.date) -> bool:
    return any(term.start <= day <= term.end for term in spec.year.terms)


def _check_clashes(spec: CalendarSpec, problems: Problems) -> None:
    seen: dict[tuple[str, dt.date], Listing] = {}
    reported: set[tuple[str, int]] = set()
    for building, day, listing in listings(spec):
        first = seen.setdefault((building, day), listing)
        if first is listing or (listing.section, listing.index) in reported:
            continue
        reported.add((listing.section, listing.index))
        field = "date" if listing.entry.date is not None else "start"
        kind = "closure" if first.kind is DayKind.CLOSURE else first.kind.value.replace("_", " ")
        problems.append(
            (
                (listing.section, listing.index, field),
                f"{day} at {building} is already listed as {kind} {first.entry.name!r} "
                f"({first.where})",
            )
        )
