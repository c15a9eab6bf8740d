"""The generated demo district reads back through the OneRoster reader with the expected facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from boardline.demo.district import (
    STAFF_COUNT,
    STUDENT_COUNT,
    write_demo_networks,
    write_demo_roster,
)
from boardline.directory import Directory, NetworkKind, RosterImport, load_networks, read_oneroster
from boardline.policy.pack import Relationship, Role

NOON = dt.datetime(2026, 9, 1, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RosterImport]:
    root = write_demo_roster(tmp_path_factory.mktemp("demo"))
    return root, read_oneroster(root)


def _id(directory: Directory, username: str) -> str:
    person = directory.by_username(username)
    assert person is not None, username
    return person.id


def test_round_trip_counts(demo: tuple[Path, RosterImport]) -> None:
    _, result = demo
    counts = result.counts
    assert result.version == "1.2"
    assert result.warnings == ()
    assert result.skipped == {}
    assert counts["staff"] + counts["administrator"] == STAFF_COUNT == 60
    assert counts["administrator"] == 5
    assert counts["student"] == STUDENT_COUNT == 600
    assert counts["guest"] == 0
    assert STUDENT_COUNT <= counts["agents"] <= 2 * STUDENT_COUNT
    assert counts["orgs"] == 4
    assert (counts["family"], counts["employment"], counts["legal"]) == (3, 1, 1)
    assert counts["enrollments"] > STUDENT_COUNT


def test_well_known_people(demo: tuple[Path, RosterImport]) -> None:
    directory = demo[1].directory
    expected = {
        "superintendent": (Role.ADMINISTRATOR, ("cbsd",)),
        "jcarter": (Role.ADMINISTRATOR, ("cbhs",)),
        "lokafor": (Role.ADMINISTRATOR, ("cbms",)),
        "rbenson": (Role.ADMINISTRATOR, ("hay",)),
        "kdoyle": (Role.ADMINISTRATOR, ("cbsd",)),
        "mrivera": (Role.STAFF, ("cbhs",)),
        "gholt": (Role.STAFF, ("cbhs",)),
        "swong": (Role.STAFF, ("cbhs",)),
        "dmiller": (Role.STAFF, ("cbhs",)),
        "tbaker": (Role.STAFF, ("cbms",)),
        "ecole": (Role.STAFF, ("hay",)),
        "lily.baker": (Role.STUDENT, ("cbhs",)),
        "noah.hale": (Role.STUDENT, ("cbhs",)),
        "ava.sorensen": (Role.STUDENT, ("cbhs",)),
        "mason.reed": (Role.STUDENT, ("cbhs",)),
        "zoe.miller": (Role.STUDENT, ("cbms",)),
        "owen.cole": (Role.STUDENT, ("hay",)),
    }
    for username, (role, buildings) in expected.items():
        person = directory.by_username(username)
        assert person is not None, username
        assert (person.role, person.buildings) == (role, buildings), username
    assert directory.buildings["hay"].name == "Hay Elementary School"
    assert directory.by_email("mrivera@cutbank.example.org") == directory.by_username("mrivera")


def test_well_known_relationships(demo: tuple[Path, RosterImport]) -> None:
    d = demo[1].directory
    assert d.relationships(_id(d, "tbaker"), _id(d, "lily.baker")) == {Relationship.FAMILY}
    assert d.relationships(_id(d, "ecole"), _id(d, "owen.cole")) == {Relationship.FAMILY}
    assert d.relationships(_id(d, "dmiller"), _id(d, "zoe.miller")) == {Relationship.FAMILY}
    assert d.relationships(_id(d, "swong"), _id(d, "mason.reed")) == {Relationship.LEGAL}
    holt, ava = _id(d, "gholt"), _id(d, "ava.sorensen")
    assert d.relationships(holt, ava, on=dt.date(2026, 7, 15)) == {Relationship.EMPLOYMENT}
    assert d.relationships(holt, ava, on=dt.date(2026, 9, 15)) == frozenset()
    assert d.relationships(_id(d, "mrivera"), _id(d, "noah.hale")) == frozenset()
    # mrivera teaches every grade-10 English section.
    assert d.enrolled_together(_id(d, "mrivera"), _id(d, "lily.baker"))
    assert d.enrolled_together(_id(d, "mrivera"), _id(d, "noah.hale"))


def test_same_seed_same_files(tmp_path: Path, demo: tuple[Path, RosterImport]) -> None:
    again = write_demo_roster(tmp_path / "again")
    other = write_demo_roster(tmp_path / "other", seed=1)
    for path in sorted(demo[0].glob("*.csv")):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    assert (other / "users.csv").read_bytes() != (demo[0] / "users.csv").read_bytes()
    assert read_oneroster(other).counts["student"] == STUDENT_COUNT


def test_demo_networks(tmp_path: Path, demo: tuple[Path, RosterImport]) -> None:
    directory = demo[1].directory
    nmap = load_networks(write_demo_networks(tmp_path), directory)
    laptop = nmap.identify(directory, address="127.10.1.10", username="-", at=NOON)
    assert laptop.person == directory.by_username("mrivera")
    assert (laptop.source, laptop.district_equipment) == ("device", True)
    assert laptop.network is not None
    assert laptop.network.building == "cbhs"
    phone = nmap.identify(directory, address="127.20.2.20", username=None, at=NOON)
    assert phone.person == directory.by_username("tbaker")
    assert phone.district_equipment is False
    student = nmap.identify(directory, address="127.30.1.44", username="lily.baker", at=NOON)
    assert student.network is not None
    assert student.network.kind is NetworkKind.STUDENT
    assert (student.source, student.district_equipment) == ("proxy_auth", False)
    guest = nmap.network_of("127.40.3.3")
    assert guest is not None
    assert guest.kind is NetworkKind.GUEST
    assert nmap.network_of("127.10.200.1").name == "district-managed"  # type: ignore[union-attr]
