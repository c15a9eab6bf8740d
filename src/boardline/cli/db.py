"""``boardline db``: the database that keeps grants, emergencies, alerts and requests.

Start-up upgrades the schema on its own; ``boardline db upgrade`` does it
ahead of time, as a deployment step (before enforcement points restart, or with
a role allowed to change the schema while the services run with less).
"""

from __future__ import annotations

from typing import Annotated

import typer

from boardline.bootstrap import database_url
from boardline.cli.output import console, emit_json, fail
from boardline.cli.runtime import ConfigOpt
from boardline.model.errors import InputError
from boardline.settings import load_settings
from boardline.storage import migrate

app = typer.Typer(help="The exception store's database: bring its schema up to date.")


@app.command()
def upgrade(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The database (default: the database_url setting, else SQLite in state_dir).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOpt = None,
) -> None:
    """Create or upgrade the schema; running it again changes nothing."""
    try:
        target = url or database_url(load_settings(config))
        done = migrate(target)
    except InputError as exc:
        fail(exc)
    if json_out:
        emit_json(
            {"url": done.url, "before": done.before, "after": done.after, "changed": done.changed}
        )
        return
    if done.changed:
        console.print(
            f"[green]upgraded[/green] {done.url} from {done.before or 'empty'} to {done.after}"
        )
    else:
        console.print(f"{done.url} is already at {done.after}")
