"""From roster rows to people, agents and relationships.

The OneRoster reader collects each user's facts from several files (users,
roles, enrollments) into a :class:`UserDraft`; :class:`PeopleBuilder` then
checks them as a whole (unique usernames, every user has a role), turns them
into :class:`Person` and :class:`Agent` values, finds the family ties the
roster records and reads the district's ``relationships.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from boardline.directory.csv_table import Problems, Row, read_table
from boardline.directory.directory import Directory
from boardline.directory.oneroster_roles import RoleMap
from boardline.directory.person import Agent, Building, Link, Person
from boardline.model.errors import Problem
from boardline.policy.pack import Relationship, Role

RELATIONSHIPS = "relationships.csv"
_RELATIONSHIP_COLUMNS = ("staffSourcedId", "studentSourcedId", "relationship")
_BOOLEANS = {"true": True, "false": False}


def _add(items: list[str], value: str, *, first: bool = False) -> None:
    if value in items:
        if first:
            items.remove(value)
            items.insert(0, value)
        return
    if first:
        items.insert(0, value)
    else:
        items.append(value)


@dataclass(slots=True)
class UserDraft:
    """One users.csv row and what later files add to it."""

    row: Row
    id: str
    username: str
    given_name: str
    family_name: str
    email: str | None
    identifier: str | None
    grades: tuple[str, ...]
    agents: tuple[str, ...]
    enabled: bool
    roles: list[str] = field(default_factory=list)
    buildings: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    has_dated_role: bool = False
    has_bad_role: bool = False

    @classmethod
    def from_row(cls, row: Row, problems: Problems) -> UserDraft:
        enabled_text = row.required(problems, "enabledUser")
        enabled = _BOOLEANS.get(enabled_text.lower())
        if enabled_text and enabled is None:
            row.problem(problems, "enabledUser", f"{enabled_text!r} is not true or false")
        return cls(
            row=row,
            id=row.get("sourcedId"),
            username=row.required(problems, "username"),
            given_name=row.required(problems, "givenName"),
            family_name=row.required(problems, "familyName"),
            email=row.get("email") or None,
            identifier=row.get("identifier") or None,
            grades=row.listed("grades"),
            agents=row.listed("agentSourcedIds"),
            enabled=enabled is not False,
        )

    def add_role(self, name: str, *, primary: bool = False) -> None:
        _add(self.roles, name, first=primary)

    def add_building(self, org_id: str, *, primary: bool = False) -> None:
        _add(self.buildings, org_id, first=primary)


class PeopleBuilder:
    """Checks the drafts as a whole and builds the directory from them."""

    def __init__(
        self,
        users: dict[str, UserDraft],
        roles: RoleMap,
        *,
        problems: Problems,
        warnings: list[Problem],
        skipped: dict[str, int],
        deleted: set[str],
        users_complete: bool = True,
    ) -> None:
        self.users = users
        self.roles = roles
        self.problems = problems
        self.warnings = warnings
        self.skipped = skipped
        self.deleted = deleted
        self.users_complete = users_complete
        self.memberships: list[tuple[str, str]] = []

    def enrol(self, user_id: str, class_id: str, school: str | None) -> None:
        draft = self.users[user_id]
        if class_id:
            _add(draft.classes, class_id)
        if school:
            draft.add_building(school)

    def check(self, *, require_roles: bool) -> None:
        """Every user has a role; no two people share a username (in any case)."""
        usernames: dict[str, Row] = {}
        for draft in self.users.values():
            if not draft.roles:
                if draft.has_dated_role:
                    key = f"{Path(draft.row.file).name}: no current role"
                    self.skipped[key] = self.skipped.get(key, 0) + 1
                elif require_roles and not draft.has_bad_role:
                    draft.row.problem(self.problems, "sourcedId", "has no role in roles.csv")
                continue
            if self.roles.person_role(tuple(draft.roles)) is None or not draft.username:
                continue
            key = draft.username.lower()
            if key in usernames:
                draft.row.problem(
                    self.problems,
                    "username",
                    f"username {draft.username!r} is already used on line {usernames[key].line}",
                )
            else:
                usernames[key] = draft.row

    def build(self, buildings: list[Building], root: Path) -> Directory:
        people: dict[str, Person] = {}
        agents: dict[str, Agent] = {}
        for draft in self.users.values():
            if not draft.roles:
                continue
            role = self.roles.person_role(tuple(draft.roles))
            if role is None:
                agents[draft.id] = Agent(
                    id=draft.id,
                    kind=draft.roles[0],
                    given_name=draft.given_name,
                    family_name=draft.family_name,
                    username=draft.username or None,
                    email=draft.email,
                )
                continue
            people[draft.id] = Person(
                id=draft.id,
                username=draft.username,
                role=role,
                given_name=draft.given_name,
                family_name=draft.family_name,
                email=draft.email,
                buildings=tuple(draft.buildings),
                identifier=draft.identifier,
                grades=draft.grades,
                agents=draft.agents,
                active=draft.enabled,
                roster_roles=tuple(draft.roles),
            )
            self.memberships.extend((draft.id, class_id) for class_id in draft.classes)
        self._warn_shared_emails(people)
        links = self._family(people, agents)
        links.extend(self._relationships_file(root, people))
        if self.problems:
            return Directory.build((), ())
        return Directory.build(
            buildings,
            people.values(),
            links,
            agents=agents.values(),
            memberships=self.memberships,
        )

    # -- relationships ----------------------------------------------------------------------

    def _family(self, people: dict[str, Person], agents: dict[str, Agent]) -> list[Link]:
        """Family ties the roster records, both ways round, and through shared addresses."""
        staff_by_email: dict[str, Person | None] = {}
        for person in people.values():
            if person.is_staff and person.email:
                key = person.email.lower()
                staff_by_email[key] = None if key in staff_by_email else person
        found: dict[tuple[str, str], Link] = {}

        def tie(staff: Person, student: Person, source: str) -> None:
            if student.role is Role.STUDENT:
                found.setdefault(
                    (staff.id, student.id), Link(staff.id, student.id, Relationship.FAMILY, source)
                )

        for draft in self.users.values():
            owner = people.get(draft.id)
            owner_agent = agents.get(draft.id)
            for other_id in draft.agents:
                other = people.get(other_id)
                other_agent = agents.get(other_id)
                if owner is not None and other is not None:
                    if owner.is_staff:
                        tie(owner, other, "agentSourcedIds")
                    elif other.is_staff:
                        tie(other, owner, "agentSourcedIds")
                elif owner is not None and other_agent is not None:
                    staff = staff_by_email.get((other_agent.email or "").lower())
                    if staff is not None:
                        tie(staff, owner, "agent e-mail")
                elif owner_agent is not None and other is not None:
                    staff = staff_by_email.get((owner_agent.email or "").lower())
                    if staff is not None:
                        tie(staff, other, "agent e-mail")
                if other is None and other_agent is None and other_id not in self.deleted:
                    self.warnings.append(
                        _at(draft.row, "agentSourcedIds", f"unknown user {other_id!r}; kept as is")
                    )
        return list(found.values())

    def _relationships_file(self, root: Path, people: dict[str, Person]) -> list[Link]:
        path = root / RELATIONSHIPS
        if not path.is_file():
            return []
        table = read_table(path, self.problems, required=_RELATIONSHIP_COLUMNS)
        if table is None:
            return []
        links: list[Link] = []
        kinds = ", ".join(r.value for r in Relationship)
        for row in table:
            staff = self._person(row, "staffSourcedId", people, staff=True)
            student = self._person(row, "studentSourcedId", people, staff=False)
            text = row.required(self.problems, "relationship")
            kind = None
            if text:
                try:
                    kind = Relationship(text.lower())
                except ValueError:
                    row.problem(self.problems, "relationship", f"{text!r} is not one of {kinds}")
            valid_from = row.date(self.problems, "validFrom")
            valid_to = row.date(self.problems, "validTo")
            if valid_from and valid_to and valid_to < valid_from:
                row.problem(self.problems, "validTo", "is before validFrom")
            if staff is None or student is None or kind is None:
                continue
            links.append(
                Link(
                    staff=staff,
                    student=student,
                    relationship=kind,
                    source=RELATIONSHIPS,
                    note=row.get("note"),
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )
        return links

    def _person(
        self, row: Row, column: str, people: dict[str, Person], *, staff: bool
    ) -> str | None:
        sourced_id = row.required(self.problems, column)
        if not sourced_id:
            return None
        person = people.get(sourced_id)
        if person is None:
            draft = self.users.get(sourced_id)
            wanted = "staff" if staff else "a student"
            if draft is not None and draft.roles:
                row.problem(
                    self.problems, column, f"{sourced_id!r} is a {draft.roles[0]}, not {wanted}"
                )
            elif draft is None and self.users_complete:
                row.problem(
                    self.problems, column, f"unknown person {sourced_id!r} (not in users.csv)"
                )
            # Otherwise the user's own row is already reported (a bad role, an unreadable file).
            return None
        if staff and not person.is_staff:
            row.problem(
                self.problems, column, f"{sourced_id!r} is a {person.role.value}, not staff"
            )
            return None
        if not staff and person.role is not Role.STUDENT:
            row.problem(
                self.problems, column, f"{sourced_id!r} is a {person.role.value}, not a student"
            )
            return None
        return sourced_id

    def _warn_shared_emails(self, people: dict[str, Person]) -> None:
        first: dict[str, Person] = {}
        for person in people.values():
            if not person.email:
                continue
            key = person.email.lower()
            if key in first:
                self.warnings.append(
                    _at(
                        self.users[person.id].row,
                        "email",
                        f"{person.email!r} is also {first[key].id!r}'s address; "
                        "neither is found by e-mail",
                    )
                )
            else:
                first[key] = person


def _at(row: Row, column: str, message: str) -> Problem:
    return Problem(row.place(column), message)
