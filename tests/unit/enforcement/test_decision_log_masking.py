"""Student data never reaches the decision log in clear; staff identities do."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest

from boardline.demo.district import write_demo_roster
from boardline.directory.oneroster import read_oneroster
from boardline.directory.person import Person
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.enforcement.decision_log_files import log_files, read_log
from boardline.enforcement.decision_log_record import record, to_event
from boardline.enforcement.masking import Pseudonymiser, mask
from boardline.engine.compiled import CompiledPack
from boardline.engine.evaluate import evaluate
from boardline.engine.facts import Facts
from boardline.model.decision import Citation, Decision, ExceptionUsed
from boardline.model.events import (
    Communication,
    ContentPost,
    Event,
    Finding,
    Purpose,
    Subject,
    WebAccess,
)
from boardline.policy.pack import Channel, Effect, Role
from tests.demo_facts import demo_facts

KEY = b"masking-test-key-0123456789abcdef"
AT = dt.datetime(2026, 10, 13, 16, 0, tzinfo=dt.UTC)  # 10:00 in Cut Bank, a school day
CITE = (Citation("5460", "c", "quoted words", "r", "rev", "why"),)


def pseudonym(value: str) -> str:
    return "stu_" + hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:12]


def decision(explanation: str, subject: str | None, kind: str = "web") -> Decision:
    return Decision("d-1", Effect.DENY, "r", "rev", CITE, explanation, kind, AT, subject)


def test_a_student_is_pseudonymised_everywhere() -> None:
    event = WebAccess(
        Subject("lily.baker", "127.30.1.5"), "www.facebook.com", "/lily.baker/photos?x=1"
    )
    made = decision("allow: lily.baker (student) is not someone this policy covers", "stu-0001")
    clear = to_event(made, event, Role.STUDENT, username="lily.baker")
    masked = mask(clear, KEY)
    text = masked.model_dump_json()
    for value in ("stu-0001", "lily.baker", "127.30.1.5"):
        assert value not in text
    assert masked.subject == pseudonym("stu-0001")
    assert masked.username == pseudonym("lily.baker")
    assert masked.event.client == pseudonym("127.30.1.5")  # type: ignore[union-attr]
    assert masked.event.user == pseudonym("lily.baker")  # type: ignore[union-attr]
    assert masked.event.path == f"/{pseudonym('lily.baker')}/photos"  # type: ignore[union-attr]
    assert masked.explanation == (
        f"allow: {pseudonym('lily.baker')} (student) is not someone this policy covers"
    )
    assert masked.role == "student"  # the role itself stays: it says why the line is masked
    assert masked.masked
    assert mask(masked, KEY) == masked  # masking twice changes nothing


def test_the_pseudonym_is_stable_and_keyed() -> None:
    event = WebAccess(Subject(None, "127.30.1.5"), "example.org")
    clear = to_event(decision("deny: 127.30.1.5 could not be tied", None), event, None)
    once = mask(clear, KEY)
    again = mask(clear, Pseudonymiser(KEY))
    other = mask(clear, b"another-key-0123456789abcdef")
    assert once == again
    assert once.event.client != other.event.client  # type: ignore[union-attr]
    assert re.fullmatch(r"stu_[0-9a-f]{12}", once.event.client or "")  # type: ignore[union-attr]


def test_an_unknown_subject_is_masked_like_a_student() -> None:
    event = ContentPost(
        Subject("CUTBANK\\someone", "127.30.2.9"),
        "upload.example.com",
        findings=(Finding("student_record", 0.9, None, "[masked]", "csv", 2),),
    )
    made = decision("deny: CUTBANK\\someone could not be tied to a person", None, "post")
    masked = mask(to_event(made, event, None), KEY)
    text = masked.model_dump_json()
    assert "someone" not in text
    assert "127.30.2.9" not in text
    assert masked.role == "unknown"
    assert masked.event.findings[0].evidence == "[masked]"  # type: ignore[union-attr]


def test_staff_stay_in_clear() -> None:
    event = WebAccess(Subject("mrivera", "127.10.1.10"), "www.facebook.com")
    used = ExceptionUsed("grant", "g-1", "kdoyle", "reason", AT)
    made = decision("deny: ... no grant covers mrivera", "staff-0003")._replace(exception=used)
    masked = mask(to_event(made, event, Role.STAFF, username="mrivera"), KEY)
    assert masked.subject == "staff-0003"
    assert masked.username == "mrivera"
    assert masked.event.client == "127.10.1.10"  # type: ignore[union-attr]
    assert masked.explanation.endswith("covers mrivera")
    assert masked.exception is not None
    assert masked.exception.by == "kdoyle"
    admin = mask(to_event(made, event, Role.ADMINISTRATOR, username="mrivera"), KEY)
    assert admin.subject == "staff-0003"


def test_the_student_party_of_a_communication_is_always_masked() -> None:
    talk = Communication("mrivera", "lily.baker@students.cutbank.example.org", Channel.SMS)
    made = decision(
        "allow: lily.baker@students.cutbank.example.org is not in the directory",
        "staff-0003",
        "communication",
    )
    masked = mask(to_event(made, talk, Role.STAFF, username="mrivera"), KEY)
    assert masked.event.staff == "mrivera"  # type: ignore[union-attr]
    assert masked.event.student == pseudonym(  # type: ignore[union-attr]
        "lily.baker@students.cutbank.example.org"
    )
    assert "lily.baker" not in masked.model_dump_json()
    assert masked.subject == "staff-0003"
    # when the staff member is unknown too, both parties are masked
    unknown = mask(to_event(made._replace(subject=None), talk, None), KEY)
    assert unknown.event.staff == pseudonym("mrivera")  # type: ignore[union-attr]


def test_guests_are_masked_too() -> None:
    event = WebAccess(Subject("visitor1", "127.40.0.7"), "example.org")
    masked = mask(to_event(decision("allow: visitor1 (guest)", "g-1"), event, Role.GUEST), KEY)
    assert "visitor1" not in masked.model_dump_json()


def test_masking_edits_only_values_so_keys_stay_sorted() -> None:
    event = WebAccess(Subject("lily.baker", "127.30.1.5"), "x.org")
    rec = record(decision("lily.baker", "stu-0001"), event, Role.STUDENT, username="lily.baker")
    keys = list(rec)
    from boardline.enforcement.masking import mask_record

    mask_record(rec, Pseudonymiser(KEY))
    assert list(rec) == keys == sorted(keys)


# -- the demo district, end to end -------------------------------------------------------


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompiledPack, Facts, list[Person]]:
    pack, facts = demo_facts(tmp_path_factory.mktemp("facts"))
    roster = read_oneroster(write_demo_roster(tmp_path_factory.mktemp("roster")))
    students = [p for p in roster.directory.people() if p.role is Role.STUDENT]
    assert len(students) > 100
    return pack, facts, students


def demo_events(students: list[Person]) -> list[Event]:
    events: list[Event] = []
    for n, student in enumerate(students):
        address = f"127.30.{1 + n % 3}.{1 + n // 3}"
        events += [
            WebAccess(
                Subject(student.username, address),
                "www.facebook.com",
                f"/{student.username}?email={student.email}",
                event_id=f"a{n}",
            ),
            WebAccess(Subject(None, address), "www.instagram.com", "/", event_id=f"b{n}"),
            WebAccess(
                Subject(f"CUTBANK\\{student.username}", address), "example.org", event_id=f"c{n}"
            ),
            ContentPost(
                Subject(student.username, address),
                "upload.example.com",
                findings=(Finding("district_logo", 0.95, "logo", "", "image"),),
                event_id=f"d{n}",
            ),
            Communication("mrivera", student.id, Channel.SOCIAL_FRIEND_REQUEST, event_id=f"e{n}"),
            Communication("jcarter", student.username, Channel.SMS, event_id=f"f{n}"),
            Communication(
                "nobody-on-staff",
                student.email or student.id,
                Channel.PERSONAL_EMAIL,
                purpose=Purpose.PERSONAL,
                event_id=f"g{n}",
            ),
        ]
    events += [
        WebAccess(Subject("mrivera", "127.10.1.10"), "www.facebook.com", event_id="staff-1"),
        WebAccess(Subject(None, "127.10.1.11"), "www.facebook.com", event_id="staff-2"),
        Communication("mrivera", "no-such-student", Channel.SMS, event_id="h"),
    ]
    return events


def context(line: str, value: str) -> str:
    at = line.find(value)
    return line[max(0, at - 80) : at + len(value) + 80]


def leaves(value: object) -> list[str]:
    """Every string in a parsed JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in leaves(v))]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    return []


def test_no_demo_student_appears_in_clear_in_any_written_line(
    tmp_path: Path, district: tuple[CompiledPack, Facts, list[Person]]
) -> None:
    pack, facts, students = district
    events = demo_events(students)
    path = tmp_path / "decisions.jsonl"
    with DecisionLogWriter(
        path, key=KEY, max_bytes=512 * 1024, keep=100, people=facts.directory.resolve
    ) as writer:
        for start in range(0, len(events), 64):
            for event in events[start : start + 64]:
                writer.write(evaluate(event, facts, pack, AT), event)
            writer.flush()
    found = read_log(path)
    assert len(found.events) == len(events)
    assert not found.bad
    assert not found.torn

    secrets = {s.id for s in students} | {s.username for s in students}
    secrets |= {s.email for s in students if s.email}
    secrets |= {f"127.30.{1 + n % 3}.{1 + n // 3}" for n in range(len(students))}
    lines = [raw for file in log_files(path) for raw in file.read_text("utf-8").splitlines()]
    assert len(lines) == len(events)
    # Every string in every line, unescaped and each distinct one once (the quotes
    # repeat on every line): searching that is searching all the lines, faster.
    strings: set[str] = set()
    for raw in lines:
        strings.update(leaves(json.loads(raw)))
    everything = "\n".join(strings)
    leaks = sorted(s for s in secrets if s in everything)
    assert not leaks, [(s, context(next(raw for raw in lines if s in raw), s)) for s in leaks[:3]]

    by_role: dict[str, int] = {}
    for event in found.events:
        by_role[event.role] = by_role.get(event.role, 0) + 1
        assert event.masked
    # the sweep saw students, unknown subjects and staff, and kept staff in clear
    assert by_role["student"] >= len(students)
    assert by_role["unknown"] >= len(students)
    staff = [e for e in found.events if e.event.event_id == "staff-1"]
    assert staff[0].username == "mrivera"
    assert staff[0].event.client == "127.10.1.10"  # type: ignore[union-attr]
    talk = next(e for e in found.events if e.event.event_id == "e0")
    assert talk.event.staff == "mrivera"  # type: ignore[union-attr]
    assert talk.event.student == pseudonym(students[0].id)  # type: ignore[union-attr]
    assert json.loads(lines[0])["masked"] is True
