"""Violating staff–student messages become findings, saved once, naming no address or content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boardline.audit.message_findings import message_findings
from boardline.storage import SqlFindingStore
from boardline.storage.finding_store import COMMUNICATION, AuditRunRecord, FindingRecord
from tests.unit.audit.report_fixtures import GENERATED, add_messages, audited_week


@pytest.fixture
def found(tmp_path: Path) -> list[FindingRecord]:
    con, compiled, facts = audited_week(tmp_path / "state")
    add_messages(con, compiled, facts)
    # The trace's message id for mrivera's first text (the event row the outcome came from).
    con.execute("UPDATE comm_events SET message_ref = '<m1@example.org>' WHERE line = 1")
    return list(message_findings(con, compiled, facts))


def run(run_id: str) -> AuditRunRecord:
    return AuditRunRecord(run_id, "jcarter", GENERATED, GENERATED, None, None, "hr", None,
                          "duckdb", "rev", ("mailtrace.csv",), {})  # fmt: skip


def test_each_violating_message_of_staff_is_a_finding_with_its_citations(
    found: list[FindingRecord],
) -> None:
    # add_messages: mrivera texts Noah twice and e-mails Ava from a personal account, tbaker
    # sends Noah a social direct message (four flags); tbaker's district e-mail is allowed.
    assert [(f.username, f.communication["channel"]) for f in found if f.communication] == [
        ("mrivera", "sms"),
        ("mrivera", "sms"),
        ("mrivera", "personal_email"),
        ("tbaker", "social_direct_message"),
    ]
    for finding in found:
        assert finding.kind == COMMUNICATION
        assert finding.effect == "flag"
        assert finding.rule == "staff-student-interactions"
        assert finding.citations
        assert all(c["revision"] == finding.revision for c in finding.citations)
        assert {c["clause"] for c in finding.citations} >= {"5460.p5"}
        assert all(c["quote"] for c in finding.citations)
        assert (finding.method, finding.host, finding.path, finding.client) == ("", "", "", None)
    assert [f.building for f in found] == ["cbhs", "cbhs", "cbhs", "cbms"]
    assert found[0].communication == {
        "channel": "sms",
        "direction": "staff_to_student",
        "audience": "individual",
        "purpose": "personal",
        "student": "stu-0002",
        "message_ref": "<m1@example.org>",
    }
    assert "message_ref" not in (found[1].communication or {})


def test_a_building_keeps_its_own_staff_only(tmp_path: Path) -> None:
    con, compiled, facts = audited_week(tmp_path / "state")
    add_messages(con, compiled, facts)
    cbms = list(message_findings(con, compiled, facts, building="cbms"))
    assert [f.username for f in cbms] == ["tbaker"]


def test_saved_once_and_read_back_whole(found: list[FindingRecord], tmp_path: Path) -> None:
    with SqlFindingStore(f"sqlite:///{tmp_path / 'findings.db'}") as store:
        first = store.save(run("run-1"), found)
        again = store.save(run("run-2"), found)
        kept = store.findings()
    assert (first.new, first.already_known) == (4, 0)
    assert (again.new, again.already_known) == (0, 4)
    assert [k.record for k in kept] == found
    assert {k.last_run_id for k in kept} == {"run-2"}
    # Two texts to the same student differ by their instant: two findings, two ids.
    assert len({f.id for f in found}) == 4


def test_no_address_subject_or_student_name_is_kept(found: list[FindingRecord]) -> None:
    text = json.dumps([f.communication for f in found] + [f.citations for f in found])
    for word in ("@students.", "noah.hale", "Noah", "Ava", "Essay", "cutbank.example.org"):
        assert word not in text
