"""``boardline roster``: check and summarise a district's roster (OneRoster CSV)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from boardline.cli.output import console, emit_json, fail
from boardline.directory.oneroster import RosterImport, read_oneroster
from boardline.directory.oneroster_roles import parse_role_mapping
from boardline.model.errors import InputError
from boardline.policy.pack import Role

app = typer.Typer(help="The district roster: import and check OneRoster CSV bundles.")


@app.command("import")
def import_(
    folder: Annotated[
        Path,
        typer.Argument(help="A OneRoster 1.1 or 1.2 CSV bundle (a folder).", show_default=False),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="Only roles and enrollments current on this date (YYYY-MM-DD)."),
    ] = None,
    map_role: Annotated[
        list[str] | None,
        typer.Option(
            "--map-role",
            help="Map an extension role, e.g. ext:busDriver=staff (or =none for family).",
        ),
    ] = None,
) -> None:
    """Read a roster bundle and summarise it; every problem is reported with file, line, column."""
    day = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)")
    extra: dict[str, Role | None] = {}
    for text in map_role or []:
        try:
            name, role = parse_role_mapping(text)
        except ValueError as exc:
            fail(f"--map-role: {exc}")
        extra[name] = role
    try:
        result = read_oneroster(folder, as_of=day, extra_roles=extra)
    except InputError as exc:
        fail(exc)
    summary = roster_summary(folder, result)
    if json_out:
        emit_json(summary)
        return
    print_summary(folder, result)


def roster_summary(folder: Path, result: RosterImport) -> dict[str, object]:
    directory = result.directory
    return {
        "folder": str(folder),
        "version": result.version,
        "files": list(result.files),
        "counts": result.counts,
        "skipped": result.skipped,
        "buildings": [
            {"id": b.id, "name": b.name, "kind": b.kind, "parent": b.parent}
            for b in directory.buildings.values()
        ],
        "relationships": [
            {
                "staff": link.staff,
                "student": link.student,
                "relationship": link.relationship.value,
                "source": link.source,
                "valid_from": link.valid_from,
                "valid_to": link.valid_to,
            }
            for link in directory.all_links()
        ],
        "warnings": [str(problem) for problem in result.warnings],
    }


def print_summary(folder: Path, result: RosterImport) -> None:
    directory = result.directory
    counts = result.counts
    console.print(
        f"[green]read[/green] {folder} — OneRoster {result.version}: "
        f"{len(directory)} people, {counts.get('agents', 0)} parents and guardians, "
        f"{len(directory.buildings)} buildings"
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("counted")
    table.add_column("number", justify="right")
    for name, number in counts.items():
        table.add_row(name, str(number))
    console.print(table)
    buildings = Table(show_header=True, header_style="bold", title="Buildings")
    for column in ("id", "name", "kind", "people"):
        buildings.add_column(column)
    members: dict[str, int] = {}
    for person in directory.people():
        for building_id in person.buildings:
            members[building_id] = members.get(building_id, 0) + 1
    for building in directory.buildings.values():
        buildings.add_row(
            building.id, building.name, building.kind, str(members.get(building.id, 0))
        )
    console.print(buildings)
    links = directory.all_links()
    if links:
        console.print(f"[bold]Relationships[/bold] ({len(links)})")
        for link in links:
            staff = directory.person(link.staff)
            student = directory.person(link.student)
            window = ""
            if link.bounded:
                window = f" {link.valid_from or '…'} to {link.valid_to or '…'}"
            console.print(
                f"  {link.relationship.value:<10} {staff.username if staff else link.staff} — "
                f"{student.username if student else link.student} ({link.source}){window}"
            )
    for name, number in result.skipped.items():
        console.print(f"[dim]skipped {number} row(s) in {name}[/dim]")
    for problem in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {problem}", soft_wrap=True)
