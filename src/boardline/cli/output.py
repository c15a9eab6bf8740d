"""Shared CLI output: rich for people, JSON for machines, one-line errors with exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from boardline.model.errors import InputError

# emoji=False: rich would otherwise turn ``:AB:`` inside a certificate fingerprint, a MAC
# address or a log excerpt into an emoji, so what people copy would not be what we computed.
console = Console(highlight=False, soft_wrap=False, emoji=False)
err_console = Console(stderr=True, highlight=False, emoji=False)

EXIT_INPUT = 2


def fail(error: InputError | str, code: int = EXIT_INPUT) -> NoReturn:
    """Print every problem on its own line (``file:line: field: message``) and exit."""
    if isinstance(error, InputError):
        for problem in error.problems:
            err_console.print(f"[red]error:[/red] {problem}", markup=True, soft_wrap=True)
    else:
        err_console.print(f"[red]error:[/red] {error}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
