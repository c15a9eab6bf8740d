"""Bell schedules: the school-hours window of a day and the named periods inside it.

A bell schedule is written once (``hs-regular``) and shared by the buildings
and days that use it. Its window, ``start`` to ``end``, *is* school hours for
that day: lunch, breaks, preparation periods and passing time sit inside it
and never end school hours (policy 5460: "including during breaks or
preparation periods"). Periods only name the parts of the window so that an
explanation can say "lunch" rather than "12:05".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from boardline.schedule.day import Period, PeriodKind, clock

#: What the gaps between listed periods are called.
PASSING = "passing"


@dataclass(frozen=True, slots=True)
class BellSchedule:
    """A named school-hours window with its periods (validated: inside, in order, apart)."""

    name: str
    start: dt.time
    end: dt.time
    periods: tuple[Period, ...] = ()

    @property
    def hours(self) -> str:
        return f"{clock(self.start)}–{clock(self.end)}"

    def released_at(self, release: dt.time) -> BellSchedule:
        """The same day ending at ``release``: later periods dropped, the straddling one cut."""
        kept = tuple(replace(p, end=min(p.end, release)) for p in self.periods if p.start < release)
        return replace(self, end=release, periods=kept)

    def window_only(self) -> BellSchedule:
        """The window without its periods (a staff day keeps the hours, not the classes)."""
        return replace(self, periods=())

    def slots(self) -> tuple[Period, ...]:
        """The listed periods with the gaps between them filled by passing time.

        With no periods listed there are no slots: the window is reported
        without a period name. Time before the first or after the last listed
        period is passing time too (arrival, dismissal).
        """
        if not self.periods:
            return ()
        out: list[Period] = []
        cursor = self.start
        for period in sorted(self.periods, key=lambda p: p.start):
            if period.start > cursor:
                out.append(Period(PASSING, PeriodKind.PASSING, cursor, period.start))
            out.append(period)
            cursor = max(cursor, period.end)
        if cursor < self.end:
            out.append(Period(PASSING, PeriodKind.PASSING, cursor, self.end))
        return tuple(out)
