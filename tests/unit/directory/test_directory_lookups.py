"""Directory lookups: usernames in every form proxies report, e-mail, ids, relationships."""

from __future__ import annotations

import datetime as dt

import pytest

from boardline.directory import Agent, Building, Directory, Link, Person
from boardline.policy.pack import Relationship, Role

BUILDINGS = [Building("cbhs", "Cut Bank High School", "school")]


def _person(pid: str, username: str, role: Role = Role.STAFF, email: str | None = None) -> Person:
    return Person(pid, username, role, "Given", "Family", email, ("cbhs",))


PEOPLE = [
    _person("t1", "mrivera", email="MRivera@cutbank.example.org"),
    _person("t2", "pat.jones@cutbank.example.org", email="pat.jones@cutbank.example.org"),
    _person("s1", "lily.baker", Role.STUDENT, email="shared@mail.example"),
    _person("s2", "noah.hale", Role.STUDENT, email="shared@mail.example"),
]
LINKS = [
    Link("t1", "s1", Relationship.FAMILY),
    Link(
        "t1",
        "s1",
        Relationship.EMPLOYMENT,
        valid_from=dt.date(2026, 6, 1),
        valid_to=dt.date(2026, 8, 31),
    ),
]
DIRECTORY = Directory.build(
    BUILDINGS,
    PEOPLE,
    LINKS,
    agents=[Agent("p1", "parent", "Pam", "Baker")],
    memberships=[("t1", "c1"), ("s1", "c1"), ("s2", "c2")],
)


@pytest.mark.parametrize(
    "login",
    [
        "mrivera",
        "MRIVERA",
        " mrivera ",
        "CUTBANK\\mrivera",
        "cutbank%5Cmrivera",
        "mrivera@CUTBANK.LOCAL",
        "mrivera%40realm",
    ],
)
def test_username_in_proxy_forms(login: str) -> None:
    found = DIRECTORY.by_username(login)
    assert found is not None
    assert found.id == "t1"


def test_email_form_username_also_found_by_local_part() -> None:
    assert DIRECTORY.by_username("pat.jones").id == "t2"  # type: ignore[union-attr]
    assert DIRECTORY.by_username("DOMAIN\\pat.jones").id == "t2"  # type: ignore[union-attr]


@pytest.mark.parametrize("login", ["", "-", "nobody", "CUTBANK\\", "@realm"])
def test_unknown_logins(login: str) -> None:
    assert DIRECTORY.by_username(login) is None


def test_email_lookup_ignores_case_and_refuses_ambiguity() -> None:
    assert DIRECTORY.by_email("mrivera@CUTBANK.example.org").id == "t1"  # type: ignore[union-attr]
    assert DIRECTORY.by_email("shared@mail.example") is None


def test_resolve_by_id_username_or_email_but_never_by_a_foreign_address() -> None:
    assert DIRECTORY.resolve("t1").username == "mrivera"  # type: ignore[union-attr]
    assert DIRECTORY.resolve("MRivera").id == "t1"  # type: ignore[union-attr]
    assert DIRECTORY.resolve("mrivera@cutbank.example.org").id == "t1"  # type: ignore[union-attr]
    assert DIRECTORY.resolve("mrivera@elsewhere.example") is None
    assert DIRECTORY.resolve("p1") is None  # agents are not people


def test_relationships_are_symmetric_and_dated() -> None:
    both = {Relationship.FAMILY, Relationship.EMPLOYMENT}
    assert DIRECTORY.relationships("t1", "s1") == both
    assert DIRECTORY.relationships("s1", "t1") == both
    assert DIRECTORY.relationships("t1", "s1", on=dt.date(2026, 9, 1)) == {Relationship.FAMILY}
    assert DIRECTORY.relationships("t1", "s1", on=dt.date(2026, 7, 1)) == both
    assert DIRECTORY.relationships("t1", "s2") == frozenset()
    assert DIRECTORY.relationships("t1", "s2", on=dt.date(2026, 7, 1)) == frozenset()


def test_classes_and_agents() -> None:
    assert DIRECTORY.enrolled_together("t1", "s1") == {"c1"}
    assert DIRECTORY.enrolled_together("t1", "s2") == frozenset()
    assert DIRECTORY.enrolled_together("t1", "nobody") == frozenset()
    assert DIRECTORY.agent("p1").display_name == "Pam Baker"  # type: ignore[union-attr]
    assert len(DIRECTORY) == 4
    assert "s2" in DIRECTORY
    assert set(DIRECTORY.buildings) == {"cbhs"}


def test_display_name_falls_back_to_username() -> None:
    assert Person("x", "xuser", Role.GUEST, "", "", None, ()).display_name == "xuser"


@pytest.mark.parametrize(
    ("people", "links", "message"),
    [
        ([_person("a", "one"), _person("a", "two")], [], "duplicate person id"),
        ([_person("a", "one"), _person("b", "ONE")], [], "duplicate username"),
        ([Person("a", "one", Role.STAFF, "", "", None, ("nowhere",))], [], "unknown building"),
        ([_person("a", "one")], [Link("a", "zz", Relationship.LEGAL)], "unknown person"),
    ],
)
def test_inconsistent_input_is_a_programming_error(
    people: list[Person], links: list[Link], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Directory.build(BUILDINGS, people, links)
