"""The dated entries of a calendar file, spread out to one listing per building and date.

Both the checks (a date listed twice for one building is an error) and the
planner (what is this day at this building?) need the file's holidays, no-school
days, staff days, early releases and closures as "building X, date D: this
entry". This module is that one expansion, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from boardline.schedule.day import Closure, DayKind
from boardline.schedule.spec import CalendarSpec, DatedSpec, EarlyReleaseSpec

#: The file's sections of dated entries and the kind of day each one makes.
SECTIONS: tuple[tuple[str, DayKind], ...] = (
    ("holidays", DayKind.HOLIDAY),
    ("no_school", DayKind.NO_SCHOOL),
    ("staff_days", DayKind.STAFF_DAY),
    ("early_release", DayKind.EARLY_RELEASE),
    ("closures", DayKind.CLOSURE),
)


@dataclass(frozen=True, slots=True)
class Listing:
    """One entry of the file as it applies to one building on one date."""

    section: str
    index: int
    kind: DayKind
    entry: DatedSpec

    @property
    def where(self) -> str:
        return f"{self.section}[{self.index}]"


def entries(spec: CalendarSpec, section: str) -> tuple[DatedSpec, ...]:
    found: tuple[DatedSpec, ...] = getattr(spec, section)
    return found


def applies_to(spec: CalendarSpec, entry: DatedSpec) -> tuple[str, ...]:
    """The buildings an entry covers: those it names, else every one (with students,
    for an early release)."""
    if entry.buildings is not None:
        return entry.buildings
    if isinstance(entry, EarlyReleaseSpec):
        return tuple(b for b, building in spec.buildings.items() if building.students)
    return tuple(spec.buildings)


def listings(spec: CalendarSpec) -> Iterator[tuple[str, dt.date, Listing]]:
    """Every (building, date, listing) the file's dated sections make, in file order.

    Unknown buildings are passed through; the checks report them.
    """
    for section, kind in SECTIONS:
        for index, entry in enumerate(entries(spec, section)):
            listing = Listing(section, index, kind, entry)
            for building in applies_to(spec, entry):
                for day in entry.days():
                    yield building, day, listing


def file_closures(spec: CalendarSpec) -> tuple[Closure, ...]:
    """The closures the file lists, one per building (or district) and date."""
    out: list[Closure] = []
    for entry in spec.closures:
        targets: tuple[str | None, ...] = entry.buildings or (None,)
        out.extend(
            Closure(day, entry.reason, building, entry.name)
            for building in targets
            for day in entry.days()
        )
    return tuple(out)


def by_building(spec: CalendarSpec) -> dict[tuple[str, dt.date], Listing]:
    """The non-closure listings keyed by building and date (the checks rule out doubles)."""
    out: dict[tuple[str, dt.date], Listing] = {}
    for building, day, listing in listings(spec):
        if listing.kind is not DayKind.CLOSURE:
            out.setdefault((building, day), listing)
    return out
