"""The school calendar: is it school hours at this building at this instant?

Policy 5460 forbids staff social networking "during school hours", and then
"including during breaks or preparation periods". The calendar answers the
first half per building and instant, and reads the second half literally:

* **School hours** at a building on a day are the window of the bell schedule
  in force that day, ``start <= t < end`` in local wall-clock time. Lunch,
  breaks, preparation periods and passing time lie *inside* the window and
  never end school hours; :attr:`SchoolTime.period` names them ("lunch",
  "prep", "passing") and :attr:`SchoolTime.period_kind` says which they are
  (:attr:`PeriodKind.is_break`), so a pack that reads 5460 otherwise can still
  tell, through :meth:`SchoolCalendar.status`.
* **Staff days** (in-service, PIR) have no students but staff at work. The
  calendar reports ``day_kind=STAFF_DAY`` and, by default, counts the
  building's staff-day hours as school hours (``in_school_hours=True``).
  Whether they count is the pack's decision (``staff_days_count``): the engine
  passes ``staff_days=False`` to :meth:`~SchoolCalendar.in_school_hours` or
  :meth:`~SchoolCalendar.status` when its pack says no, and gets the same
  exact answer and segment bounds from a second precompiled table.
* **Early release** ends school hours at the release time; a **holiday**,
  **no-school** day, **closure**, **weekend** or a date **outside the terms**
  has no school hours at all.

The order in which these facts win is in :mod:`boardline.schedule.plan`.

Each building's year is compiled once, at load, into a table of UTC epoch
boundaries (:mod:`boardline.schedule.table`), so daylight saving time is
handled where the local times are turned into instants and nowhere else.
:meth:`~SchoolCalendar.in_school_hours` is the hot path (a dictionary lookup
and one ``bisect``, no datetime objects); :meth:`~SchoolCalendar.status`
explains the same answer and gives the exact segment around the instant, so a
proxy can cache a decision until ``segment_end``. Beyond the first and last
boundary of the year the answer never changes: the segment then reaches
:data:`BEGINNING` or :data:`END` (the earliest and latest datetimes). A
calendar is immutable: a snow day declared at run time yields a new calendar
(:meth:`~SchoolCalendar.with_closure`), and a cache keyed on the old one must
be dropped when it is swapped in.

**Unknown buildings.** A building id the file does not list is answered with
the file's ``default_building`` when it names one (the answer keeps the id
asked about and says so in its reason); otherwise :class:`UnknownBuildingError`
(a ``KeyError``) is raised.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from boardline.model.errors import BoardlineError
from boardline.schedule.day import Closure, DayKind, PeriodKind, SchoolDay
from boardline.schedule.listing import file_closures
from boardline.schedule.plan import WHAT, Planner
from boardline.schedule.spec import CalendarSpec
from boardline.schedule.table import TimedDay, boundaries, timed

#: The segment start of an instant before the first school hours the calendar knows.
BEGINNING = dt.datetime.min.replace(tzinfo=dt.UTC)
#: The segment end of an instant after the last school hours the calendar knows.
END = dt.datetime.max.replace(tzinfo=dt.UTC)


class UnknownBuildingError(BoardlineError, KeyError):
    """A building id the calendar does not list, and no default building to fall back on."""

    def __init__(self, building: str, known: tuple[str, ...]) -> None:
        self.building = building
        self.known = known
        super().__init__(building)

    def __str__(self) -> str:
        return (
            f"building {self.building!r} is not in the calendar and it names no "
            f"default_building (known: {', '.join(self.known)})"
        )


@dataclass(frozen=True, slots=True)
class SchoolTime:
    """Whether one building is in school hours at one instant, and why."""

    building: str
    in_school_hours: bool
    day_kind: DayKind
    #: "period 3", "lunch", "prep", "passing"; ``None`` outside school hours.
    period: str | None
    #: The instant in the district's time zone.
    local: dt.datetime
    #: Aware UTC: the start of the constant-answer segment ``at`` is in.
    segment_start: dt.datetime
    #: Aware UTC: when ``in_school_hours`` next may change (cap cache lifetimes here).
    segment_end: dt.datetime
    reason: str
    period_kind: PeriodKind | None = None
    #: The bell schedule in force that day, if the day has school hours.
    schedule: str | None = None


@dataclass(frozen=True, slots=True)
class _Building:
    days: dict[dt.date, TimedDay]
    bounds: tuple[float, ...]
    student_bounds: tuple[float, ...]


class SchoolCalendar:
    """A district's school year, compiled per building. Build with ``load_calendar``."""

    __slots__ = (
        "_added",
        "_bounds",
        "_built",
        "_planner",
        "_spec",
        "_student_bounds",
        "_zone",
        "timezone",
    )

    def __init__(
        self,
        spec: CalendarSpec,
        added: tuple[Closure, ...] = (),
        *,
        reuse: dict[str, _Building] | None = None,
    ) -> None:
        """Compile ``spec`` (already validated) with the run-time closures ``added``."""
        self._spec = spec
        self._added = added
        self.timezone: str = spec.timezone
        self._zone = ZoneInfo(spec.timezone)
        self._planner = Planner(spec)
        closures: dict[dt.date, list[Closure]] = {}
        for closure in (*file_closures(spec), *added):
            closures.setdefault(closure.day, []).append(closure)
        built: dict[str, _Building] = {}
        for ident in spec.buildings:
            if reuse is not None and ident in reuse:
                built[ident] = reuse[ident]
                continue
            days = {
                day: timed(self._planner.plan(ident, day, closures), self._zone)
                for day in _dates(spec.year.start, spec.year.end)
            }
            values = days.values()
            built[ident] = _Building(days, boundaries(values), boundaries(values, staff_days=False))
        self._built = built
        self._bounds = {ident: b.bounds for ident, b in built.items()}
        self._student_bounds = {ident: b.student_bounds for ident, b in built.items()}

    def __repr__(self) -> str:
        year = self._spec.year
        return (
            f"SchoolCalendar({self._spec.district!r}, {year.name!r}, "
            f"{len(self._built)} buildings, {len(self._added)} closures added)"
        )

    @property
    def spec(self) -> CalendarSpec:
        """The validated calendar file this calendar was compiled from."""
        return self._spec

    @property
    def district(self) -> str:
        return self._spec.district

    @property
    def year(self) -> tuple[dt.date, dt.date]:
        """First and last date the calendar covers."""
        return self._spec.year.start, self._spec.year.end

    @property
    def closures(self) -> tuple[Closure, ...]:
        """Closures listed in the file and declared since, in the order they apply."""
        return (*file_closures(self._spec), *self._added)

    def buildings(self) -> tuple[str, ...]:
        return tuple(self._spec.buildings)

    def building_name(self, building: str) -> str:
        return self._spec.buildings[self._resolve(building)].name

    def in_school_hours(
        self, building: str, epoch_seconds: float, *, staff_days: bool = True
    ) -> bool:
        """The hot path: is ``building`` in school hours at ``epoch_seconds`` (Unix time)?"""
        table = (self._bounds if staff_days else self._student_bounds).get(building)
        if table is None:
            ident = self._resolve(building)
            table = self._bounds[ident] if staff_days else self._student_bounds[ident]
        return bisect_right(table, epoch_seconds) % 2 == 1

    def status(self, building: str, at: dt.datetime, *, staff_days: bool = True) -> SchoolTime:
        """Whether ``building`` is in school hours at ``at`` (timezone-aware), and why."""
        if at.tzinfo is None or at.utcoffset() is None:
            msg = f"status() needs a timezone-aware datetime, not the naive {at.isoformat()}"
            raise ValueError(msg)
        ident = self._resolve(building)
        compiled = self._built[ident]
        epoch = at.timestamp()
        local = at.astimezone(self._zone)
        today = compiled.days.get(local.date()) or TimedDay(
            self._planner.plan(ident, local.date(), {})
        )
        day = today.day
        counted = staff_days or day.kind is not DayKind.STAFF_DAY
        inside = counted and today.contains(epoch)
        slot = today.slot_at(epoch) if inside else None
        table = compiled.bounds if staff_days else compiled.student_bounds
        index = bisect_right(table, epoch)
        start = _utc(table[index - 1]) if index > 0 else BEGINNING
        end = _utc(table[index]) if index < len(table) else END
        reason = _explain(day, epoch, today, slot.period.name if slot else None, counted)
        if ident != building:
            reason += (
                f" (building {building!r} is not in the calendar: answered with the "
                f"default building, {day.building_name})"
            )
        return SchoolTime(
            building=building,
            in_school_hours=inside,
            day_kind=day.kind,
            period=slot.period.name if slot else None,
            local=local,
            segment_start=start,
            segment_end=end,
            reason=reason,
            period_kind=slot.period.kind if slot else None,
            schedule=day.schedule,
        )

    def day(self, building: str, day: dt.date) -> SchoolDay:
        """What ``day`` is at ``building``: kind, bell schedule, local school-hours window.

        For an unknown building answered by the default building, the day is the
        default building's (its ``building`` field says which answered).
        """
        ident = self._resolve(building)
        found = self._built[ident].days.get(day)
        return found.day if found is not None else self._planner.plan(ident, day, {})

    def with_closure(
        self, day: dt.date, reason: str, building: str | None = None, *, name: str = "closure"
    ) -> SchoolCalendar:
        """A new calendar with ``day`` closed at ``building`` (``None``: the whole district).

        Only the buildings the closure touches are compiled again. Raises
        :class:`UnknownBuildingError` for a building not in the file (a closure
        never falls back to the default building) and ``ValueError`` for a day
        outside the year or an empty reason.
        """
        if building is not None and building not in self._spec.buildings:
            raise UnknownBuildingError(building, self.buildings())
        first, last = self.year
        if not first <= day <= last:
            msg = f"{day} is outside the school year {self._spec.year.name} ({first} to {last})"
            raise ValueError(msg)
        if not reason.strip() or not name.strip():
            msg = "a closure needs a reason and a name"
            raise ValueError(msg)
        closure = Closure(day, reason.strip(), building, name.strip())
        keep = {} if building is None else {k: v for k, v in self._built.items() if k != building}
        return SchoolCalendar(self._spec, (*self._added, closure), reuse=keep)

    def _resolve(self, building: str) -> str:
        if building in self._spec.buildings:
            return building
        fallback = self._spec.default_building
        if fallback is None:
            raise UnknownBuildingError(building, self.buildings())
        return fallback


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _explain(
    day: SchoolDay, epoch: float, today: TimedDay, period: str | None, counted: bool
) -> str:
    if today.opens is None or today.closes is None or day.kind not in WHAT:
        return day.reason
    where = f"{WHAT[day.kind]} at {day.building_name} ({day.hours})"
    listed = f"; {day.title}" if day.title != WHAT[day.kind] else ""
    if not counted:
        return f"{where}{listed}: staff days are not counted as school hours"
    if epoch < today.opens:
        return f"before school hours: {where}{listed}"
    if epoch >= today.closes:
        return f"after school hours: {where}{listed}"
    return f"{where}{', ' + period if period else ''}{listed}"
