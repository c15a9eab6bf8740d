"""The people and places of a district, as the decision engine sees them.

These are plain frozen values, built by a roster reader (OneRoster today) and
held by a :class:`~boardline.directory.directory.Directory`. Only what policy
5460 decisions need is kept: who somebody is (role, buildings, grades), how to
recognise them (sourcedId, username, email) and who their family is (agents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from boardline.policy.pack import Relationship, Role


@dataclass(frozen=True, slots=True)
class Building:
    """An organisation people belong to: a school, the district office, a department.

    ``kind`` is the roster's organisation type as written (``school``, ``district``,
    ``department`` ...), so rules can tell a school from the district office.
    """

    id: str
    name: str
    kind: str
    parent: str | None = None
    identifier: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A member of the district: staff, administrator, student or guest.

    ``role`` is the policy role (what 5460 distinguishes); ``roster_roles`` keeps
    the roster's own titles (``teacher``, ``principal``, ``aide`` ...) so reports
    can say more than "staff". ``agents`` are the sourcedIds of parents, guardians
    and relatives as the roster lists them; a staff member among a student's
    agents is that student's family.
    """

    id: str
    username: str
    role: Role
    given_name: str
    family_name: str
    email: str | None
    buildings: tuple[str, ...]
    identifier: str | None = None
    grades: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    active: bool = True
    roster_roles: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return name or self.username

    @property
    def is_staff(self) -> bool:
        """Staff in the sense of 5460: every employee, administrators included."""
        return self.role in (Role.STAFF, Role.ADMINISTRATOR)


@dataclass(frozen=True, slots=True)
class Agent:
    """A parent, guardian or relative named by a roster: a contact, not a network user.

    Agents are kept (never dropped) because cases and notices need to reach them,
    and because the same human may also be on staff.
    """

    id: str
    kind: str
    given_name: str
    family_name: str
    username: str | None = None
    email: str | None = None

    @property
    def display_name(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip()
        return name or self.username or self.id


@dataclass(frozen=True, slots=True)
class Link:
    """A relationship between a staff member and a student outside school.

    5460 exempts communication between staff and students who are family, or
    when the student works for the staff member, or another legal relationship
    exists. ``valid_from``/``valid_to`` bound the link (inclusive dates) when the
    district's record says so; ``source`` says where it came from (the roster's
    agents, a shared e-mail address, the district's ``relationships.csv``).
    """

    staff: str
    student: str
    relationship: Relationship
    source: str = "roster"
    note: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    @property
    def bounded(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None
