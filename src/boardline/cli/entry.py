"""The ``boardline`` console script: the full CLI, or the Squid helper on its own.

Squid starts many helper children, each its own process, and restarts them when
it reconfigures. Importing every sub-command for them (the scanners with OpenCV,
the web app, DuckDB) would cost each child start-up time and resident memory for
code it never runs, so ``boardline squid-helper`` is dispatched before the rest
of the CLI is imported. Everything else goes to :mod:`boardline.cli.main`.
"""

from __future__ import annotations

import sys

HELPER = "squid-helper"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == HELPER:
        import typer

        from boardline.cli.squid_helper import squid_helper

        helper = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        helper.command(HELPER)(squid_helper)
        # A one-command app takes its options directly: drop the command's name.
        sys.argv = [f"{sys.argv[0]} {HELPER}", *sys.argv[2:]]
        helper()
        return
    from boardline.cli.main import main as full

    full()
