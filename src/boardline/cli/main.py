"""The ``boardline`` command: one Typer app with a sub-command group per noun.

Each group lives in its own module and is registered here; configuration is
read once, here at the edge, and handed down.
"""

from __future__ import annotations

import typer

from boardline.cli import demo as demo_cli
from boardline.cli import policy as policy_cli

app = typer.Typer(
    name="boardline",
    help="A school board's policy on electronic resources and social networking, enforced.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(policy_cli.app, name="policy")
app.command("demo")(demo_cli.demo)


def main() -> None:
    app()
