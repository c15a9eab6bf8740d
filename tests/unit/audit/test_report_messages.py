"""The report's staff–student messages part: counts, who sent them, and no student ever named."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from boardline.audit.bulk import comm_decision, outcome_decision
from boardline.audit.report_csv import write_csv
from boardline.audit.report_data import Audience, ReportData, build_report_data
from boardline.audit.report_html import render_html
from boardline.audit.report_json import report_json
from boardline.audit.visits import count_visits
from tests.unit.audit.outcome_rows import at, message
from tests.unit.audit.report_fixtures import (
    GENERATED,
    STUDENT_NAMES,
    add_messages,
    audited_week,
    report,
)

INTERACTIONS = "staff-student-interactions"
STAFF_NAMES = ("mrivera", "tbaker", "Maria Rivera", "Tom Baker", "staff-0006", "staff-0010")


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


def renderings(data: ReportData, folder: Path) -> dict[str, str]:
    return {
        "html": render_html(data),
        "csv": write_csv(data, folder / f"{data.audience.value}.csv").read_text("utf-8"),
        "json": json.dumps(report_json(data), ensure_ascii=False),
    }


def named(text: str, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if re.search(rf"(?<![\w.@-]){re.escape(n)}(?![\w@-])", text)]


def test_the_part_counts_decided_and_violating_messages_by_item_and_channel(state: Path) -> None:
    m = report(state, Audience.HR, messages=True)[0].messages
    assert (m.decided, m.violations, m.staff_with_violations) == (5, 4, 2)
    assert {c.key: c.value for c in m.by_rule} == {
        f"{INTERACTIONS}/texting-individual-students": 2,
        f"{INTERACTIONS}/email-outside-district-accounts": 1,
        f"{INTERACTIONS}/social-private-messages": 1,
    }
    assert {c.key: c.value for c in m.by_channel} == {
        "sms": 2,
        "personal_email": 1,
        "social_direct_message": 1,
    }
    assert m.by_channel[0].key == "sms"  # largest first


def test_without_messages_the_part_is_empty_and_the_web_part_unchanged(state: Path) -> None:
    data = report(state, Audience.HR)[0]
    assert (data.messages.decided, data.messages.violations) == (0, 0)
    assert data.messages.people == ()
    assert data.totals.violating_visits == 9


def test_hr_lists_each_staff_member_with_the_decisions_citation(state: Path) -> None:
    data = report(state, Audience.HR, messages=True)[0]
    people = {p.username: p for p in data.messages.people or ()}
    assert set(people) == {"mrivera", "tbaker"}
    rivera = people["mrivera"]
    assert (rivera.name, rivera.violating_messages, rivera.unlisted) == ("Maria Rivera", 3, 0)
    first = rivera.violations[0]
    assert (first.channel, first.direction, first.audience) == (
        "sms",
        "staff_to_student",
        "individual",
    )
    assert first.at.isoformat() == "2026-10-06T20:00:00-06:00"
    assert (first.effect, first.rule, first.item) == (
        "flag",
        INTERACTIONS,
        "texting-individual-students",
    )
    assert first.revision == data.revision
    assert [c.clause for c in first.citations] == ["5460.p5", "5460.p5", "5460.p2"]
    assert all(
        c.policy == "5460" and c.quote and c.revision == data.revision for c in first.citations
    )
    assert all(c.rule == INTERACTIONS for c in first.citations)
    # One pseudonym per student, shared across staff members, numbered in time order.
    assert [v.student for v in rivera.violations] == ["student #1", "student #1", "student #2"]
    assert [v.student for v in people["tbaker"].violations] == ["student #1"]


def test_no_rendering_names_a_student(state: Path, tmp_path: Path) -> None:
    for audience in Audience:
        data = report(state, audience, messages=True)[0]
        for kind, text in renderings(data, tmp_path).items():
            assert named(text, STUDENT_NAMES) == [], (audience, kind)


def test_the_board_sees_suppressed_aggregates_and_no_staff(state: Path, tmp_path: Path) -> None:
    data = report(state, Audience.BOARD, messages=True)[0]
    m = data.messages
    assert m.people is None
    assert (m.decided, m.violations, m.staff_with_violations) == (5, None, None)
    assert all(c.value is None for c in m.by_rule + m.by_channel)
    texts = renderings(data, tmp_path)
    for kind, text in texts.items():
        assert named(text, STAFF_NAMES) == [], kind
    rows = list(csv.reader(texts["csv"].splitlines()))
    assert ["messages", "decided", "messages decided", "5"] in rows
    assert ["messages_by_channel", "sms", "sms", "<5"] in rows
    assert json.loads(texts["json"])["messages"]["people"] is None


def test_a_building_report_keeps_that_buildings_staff(state: Path) -> None:
    m = report(state, Audience.ADMINISTRATOR, "cbms", messages=True)[0].messages
    assert (m.decided, m.violations) == (2, 1)
    assert [p.username for p in m.people or ()] == ["tbaker"]


def test_html_shows_the_section_with_counts_and_citations(state: Path) -> None:
    html = render_html(report(state, Audience.HR, messages=True)[0])
    section = html[html.index('<section aria-labelledby="messages">') :]
    section = section[: section.index('<section aria-labelledby="people">')]
    assert "Staff–student messages" in section
    assert '<th scope="row">Violating messages</th><td class="n">4</td>' in section
    assert f'<td>{INTERACTIONS}: texting-individual-students</td><td class="n">2</td>' in section
    assert "Maria Rivera (mrivera, staff" in section
    assert "<strong>5460 5460.p5</strong>" in section
    assert "<td>student #1</td>" in section


def test_hr_csv_marks_web_and_message_rows(state: Path, tmp_path: Path) -> None:
    data = report(state, Audience.HR, messages=True)[0]
    with write_csv(data, tmp_path / "hr.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["kind"] for r in rows].count("web") == 9
    sent = [r for r in rows if r["kind"] == "message"]
    assert len(sent) == 4
    dm = next(r for r in sent if r["channel"] == "social_direct_message")
    assert (dm["username"], dm["student"], dm["catalogue_item"]) == (
        "tbaker",
        "student #1",
        "social-private-messages",
    )
    assert dm["clause"] == "5460.p5 | 5460.p2"
    assert dm["revision"] == data.revision
    assert dm["message_audience"] == "individual"


def test_json_has_a_messages_object(state: Path) -> None:
    loaded = report_json(report(state, Audience.HR, messages=True)[0])
    m = loaded["messages"]
    assert (m["decided"], m["violations"]) == (5, 4)
    first = m["people"][0]["violations"][0]
    assert first["student"] == "student #1"
    assert first["citations"][0]["clause"] == "5460.p5"
    assert first["at"].endswith("-06:00")


def test_a_student_as_sender_is_left_out_and_explanations_are_masked(state: Path) -> None:
    con, compiled, facts = audited_week(state)
    add_messages(con, compiled, facts)
    row = {"source": "mailtrace.csv", "line": 40, "ts": at(9, 11), "staff": "staff-0006",
           "student": "stu-0002", "channel": "sms", "direction": "student_to_staff",
           "audience": "individual", "purpose": "personal"}  # fmt: skip
    decision = comm_decision(row, compiled, facts)
    # A hand-written explanation naming the student (the engine's never does).
    named_row = decision._replace(explanation="flag: noah.hale (Noah Hale) texted mrivera")
    message(con, at(9, 11), staff="staff-0006", student="stu-0002", channel="sms",
            direction="student_to_staff", decision=named_row, line=40)  # fmt: skip
    # A "staff" column naming a student, recorded as a violation: never counted.
    by_student = decision._replace(subject="stu-0003")
    message(con, at(9, 12), staff="stu-0003", student="stu-0002", channel="sms",
            decision=by_student, line=41)  # fmt: skip
    data = build_report_data(
        con, compiled, facts, count_visits(con), rebuild=outcome_decision,
        audience=Audience.HR, generated_at=GENERATED, operator="jcarter",
    )  # fmt: skip
    m = data.messages
    assert (m.decided, m.violations) == (6, 5)
    rivera = next(p for p in m.people or () if p.username == "mrivera")
    last = rivera.violations[-1]
    assert (last.direction, last.explanation) == (
        "student_to_staff",
        "flag: a student (a student) texted mrivera",
    )
