"""A small audited week for the report tests: outcomes, visits, a grant and an emergency.

The outcomes are written straight into the audit tables (see ``outcome_rows``);
the facts are the demo district's, with one grant and one emergency in the book.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from boardline.audit.bulk import comm_decision, outcome_decision
from boardline.audit.report_data import Audience, ReportData, build_report_data
from boardline.audit.visits import count_visits
from boardline.engine.compiled import CompiledPack
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope
from boardline.engine.facts import Facts
from tests.demo_facts import demo_facts
from tests.unit.audit.outcome_rows import (
    DENVER,
    SOCIAL,
    at,
    connect,
    message,
    outcome,
    read_error,
)

SINCE = dt.datetime(2026, 10, 5, tzinfo=DENVER)
UNTIL = dt.datetime(2026, 10, 10, tzinfo=DENVER)
GENERATED = dt.datetime(2026, 10, 12, 9, 0, tzinfo=DENVER)
GRANT = Grant(
    "g-yearbook",
    "jcarter",
    Scope.PERSON,
    "staff-0006",
    dt.datetime(2026, 10, 6, 13, 0, tzinfo=DENVER),
    dt.datetime(2026, 10, 6, 14, 0, tzinfo=DENVER),
    "post the yearbook sale",
    domains=("facebook.com",),
)
EMERGENCY = Emergency(
    "e-lockout",
    "tharper",
    Scope.PERSON,
    "staff-0039",
    dt.datetime(2026, 10, 7, 14, 0, tzinfo=DENVER),
    dt.datetime(2026, 10, 7, 14, 30, tzinfo=DENVER),
    "lockout: following the sheriff's updates",
)
UNUSED = Grant(
    "g-unused",
    "rbenson",
    Scope.BUILDING,
    "hay",
    dt.datetime(2026, 10, 8, 8, 0, tzinfo=DENVER),
    dt.datetime(2026, 10, 8, 9, 0, tzinfo=DENVER),
    "parent night page",
    categories=("social_networks",),
)


def audited_week(state: Path) -> tuple[duckdb.DuckDBPyConnection, CompiledPack, Facts]:
    compiled, facts = demo_facts(state)
    facts = facts.with_exceptions(ExceptionBook.build([GRANT, UNUSED], [EMERGENCY]))
    con = connect()
    rev = compiled.revision
    # mrivera (staff-0006, CBHS): Facebook in class on Tuesday and Wednesday mornings.
    for day in (6, 7):
        outcome(con, at(day, 10), "www.facebook.com", top_level=True, revision=rev)
        outcome(con, at(day, 10, 0, 1), "static.xx.fbcdn.net", top_level=False, revision=rev)
    # ... six more TikTok navigations Thursday (a count of 6, shown even to the board).
    for minute in range(6):
        outcome(con, at(8, 9, minute * 5), "www.tiktok.com", top_level=True, revision=rev)
    # ... and Facebook under the yearbook grant (allowed, inside its window).
    outcome(con, at(6, 13, 5), "www.facebook.com", effect="allow", top_level=True,
            exception=("grant", "g-yearbook"), revision=rev)  # fmt: skip
    # gholt (staff-0007): only Facebook widgets embedded in the local paper.
    for minute in (0, 10, 20):
        outcome(con, at(6, 11, minute), "www.facebook.com", person="staff-0007",
                username="gholt", client="127.10.1.12", top_level=False,
                path="/plugins/like.php", revision=rev)  # fmt: skip
    # tharper (staff-0039, Hay) under her emergency, once inside and once after it ended.
    for minute, line in ((5, 900), (40, 901)):
        outcome(con, at(7, 14, minute), "www.facebook.com", person="staff-0039",
                username="tharper", client="127.10.3.20", building="hay", effect="allow",
                exception=("emergency", "e-lockout"), line=line, revision=rev)  # fmt: skip
    # tbaker (staff-0010, CBMS) on Instagram from his phone in a CONNECT tunnel.
    outcome(con, at(9, 12, 15), "www.instagram.com", person="staff-0010", username="tbaker",
            client="127.20.2.20", building="cbms", method="CONNECT", path="",
            revision=rev)  # fmt: skip
    # A student on TikTok: another policy, never in this report.
    outcome(con, at(6, 10, 30), "www.tiktok.com", person="stu-0002", username="noah.hale",
            client="127.30.1.40", role="student", effect="deny", top_level=True,
            revision=rev)  # fmt: skip
    read_error(con, "/logs/access.log", 77, "malformed", "1791302400.000 noah.hale 127.30.1.40 ?")
    read_error(con, "/logs/access.log", 78, "binary", "\\x00\\x01")
    return con, compiled, facts


#: The students of the messages below, by every name they go by: never in a report.
STUDENT_NAMES = (
    "stu-0002", "noah.hale", "Noah", "Hale", "noah.hale@students.cutbank.example.org",
    "stu-0003", "ava.sorensen", "Ava", "Sorensen", "200002", "200003",
)  # fmt: skip


def add_messages(con: duckdb.DuckDBPyConnection, compiled: CompiledPack, facts: Facts) -> None:
    """Staff–student messages, each decided by the engine and written as a ``comm_outcomes`` row.

    mrivera (CBHS) texts Noah twice and e-mails Ava from a personal account (three
    flags); tbaker (CBMS) sends Noah a social direct message (a flag) and writes to
    him on district e-mail (allowed). Five decided, four violations.
    """
    sent = (
        (at(6, 20), "staff-0006", "stu-0002", "sms", "personal"),
        (at(7, 21), "staff-0006", "stu-0002", "sms", "personal"),
        (at(8, 19), "staff-0006", "stu-0003", "personal_email", "personal"),
        (at(8, 22), "staff-0010", "stu-0002", "social_direct_message", "personal"),
        (at(9, 10), "staff-0010", "stu-0002", "district_email", "educational"),
    )
    for line, (ts, staff, student, channel, purpose) in enumerate(sent, start=1):
        row = {"source": "mailtrace.csv", "line": line, "ts": ts, "staff": staff,
               "student": student, "channel": channel, "direction": "staff_to_student",
               "audience": "individual", "purpose": purpose}  # fmt: skip
        decision = comm_decision(row, compiled, facts)
        message(con, ts, staff=staff, student=student, channel=channel, purpose=purpose,
                decision=decision, line=line)  # fmt: skip


def report(
    state: Path, audience: Audience, building: str | None = None, *, messages: bool = False
) -> tuple[ReportData, duckdb.DuckDBPyConnection]:
    con, compiled, facts = audited_week(state)
    if messages:
        add_messages(con, compiled, facts)
    visits = count_visits(con)
    data = build_report_data(
        con,
        compiled,
        facts,
        visits,
        rebuild=outcome_decision,
        audience=audience,
        generated_at=GENERATED,
        operator="jcarter",
        building=building,
        since=SINCE,
        until=UNTIL,
    )
    return data, con


__all__ = ["SOCIAL", "STUDENT_NAMES", "Audience", "add_messages", "audited_week", "report"]
