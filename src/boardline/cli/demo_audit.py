"""The demo's audit chapter: a generated week of logs, audited, with reports for two audiences.

The week (:mod:`boardline.demo.week_logs`) has a grant and an emergency in it;
they are recorded in the demo's exception store first, the way an administrator
and a teacher would have during that week, so the audit can say whether each
use of them was justified. The HR report names people and cites clauses; the
board report is the same week, de-identified.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from boardline.audit.options import Audience
from boardline.audit.readers.known_addresses import read_known_addresses
from boardline.cli.audit import execute
from boardline.cli.output import console
from boardline.demo.week_logs import (
    EMERGENCY,
    GRANT,
    MONDAY,
    PERSONAL_ADDRESS,
    ZONE,
    write_mail_trace,
    write_week_log,
)
from boardline.directory.directory import Directory
from boardline.engine.exceptions import Scope, declare_emergency, new_grant
from boardline.runtime import Runtime

OPERATOR = "superintendent"


def record_week_exceptions(rt: Runtime) -> None:
    """Put the week's grant and emergency into the exception store (once)."""
    compiled, facts = rt.snapshot()
    settings = compiled.pack.exceptions
    book = rt.exception_store.read().book
    teacher = facts.directory.resolve(GRANT.target)
    declarer = facts.directory.resolve(EMERGENCY.target)
    if teacher is None or declarer is None:
        msg = "the demo roster lacks the week's people (mrivera, tharper)"
        raise RuntimeError(msg)
    if GRANT.id not in {g.id for g in book.grants}:
        rt.exception_store.add_grant(
            new_grant(
                grant_id=GRANT.id,
                approver=GRANT.by,
                approver_is_administrator=True,
                scope=Scope.PERSON,
                target=teacher.id,
                starts=GRANT.starts,
                ends=GRANT.starts + dt.timedelta(minutes=GRANT.minutes),
                reason=GRANT.reason,
                settings=settings,
                domains=GRANT.domains,
            )
        )
    if EMERGENCY.id not in {e.id for e in book.emergencies}:
        emergency, alert = declare_emergency(
            emergency_id=EMERGENCY.id,
            declared_by=EMERGENCY.by,
            declarer_is_administrator=False,
            scope=Scope.PERSON,
            target=declarer.id,
            at=EMERGENCY.starts,
            minutes=EMERGENCY.minutes,
            reason=EMERGENCY.reason,
            settings=settings,
        )
        rt.exception_store.add_emergency(emergency, alert)
    rt.reload_exceptions()


def chapter_audit(rt: Runtime, state_dir: Path, database: str, *, lines: int = 20_000) -> Path:
    """Generate the week, audit it for HR and for the board; return the HR report's path."""
    from boardline.audit.pipeline import AuditRequest

    console.rule("[bold]5. Looking back: a week of logs audited against 5460")
    folder = state_dir / "demo" / "audit"
    log = folder / "access.log"
    trace = folder / "message-trace.csv"
    written = write_week_log(log, lines=lines)
    write_mail_trace(trace)
    # HR's record of the personal account mrivera declared: the trace shows it writing to a
    # student, and only this tells the audit whose account it is.
    known_file = folder / "known-addresses.csv"
    known_file.write_text(f"address,person\n{PERSONAL_ADDRESS},mrivera\n", encoding="utf-8")
    directory = rt.facts.directory
    known = (
        read_known_addresses(known_file, directory) if isinstance(directory, Directory) else None
    )
    console.print(
        f"Generated a school week of proxy logs ({written:,} lines, Squid native format with "
        f"Sec-Fetch notes where the proxy inspected TLS): [cyan]{log}[/cyan], and the week's "
        f"mail trace with the personal account HR knows is mrivera's ([cyan]{known_file}[/cyan])"
    )
    record_week_exceptions(rt)
    console.print(
        f"Recorded the week's grant ({GRANT.id}, {GRANT.by} for {GRANT.target}) and "
        f"emergency ({EMERGENCY.id}, declared by {EMERGENCY.by})."
    )
    since = dt.datetime.combine(MONDAY, dt.time(0), ZONE)
    until = since + dt.timedelta(days=7)
    hr_report = folder / "audit-report-hr.html"
    for audience, out, url in (
        (Audience.HR, hr_report, database),
        (Audience.BOARD, folder / "audit-report-board.html", None),
    ):
        request = AuditRequest(
            logs=(log, trace),
            known_addresses=known,
            out=out,
            operator=OPERATOR,
            audience=audience,
            since=since,
            until=until,
        )
        result = execute(rt, request, url, show_progress=False)
        t = result.data.totals
        console.print(
            f"[bold]{audience.value}[/bold] report: {t.hits:,} hits, {t.visits:,} visits, "
            f"{'<5' if t.violating_visits is None else t.violating_visits} violating visits"
            + (
                f"; findings saved: {result.saved.new} new, {result.saved.already_known} known"
                if result.saved is not None
                else ""
            )
            + f"\n  [cyan]{result.report}[/cyan]"
        )
    return hr_report
