"""The confidential-data scanner against the demo district's roster.

The last tests search every output of the scanner (findings' repr, str and evidence,
the report, the scanner's revision) for the roster's values: none may appear.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.demo.district import write_demo_roster
from boardline.directory import Directory, Person, read_oneroster
from boardline.inspection.confidential import ConfidentialReport, ConfidentialScanner
from boardline.inspection.confidential_values import SaltedValues
from boardline.inspection.roster_match import NICKNAMES, RosterRecord, read_birth_dates
from boardline.model.events import FindingKind
from boardline.policy.pack import Role

SALT = b"cut-bank-district-salt-0001"


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    root = write_demo_roster(tmp_path_factory.mktemp("roster"))
    return read_oneroster(root).directory


@pytest.fixture(scope="module")
def students(directory: Directory) -> list[Person]:
    return sorted((p for p in directory.people() if p.role is Role.STUDENT), key=lambda p: p.id)


def _born(person: Person) -> dt.date:
    """A made-up birth date per student, deterministic from the id."""
    rng = random.Random(person.id)
    return dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(3650))


@pytest.fixture(scope="module")
def births(students: list[Person]) -> dict[str, dt.date]:
    return {p.id: _born(p) for p in students}


def _ssn(number: int) -> str:
    return f"{123 + number % 500:03d}-{11 + number % 80:02d}-{1000 + number:04d}"


@pytest.fixture(scope="module")
def ssns(students: list[Person]) -> SaltedValues:
    return SaltedValues.hash_values(
        SALT, [(_ssn(i), p.id) for i, p in enumerate(students[:50])], name="ssn-of-record"
    )


@pytest.fixture(scope="module")
def scanner(
    directory: Directory, births: dict[str, dt.date], ssns: SaltedValues
) -> ConfidentialScanner:
    return ConfidentialScanner.from_directory(
        directory, birth_dates=births, nicknames=NICKNAMES, ssns_of_record=ssns
    )


def _by(directory: Directory, username: str) -> Person:
    person = directory.by_username(username)
    assert person is not None
    return person


def _kinds(report: ConfidentialReport) -> dict[str, tuple[float, int]]:
    return {f.kind: (f.confidence, f.people) for f in report.findings}


def test_three_students_names_with_their_ids_are_a_record_about_three_people(
    directory: Directory, scanner: ConfidentialScanner
) -> None:
    people = [_by(directory, u) for u in ("lily.baker", "noah.hale", "mason.reed")]
    post = "Detention list for Friday:\n" + "\n".join(
        f"{p.given_name} {p.family_name} ({p.identifier})" for p in people
    )
    report = scanner.scan(post)
    kinds = _kinds(report)
    assert kinds[FindingKind.STUDENT_RECORD] == (0.90, 3)
    assert FindingKind.STUDENT_IDENTIFIER not in kinds
    (record,) = [f for f in report.findings if f.kind == FindingKind.STUDENT_RECORD]
    assert record.scanner == scanner.revision
    assert record.asset == "roster"
    assert "student id" in record.evidence
    assert "name" in record.evidence
    # Evidence offsets point at the values in the post.
    for evidence in report.evidence:
        value = post[evidence.start : evidence.end]
        if evidence.field == "student id":
            assert value in {p.identifier for p in people}


def test_name_variants_order_case_initials_and_diacritics(
    directory: Directory, scanner: ConfidentialScanner
) -> None:
    lily = _by(directory, "lily.baker")
    for written in ("BAKER, Lily", "baker lily", "L. Baker", "Baker, L.", "Lïly Bâker"):
        report = scanner.scan(f"Student {written} ID {lily.identifier} left early.")
        assert _kinds(report)[FindingKind.STUDENT_RECORD][1] == 1, written


def test_initials_need_capitals_and_words_need_boundaries(
    directory: Directory, scanner: ConfidentialScanner
) -> None:
    lily = _by(directory, "lily.baker")
    assert lily.identifier is not None
    assert _kinds(scanner.scan(f"l baker went {lily.identifier}")) == {
        FindingKind.STUDENT_IDENTIFIER: (0.45, 1)
    }
    assert scanner.scan(f"Lily Bakersfield 9{lily.identifier}").findings == ()


def test_an_id_alone_is_an_identifier_stronger_with_context(
    directory: Directory, scanner: ConfidentialScanner
) -> None:
    noah = _by(directory, "noah.hale")
    assert _kinds(scanner.scan(f"order {noah.identifier} shipped")) == {
        FindingKind.STUDENT_IDENTIFIER: (0.45, 1)
    }
    assert _kinds(scanner.scan(f"Student ID: {noah.identifier}")) == {
        FindingKind.STUDENT_IDENTIFIER: (0.75, 1)
    }


def test_several_ids_alone(students: list[Person], scanner: ConfidentialScanner) -> None:
    post = " ".join(str(p.identifier) for p in students[:4])
    assert _kinds(scanner.scan(post)) == {FindingKind.STUDENT_IDENTIFIER: (0.65, 4)}


def test_id_name_and_birth_date_is_the_strongest_record(
    directory: Directory, scanner: ConfidentialScanner, births: dict[str, dt.date]
) -> None:
    ava = _by(directory, "ava.sorensen")
    born = births[ava.id]
    for written in (
        born.isoformat(),
        f"{born.month}/{born.day}/{born.year}",
        born.strftime("%B %d, %Y"),
    ):
        post = f"{ava.identifier}, {ava.family_name}, {ava.given_name}, DOB {written}"
        report = scanner.scan(post)
        assert _kinds(report) == {FindingKind.STUDENT_RECORD: (0.97, 1)}, written


def test_name_with_that_students_birth_date_is_a_record(
    directory: Directory, scanner: ConfidentialScanner, births: dict[str, dt.date]
) -> None:
    zoe = _by(directory, "zoe.miller")
    post = f"Happy birthday {zoe.given_name} {zoe.family_name}! ({births[zoe.id].isoformat()})"
    assert _kinds(scanner.scan(post)) == {FindingKind.STUDENT_RECORD: (0.80, 1)}
    # Someone else's date next to the name is no record.
    other = births[zoe.id] + dt.timedelta(days=3)
    assert scanner.scan(f"{zoe.given_name} {zoe.family_name} on {other.isoformat()}").findings == ()


def test_fields_of_different_students_do_not_corroborate(
    directory: Directory, scanner: ConfidentialScanner
) -> None:
    lily, noah = _by(directory, "lily.baker"), _by(directory, "noah.hale")
    post = f"{lily.given_name} {lily.family_name} and the number {noah.identifier}"
    assert _kinds(scanner.scan(post)) == {FindingKind.STUDENT_IDENTIFIER: (0.45, 1)}


def test_corroboration_must_be_near(directory: Directory, scanner: ConfidentialScanner) -> None:
    owen = _by(directory, "owen.cole")
    far = f"{owen.given_name} {owen.family_name}." + " filler" * 100 + f" {owen.identifier}"
    assert FindingKind.STUDENT_RECORD not in _kinds(scanner.scan(far))


def test_ssn_of_record_anchors_a_record(
    students: list[Person], scanner: ConfidentialScanner
) -> None:
    person = students[3]
    post = f"{person.given_name} {person.family_name} SSN {_ssn(3)}"
    kinds = _kinds(scanner.scan(post))
    assert kinds[FindingKind.STUDENT_RECORD] == (0.90, 1)
    assert kinds[FindingKind.SSN] == (0.95, 1)


def test_ssn_patterns_follow_the_issuance_rules(scanner: ConfidentialScanner) -> None:
    assert _kinds(scanner.scan("call 555-12-3456 today")) == {FindingKind.SSN: (0.60, 1)}
    assert _kinds(scanner.scan("SSN: 555123456")) == {FindingKind.SSN: (0.85, 1)}
    for invalid in ("000-12-3456", "666-12-3456", "900-12-3456", "555-00-3456", "555-12-0000"):
        assert scanner.scan(f"SSN {invalid}").findings == (), invalid
    assert scanner.scan("order 555123456").findings == ()  # bare digits need context


def test_birth_dates_in_context(scanner: ConfidentialScanner) -> None:
    assert _kinds(scanner.scan("DOB: 03/14/2012")) == {FindingKind.DATE_OF_BIRTH: (0.60, 1)}
    listed = "born 2011-01-02; born 2012-02-03; date of birth 4 May 2010"
    assert _kinds(scanner.scan(listed)) == {FindingKind.DATE_OF_BIRTH: (0.75, 3)}
    assert scanner.scan("The meeting is on 03/14/2027.").findings == ()


def test_a_list_of_names_without_ids(students: list[Person], scanner: ConfidentialScanner) -> None:
    names = [f"{p.given_name} {p.family_name}" for p in students[100:112]]
    kinds = _kinds(scanner.scan("Honour roll: " + ", ".join(names)))
    (confidence, people) = kinds[FindingKind.STUDENT_RECORD]
    assert confidence == 0.60
    assert people >= 10  # some demo students share a name
    assert scanner.scan(f"Well done {names[0]}!").findings == ()


def test_clean_text_has_no_findings(scanner: ConfidentialScanner) -> None:
    post = "Our team won 3-1 on 10/12/2026. Tickets cost $5; call 406-873-5544 for details."
    assert scanner.scan(post) == ConfidentialReport((), ())


def test_an_empty_roster_still_finds_patterns() -> None:
    scanner = ConfidentialScanner.from_records([])
    assert _kinds(scanner.scan("SSN 555-12-3456")) == {FindingKind.SSN: (0.85, 1)}
    assert scanner.scan("") == ConfidentialReport((), ())


def test_birth_dates_from_demographics_csv(tmp_path: Path) -> None:
    (tmp_path / "demographics.csv").write_text(
        "sourcedId,status,birthDate,sex\nstu-0001,active,2010-04-05,female\nstu-0002,active,,\n"
    )
    assert read_birth_dates(tmp_path) == {"stu-0001": dt.date(2010, 4, 5)}
    assert read_birth_dates(tmp_path / "missing") == {}


def test_a_bad_birth_date_is_reported_without_its_value(tmp_path: Path) -> None:
    (tmp_path / "demographics.csv").write_text("sourcedId,birthDate\nstu-0001,2010-13-45\n")
    with pytest.raises(Exception, match=r"demographics\.csv:2:2: birthDate: is not a date") as e:
        read_birth_dates(tmp_path)
    assert "2010-13-45" not in str(e.value)


def test_records_keep_values_out_of_repr() -> None:
    record = RosterRecord("stu-1", "Lily", "Baker", "200001", dt.date(2010, 4, 5))
    assert repr(record) == "RosterRecord(person_id='stu-1')"


def test_salted_values_keep_no_clear_value() -> None:
    values = SaltedValues.hash_values(SALT, ["123-45-6780", ("234-56-7890", "stu-9")])
    assert "123-45-6780" in values
    assert "123456780" in values  # punctuation is not part of the value
    assert values.owner("234 56 7890") == "stu-9"
    assert values.owner("123-45-6780") == ""
    assert "555-55-5555" not in values
    assert repr(values) == "SaltedValues('values', 2 digests)"
    stored = values.digests()
    assert all(len(digest) == 32 for digest in stored)
    assert b"123" not in b"".join(stored)
    other_salt = SaltedValues.hash_values(b"another-district-salt", ["123-45-6780"])
    assert set(other_salt.digests()).isdisjoint(stored)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        SaltedValues(b"short", {})


# -- no roster value in any output -----------------------------------------------------


def _roster_values(person: Person, born: dt.date, ssn: str) -> list[str]:
    values = [
        person.given_name,
        person.family_name,
        str(person.identifier),
        born.isoformat(),
        f"{born.month}/{born.day}/{born.year}",
        ssn,
        ssn.replace("-", ""),
    ]
    return [v for v in values if len(v) >= 3]


def _outputs(scanner: ConfidentialScanner, report: ConfidentialReport) -> str:
    parts = [repr(report), str(report), scanner.revision, repr(scanner.roster), repr(scanner.ssns)]
    for finding in report.findings:
        parts += [repr(finding), str(finding), finding.evidence, str(finding.asset)]
    parts += [repr(e) for e in report.evidence] + [str(e) for e in report.evidence]
    return "\n".join(parts).lower()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=49), min_size=1, max_size=6, unique=True),
    st.sampled_from(["{g} {f}", "{f}, {g}", "{G}. {f}"]),
    st.booleans(),
    st.booleans(),
)
def test_no_roster_value_appears_in_any_output(
    scanner: ConfidentialScanner,
    students: list[Person],
    births: dict[str, dt.date],
    chosen: list[int],
    form: str,
    with_dob: bool,
    with_ssn: bool,
) -> None:
    lines = []
    values: list[str] = []
    for number in chosen:
        person = students[number]
        name = form.format(g=person.given_name, f=person.family_name, G=person.given_name[0])
        line = f"{name} id {person.identifier}"
        if with_dob:
            line += f" DOB {births[person.id].isoformat()}"
        if with_ssn:
            line += f" SSN {_ssn(number)}"
        lines.append(line)
        values += _roster_values(person, births[person.id], _ssn(number))
    report = scanner.scan("\n".join(lines))
    assert report.findings
    assert any(f.people == len(chosen) for f in report.findings)
    out = _outputs(scanner, report)
    leaked = [v for v in values if v.lower() in out]
    assert leaked == []
