"""Compiling a building's year into instants: the table the hot path bisects.

Every school-hours window is written in local wall-clock time; here each one
becomes a pair of UTC epoch seconds, through ``zoneinfo``, date by date. So
08:00 on the Monday after the spring change in America/Denver is 14:00 UTC and
on the Monday after the autumn change 15:00 UTC, with no special case: the
offset in force on that date is the one used.

The table is a flat, strictly increasing tuple of boundaries
``(open_1, close_1, open_2, close_2, ...)``. An instant is in school hours
exactly when the number of boundaries at or before it is odd, which
``bisect_right`` answers in ~9 comparisons for a full year and without
creating a datetime; the neighbouring boundaries are the exact start and end
of the constant-answer segment the instant is in.

A wall-clock time that does not exist (inside the spring gap) or exists twice
(inside the autumn overlap) is resolved the way ``zoneinfo`` does with
``fold=0``; no school day starts at 02:30 on a Sunday, but the result is still
a well-formed table: a window that would come out empty is left out.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from boardline.schedule.day import DayKind, Period, SchoolDay


@dataclass(frozen=True, slots=True)
class Slot:
    """A period of one day as epoch seconds, ``start <= t < end``."""

    start: int
    end: int
    period: Period


@dataclass(frozen=True, slots=True)
class TimedDay:
    """A :class:`SchoolDay` with its window and periods as epoch seconds."""

    day: SchoolDay
    opens: int | None = None
    closes: int | None = None
    slots: tuple[Slot, ...] = ()
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(slot.start for slot in self.slots))

    def contains(self, epoch: float) -> bool:
        return (
            self.opens is not None and self.closes is not None and self.opens <= epoch < self.closes
        )

    def slot_at(self, epoch: float) -> Slot | None:
        index = bisect_right(self._starts, epoch) - 1
        if index < 0:
            return None
        slot = self.slots[index]
        return slot if epoch < slot.end else None


def epoch_of(day: dt.date, wall: dt.time, zone: ZoneInfo) -> int:
    """The epoch second at which local ``day`` ``wall`` happens in ``zone``."""
    return int(dt.datetime.combine(day, wall, tzinfo=zone).timestamp())


def timed(day: SchoolDay, zone: ZoneInfo) -> TimedDay:
    if day.start is None or day.end is None:
        return TimedDay(day)
    opens = epoch_of(day.date, day.start, zone)
    closes = epoch_of(day.date, day.end, zone)
    if closes <= opens:
        return TimedDay(day)
    slots = []
    for period in day.periods:
        start = max(opens, epoch_of(day.date, period.start, zone))
        end = min(closes, epoch_of(day.date, period.end, zone))
        if start < end:
            slots.append(Slot(start, end, period))
    return TimedDay(day, opens, closes, tuple(slots))


def boundaries(days: Iterable[TimedDay], *, staff_days: bool = True) -> tuple[float, ...]:
    """The sorted open/close boundaries of ``days`` (touching windows merged).

    With ``staff_days=False`` staff days contribute no school hours: the table
    for a pack that does not count them.
    """
    windows = sorted(
        (d.opens, d.closes)
        for d in days
        if d.opens is not None
        and d.closes is not None
        and (staff_days or d.day.kind is not DayKind.STAFF_DAY)
    )
    out: list[int] = []
    for opens, closes in windows:
        if out and opens <= out[-1]:
            out[-1] = max(out[-1], closes)
        else:
            out.extend((opens, closes))
    # Floats (exact for whole seconds) because the hot path compares float epochs:
    # float-to-float comparisons make the bisect about twice as fast as int-to-float.
    return tuple(float(b) for b in out)
