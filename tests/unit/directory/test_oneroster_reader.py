"""The OneRoster reader: 1.1 and 1.2 bundles read right, bad ones named by file, line, column."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from boardline.directory import read_oneroster
from boardline.model.errors import InputError, Place
from boardline.policy.pack import Relationship, Role

FIXTURES = Path(__file__).parents[2] / "fixtures" / "oneroster"


@pytest.fixture
def v1p1(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "v1p1", tmp_path / "v1p1"))


@pytest.fixture
def v1p2(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "v1p2", tmp_path / "v1p2"))


def _places(bundle: Path) -> list[tuple[Place, str]]:
    with pytest.raises(InputError) as info:
        read_oneroster(bundle)
    return [(problem.place, problem.message) for problem in info.value.problems]


def _one(bundle: Path) -> tuple[Place, str]:
    found = _places(bundle)
    assert len(found) == 1, found
    return found[0]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, line: str) -> int:
    """Append a line; return its line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


# -- happy paths -----------------------------------------------------------------------------


def test_v1p1_bundle_reads_people_buildings_and_family() -> None:
    result = read_oneroster(FIXTURES / "v1p1")
    assert result.version == "1.1"
    assert result.counts["staff"] == 3
    assert result.counts["administrator"] == 1
    assert result.counts["student"] == 3
    assert result.counts["agents"] == 2
    assert result.counts["inactive"] == 1
    assert result.counts["enrollments"] == 5
    assert result.skipped == {"enrollments.csv: tobedeleted": 1, "users.csv: tobedeleted": 1}
    assert result.warnings == ()
    directory = result.directory
    assert set(directory.buildings) == {"gv-d", "gv-hs", "gv-el"}
    assert directory.buildings["gv-hs"].parent == "gv-d"
    marsh = directory.by_username("pmarsh")
    assert marsh is not None
    assert marsh.role is Role.ADMINISTRATOR
    assert marsh.buildings == ("gv-d", "gv-hs")
    rosa = directory.by_username("rbrook")
    assert rosa is not None
    assert rosa.grades == ("10",)
    assert rosa.agents == ("u-t2", "u-p1")
    assert rosa.identifier == "S2001"
    tomas = directory.person("u-s2")
    assert tomas is not None
    assert tomas.family_name == "Quill, Jr."
    assert tomas.display_name == "Tomás Quill, Jr."
    assert directory.person("u-s3") is not None
    assert not directory.person("u-s3").active  # type: ignore[union-attr]
    assert directory.person("u-s4") is None  # tobedeleted
    assert directory.person("u-p1") is None  # a parent is an agent, not a person
    parent = directory.agent("u-p1")
    assert parent is not None
    assert parent.kind == "parent"


def test_v1p1_family_from_agents_and_from_a_parent_account_with_a_staff_address() -> None:
    directory = read_oneroster(FIXTURES / "v1p1").directory
    # Owen Brook (teacher) is listed among Rosa's agents.
    assert directory.relationships("u-t2", "u-s1") == {Relationship.FAMILY}
    assert directory.relationships("u-s1", "u-t2") == {Relationship.FAMILY}
    # Tomás's guardian account uses Alma Hart's (teacher) district address.
    links = directory.links("u-t1", "u-s2")
    assert [(link.relationship, link.source) for link in links] == [
        (Relationship.FAMILY, "agent e-mail")
    ]
    assert directory.relationships("u-t1", "u-s1") == frozenset()


def test_v1p1_relationships_file_with_validity_window() -> None:
    directory = read_oneroster(FIXTURES / "v1p1").directory
    assert directory.relationships("u-x1", "u-s2") == {Relationship.EMPLOYMENT}
    assert directory.relationships("u-x1", "u-s2", on=dt.date(2025, 7, 4)) == {
        Relationship.EMPLOYMENT
    }
    assert directory.relationships("u-x1", "u-s2", on=dt.date(2025, 9, 1)) == frozenset()
    (link,) = directory.links("u-s2", "u-x1")
    assert link.note == "Summer job at the Lane family store"


def test_v1p1_enrollments_give_classes() -> None:
    directory = read_oneroster(FIXTURES / "v1p1").directory
    assert directory.enrolled_together("u-t1", "u-s1") == {"c-eng10"}
    assert directory.enrolled_together("u-t1", "u-s3") == frozenset()
    assert directory.classes_of("u-s3") == {"c-home4"}


def test_v1p2_bundle_takes_roles_from_roles_csv() -> None:
    result = read_oneroster(FIXTURES / "v1p2")
    assert result.version == "1.2"
    assert result.counts["roles"] == 9
    assert result.counts["administrator"] == 2
    assert result.counts["staff"] == 2
    assert result.counts["student"] == 2
    assert result.counts["guest"] == 1
    directory = result.directory
    finch = directory.by_username("gfinch")
    assert finch is not None
    assert finch.role is Role.ADMINISTRATOR  # principal outranks his teaching role
    assert finch.roster_roles == ("principal", "teacher")
    assert finch.buildings == ("rr-hs", "rr-ms")
    superintendent = directory.by_username("superintendent")
    assert superintendent is not None
    assert superintendent.role is Role.ADMINISTRATOR
    assert superintendent.buildings == ("rr-d",)
    counselor = directory.by_username("dwebb")
    assert counselor is not None
    assert counselor.role is Role.STAFF
    assert directory.by_username("visitor1").role is Role.GUEST  # type: ignore[union-attr]
    # Nora Solis (teacher) lists her son Ben as her agent: family, the other way round.
    assert directory.relationships("r-t1", "r-s2") == {Relationship.FAMILY}
    assert directory.enrolled_together("r-t1", "r-s2") == {"k-sci7"}


def test_as_of_leaves_out_roles_outside_their_dates() -> None:
    result = read_oneroster(FIXTURES / "v1p2", as_of=dt.date(2025, 12, 1))
    assert result.directory.by_username("visitor1") is None
    assert result.skipped == {
        "roles.csv: not current on 2025-12-01": 1,
        "users.csv: no current role": 1,
    }
    during = read_oneroster(FIXTURES / "v1p2", as_of=dt.date(2025, 9, 15))
    assert during.directory.by_username("visitor1") is not None


def test_crlf_and_byte_order_mark(v1p1: Path) -> None:
    for path in v1p1.glob("*.csv"):
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = read_oneroster(v1p1)
    assert result.counts == read_oneroster(FIXTURES / "v1p1").counts
    assert result.directory.by_username("rbrook") is not None


def test_extension_roles_can_be_mapped(v1p2: Path) -> None:
    _edit(v1p2 / "roles.csv", "r-cn,primary,counselor", "r-cn,primary,ext:busDriver")
    place, message = _one(v1p2)
    assert (place.line, place.column, place.field) == (6, 6, "role")
    assert "unknown role 'ext:busDriver'" in message
    result = read_oneroster(v1p2, extra_roles={"ext:busDriver": Role.STAFF})
    assert result.directory.by_username("dwebb").roster_roles == ("ext:busDriver",)  # type: ignore[union-attr]


def test_unknown_agent_is_a_warning_and_kept(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", ",u-p2,09,", ',"u-p2,u-nobody",09,')
    result = read_oneroster(v1p1)
    (warning,) = result.warnings
    assert warning.place == Place(str(v1p1 / "users.csv"), 8, 16, "agentSourcedIds")
    assert result.directory.person("u-s2").agents == ("u-p2", "u-nobody")  # type: ignore[union-attr]


# -- errors: each names file, line and column -------------------------------------------------


def test_missing_manifest(v1p1: Path) -> None:
    (v1p1 / "manifest.csv").unlink()
    place, message = _one(v1p1)
    assert place.file == str(v1p1 / "manifest.csv")
    assert "missing" in message


def test_missing_declared_file(v1p1: Path) -> None:
    (v1p1 / "enrollments.csv").unlink()
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "manifest.csv"), 11, 2, "value")
    assert message == "declares enrollments.csv as bulk but the file is missing"


def test_required_file_marked_absent(v1p1: Path) -> None:
    _edit(v1p1 / "manifest.csv", "file.users,bulk", "file.users,absent")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "manifest.csv"), 16, 2, "value")
    assert "users.csv is needed as a bulk file" in message


def test_delta_files_are_refused(v1p2: Path) -> None:
    _edit(v1p2 / "manifest.csv", "file.roles,bulk", "file.roles,delta")
    place, message = _one(v1p2)
    assert (place.file, place.line, place.column) == (str(v1p2 / "manifest.csv"), 20, 2)
    assert "delta" in message


def test_unsupported_version(v1p1: Path) -> None:
    _edit(v1p1 / "manifest.csv", "oneroster.version,1.1", "oneroster.version,1.0")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "manifest.csv"), 3, 2, "value")
    assert "not supported" in message


def test_bad_row_with_too_few_fields(v1p1: Path) -> None:
    line = _append(v1p1 / "orgs.csv", "gv-x,,,Short Row")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "orgs.csv"), line, None, None)
    assert message == "has 4 fields but the header has 7"


def test_unknown_role(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "gv-hs,aide,klane", "gv-hs,wizard,klane")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "users.csv"), 5, 6, "role")
    assert message.startswith("unknown role 'wizard'")


def test_role_names_ignore_case(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "gv-hs,aide,klane", "gv-hs,Aide,klane")
    assert read_oneroster(v1p1).directory.by_username("klane").roster_roles == ("aide",)  # type: ignore[union-attr]


def test_duplicate_sourced_id(v1p1: Path) -> None:
    line = _append(v1p1 / "orgs.csv", "gv-hs,,,Second High School,school,GV2,gv-d")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "orgs.csv"), line, 1, "sourcedId")
    assert message == "duplicate sourcedId 'gv-hs' (first on line 3)"


def test_duplicate_username_ignores_case(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "teacher,obrook,", "teacher,AHart,")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "users.csv"), 3, 7, "username")
    assert message == "username 'AHart' is already used on line 2"


def test_missing_column(v1p2: Path) -> None:
    _edit(v1p2 / "roles.csv", "userSourcedId,roleType,role", "userSourcedId,roleType,rolle")
    place, message = _one(v1p2)
    assert place == Place(str(v1p2 / "roles.csv"), 1, None, "role")
    assert message == "missing required column"


def test_unknown_org_reference(v1p2: Path) -> None:
    _edit(v1p2 / "roles.csv", "counselor,,,rr-hs", "counselor,,,rr-elem")
    place, message = _one(v1p2)
    assert place == Place(str(v1p2 / "roles.csv"), 6, 9, "orgSourcedId")
    assert message == "unknown org 'rr-elem' (not in orgs.csv)"


def test_unknown_org_in_a_list_field(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", '"gv-d,gv-hs"', '"gv-d,gv-hx"')
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "users.csv"), 4, 5, "orgSourcedIds")
    assert "'gv-hx'" in message


def test_line_numbers_count_from_the_start_of_a_multiline_record(v1p1: Path) -> None:
    # Rosa's row (line 6) holds a quoted middle name over two lines; Tomás's starts on 8.
    _edit(v1p1 / "users.csv", "u-s2,,,true,gv-hs,student", "u-s2,,,maybe,gv-hs,student")
    place, message = _one(v1p1)
    assert place == Place(str(v1p1 / "users.csv"), 8, 4, "enabledUser")
    assert message == "'maybe' is not true or false"


def test_bad_dates(v1p1: Path) -> None:
    _edit(
        v1p1 / "enrollments.csv",
        "e-1,,,c-eng10,gv-hs,u-t1,teacher,true,2025-08-27",
        "e-1,,,c-eng10,gv-hs,u-t1,teacher,true,27/08/2025",
    )
    _edit(v1p1 / "orgs.csv", "2025-07-01T12:00:00.000Z", "yesterday")
    found = _places(v1p1)
    assert (
        Place(str(v1p1 / "orgs.csv"), 4, 3, "dateLastModified"),
        "'yesterday' is not a date-time (ISO 8601)",
    ) in found
    assert (
        Place(str(v1p1 / "enrollments.csv"), 2, 9, "beginDate"),
        "'27/08/2025' is not a date (YYYY-MM-DD)",
    ) in found
    assert len(found) == 2


def test_empty_required_fields(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "gv-hs,teacher,ahart,,Alma,Hart", "gv-hs,teacher,,,,Hart")
    found = _places(v1p1)
    path = str(v1p1 / "users.csv")
    assert found == [
        (Place(path, 2, 7, "username"), "is required"),
        (Place(path, 2, 9, "givenName"), "is required"),
    ]


def test_undecodable_bytes(v1p1: Path) -> None:
    path = v1p1 / "users.csv"
    raw = path.read_bytes().replace("Tomás".encode(), "Tom\xe1s".encode("latin-1"))
    path.write_bytes(raw)
    place, message = _one(v1p1)
    assert place == Place(str(path), 8, 38, None)
    assert message.startswith("not valid UTF-8 (byte 0xe1)")


def test_bad_quoting(v1p1: Path) -> None:
    line = _append(v1p1 / "orgs.csv", 'gv-y,,,"Unclosed "quote,school,,gv-d')
    place, message = _one(v1p1)
    assert (place.file, place.line) == (str(v1p1 / "orgs.csv"), line)
    assert message.startswith("not valid CSV")


def test_unknown_user_and_class_in_enrollments(v1p1: Path) -> None:
    line = _append(v1p1 / "enrollments.csv", "e-9,,,c-none,gv-hs,u-ghost,student,false,,")
    path = str(v1p1 / "enrollments.csv")
    assert _places(v1p1) == [
        (Place(path, line, 4, "classSourcedId"), "unknown class 'c-none' (not in classes.csv)"),
        (Place(path, line, 6, "userSourcedId"), "unknown user 'u-ghost' (not in users.csv)"),
    ]


def test_v1p2_user_without_a_role(v1p2: Path) -> None:
    _edit(
        v1p2 / "roles.csv", "ro-5,active,2025-07-01T00:00:00Z,r-cn,primary,counselor,,,rr-hs,\n", ""
    )
    place, message = _one(v1p2)
    assert place == Place(str(v1p2 / "users.csv"), 5, 1, "sourcedId")
    assert message == "has no role in roles.csv"


def test_relationships_file_errors(v1p1: Path) -> None:
    path = v1p1 / "relationships.csv"
    first = _append(path, "u-s1,u-s2,family,,,")
    second = _append(path, "u-t1,u-s1,friendship,,2025-09-01,2025-08-01")
    assert _places(v1p1) == [
        (Place(str(path), first, 1, "staffSourcedId"), "'u-s1' is a student, not staff"),
        (
            Place(str(path), second, 3, "relationship"),
            "'friendship' is not one of family, employment, legal",
        ),
        (Place(str(path), second, 6, "validTo"), "is before validFrom"),
    ]


def test_every_problem_is_reported_together(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "gv-hs,aide,klane", "gv-hs,wizard,klane")
    _edit(v1p1 / "orgs.csv", ",school,PSE,gv-d", ",school,PSE,gv-nowhere")
    files = {Path(place.file).name for place, _ in _places(v1p1)}
    assert files == {"users.csv", "orgs.csv"}


def test_problems_stop_at_a_cap(v1p1: Path) -> None:
    rows = "".join(f"gv-{n},,,Org {n},planet,,\n" for n in range(80))
    (v1p1 / "orgs.csv").write_text(
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" + rows,
        encoding="utf-8",
    )
    found = _places(v1p1)
    assert len(found) == 51
    assert found[-1][1] == "stopped after 50 problems; fix these first"


def test_not_a_folder(tmp_path: Path) -> None:
    place, message = _one(tmp_path / "nowhere")
    assert place.file == str(tmp_path / "nowhere")
    assert "not a folder" in message


def test_reference_to_an_org_marked_for_deletion(v1p1: Path) -> None:
    _edit(
        v1p1 / "orgs.csv",
        "gv-el,,2025-07-01T12:00:00.000Z",
        "gv-el,tobedeleted,2025-07-01T12:00:00.000Z",
    )
    found = _places(v1p1)
    path = str(v1p1 / "users.csv")
    assert (
        Place(path, 3, 5, "orgSourcedIds"),
        "org 'gv-el' is marked tobedeleted in orgs.csv",
    ) in found


def test_relationship_problems_are_reported_with_the_others(v1p1: Path) -> None:
    _edit(v1p1 / "users.csv", "gv-hs,aide,klane", "gv-hs,wizard,klane")
    line = _append(v1p1 / "relationships.csv", "u-t1,u-nobody,legal,,,")
    found = _places(v1p1)
    assert (
        Place(str(v1p1 / "relationships.csv"), line, 2, "studentSourcedId"),
        "unknown person 'u-nobody' (not in users.csv)",
    ) in found
    assert len(found) == 2  # Kit Lane's employment row is not blamed for her bad role


def test_relationship_with_a_parent_account(v1p1: Path) -> None:
    line = _append(v1p1 / "relationships.csv", "u-p1,u-s1,family,,,")
    assert _one(v1p1) == (
        Place(str(v1p1 / "relationships.csv"), line, 1, "staffSourcedId"),
        "'u-p1' is a parent, not staff",
    )
