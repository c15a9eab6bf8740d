"""``boardline scan FILE...``: what the scanners find in files, and the decision on posting them.

The same path as ``POST /v1/scans`` and the ICAP service: the composition root builds
the inspector from the registered assets and the roster, each file becomes a
``ContentPost`` to ``--host`` (a social site unless told otherwise) by ``--user``, and
the engine decides it with its citations. Output is the findings' masked evidence —
offsets and regions, never a matched value — so a report is safe to paste into a ticket.
``--json`` prints the API's :class:`ScanResponseV1` per file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from boardline.bootstrap import bootstrap
from boardline.cli.output import EXIT_INPUT, console, emit_json, fail
from boardline.cli.runtime import ConfigOpt
from boardline.enforcement.http_api.scans import DEFAULT_HOST, ScanFindingV1, ScanResponseV1
from boardline.enforcement.http_api.schemas import DecisionResponseV1
from boardline.engine.evaluator import Evaluator
from boardline.inspection.inspector import content_post
from boardline.model.errors import InputError
from boardline.model.events import Subject
from boardline.runtime import now_utc
from boardline.settings import load_settings


def scan(
    files: Annotated[list[Path], typer.Argument(help="Files to scan (pictures, PDF, DOCX...).")],
    json_out: Annotated[bool, typer.Option("--json", help="JSON for scripts.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who would post it (a directory username).")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Where it would be posted.")] = DEFAULT_HOST,
    path: Annotated[str, typer.Option("--path", help="The path it would be posted to.")] = "/",
    config: ConfigOpt = None,
) -> None:
    """Report the findings in each file, with the decision and the clause it cites."""
    try:
        runtime = bootstrap(load_settings(config), inspect=True)
    except InputError as exc:
        fail(exc)
    inspector = runtime.inspector
    if inspector is None:  # bootstrap(inspect=True) always builds one; a guard for mypy
        fail("content inspection could not be built")
    pack, facts = runtime.snapshot()
    evaluator = Evaluator(pack, facts)
    results: list[dict[str, object]] = []
    failed = False
    for number, file in enumerate(files):
        try:
            data = file.read_bytes()
            findings = inspector.inspect(data, str(file))
        except OSError as exc:
            failed = True
            results.append({"name": str(file), "error": f"cannot read: {exc.strerror}"})
            continue
        except InputError as exc:
            failed = True
            results.append({"name": str(file), "error": str(exc)})
            continue
        event = content_post(Subject(user=user), host, path, findings, f"cli-scan-{number}")
        decision = evaluator.decide(event, now_utc())
        answer = ScanResponseV1(
            name=str(file),
            size=len(data),
            host=event.host,
            scanners=inspector.revision,
            findings=tuple(ScanFindingV1.of(f) for f in findings),
            decision=DecisionResponseV1.of(decision, explained=False),
        )
        results.append(answer.model_dump(mode="json"))
    if json_out:
        emit_json({"schema": "boardline/scan@1", "files": results})
    else:
        for result in results:
            _print(result)
    if failed:
        raise typer.Exit(EXIT_INPUT)


def _print(result: dict[str, object]) -> None:
    name = result["name"]
    if "error" in result:
        console.print(f"[bold]{name}[/bold]: [red]unreadable[/red]: {result['error']}",
                      soft_wrap=True)  # fmt: skip
        return
    answer = ScanResponseV1.model_validate(result)
    decision = answer.decision
    # A plain line, not a rule: a rule truncates long paths to the terminal's width.
    console.print(
        f"[bold]{escape(str(name))}[/bold] → {decision.effect.value} ({decision.rule})",
        soft_wrap=True,
        markup=True,
    )
    if not answer.findings:
        console.print("nothing district-owned or confidential found")
    for finding in answer.findings:
        about = f", {finding.people} people" if finding.people else ""
        asset = f" {finding.asset}" if finding.asset else ""
        console.print(
            f"• {finding.kind}{asset} (confidence {finding.confidence:.2f}{about}): "
            f"{finding.evidence} [dim]\\[{finding.scanner}][/dim]",
            soft_wrap=True,
        )
    console.print(decision.explanation, soft_wrap=True)
    for citation in decision.citations:
        console.print(
            f"[bold]Policy {citation.policy}, clause {citation.clause}[/bold] "
            f"(pack {citation.revision}): “{citation.quote}”",
            soft_wrap=True,
        )
