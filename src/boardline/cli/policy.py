"""``boardline policy``: show, validate, import and diff policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from boardline.cli.output import console, emit_json, fail
from boardline.model.errors import InputError
from boardline.policy.document import Policy, PolicyVersion
from boardline.policy.pack import Pack
from boardline.policy.pack_loader import load_pack

app = typer.Typer(help="The policy book: show, validate, import and compare policies.")

PackArg = Annotated[Path, typer.Argument(help="A policy pack (YAML).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _load(path: Path) -> Pack:
    try:
        return load_pack(path)
    except InputError as exc:
        fail(exc)


@app.command()
def validate(pack: PackArg, json_out: JsonOpt = False) -> None:
    """Validate a pack: every problem is reported with its file, line and field."""
    loaded = _load(pack)
    summary = {
        "file": str(pack),
        "valid": True,
        "revision": loaded.revision,
        "district": loaded.district.name,
        "policies": [p.code for p in loaded.policies],
        "rules": [r.id for r in loaded.rules],
        "interactions": len(loaded.interactions),
    }
    if json_out:
        emit_json(summary)
        return
    console.print(
        f"[green]valid[/green] {pack} — {loaded.district.name}, revision {loaded.revision}: "
        f"{len(loaded.policies)} policies, {len(loaded.rules)} rules, "
        f"{len(loaded.interactions)} interaction items"
    )


@app.command()
def show(
    pack: PackArg,
    code: Annotated[str | None, typer.Argument(help="Policy code, e.g. 5460.")] = None,
    version: Annotated[str | None, typer.Option(help="Version label (default: current).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a policy of a pack with its clause ids."""
    loaded = _load(pack)
    policy = loaded.policies[0] if code is None else loaded.policy(code)
    if policy is None:
        fail(f"{pack}: no policy {code} in the pack")
    chosen = policy.current if version is None else policy.version(version)
    if chosen is None:
        fail(f"{pack}: policy {policy.code} has no version {version!r}")
    if json_out:
        emit_json(policy_json(policy, chosen))
        return
    print_policy(policy, chosen)


def policy_json(policy: Policy, version: PolicyVersion) -> dict[str, object]:
    data = policy.model_dump(mode="json", exclude={"versions"})
    data["version"] = version.model_dump(mode="json")
    return data


def print_policy(policy: Policy, version: PolicyVersion) -> None:
    console.rule(f"[bold]{policy.code}[/bold] {policy.title}")
    console.print(f"{policy.district} · {policy.series or '—'} · version {version.label}")
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=True)
    table.add_column("clause", no_wrap=True, style="cyan")
    table.add_column("text")
    for clause in version.clauses:
        marker = f"{clause.marker} " if clause.marker else ""
        refs = (
            f" [dim](note {', '.join(clause.footnote_refs)})[/dim]" if clause.footnote_refs else ""
        )
        table.add_row(clause.id, f"{'  ' * clause.level}{marker}{clause.text}{refs}")
    for note in version.footnotes:
        table.add_row(note.id, f"[italic]Note {note.marker or ''}[/italic] {note.text}")
    console.print(table)
    if version.cross_references:
        console.print("[bold]Cross references[/bold]")
        for ref in version.cross_references:
            console.print(f"  {ref.code or '':>8}  {ref.title}")
    if version.legal_references:
        console.print("[bold]Legal references[/bold]")
        for legal in version.legal_references:
            console.print(f"  {legal.citation}  {legal.title or ''}")
    if version.history:
        console.print("[bold]History[/bold]")
        for entry in version.history:
            when = entry.date.isoformat() if entry.date else "(blank)"
            console.print(f"  {entry.event.value.replace('_', ' ')}: {when}")


# --- boardline policy import ------------------------------------------------------------
# Imports are local to the command so this block stays one self-contained append.


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A policy as text copied from a web page or PDF.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="json (the policy, unplaced and dropped lines) or yaml (an entry to paste "
            "under `policies:` of a pack). Default: a readable view.",
        ),
    ] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="District name, if the text lacks one.")
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", help="Version label (default: year of the latest history date)."),
    ] = None,
) -> None:
    """Import a policy from pasted text; every line not placed is reported with its number."""
    import sys

    from rich.markup import escape

    from boardline.cli.output import err_console
    from boardline.policy.importer import import_policy_file
    from boardline.policy.pack_snippet import policy_yaml

    if fmt not in (None, "json", "yaml"):
        fail(f"--format must be json or yaml, not {fmt!r}")
    try:
        result = import_policy_file(file, district=district, version_label=label)
    except InputError as exc:
        fail(exc)
    policy = result.policy
    if fmt is not None:
        for line in result.unplaced:
            err_console.print(
                f"[yellow]warning:[/yellow] {escape(str(file))}:{line.line}: not placed "
                f"({escape(line.reason)}): {escape(line.text)}",
                markup=True,
                soft_wrap=True,
                highlight=False,
            )
        for warning in result.warnings:
            err_console.print(
                f"[yellow]warning:[/yellow] {escape(warning)}", markup=True, soft_wrap=True
            )
    if fmt == "json":
        emit_json(
            {
                "source": str(file),
                "policy": policy.model_dump(mode="json"),
                "unplaced": [
                    {"line": u.line, "text": u.text, "reason": u.reason} for u in result.unplaced
                ],
                "dropped": [
                    {"line": u.line, "text": u.text, "reason": u.reason}
                    for u in result.dropped_chrome
                ],
                "warnings": list(result.warnings),
            }
        )
        return
    if fmt == "yaml":
        notes = [f"imported from {file.name} by `boardline policy import`"]
        notes += [f"line {u.line} not placed ({u.reason}): {u.text}" for u in result.unplaced]
        sys.stdout.write(policy_yaml(policy, notes))
        return
    print_policy(policy, policy.current)
    if result.unplaced:
        table = Table(title="Lines not placed", show_header=True, header_style="bold")
        table.add_column("line", justify="right", style="cyan")
        table.add_column("text")
        table.add_column("why", style="yellow")
        for line in result.unplaced:
            table.add_row(str(line.line), escape(line.text), escape(line.reason))
        console.print(table)
    if result.dropped_chrome:
        console.print(
            f"[dim]dropped {len(result.dropped_chrome)} web/PDF chrome line(s): "
            + ", ".join(str(line.line) for line in result.dropped_chrome)
            + " (see --format json)[/dim]"
        )
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
