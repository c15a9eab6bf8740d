"""``boardline demo``: the scripted tour of the demo district that ``make demo`` runs.

Each capability adds a chapter. Everything runs on the embedded default: files
under the state directory (``var/`` by default), no server to install.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from boardline.bootstrap import bootstrap, database_url
from boardline.cli.demo_audit import chapter_audit
from boardline.cli.demo_squid import chapter_live_squid
from boardline.cli.demo_uploads import chapter_uploads
from boardline.cli.output import console
from boardline.cli.policy import print_policy
from boardline.cli.redline import print_redline
from boardline.demo.paths import demo_data
from boardline.directory.directory import Directory
from boardline.engine.evaluate import evaluate
from boardline.engine.exceptions import (
    Emergency,
    ExceptionBook,
    Grant,
    Scope,
    declare_emergency,
    new_grant,
)
from boardline.model.events import (
    Communication,
    ContentPost,
    Event,
    Finding,
    Purpose,
    Subject,
    WebAccess,
)
from boardline.policy.importer import import_policy_file
from boardline.policy.pack import Audience, Channel, Effect
from boardline.policy.redline import redline
from boardline.runtime import Runtime
from boardline.settings import Settings

_COLOUR = {Effect.ALLOW: "green", Effect.DENY: "red", Effect.FLAG: "yellow"}


def demo(
    state_dir: Annotated[
        Path, typer.Option("--state-dir", help="Where the demo keeps its files.")
    ] = Path("var"),
) -> None:
    """Run the demo tour on the embedded default (no server needed)."""
    chapter_policy_book()
    settings = Settings(state_dir=str(state_dir))
    rt = bootstrap(settings)
    chapter_district(rt)
    chapter_school_day(rt)
    chapter_live_squid()
    chapter_audit(rt, state_dir, database_url(settings))
    chapter_uploads(rt, settings)
    console.rule("[bold]End of the tour")
    console.print(
        "Try: [cyan].venv/bin/boardline check --user mrivera --url https://www.facebook.com/ "
        "--at 2026-10-06T10:00[/cyan]"
    )


def chapter_policy_book() -> None:
    console.rule("[bold]1. The policy book — Cut Bank School District, policy 5460")
    adopted = demo_data("5460-adopted-2012.txt")
    result = import_policy_file(adopted)
    console.print(
        f"Imported [cyan]{adopted.name}[/cyan] (the text as the district publishes it): "
        f"{len(result.policy.current.clauses)} clauses, {len(result.unplaced)} lines unplaced."
    )
    print_policy(result.policy, result.policy.current)
    revised = import_policy_file(demo_data("5460-revision-2026.txt")).policy
    console.print()
    print_redline(result.policy, redline(result.policy.current, revised.current))


def chapter_district(rt: Runtime) -> None:
    console.rule("[bold]2. The demo district's facts and pack")
    pack = rt.pack
    console.print(
        f"Validated the pack: {pack.district.name}, revision [bold]{pack.revision}[/bold], "
        f"{len(pack.rules)} rules, {len(pack.interactions)} interaction items."
    )
    directory = rt.facts.directory
    people = list(directory.people()) if isinstance(directory, Directory) else []
    by_role: dict[str, int] = {}
    for person in people:
        by_role[person.role.value] = by_role.get(person.role.value, 0) + 1
    counts = ", ".join(f"{n} {role}" for role, n in sorted(by_role.items()))
    console.print(f"Directory (OneRoster 1.2, generated): {counts}.")
    calendar = rt.facts.calendar
    buildings = ", ".join(calendar.buildings())
    console.print(f"Calendar: buildings {buildings}, time zone {rt.pack.district.timezone}.")


def _day_events(zone: ZoneInfo) -> list[tuple[str, dt.datetime, Event | None]]:
    day = dt.date(2026, 10, 6)

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), zone)

    fb = "www.facebook.com"
    return [
        (
            "07:45 mrivera checks Facebook before school",
            at(7, 45),
            WebAccess(Subject("mrivera"), fb, "/", event_id="1"),
        ),
        (
            "10:00 mrivera opens Facebook in class",
            at(10),
            WebAccess(Subject("mrivera"), fb, "/", event_id="2"),
        ),
        (
            "12:05 a district laptop loads Instagram at lunch",
            at(12, 5),
            WebAccess(Subject(None, "127.10.1.10"), "www.instagram.com", "/", event_id="3"),
        ),
        (
            "12:10 Hay's teacher browses a state site",
            at(12, 10),
            WebAccess(Subject("tharper"), "opi.mt.gov", "/", event_id="4"),
        ),
        ("13:00 jcarter grants mrivera Facebook for the yearbook sale", at(13), None),
        (
            "13:05 mrivera posts the yearbook sale",
            at(13, 5),
            WebAccess(Subject("mrivera"), fb, "/cutbankhigh", event_id="5"),
        ),
        (
            "13:30 a student on TikTok (another policy)",
            at(13, 30),
            WebAccess(Subject("noah.hale"), "www.tiktok.com", "/", event_id="6"),
        ),
        ("14:00 tharper declares an emergency (lockout)", at(14), None),
        (
            "14:02 tharper checks the sheriff's page",
            at(14, 2),
            WebAccess(Subject("tharper"), fb, "/glaciersheriff", event_id="7"),
        ),
        (
            "15:15 mrivera on TikTok during prep",
            at(15, 15),
            WebAccess(Subject("mrivera"), "www.tiktok.com", "/", event_id="8"),
        ),
        (
            "16:00 mrivera uploads a photo with the district logo",
            at(16),
            ContentPost(
                Subject("mrivera"),
                "upload.facebook.com",
                "/",
                (Finding("district_logo", 0.92, asset="logo-main"),),
                "9",
            ),
        ),
        (
            "17:30 mrivera texts a student from a personal phone",
            at(17, 30),
            Communication("mrivera", "noah.hale", Channel.SMS, event_id="10"),
        ),
        (
            "17:35 tbaker texts his own daughter",
            at(17, 35),
            Communication("tbaker", "lily.baker", Channel.SMS, event_id="11"),
        ),
        (
            "17:40 mrivera texts the whole team a bus change",
            at(17, 40),
            Communication(
                "mrivera",
                "noah.hale",
                Channel.SMS,
                audience=Audience.GROUP,
                purpose=Purpose.EDUCATIONAL,
                event_id="12",
            ),
        ),
        (
            "19:00 mrivera on Facebook at home",
            at(19),
            WebAccess(Subject("mrivera"), fb, "/", event_id="13"),
        ),
    ]


def chapter_school_day(rt: Runtime) -> None:
    console.rule(
        "[bold]3. A school day in Cut Bank (Tuesday 6 October 2026), decided with citations"
    )
    zone = ZoneInfo(rt.pack.district.timezone)
    pack, facts = rt.snapshot()
    grants: list[Grant] = []
    emergencies: list[Emergency] = []
    table = Table("when / what", "effect", "clause", "why", show_lines=True, expand=True)
    for label, when, event in _day_events(zone):
        if event is None:
            note = ""
            if "grants" in label:
                teacher = facts.directory.resolve("mrivera")
                assert teacher is not None
                grants.append(
                    new_grant(
                        grant_id="g-yearbook",
                        approver="jcarter",
                        approver_is_administrator=True,
                        scope=Scope.PERSON,
                        target=teacher.id,
                        starts=when,
                        ends=when + dt.timedelta(hours=1),
                        reason="post the yearbook sale",
                        settings=pack.pack.exceptions,
                        domains=("facebook.com",),
                    )
                )
            else:
                declarer = facts.directory.resolve("tharper")
                assert declarer is not None
                declared, alert = declare_emergency(
                    emergency_id="e-lockout",
                    declared_by="tharper",
                    declarer_is_administrator=False,
                    scope=Scope.PERSON,
                    target=declarer.id,
                    at=when,
                    minutes=30,
                    reason="lockout: following the sheriff's updates",
                    settings=pack.pack.exceptions,
                )
                emergencies.append(declared)
                note = f"\n[yellow]alert:[/yellow] {alert.message}"
            facts = facts.with_exceptions(ExceptionBook.build(grants, emergencies))
            table.add_row(label + note, "", "", "recorded")
            continue
        decision = evaluate(event, facts, pack, when)
        colour = _COLOUR[decision.effect]
        clauses = ", ".join(dict.fromkeys(c.clause for c in decision.citations))
        table.add_row(
            label, f"[{colour}]{decision.effect.value}[/{colour}]", clauses, decision.explanation
        )
    console.print(table)
