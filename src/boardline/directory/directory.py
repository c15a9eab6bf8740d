"""The directory: every person, building and relationship, indexed for the hot path.

The decision engine asks "who is this?" and "are these two related?" for every
request the proxy sees, so all indexes are built once in :meth:`Directory.build`
and every lookup afterwards is a dictionary hit. A directory never changes; a
new roster import builds a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from urllib.parse import unquote

from boardline.directory.person import Agent, Building, Link, Person
from boardline.policy.pack import Relationship

_NONE: frozenset[Relationship] = frozenset()
_NO_CLASSES: frozenset[str] = frozenset()


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class Directory:
    """People, buildings and staff-student links of one district, immutable after build."""

    __slots__ = (
        "_agents",
        "_buildings",
        "_by_email",
        "_by_id",
        "_by_username",
        "_classes",
        "_links",
        "_links_all",
        "_people",
        "_relations",
    )

    def __init__(self) -> None:
        self._buildings: Mapping[str, Building] = MappingProxyType({})
        self._people: tuple[Person, ...] = ()
        self._by_id: dict[str, Person] = {}
        self._by_username: dict[str, Person] = {}
        self._by_email: dict[str, Person] = {}
        self._agents: dict[str, Agent] = {}
        self._links_all: tuple[Link, ...] = ()
        self._links: dict[tuple[str, str], tuple[Link, ...]] = {}
        self._relations: dict[tuple[str, str], frozenset[Relationship]] = {}
        self._classes: dict[str, frozenset[str]] = {}

    @classmethod
    def build(
        cls,
        buildings: Iterable[Building],
        people: Iterable[Person],
        relationships: Iterable[Link] = (),
        *,
        agents: Iterable[Agent] = (),
        memberships: Iterable[tuple[str, str]] = (),
    ) -> Directory:
        """Index the given values.

        ``memberships`` are ``(person id, class id)`` pairs used by
        :meth:`enrolled_together`. Inconsistent input (a duplicate id or
        username, a reference to an unknown building or person) is a programming
        error here and raises :class:`ValueError`; the roster readers report the
        same problems with file and line before they get this far.
        """
        built = cls()
        building_map = {}
        for building in buildings:
            if building.id in building_map:
                raise ValueError(f"duplicate building id {building.id!r}")
            building_map[building.id] = building
        built._buildings = MappingProxyType(building_map)
        built._people = tuple(people)
        emails: dict[str, list[Person]] = {}
        aliases: dict[str, list[Person]] = {}
        for person in built._people:
            if person.id in built._by_id:
                raise ValueError(f"duplicate person id {person.id!r}")
            built._by_id[person.id] = person
            key = person.username.strip().lower()
            if key in built._by_username:
                raise ValueError(f"duplicate username {person.username!r}")
            built._by_username[key] = person
            if "@" in key:
                aliases.setdefault(key.split("@", 1)[0], []).append(person)
            if person.email:
                emails.setdefault(person.email.strip().lower(), []).append(person)
            for building_id in person.buildings:
                if building_id not in building_map:
                    raise ValueError(f"{person.id}: unknown building {building_id!r}")
        # A username written as an e-mail address is also found by its local part, as
        # proxies that strip the realm report it, unless that would be ambiguous.
        for alias, owners in aliases.items():
            if alias not in built._by_username and len(owners) == 1:
                built._by_username[alias] = owners[0]
        # Two people sharing an address cannot be told apart by it: no answer is better
        # than the wrong person.
        built._by_email = {email: found[0] for email, found in emails.items() if len(found) == 1}
        for agent in agents:
            if agent.id in built._agents or agent.id in built._by_id:
                raise ValueError(f"duplicate agent id {agent.id!r}")
            built._agents[agent.id] = agent
        built._index_links(tuple(relationships))
        classes: dict[str, set[str]] = {}
        for person_id, class_id in memberships:
            if person_id not in built._by_id:
                raise ValueError(f"membership of unknown person {person_id!r}")
            classes.setdefault(person_id, set()).add(class_id)
        built._classes = {pid: frozenset(ids) for pid, ids in classes.items()}
        return built

    def _index_links(self, links: tuple[Link, ...]) -> None:
        grouped: dict[tuple[str, str], list[Link]] = {}
        for link in links:
            for end in (link.staff, link.student):
                if end not in self._by_id:
                    raise ValueError(f"relationship with unknown person {end!r}")
            grouped.setdefault(_pair(link.staff, link.student), []).append(link)
        self._links_all = links
        self._links = {pair: tuple(found) for pair, found in grouped.items()}
        self._relations = {
            pair: frozenset(link.relationship for link in found) for pair, found in grouped.items()
        }

    # -- lookups (hot path) -------------------------------------------------------------

    def person(self, person_id: str) -> Person | None:
        return self._by_id.get(person_id)

    def by_username(self, username: str) -> Person | None:
        """Find a person by login name as a proxy reports it.

        Case does not matter, and ``DOMAIN\\user``, ``user@realm`` and their
        URL-encoded forms (``DOMAIN%5Cuser``, as Squid logs ``%un``) all find ``user``.
        """
        key = username.strip().lower()
        found = self._by_username.get(key)
        if found is not None or not key:
            return found
        if "%" in key:
            key = unquote(key)
            found = self._by_username.get(key)
            if found is not None:
                return found
        if "\\" in key:
            key = key.rsplit("\\", 1)[1]
            found = self._by_username.get(key)
            if found is not None:
                return found
        if "@" in key:
            return self._by_username.get(key.split("@", 1)[0])
        return None

    def by_email(self, email: str) -> Person | None:
        return self._by_email.get(email.strip().lower())

    def resolve(self, who: str) -> Person | None:
        """A person by sourcedId, username (in any proxy form) or e-mail address."""
        found = self._by_id.get(who) or self._by_username.get(who.strip().lower())
        if found is not None:
            return found
        # Something with an @ is an e-mail address here, never ``user@realm``:
        # ``mrivera@elsewhere.example`` is not the district's mrivera just because the
        # local parts agree. Proxy logins go through :meth:`by_username`.
        if "@" in who:
            return self.by_email(who)
        return self.by_username(who)

    def relationships(
        self, a: str, b: str, *, on: dt.date | None = None
    ) -> frozenset[Relationship]:
        """The relationships between two people (by id), in either order.

        With ``on`` only links valid on that day count; without it every link
        counts, bounded or not, so callers that know the date should pass it.
        """
        pair = _pair(a, b)
        if on is None:
            return self._relations.get(pair, _NONE)
        links = self._links.get(pair)
        if links is None:
            return _NONE
        return frozenset(link.relationship for link in links if link.valid_on(on))

    def links(self, a: str, b: str) -> tuple[Link, ...]:
        """The links behind :meth:`relationships`, for explanations and reports."""
        return self._links.get(_pair(a, b), ())

    def classes_of(self, person_id: str) -> frozenset[str]:
        return self._classes.get(person_id, _NO_CLASSES)

    def enrolled_together(self, a: str, b: str) -> frozenset[str]:
        """The class ids two people share (a teacher and a student in the same class)."""
        first = self._classes.get(a)
        second = self._classes.get(b)
        if not first or not second:
            return _NO_CLASSES
        return first & second

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    # -- whole-directory views ------------------------------------------------------------

    @property
    def buildings(self) -> Mapping[str, Building]:
        return self._buildings

    def people(self) -> Iterable[Person]:
        return self._people

    def agents(self) -> Iterable[Agent]:
        return tuple(self._agents.values())

    def all_links(self) -> tuple[Link, ...]:
        return self._links_all

    def __len__(self) -> int:
        return len(self._people)

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._by_id

    def __repr__(self) -> str:
        return (
            f"<Directory {len(self._people)} people, {len(self._buildings)} buildings, "
            f"{len(self._links_all)} links>"
        )
