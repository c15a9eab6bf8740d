"""The facts the engine decides with, each behind a small port.

The engine never reads a file, a clock or a database: the caller hands it a
:class:`Facts` snapshot. Adapters implement the ports (a OneRoster import, a
lease feed, a calendar file, UT1 lists, the exception store) and the composition
root builds the snapshot; a new snapshot replaces the old one atomically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from boardline.categories.index import CategoryMatch
from boardline.directory.network import Identity
from boardline.directory.person import Person
from boardline.engine.exceptions import ExceptionBook
from boardline.policy.pack import Relationship
from boardline.schedule.calendar import SchoolTime

EMPTY_BOOK = ExceptionBook()


class DirectoryPort(Protocol):
    def resolve(self, who: str) -> Person | None: ...

    def relationships(
        self, a: str, b: str, *, on: dt.date | None = None
    ) -> frozenset[Relationship]: ...


class IdentityPort(Protocol):
    def identify(
        self,
        directory: DirectoryPort,
        *,
        address: str | None,
        username: str | None,
        at: dt.datetime,
    ) -> Identity: ...

    def lease_bounds(self, address: str | None, at: dt.datetime) -> tuple[float, float]: ...


class CalendarPort(Protocol):
    def status(self, building: str, at: dt.datetime, *, staff_days: bool = True) -> SchoolTime: ...

    def in_school_hours(
        self, building: str, epoch_seconds: float, *, staff_days: bool = True
    ) -> bool: ...

    def buildings(self) -> tuple[str, ...]: ...

    def building_name(self, building: str) -> str: ...


class CategoryPort(Protocol):
    def lookup(self, host: str, path: str = "") -> frozenset[str]: ...

    def explain(self, host: str, path: str = "") -> tuple[CategoryMatch, ...]: ...


@dataclass(frozen=True, slots=True)
class Facts:
    directory: DirectoryPort
    networks: IdentityPort
    calendar: CalendarPort
    categories: CategoryPort
    exceptions: ExceptionBook = EMPTY_BOOK
    #: The building whose schedule applies to people with none; "" lets the calendar's
    #: own ``default_building`` answer.
    default_building: str = ""

    def with_exceptions(self, book: ExceptionBook) -> Facts:
        return Facts(
            self.directory,
            self.networks,
            self.calendar,
            self.categories,
            book,
            self.default_building,
        )


def schedule_buildings(
    network_building: str | None, person_buildings: tuple[str, ...], default: str
) -> tuple[str, ...]:
    """Which buildings' school hours apply: where the person is, else where they work.

    The network a request comes from places the person physically; without it
    every building the person is assigned to counts (school hours at any of
    them are school hours for them). People with no building follow
    ``default``; the calendar itself answers for ids it does not list (its
    ``default_building``).
    """
    if network_building:
        return (network_building,)
    if person_buildings:
        return person_buildings
    return (default,)
