"""One audit end to end over the demo week: read, evaluate, visits, report, findings saved once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from boardline.audit.options import Audience, ReportFormat
from boardline.audit.pipeline import AuditRequest, run_audit
from boardline.demo.week_logs import EMERGENCY, GRANT, MONDAY, ZONE, write_week_log
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope
from boardline.storage import SqlFindingStore
from tests.demo_facts import demo_facts

SINCE = dt.datetime.combine(MONDAY, dt.time(0), ZONE)
UNTIL = SINCE + dt.timedelta(days=7)
NOW = dt.datetime(2026, 10, 12, 9, 0, tzinfo=ZONE)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "access.log"
    write_week_log(path, lines=4_000)
    return path


def facts_with_exceptions(state: Path):  # type: ignore[no-untyped-def]
    compiled, facts = demo_facts(state)
    rivera = facts.directory.resolve(GRANT.target)
    harper = facts.directory.resolve(EMERGENCY.target)
    assert rivera is not None
    assert harper is not None
    grant = Grant(GRANT.id, GRANT.by, Scope.PERSON, rivera.id, GRANT.starts,
                  GRANT.starts + dt.timedelta(minutes=GRANT.minutes), GRANT.reason,
                  domains=GRANT.domains)  # fmt: skip
    emergency = Emergency(EMERGENCY.id, EMERGENCY.by, Scope.PERSON, harper.id, EMERGENCY.starts,
                          EMERGENCY.starts + dt.timedelta(minutes=EMERGENCY.minutes),
                          EMERGENCY.reason)  # fmt: skip
    return compiled, facts.with_exceptions(ExceptionBook.build([grant], [emergency]))


def test_the_demo_week_audited_end_to_end(week: Path, tmp_path: Path) -> None:
    compiled, facts = facts_with_exceptions(tmp_path / "state")
    request = AuditRequest(
        logs=(week,), out=tmp_path / "report.html", operator="superintendent",
        audience=Audience.HR, since=SINCE, until=UNTIL,
    )  # fmt: skip
    url = f"sqlite:///{tmp_path / 'boardline.db'}"
    with SqlFindingStore(url) as store:
        result = run_audit(request, compiled, facts, findings=store, clock=lambda: NOW)
        data = result.data
        assert data.totals.lines == 4_000
        assert data.totals.errors == 0
        assert data.totals.visits < data.totals.hits
        assert data.people is not None
        people = {p.username: p for p in data.people}
        assert "mrivera" in people
        assert "tbaker" in people
        assert "gholt" not in people  # only widgets on the paper's pages
        assert "tharper" not in people  # her visits fell inside her emergency
        for person in data.people:
            for violation in person.violations:
                assert violation.citations[0].clause == "5460.p7"
                assert violation.citations[0].revision == compiled.revision
        uses = {u.id: u for u in data.exceptions}
        assert uses[GRANT.id].hits
        assert uses[GRANT.id].justified
        assert uses[EMERGENCY.id].justified
        assert result.saved is not None
        assert result.saved.new == data.totals.violating_visits
        assert result.saved.already_known == 0
        assert result.report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        kept = store.findings()
        assert {f.record.citations[0]["clause"] for f in kept} == {"5460.p7"}
        ((run, _),) = store.runs()
        assert (run.operator, run.audience, run.inputs) == ("superintendent", "hr", (str(week),))

        # The same logs again, renamed: nothing new.
        renamed = tmp_path / "access.log.1"
        shutil.copy(week, renamed)
        again = run_audit(
            dataclasses.replace(request, logs=(renamed,), report_format=ReportFormat.JSON,
                                out=tmp_path / "again.json"),
            compiled, facts, findings=store, clock=lambda: NOW + dt.timedelta(hours=1),
        )  # fmt: skip
        assert again.saved is not None
        assert (again.saved.new, again.saved.already_known) == (0, result.saved.new)
        assert len(store.findings()) == result.saved.new


def test_a_board_report_saves_nothing_about_people_in_the_file(week: Path, tmp_path: Path) -> None:
    compiled, facts = facts_with_exceptions(tmp_path / "state")
    request = AuditRequest(
        logs=(week,), out=tmp_path / "board.csv", operator="superintendent",
        audience=Audience.BOARD, report_format=ReportFormat.CSV, since=SINCE, until=UNTIL,
    )  # fmt: skip
    result = run_audit(request, compiled, facts, findings=None, clock=lambda: NOW)
    text = result.report.read_text(encoding="utf-8")
    assert text.startswith("section,key,label,value")
    assert "mrivera" not in text
    assert result.saved is None
