"""``boardline audit LOG...``: evaluate the policy pack over logs and write a report.

The report is for one audience (``--audience``): the board gets de-identified
aggregates, HR and administrators per-person detail (``--building`` scopes it
to one building). Findings are saved in the Boardline database so cases can be
opened from them; a re-run over the same logs adds none twice. Who ran the
audit (``--operator``, else the login) is recorded with the run: reading a
report about people's browsing is itself recorded.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from boardline.audit.options import Audience, AuditEngine, ReportFormat
from boardline.bootstrap import bootstrap, database_url
from boardline.cli.output import console, fail
from boardline.cli.runtime import ConfigOpt
from boardline.directory.directory import Directory
from boardline.model.errors import InputError
from boardline.runtime import Runtime, now_utc
from boardline.settings import load_settings
from boardline.storage import SqlFindingStore

if TYPE_CHECKING:
    from boardline.audit.pipeline import AuditRequest, AuditResult


def parse_day(text: str | None, zone: ZoneInfo, option: str, *, end: bool) -> dt.datetime | None:
    """``--from`` is the start of its day, ``--to`` the end of its (both local)."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date (e.g. 2026-10-05)")
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), zone)


def operator_name(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def print_summary(result: AuditResult) -> None:
    data = result.data
    t = data.totals
    console.print(
        f"Read {t.lines:,} lines: {t.events:,} events, {t.errors:,} unreadable "
        f"({', '.join(f'{e.reason} {e.count}' for e in data.errors) or 'none'})."
    )
    rules = ", ".join(f"{Path(s.source).name}: {s.rule}" for s in data.sources.sources)
    console.print(f"{t.hits:,} hits made {t.visits:,} visits ({rules or 'no web events'}).")
    shown = "<5" if t.violating_visits is None else f"{t.violating_visits:,}"
    people = "<5" if t.people_with_violations is None else f"{t.people_with_violations:,}"
    console.print(
        f"Violating visits: [bold]{shown}[/bold] by {people} staff; policy {data.policy}, "
        f"pack revision {data.revision}."
    )
    used = [u for u in data.exceptions if u.hits]
    if used:
        verdicts = ", ".join(
            f"{u.kind} {u.id} {'justified' if u.justified else 'NOT justified'}" for u in used
        )
        console.print(f"Exceptions used: {verdicts}.")
    if result.saved is not None:
        console.print(
            f"Findings saved: {result.saved.new:,} new, {result.saved.already_known:,} already "
            f"known (run {result.run_id})."
        )
    console.print(f"Report ({data.audience.value}): [cyan]{result.report}[/cyan]")


def execute(
    rt: Runtime,
    request: AuditRequest,
    url: str | None,
    *,
    show_progress: bool = True,
) -> AuditResult:
    """Run the audit with a progress bar (the readers' bytes) and stage notes."""
    from boardline.audit.pipeline import run_audit

    compiled, facts = rt.snapshot()
    store = SqlFindingStore(url) if url else None
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not show_progress,
        ) as bar:
            task = bar.add_task("reading logs", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            def stage(name: str) -> None:
                bar.update(task, description=name)

            return run_audit(
                request,
                compiled,
                facts,
                findings=store,
                clock=now_utc,
                progress=progress,
                stage=stage,
            )
    finally:
        if store is not None:
            store.close()


def audit(
    logs: Annotated[
        list[Path], typer.Argument(help="Log files (Squid, DNS, mail traces; .gz ok).")
    ],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First day to audit (YYYY-MM-DD, local).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day to audit, included (YYYY-MM-DD).")
    ] = None,
    building: Annotated[
        str | None, typer.Option("--building", help="Only this building (id, e.g. cbhs).")
    ] = None,
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="Report format.")
    ] = ReportFormat.HTML,
    audience: Annotated[
        Audience, typer.Option("--audience", help="Who the report is for.")
    ] = Audience.HR,
    engine: Annotated[
        AuditEngine, typer.Option("--engine", help="Where the rules run.")
    ] = AuditEngine.DUCKDB,
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master URL (with --engine spark).")
    ] = "local[2]",
    out: Annotated[
        Path | None, typer.Option("--out", help="Report file (default: audit-report.<format>).")
    ] = None,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="Force a log format (default: detect).")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Year for logs whose lines have none (BIND).")
    ] = None,
    window: Annotated[
        float, typer.Option("--window", help="Minutes of inactivity that end a visit.", min=0.1)
    ] = 30.0,
    operator: Annotated[
        str | None, typer.Option("--operator", help="Who is running the audit (default: login).")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Save the findings in the database.")
    ] = True,
    memory_limit: Annotated[
        str, typer.Option("--memory-limit", help="DuckDB memory limit (it spills past it).")
    ] = "2GB",
    known_addresses: Annotated[
        Path | None,
        typer.Option(
            "--known-addresses",
            help="CSV address,person: personal accounts the district knows are a person's "
            "(mail traces; read for this run, never stored).",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Audit logs against the policy pack and write a report with charts and citations."""
    missing = [str(p) for p in logs if not p.is_file()]
    if missing:
        fail(f"no such log file: {', '.join(missing)}")
    try:
        settings = load_settings(config)
        rt = bootstrap(settings)
    except InputError as exc:
        fail(exc)
    zone = rt.compiled.zone
    since = parse_day(date_from, zone, "--from", end=False)
    until = parse_day(date_to, zone, "--to", end=True)
    if since and until and until <= since:
        fail("--to must not be before --from")
    if building is not None and building not in rt.facts.calendar.buildings():
        known = ", ".join(rt.facts.calendar.buildings())
        fail(f"--building: unknown building {building!r} (known: {known})")
    from boardline.audit.pipeline import AuditRequest

    addresses = None
    if known_addresses is not None:
        from boardline.audit.readers.known_addresses import read_known_addresses

        directory = rt.facts.directory
        if not isinstance(directory, Directory):
            fail("--known-addresses needs the district roster (directory)")
        try:
            addresses = read_known_addresses(known_addresses, directory)
        except InputError as exc:
            fail(exc)

    request = AuditRequest(
        logs=tuple(logs),
        out=out or Path(f"audit-report.{report_format.value}"),
        operator=operator_name(operator),
        audience=audience,
        report_format=report_format,
        since=since,
        until=until,
        building=building,
        engine=engine,
        spark_master=spark_master,
        log_format=log_format,
        year=year,
        window_minutes=window,
        memory_limit=memory_limit,
        known_addresses=addresses,
    )
    try:
        result = execute(rt, request, database_url(settings) if save else None)
    except InputError as exc:
        fail(exc)
    print_summary(result)
