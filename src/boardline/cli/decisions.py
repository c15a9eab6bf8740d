"""``boardline decisions``: look a decision up in the decision log.

Squid's access log carries each decision's id (``decision_id=``, and ``log=``);
the technology director or an investigator reads the decision behind it here:
its effect, the clause it cites, the pack revision, and who (pseudonymised for
anyone but staff, as the log keeps it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from boardline.bootstrap import decision_log_path
from boardline.cli.output import console, emit_json, err_console, fail
from boardline.cli.runtime import ConfigOpt
from boardline.enforcement.decision_log import DecisionLogEventV1, read_log
from boardline.model.errors import InputError
from boardline.settings import load_settings

app = typer.Typer(help="Read the decision log: one decision by id, or the latest ones.")


def _events(config: Path | None, log: Path | None) -> tuple[Path, tuple[DecisionLogEventV1, ...]]:
    try:
        path = log or decision_log_path(load_settings(config))
    except InputError as exc:
        fail(exc)
    if path is None:
        fail('the decision log is off (decision_log = "off")')
    found = read_log(path)
    for problem in (*found.bad, *found.torn):
        err_console.print(f"[yellow]warning:[/yellow] {problem}", soft_wrap=True)
    return path, found.events


LogOpt = Annotated[
    Path | None, typer.Option("--log", help="The log file (default: from the settings).")
]


@app.command()
def show(
    decision_id: Annotated[str, typer.Argument(help="The id, e.g. from Squid's access log.")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
    log: LogOpt = None,
    config: ConfigOpt = None,
) -> None:
    """One decision with its citations and the facts it names."""
    path, events = _events(config, log)
    match = next((e for e in events if e.decision_id == decision_id), None)
    if match is None:
        fail(f"{path}: no decision {decision_id} (rotated logs included)")
    if json_out:
        emit_json(match.model_dump(mode="json", by_alias=True))
        return
    console.rule(f"[bold]{match.decision_id}[/bold] {match.effect.value} · {match.rule}")
    console.print(
        f"at {match.at.isoformat()} · pack {match.revision} · severity {match.severity.value}"
    )
    who = match.username or match.subject or "unidentified"
    console.print(f"who: {who} ({match.role}) · {match.event.kind} event")
    console.print(match.explanation, soft_wrap=True)
    for citation in match.citations:
        console.print(
            f"[bold]Policy {citation.policy}, clause {citation.clause}[/bold]: “{citation.quote}”"
        )
    if match.exception is not None:
        console.print(
            f"exception: {match.exception.kind} {match.exception.id} by {match.exception.by}"
        )


@app.command()
def tail(
    count: Annotated[int, typer.Option("-n", help="How many of the latest decisions.")] = 20,
    effect: Annotated[
        str | None, typer.Option("--effect", help="Only allow, deny or flag.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    log: LogOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The latest decisions, newest last."""
    _, events = _events(config, log)
    chosen = [e for e in events if effect is None or e.effect.value == effect][-count:]
    if json_out:
        emit_json([e.model_dump(mode="json", by_alias=True) for e in chosen])
        return
    table = Table("at", "decision", "effect", "rule", "who", "host / channel")
    for event in chosen:
        target = getattr(event.event, "host", None) or getattr(event.event, "channel", "")
        table.add_row(
            event.at.isoformat(timespec="seconds"),
            event.decision_id,
            event.effect.value,
            event.rule,
            event.username or event.subject or "—",
            str(target),
        )
    console.print(table)
