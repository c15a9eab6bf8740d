"""``boardline settings``: show the settings in force and generate their reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from boardline.cli.output import emit_json, fail
from boardline.cli.runtime import ConfigOpt
from boardline.model.errors import InputError
from boardline.settings import load_settings, settings_reference

app = typer.Typer(help="Settings: what is in force, and the generated reference.")


@app.command()
def show(config: ConfigOpt = None) -> None:
    """The settings in force (file, then BOARDLINE_* environment variables)."""
    try:
        emit_json(load_settings(config).model_dump(mode="json"))
    except InputError as exc:
        fail(exc)


@app.command()
def docs(
    output: Annotated[
        Path | None, typer.Option("--output", help="Write here (default: stdout).")
    ] = None,
) -> None:
    """Generate docs/settings.md from the declarations in boardline/settings.py."""
    text = settings_reference()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
