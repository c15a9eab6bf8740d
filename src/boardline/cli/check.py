"""``boardline check``: what the policy says about one request, with the clause quoted."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.panel import Panel
from rich.text import Text

from boardline.cli.output import console, emit_json, fail
from boardline.cli.runtime import ConfigOpt, parse_at, runtime
from boardline.engine.evaluate import evaluate
from boardline.model.decision import Decision
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect

_COLOUR = {Effect.ALLOW: "green", Effect.DENY: "red", Effect.FLAG: "yellow"}


def check(
    url: Annotated[str, typer.Option("--url", help="The URL or host asked for.")],
    user: Annotated[str | None, typer.Option("--user", help="Proxy login or username.")] = None,
    ip: Annotated[str | None, typer.Option("--ip", help="Client address.")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When (ISO 8601; local to the district if no offset)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Decide one web request and explain the decision."""
    if user is None and ip is None:
        fail("give --user, --ip or both")
    rt = runtime(config)
    when = parse_at(at, rt.pack.district.timezone)
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        fail(f"--url: {url!r} has no host")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    event = WebAccess(Subject(user, ip), parts.hostname, path, top_level=True, event_id="cli")
    pack, facts = rt.snapshot()
    decision = evaluate(event, facts, pack, when, explain=True)
    if json_out:
        emit_json(decision.as_dict())
        return
    print_decision(decision, url)


def print_decision(decision: Decision, what: str) -> None:
    colour = _COLOUR[decision.effect]
    body = Text()
    body.append(f"{decision.effect.value.upper()}", style=f"bold {colour}")
    body.append(f"  {what}\n")
    body.append(decision.explanation + "\n\n")
    for citation in decision.citations:
        body.append(f"Policy {citation.policy}, clause {citation.clause}", style="bold")
        body.append(f" (rule {citation.rule}):\n")
        body.append(f"“{citation.quote}”\n", style="italic")
    if decision.follow_up:
        body.append(f"Follow up: policy {', '.join(decision.follow_up)}\n")
    for key, value in decision.facts:
        body.append(f"{key}: ", style="dim")
        body.append(f"{value}\n")
    body.append(f"decision {decision.decision_id} · pack {decision.revision}", style="dim")
    console.print(Panel(body, border_style=colour, expand=False))
