"""The demo district's people and networks, generated: Cut Bank School District.

Everything here is made up by this module from built-in name lists and a seed
(the same seed always gives the same files), so the demo and the tests never
need real student data. :func:`write_demo_roster` writes a OneRoster 1.2 CSV
bundle and :func:`write_demo_networks` the matching networks file, whose
ranges all lie in 127.0.0.0/8 so tests can send from loopback source addresses.

Buildings (org sourcedIds): ``cbsd`` (the district office), ``cbhs`` Cut Bank
High School (grades 9-12), ``cbms`` Cut Bank Middle School (6-8) and ``hay``
Hay Elementary School (K-5). 60 staff, 600 students, their parents as agents.

Well-known people (usernames) the demo and tests rely on:

==================  ===========================================================
``superintendent``  Dana Whitfield, superintendent (districtAdministrator, cbsd)
``jcarter``         James Carter, principal of Cut Bank High School
``lokafor``         Linda Okafor, principal of Cut Bank Middle School
``rbenson``         Ruth Benson, principal of Hay Elementary School
``kdoyle``          Kevin Doyle, technology director (systemAdministrator, cbsd)
``mrivera``         Maria Rivera, English teacher at CBHS; teaches every grade-10
                    English section (so every grade-10 student is in her class)
``gholt``           Greg Holt, agriculture teacher at CBHS; employs student
                    ``ava.sorensen`` on his ranch (employment, summer 2026)
``swong``           Sarah Wong, counselor at CBHS; legal guardian of ``mason.reed``
``tbaker``          Tom Baker, science teacher at CBMS; father of ``lily.baker``
``ecole``           Emily Cole, grade-3 teacher at Hay; mother of ``owen.cole``
``dmiller``         Dan Miller, aide at CBHS; father of ``zoe.miller``
``lily.baker``      grade 10, CBHS (family of tbaker; in mrivera's English 10)
``noah.hale``       grade 10, CBHS (no relationship to any staff member)
``ava.sorensen``    grade 11, CBHS      ``mason.reed``  grade 9, CBHS
``zoe.miller``      grade 7, CBMS       ``owen.cole``   grade 3, Hay
==================  ===========================================================

Staff sign in as ``<username>``; e-mail is ``<username>@cutbank.example.org``
(students: ``@students.cutbank.example.org``).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DISTRICT = "Cut Bank School District"
STAFF_DOMAIN = "cutbank.example.org"
STUDENT_DOMAIN = "students.cutbank.example.org"
STAMP = "2026-08-15T00:00:00.000Z"
YEAR = ("sy2026", "2026-2027", "2026-08-26", "2027-06-04")
STAFF_COUNT = 60
STUDENT_COUNT = 600

BUILDINGS = (
    ("cbsd", DISTRICT, "district", None),
    ("cbhs", "Cut Bank High School", "school", "cbsd"),
    ("cbms", "Cut Bank Middle School", "school", "cbsd"),
    ("hay", "Hay Elementary School", "school", "cbsd"),
)
GRADES = ("KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
#: Students per grade: 600 in all, elementary grades a little smaller.
PER_GRADE = (42, 42, 42, 41, 42, 41, 50, 50, 50, 50, 50, 50, 50)
SUBJECTS = ("English", "Mathematics", "Science", "Social Studies", "Physical Education", "Art")
SECTION_SIZE = 26


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _names(
    "Aaron Abby Adam Alice Amber Andrew Anna Ben Beth Blake Brooke Caleb Carla Casey Chloe Cody "
    "Colin Dakota Daniel Dylan Elena Eli Ella Eric Erin Ethan Faith Finn Grace Hannah Henry Ian "
    "Isaac Jack Jade Jasmine Jesse Joel Josie Kara Kyle Laura Leah Logan Lucas Luke Maya Megan "
    "Mia Nate Nina Olivia Paige Quinn Reid Riley Ruby Ryan Sadie Sam Seth Sofia Tara Tess Travis "
    "Tyler Vera Wade Willa Wyatt"
)
LAST = _names(
    "Adams Archer Bauer Bell Brandt Brooks Burke Carlson Chavez Clark Dahl Ellis Erickson Ford "
    "Foster Garcia Gibson Grant Hansen Harper Hayes Hoffman Jensen Keller Knudsen Lambert Larsen "
    "Lindgren Lowe Marsh Martin Meyer Morgan Nash Nelson Olsen Parker Peters Pierce Quist Ramos "
    "Reyes Rhodes Schmidt Shaw Stone Strand Sullivan Thorne Turner Vance Wagner Walsh Webb Wells "
    "Yoder Young"
)


@dataclass(slots=True)
class _User:
    id: str
    username: str
    given: str
    family: str
    email: str
    roles: list[tuple[str, str, str]]  # (role, org, primary|secondary)
    identifier: str = ""
    grade: str = ""
    agents: list[str] = field(default_factory=list)
    primary_org: str = ""


@dataclass(frozen=True, slots=True)
class _Staff:
    username: str
    given: str
    family: str
    role: str
    org: str
    subject: str = ""


#: The well-known staff, in a fixed order before any generated ones.
KNOWN_STAFF = (
    _Staff("superintendent", "Dana", "Whitfield", "districtAdministrator", "cbsd"),
    _Staff("kdoyle", "Kevin", "Doyle", "systemAdministrator", "cbsd"),
    _Staff("jcarter", "James", "Carter", "principal", "cbhs"),
    _Staff("lokafor", "Linda", "Okafor", "principal", "cbms"),
    _Staff("rbenson", "Ruth", "Benson", "principal", "hay"),
    _Staff("mrivera", "Maria", "Rivera", "teacher", "cbhs", "English"),
    _Staff("gholt", "Greg", "Holt", "teacher", "cbhs", "Science"),
    _Staff("swong", "Sarah", "Wong", "counselor", "cbhs"),
    _Staff("dmiller", "Dan", "Miller", "aide", "cbhs"),
    _Staff("tbaker", "Tom", "Baker", "teacher", "cbms", "Science"),
    _Staff("ecole", "Emily", "Cole", "teacher", "hay", "03"),
)
#: Well-known students: (username given, family, grade, staff parent username or "").
KNOWN_STUDENTS = (
    ("Lily", "Baker", "10", "tbaker"),
    ("Noah", "Hale", "10", ""),
    ("Ava", "Sorensen", "11", ""),
    ("Mason", "Reed", "09", ""),
    ("Zoe", "Miller", "07", "dmiller"),
    ("Owen", "Cole", "03", "ecole"),
)
#: Generated staff to reach STAFF_COUNT: (role, org, how many).
GENERATED_STAFF = (
    ("teacher", "cbhs", 16),
    ("teacher", "cbms", 11),
    ("teacher", "hay", 11),
    ("aide", "cbhs", 2),
    ("aide", "cbms", 3),
    ("aide", "hay", 4),
    ("counselor", "cbms", 1),
    ("counselor", "hay", 1),
)


def school_of(grade: str) -> str:
    index = GRADES.index(grade)
    return "hay" if index <= 5 else "cbms" if index <= 8 else "cbhs"


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up demo data, not secrets
        self.users: list[_User] = []
        self.usernames: set[str] = set()
        self.by_username: dict[str, _User] = {}
        self.classes: list[tuple[str, str, str, str, str]] = []  # id, title, grade, course, school
        self.enrollments: list[tuple[str, str, str, str]] = []  # class, school, user, role
        self.teachers: dict[str, list[tuple[_User, str]]] = {"cbhs": [], "cbms": [], "hay": []}

    def unique(self, base: str) -> str:
        name, number = base, 2
        while name in self.usernames:
            name, number = f"{base}{number}", number + 1
        self.usernames.add(name)
        return name

    def add(self, user: _User) -> _User:
        self.users.append(user)
        self.by_username[user.username] = user
        return user

    def staff(self) -> None:
        people = list(KNOWN_STAFF)
        for role, org, count in GENERATED_STAFF:
            for _ in range(count):
                given, family = self.rng.choice(FIRST), self.rng.choice(LAST)
                base = f"{given[0]}{family}".lower()
                subject = ""
                if role == "teacher":
                    subject = self.rng.choice(SUBJECTS) if org != "hay" else ""
                people.append(_Staff(base, given, family, role, org, subject))
        for number, person in enumerate(people, 1):
            username = self.unique(person.username)
            user = self.add(
                _User(
                    id=f"staff-{number:04d}",
                    username=username,
                    given=person.given,
                    family=person.family,
                    email=f"{username}@{STAFF_DOMAIN}",
                    roles=[(person.role, person.org, "primary")],
                    identifier=f"E{1000 + number}",
                    primary_org=person.org,
                )
            )
            if person.role == "teacher":
                self.teachers[person.org].append((user, person.subject))

    def students(self) -> None:
        counter = iter(range(1, 10_000))
        parents = iter(range(1, 10_000))
        wanted = dict(zip(GRADES, PER_GRADE, strict=True))
        for given, family, grade, staff_parent in KNOWN_STUDENTS:
            parent = self.by_username[staff_parent] if staff_parent else None
            self.family(family, [(given, grade)], parent, counter, parents)
            wanted[grade] -= 1
        pending = [grade for grade in GRADES for _ in range(wanted[grade])]
        self.rng.shuffle(pending)
        while pending:
            size = min(len(pending), self.rng.choice((1, 1, 1, 2, 2, 3)))
            kids = [(self.rng.choice(FIRST), pending.pop()) for _ in range(size)]
            self.family(self.rng.choice(LAST), kids, None, counter, parents)

    def family(
        self,
        family: str,
        kids: Sequence[tuple[str, str]],
        staff_parent: _User | None,
        counter: Iterator[int],
        parents: Iterator[int],
    ) -> None:
        children: list[_User] = []
        for given, grade in kids:
            number = next(counter)
            username = self.unique(f"{given}.{family}".lower())
            school = school_of(grade)
            children.append(
                self.add(
                    _User(
                        id=f"stu-{number:04d}",
                        username=username,
                        given=given,
                        family=family,
                        email=f"{username}@{STUDENT_DOMAIN}",
                        roles=[("student", school, "primary")],
                        identifier=f"{200000 + number}",
                        grade=grade,
                        primary_org=school,
                    )
                )
            )
        guardians: list[_User] = []
        if staff_parent is not None:
            # OneRoster records a staff member's own children as their agents, and the
            # staff member as a parent (a secondary role) at the child's school.
            guardians.append(staff_parent)
            staff_parent.roles.append(("parent", children[0].primary_org, "secondary"))
        for _ in range(self.rng.choice((1, 2, 2)) - len(guardians)):
            number = next(parents)
            given = self.rng.choice(FIRST)
            role = "parent" if self.rng.random() < 0.9 else "guardian"
            school = children[0].primary_org
            guardians.append(
                self.add(
                    _User(
                        id=f"par-{number:04d}",
                        username=self.unique(f"parent{number:04d}"),
                        given=given,
                        family=family,
                        email=f"{given}.{family}.{number}@mail.example".lower(),
                        roles=[(role, school, "primary")],
                        primary_org=school,
                    )
                )
            )
        for child in children:
            child.agents.extend(guardian.id for guardian in guardians)
        for guardian in guardians:
            guardian.agents.extend(child.id for child in children)

    def schedule(self) -> None:
        """Sections per grade and subject (homerooms in the elementary school)."""
        by_grade: dict[str, list[_User]] = {}
        for user in self.users:
            if user.grade:
                by_grade.setdefault(user.grade, []).append(user)
        for grade in GRADES:
            students = by_grade.get(grade, [])
            school = school_of(grade)
            subjects = ("Homeroom",) if school == "hay" else SUBJECTS
            sections = max(1, -(-len(students) // SECTION_SIZE))
            for subject in subjects:
                for section in range(sections):
                    teacher = self.teacher_for(school, subject, grade, section)
                    code = subject.split()[0][:4].lower()
                    class_id = f"cls-{school}-{grade.lower()}-{code}-{section + 1}"
                    title = f"{subject} {grade} ({chr(ord('A') + section)})"
                    course = f"crs-{school}-{grade.lower()}-{code}"
                    self.classes.append((class_id, title, grade, course, school))
                    self.enrollments.append((class_id, school, teacher.id, "teacher"))
                    for student in students[section::sections]:
                        self.enrollments.append((class_id, school, student.id, "student"))

    def teacher_for(self, school: str, subject: str, grade: str, section: int) -> _User:
        teachers = self.teachers[school]
        turn = GRADES.index(grade) * 2 + section
        if school == "hay":
            # Each Hay teacher keeps a homeroom; ecole's is grade 3.
            matching = [user for user, homeroom in teachers if homeroom == grade]
            if matching:
                return matching[0]
            free = [user for user, homeroom in teachers if not homeroom]
            return free[turn % len(free)]
        if school == "cbhs" and subject == "English" and grade == "10":
            return self.by_username["mrivera"]
        matching = [user for user, taught in teachers if taught == subject]
        pool = matching or [user for user, _ in teachers]
        return pool[turn % len(pool)]


def _columns(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


def _write(path: Path, columns: tuple[str, ...], rows: Iterable[dict[str, str]]) -> None:
    """One CSV file, CRLF line ends as the OneRoster spec shows; absent values are blank."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        writer.writerows([row.get(column, "") for column in columns] for row in rows)


_MANIFEST_FILES = (
    ("academicSessions", "bulk"),
    ("categories", "absent"),
    ("classes", "bulk"),
    ("classResources", "absent"),
    ("courses", "bulk"),
    ("courseResources", "absent"),
    ("demographics", "absent"),
    ("enrollments", "bulk"),
    ("lineItemLearningObjectiveIds", "absent"),
    ("lineItems", "absent"),
    ("lineItemScoreScales", "absent"),
    ("orgs", "bulk"),
    ("resources", "absent"),
    ("resultLearningObjectiveIds", "absent"),
    ("results", "absent"),
    ("resultScoreScales", "absent"),
    ("roles", "bulk"),
    ("scoreScales", "absent"),
    ("userProfiles", "absent"),
    ("userResources", "absent"),
    ("users", "bulk"),
)
_COMMON = "sourcedId,status,dateLastModified,"
ORGS = _columns(_COMMON + "name,type,identifier,parentSourcedId")
SESSIONS = _columns(_COMMON + "title,type,startDate,endDate,parentSourcedId,schoolYear")
COURSES = _columns(
    _COMMON + "schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes"
)
CLASSES = _columns(
    _COMMON + "title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,"
    "termSourcedIds,subjects,subjectCodes,periods"
)
USERS = _columns(
    _COMMON + "enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,"
    "sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,"
    "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns"
)
ROLES = _columns(
    _COMMON + "userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId"
)
ENROLLMENTS = _columns(
    _COMMON + "classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate"
)
RELATIONSHIPS = _columns("staffSourcedId,studentSourcedId,relationship,note,validFrom,validTo")


def _row(sourced_id: str, **values: str) -> dict[str, str]:
    return {"sourcedId": sourced_id, "status": "active", "dateLastModified": STAMP, **values}


def write_demo_roster(directory: str | Path, seed: int = 5460) -> Path:
    """Write the demo district as a OneRoster 1.2 CSV bundle into ``directory``; return it."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    gen = _Generator(seed)
    gen.staff()
    gen.students()
    gen.schedule()
    manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
    manifest += [(f"file.{name}", mode) for name, mode in _MANIFEST_FILES]
    manifest += [("source.systemName", "Boardline demo"), ("source.systemCode", str(seed))]
    _write(
        root / "manifest.csv",
        ("propertyName", "value"),
        ({"propertyName": name, "value": value} for name, value in manifest),
    )
    _write(
        root / "orgs.csv",
        ORGS,
        (
            _row(i, name=name, type=kind, identifier=i.upper(), parentSourcedId=parent or "")
            for i, name, kind, parent in BUILDINGS
        ),
    )
    year_id, title, start, end = YEAR
    _write(
        root / "academicSessions.csv",
        SESSIONS,
        [_row(year_id, title=title, type="schoolYear", startDate=start, endDate=end,
              schoolYear="2027")],
    )  # fmt: skip
    courses = sorted(
        {(course, name.rsplit(" (", 1)[0], grade, school)
         for _, name, grade, course, school in gen.classes}
    )  # fmt: skip
    _write(
        root / "courses.csv",
        COURSES,
        (
            _row(c, schoolYearSourcedId=year_id, title=t, courseCode=c.upper(), grades=g,
                 orgSourcedId=s)
            for c, t, g, s in courses
        ),
    )  # fmt: skip
    _write(
        root / "classes.csv",
        CLASSES,
        (
            _row(i, title=t, grades=g, courseSourcedId=c, classCode=i.upper(), schoolSourcedId=s,
                 classType="homeroom" if "Homeroom" in t else "scheduled", termSourcedIds=year_id)
            for i, t, g, c, s in gen.classes
        ),
    )  # fmt: skip
    _write(root / "users.csv", USERS, (_user_row(user) for user in gen.users))
    _write(
        root / "roles.csv",
        ROLES,
        (
            _row(f"role-{user.id}-{n}", userSourcedId=user.id, roleType=kind, role=role,
                 orgSourcedId=org)
            for user in gen.users
            for n, (role, org, kind) in enumerate(user.roles, 1)
        ),
    )  # fmt: skip
    _write(
        root / "enrollments.csv",
        ENROLLMENTS,
        (
            _row(f"enr-{n:05d}", classSourcedId=c, schoolSourcedId=s, userSourcedId=u, role=r,
                 primary="true" if r == "teacher" else "false", beginDate=start, endDate=end)
            for n, (c, s, u, r) in enumerate(gen.enrollments, 1)
        ),
    )  # fmt: skip
    by_name = gen.by_username
    _write(
        root / "relationships.csv",
        RELATIONSHIPS,
        [
            {
                "staffSourcedId": by_name["gholt"].id,
                "studentSourcedId": by_name["ava.sorensen"].id,
                "relationship": "employment",
                "note": "Summer ranch hand at the Holt ranch",
                "validFrom": "2026-06-01",
                "validTo": "2026-08-31",
            },
            {
                "staffSourcedId": by_name["swong"].id,
                "studentSourcedId": by_name["mason.reed"].id,
                "relationship": "legal",
                "note": "Court-appointed guardian",
                "validFrom": "2025-03-01",
            },
        ],
    )
    return root


def _user_row(user: _User) -> dict[str, str]:
    return _row(
        user.id,
        enabledUser="true",
        username=user.username,
        givenName=user.given,
        familyName=user.family,
        identifier=user.identifier,
        email=user.email,
        agentSourcedIds=",".join(user.agents),
        grades=user.grade,
        primaryOrgSourcedId=user.primary_org,
    )


#: (name, cidr, kind, building) — /16 per kind, a /24 per building inside it.
DEMO_NETWORKS = (
    ("district-managed", "127.10.0.0/16", "district_managed", None),
    ("cbhs-district", "127.10.1.0/24", "district_managed", "cbhs"),
    ("cbms-district", "127.10.2.0/24", "district_managed", "cbms"),
    ("hay-district", "127.10.3.0/24", "district_managed", "hay"),
    ("office-district", "127.10.4.0/24", "district_managed", "cbsd"),
    ("staff-byod", "127.20.0.0/16", "staff_byod", None),
    ("cbhs-staff-byod", "127.20.1.0/24", "staff_byod", "cbhs"),
    ("cbms-staff-byod", "127.20.2.0/24", "staff_byod", "cbms"),
    ("hay-staff-byod", "127.20.3.0/24", "staff_byod", "hay"),
    ("student", "127.30.0.0/16", "student", None),
    ("cbhs-student", "127.30.1.0/24", "student", "cbhs"),
    ("cbms-student", "127.30.2.0/24", "student", "cbms"),
    ("hay-student", "127.30.3.0/24", "student", "hay"),
    ("guest", "127.40.0.0/16", "guest", None),
)
#: (id, owner username or None, managed, address, mac)
DEMO_DEVICES = (
    ("cbhs-laptop-mrivera", "mrivera", True, "127.10.1.10", "02:cb:0a:01:01:0a"),
    ("cbhs-laptop-jcarter", "jcarter", True, "127.10.1.11", "02:cb:0a:01:01:0b"),
    ("cbhs-laptop-gholt", "gholt", True, "127.10.1.12", "02:cb:0a:01:01:0c"),
    ("cbhs-library-cart-01", None, True, "127.10.1.50", "02:cb:0a:01:01:32"),
    ("cbms-laptop-tbaker", "tbaker", True, "127.10.2.10", "02:cb:0a:02:01:0a"),
    ("office-laptop-superintendent", "superintendent", True, "127.10.4.10", "02:cb:0a:04:01:0a"),
    ("tbaker-phone", "tbaker", False, "127.20.2.20", "02:cb:14:02:01:14"),
)


def write_demo_networks(directory: str | Path) -> Path:
    """Write the demo ``networks.yaml`` into ``directory`` and return its path."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    data = {
        "networks": [
            {"name": name, "cidr": cidr, "kind": kind, **({"building": b} if b else {})}
            for name, cidr, kind, b in DEMO_NETWORKS
        ],
        "devices": [
            {"id": i, **({"owner": o} if o else {}), "managed": m, "addresses": [a], "macs": [mac]}
            for i, o, m, a, mac in DEMO_DEVICES
        ],
    }
    path = root / "networks.yaml"
    header = (
        "# Demo networks of Cut Bank School District (generated by boardline.demo.district).\n"
        "# Every range is inside 127.0.0.0/8 so tests can use loopback source addresses.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
