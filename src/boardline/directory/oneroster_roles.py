"""OneRoster role names and what each means for policy 5460.

5460 distinguishes staff (every employee), administrators (who authorise
exceptions and receive reports), students and guests. OneRoster 1.1 names
eight roles and 1.2 twelve; parents, guardians and relatives are not district
network users at all but the students' family, so they map to no role and are
kept as agents. A district with extension roles (``ext:busDriver``) maps them
itself; an unknown name is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping

from boardline.policy.pack import Role

#: Every role either version defines (1.1: the first eight less principal & co.).
ROSTER_ROLES: Mapping[str, Role | None] = {
    "administrator": Role.ADMINISTRATOR,
    "districtAdministrator": Role.ADMINISTRATOR,
    "siteAdministrator": Role.ADMINISTRATOR,
    "systemAdministrator": Role.ADMINISTRATOR,
    "principal": Role.ADMINISTRATOR,
    "teacher": Role.STAFF,
    "aide": Role.STAFF,
    "counselor": Role.STAFF,
    "proctor": Role.STAFF,
    "student": Role.STUDENT,
    "guest": Role.GUEST,
    "parent": None,
    "guardian": None,
    "relative": None,
}

#: When a person holds several roles (a teacher who is also a site administrator),
#: the one that carries the most duties under the policy wins.
_RANK = {Role.ADMINISTRATOR: 4, Role.STAFF: 3, Role.STUDENT: 2, Role.GUEST: 1}


class RoleMap:
    """Roster role names (any case) to policy roles, with the district's own additions."""

    def __init__(self, extra: Mapping[str, Role | None] | None = None) -> None:
        names = dict(ROSTER_ROLES)
        names.update(extra or {})
        self._roles = names
        self._canonical = {name.lower(): name for name in names}

    def canonical(self, name: str) -> str | None:
        """The role's own spelling (``districtAdministrator``), or None when unknown."""
        return self._canonical.get(name.strip().lower())

    def role(self, canonical: str) -> Role | None:
        return self._roles[canonical]

    def known(self) -> str:
        return ", ".join(sorted(self._roles))

    def person_role(self, names: tuple[str, ...]) -> Role | None:
        """The policy role for a set of roster roles; None when they are all family roles."""
        best: Role | None = None
        for name in names:
            role = self._roles[name]
            if role is not None and (best is None or _RANK[role] > _RANK[best]):
                best = role
        return best


def parse_role_mapping(text: str) -> tuple[str, Role | None]:
    """``ext:busDriver=staff`` (or ``=none`` for a family role) -> (name, role)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(
            f"{text!r}: expected NAME=ROLE (staff, administrator, student, guest, none)"
        )
    value = value.strip().lower()
    if value == "none":
        return name.strip(), None
    try:
        return name.strip(), Role(value)
    except ValueError:
        raise ValueError(
            f"{text!r}: {value!r} is not staff, administrator, student, guest or none"
        ) from None
