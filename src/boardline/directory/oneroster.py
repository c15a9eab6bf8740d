"""Read a OneRoster 1.1 or 1.2 CSV bundle into a :class:`Directory`.

A bundle is a folder of CSV files described by ``manifest.csv``. From it we
take the organisations (buildings), the users (people, and the parents and
guardians among them as agents), their roles, class enrollments and the
family ties the roster records. The versions differ where it matters: 1.1
puts ``role`` and ``orgSourcedIds`` on each user; 1.2 moves them to
``roles.csv`` (one row per user, role and organisation).

Two sources of staff-student relationships (which 5460 exempts from its limits
on communication) are read:

* the roster's own agents: a staff member's sourcedId among a student's
  ``agentSourcedIds`` (or the other way round) is family, and so is a parent
  account whose e-mail address is a staff member's;
* ``relationships.csv``, a file the district keeps beside the export
  (``staffSourcedId, studentSourcedId, relationship, note, validFrom, validTo``)
  for employment, legal and family ties the SIS does not hold.

Every problem is collected and reported together (see :mod:`csv_table`);
nothing is dropped silently: rows marked ``tobedeleted`` (and, with
``as_of``, roles and enrollments outside their dates) are counted in
:attr:`RosterImport.skipped`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from boardline.directory.csv_table import Problems, Row, Table, read_table
from boardline.directory.directory import Directory
from boardline.directory.oneroster_manifest import Manifest, check_needed, read_manifest
from boardline.directory.oneroster_people import RELATIONSHIPS, PeopleBuilder, UserDraft
from boardline.directory.oneroster_roles import RoleMap
from boardline.directory.person import Building
from boardline.model.errors import InputError, Place, Problem
from boardline.policy.pack import Role

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
STATUSES = ("active", "tobedeleted")

_ORGS = ("sourcedId", "name", "type")
_USERS_11 = ("sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName",
             "familyName")  # fmt: skip
_USERS_12 = ("sourcedId", "enabledUser", "username", "givenName", "familyName")
_ROLES = ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId")
_CLASSES = ("sourcedId", "title", "schoolSourcedId")
_ENROLLMENTS = ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role")


@dataclass(frozen=True, slots=True)
class RosterImport:
    """The directory read from a bundle, and what the reading found along the way.

    ``counts`` has one entry per kind of thing read (``orgs``, ``users``, each
    policy role, ``agents``, ``classes``, ``enrollments``, ``relationships`` and
    one per relationship kind); ``skipped`` counts rows left out on purpose, by
    file and reason; ``warnings`` are problems that did not stop the import.
    """

    directory: Directory
    version: str
    counts: dict[str, int]
    skipped: dict[str, int]
    warnings: tuple[Problem, ...]
    files: tuple[str, ...]


def read_oneroster(
    path: str | Path,
    *,
    as_of: dt.date | None = None,
    extra_roles: Mapping[str, Role | None] | None = None,
) -> RosterImport:
    """Read the bundle in folder ``path``; raise :class:`InputError` with every problem found.

    ``as_of`` leaves out roles and enrollments whose begin/end dates do not
    cover that day (without it, every one counts). ``extra_roles`` maps the
    district's extension role names to policy roles (None for a family role).
    """
    root = Path(path)
    if not root.is_dir():
        raise InputError.at(str(root), "not a folder; expected a OneRoster CSV bundle")
    return _Reader(root, as_of, RoleMap(extra_roles)).read()


class _Reader:
    def __init__(self, root: Path, as_of: dt.date | None, roles: RoleMap) -> None:
        self.root = root
        self.as_of = as_of
        self.roles = roles
        self.problems = Problems()
        self.warnings: list[Problem] = []
        self.skipped: dict[str, int] = {}
        self.files: list[str] = []
        self.orgs: dict[str, tuple[Building, Row]] = {}
        self.classes: dict[str, Row] = {}
        self.users: dict[str, UserDraft] = {}
        self.deleted_users: set[str] = set()
        self.deleted_orgs: set[str] = set()
        self.enrollment_count = 0
        self.role_count = 0
        # Files that could not be read: references into them are not checked, so one
        # broken file is reported once instead of once per row that points into it.
        self.unreadable: set[str] = set()

    def read(self) -> RosterImport:
        manifest = read_manifest(self.root, self.problems)
        if manifest is None:
            self.problems.raise_if_any()
            raise InputError.at(str(self.root / "manifest.csv"), "the manifest cannot be used")
        self.problems.raise_if_any()
        wanted = self._wanted(manifest)
        self.problems.raise_if_any()
        orgs = self._table("orgs", _ORGS)
        if orgs is not None:
            self._read_orgs(orgs)
        v11 = manifest.version == "1.1"
        users = self._table("users", _USERS_11 if v11 else _USERS_12)
        if users is not None:
            self._read_users(users, v11=v11)
        if not v11:
            roles = self._table("roles", _ROLES)
            if roles is not None:
                self._read_roles(roles)
        if "classes" in wanted:
            classes = self._table("classes", _CLASSES)
            if classes is not None:
                self._read_classes(classes)
        people = PeopleBuilder(
            self.users,
            self.roles,
            problems=self.problems,
            warnings=self.warnings,
            skipped=self.skipped,
            deleted=self.deleted_users,
            users_complete="users" not in self.unreadable,
        )
        if "enrollments" in wanted:
            enrollments = self._table("enrollments", _ENROLLMENTS)
            if enrollments is not None:
                self._read_enrollments(enrollments, people, check_classes="classes" in wanted)
        people.check(require_roles=not v11 and "roles" not in self.unreadable)
        if (self.root / RELATIONSHIPS).is_file():
            self.files.append(RELATIONSHIPS)
        directory = people.build([building for building, _ in self.orgs.values()], self.root)
        self.problems.raise_if_any()
        return RosterImport(
            directory=directory,
            version=manifest.version,
            counts=self._counts(directory),
            skipped=dict(sorted(self.skipped.items())),
            warnings=tuple(self.warnings),
            files=tuple(self.files),
        )

    # -- files ----------------------------------------------------------------------------

    def _wanted(self, manifest: Manifest) -> set[str]:
        needed = ["orgs", "users"] + (["roles"] if manifest.version == "1.2" else [])
        wanted = set()
        for name in needed:
            if check_needed(manifest, self.root, self.problems, name, required=True):
                wanted.add(name)
        for name in ("classes", "enrollments"):
            if check_needed(manifest, self.root, self.problems, name, required=False):
                wanted.add(name)
            elif manifest.mode(name) in (None, "absent") and (self.root / f"{name}.csv").is_file():
                self.warnings.append(
                    Problem(
                        Place(str(self.root / f"{name}.csv")),
                        "present but the manifest does not declare it; not read",
                    )
                )
        return wanted

    def _table(self, name: str, required: tuple[str, ...]) -> Table | None:
        path = self.root / f"{name}.csv"
        self.files.append(path.name)
        table = read_table(path, self.problems, required=required)
        if table is None:
            self.unreadable.add(name)
        return table

    def _keep(self, row: Row) -> bool:
        """Check the common columns; False for a row marked for deletion (counted)."""
        status = row.get("status").lower()
        if status and status not in STATUSES:
            row.problem(
                self.problems, "status", f"{row.get('status')!r} is not active or tobedeleted"
            )
        row.timestamp(self.problems, "dateLastModified")
        if status == "tobedeleted":
            self._skip(row, "tobedeleted")
            return False
        return True

    def _skip(self, row: Row, reason: str) -> None:
        key = f"{Path(row.file).name}: {reason}"
        self.skipped[key] = self.skipped.get(key, 0) + 1

    def _current(self, row: Row) -> bool:
        """Within beginDate/endDate on ``as_of`` (always true without it); dates are checked."""
        begin = row.date(self.problems, "beginDate")
        end = row.date(self.problems, "endDate")
        if begin and end and end < begin:
            row.problem(self.problems, "endDate", "is before beginDate")
        if self.as_of is None:
            return True
        if (begin and self.as_of < begin) or (end and self.as_of > end):
            self._skip(row, f"not current on {self.as_of.isoformat()}")
            return False
        return True

    def _unique(self, row: Row, seen: dict[str, Row]) -> str | None:
        sourced_id = row.required(self.problems, "sourcedId")
        if not sourced_id:
            return None
        if sourced_id in seen:
            row.problem(
                self.problems,
                "sourcedId",
                f"duplicate sourcedId {sourced_id!r} (first on line {seen[sourced_id].line})",
            )
            return None
        return sourced_id

    def _org_ref(self, row: Row, column: str, org_id: str) -> bool:
        if org_id in self.orgs:
            return True
        if "orgs" in self.unreadable:
            return False
        if org_id in self.deleted_orgs:
            row.problem(self.problems, column, f"org {org_id!r} is marked tobedeleted in orgs.csv")
            return False
        row.problem(self.problems, column, f"unknown org {org_id!r} (not in orgs.csv)")
        return False

    # -- orgs, classes ----------------------------------------------------------------------

    def _read_orgs(self, table: Table) -> None:
        seen: dict[str, Row] = {}
        for row in table:
            if not self._keep(row):
                self.deleted_orgs.add(row.get("sourcedId"))
                continue
            sourced_id = self._unique(row, seen)
            name = row.required(self.problems, "name")
            kind = row.required(self.problems, "type")
            if kind and kind not in ORG_TYPES and not kind.startswith("ext:"):
                row.problem(
                    self.problems, "type", f"{kind!r} is not an org type ({', '.join(ORG_TYPES)})"
                )
            if sourced_id is None:
                continue
            seen[sourced_id] = row
            building = Building(
                id=sourced_id,
                name=name,
                kind=kind,
                parent=row.get("parentSourcedId") or None,
                identifier=row.get("identifier") or None,
            )
            self.orgs[sourced_id] = (building, row)
        for building, row in self.orgs.values():
            if building.parent:
                self._org_ref(row, "parentSourcedId", building.parent)

    def _read_classes(self, table: Table) -> None:
        for row in table:
            if not self._keep(row):
                continue
            sourced_id = self._unique(row, self.classes)
            row.required(self.problems, "title")
            school = row.required(self.problems, "schoolSourcedId")
            if school:
                self._org_ref(row, "schoolSourcedId", school)
            if sourced_id is not None:
                self.classes[sourced_id] = row

    # -- users and roles --------------------------------------------------------------------

    def _read_users(self, table: Table, *, v11: bool) -> None:
        seen: dict[str, Row] = {}
        for row in table:
            if not self._keep(row):
                self.deleted_users.add(row.get("sourcedId"))
                continue
            sourced_id = self._unique(row, seen)
            draft = UserDraft.from_row(row, self.problems)
            if v11:
                self._role_name(row, "role", draft)
                for org_id in row.listed("orgSourcedIds"):
                    if self._org_ref(row, "orgSourcedIds", org_id):
                        draft.add_building(org_id)
                if not row.listed("orgSourcedIds"):
                    row.problem(self.problems, "orgSourcedIds", "is required")
            else:
                primary = row.get("primaryOrgSourcedId")
                if primary and self._org_ref(row, "primaryOrgSourcedId", primary):
                    draft.add_building(primary)
            if sourced_id is not None:
                seen[sourced_id] = row
                draft.id = sourced_id
                self.users[sourced_id] = draft

    def _role_name(self, row: Row, column: str, draft: UserDraft | None) -> str | None:
        value = row.required(self.problems, column)
        if not value:
            return None
        name = self.roles.canonical(value)
        if name is None:
            row.problem(
                self.problems, column, f"unknown role {value!r}; known roles: {self.roles.known()}"
            )
            return None
        if draft is not None:
            draft.add_role(name)
        return name

    def _read_roles(self, table: Table) -> None:
        seen: dict[str, Row] = {}
        for row in table:
            if not self._keep(row):
                continue
            sourced_id = self._unique(row, seen)
            if sourced_id is not None:
                seen[sourced_id] = row
            user_id = row.required(self.problems, "userSourcedId")
            role_type = row.required(self.problems, "roleType")
            if role_type and role_type not in ("primary", "secondary"):
                row.problem(self.problems, "roleType", f"{role_type!r} is not primary or secondary")
            org_id = row.required(self.problems, "orgSourcedId")
            name = self._role_name(row, "role", None)
            current = self._current(row)
            if org_id:
                self._org_ref(row, "orgSourcedId", org_id)
            if not user_id:
                continue
            draft = self.users.get(user_id)
            if draft is None:
                if user_id in self.deleted_users:
                    self._skip(row, "user tobedeleted")
                elif "users" not in self.unreadable:
                    row.problem(
                        self.problems,
                        "userSourcedId",
                        f"unknown user {user_id!r} (not in users.csv)",
                    )
                continue
            if name is None or not current:
                draft.has_dated_role = draft.has_dated_role or not current
                draft.has_bad_role = draft.has_bad_role or name is None
                continue
            self.role_count += 1
            draft.add_role(name, primary=role_type == "primary")
            # A parent role at a school makes nobody a member of its staff or student body.
            if org_id in self.orgs and self.roles.role(name) is not None:
                draft.add_building(org_id, primary=role_type == "primary")

    def _read_enrollments(
        self, table: Table, people: PeopleBuilder, *, check_classes: bool
    ) -> None:
        seen: dict[str, Row] = {}
        for row in table:
            if not self._keep(row):
                continue
            sourced_id = self._unique(row, seen)
            if sourced_id is not None:
                seen[sourced_id] = row
            class_id = row.required(self.problems, "classSourcedId")
            school = row.required(self.problems, "schoolSourcedId")
            user_id = row.required(self.problems, "userSourcedId")
            self._role_name(row, "role", None)
            current = self._current(row)
            if school:
                self._org_ref(row, "schoolSourcedId", school)
            if (
                check_classes
                and "classes" not in self.unreadable
                and class_id
                and class_id not in self.classes
            ):
                row.problem(
                    self.problems,
                    "classSourcedId",
                    f"unknown class {class_id!r} (not in classes.csv)",
                )
            if not user_id:
                continue
            if user_id not in self.users:
                if user_id in self.deleted_users:
                    self._skip(row, "user tobedeleted")
                elif "users" not in self.unreadable:
                    row.problem(
                        self.problems,
                        "userSourcedId",
                        f"unknown user {user_id!r} (not in users.csv)",
                    )
                continue
            if not current:
                continue
            self.enrollment_count += 1
            people.enrol(user_id, class_id, school if school in self.orgs else None)

    def _counts(self, directory: Directory) -> dict[str, int]:
        counts = {"orgs": len(self.orgs), "users": len(self.users)}
        for role in Role:
            counts[role.value] = 0
        inactive = 0
        for person in directory.people():
            counts[person.role.value] += 1
            inactive += not person.active
        counts["inactive"] = inactive
        counts["agents"] = len(tuple(directory.agents()))
        if self.role_count:
            counts["roles"] = self.role_count
        counts["classes"] = len(self.classes)
        counts["enrollments"] = self.enrollment_count
        links = directory.all_links()
        counts["relationships"] = len(links)
        for link in links:
            counts[link.relationship.value] = counts.get(link.relationship.value, 0) + 1
        return counts
