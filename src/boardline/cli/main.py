"""The ``boardline`` command: one Typer app with a sub-command group per noun.

Each group lives in its own module and is registered here; configuration is
read once, here at the edge, and handed down.
"""

from __future__ import annotations

import typer

from boardline.cli import assets as assets_cli
from boardline.cli import audit as audit_cli
from boardline.cli import categories as categories_cli
from boardline.cli import check as check_cli
from boardline.cli import db as db_cli
from boardline.cli import decisions as decisions_cli
from boardline.cli import demo as demo_cli
from boardline.cli import exceptions as exceptions_cli
from boardline.cli import icap as icap_cli
from boardline.cli import policy as policy_cli
from boardline.cli import policytest as policytest_cli
from boardline.cli import redline as redline_cli
from boardline.cli import roster as roster_cli
from boardline.cli import scan as scan_cli
from boardline.cli import serve as serve_cli
from boardline.cli import settings as settings_cli
from boardline.cli import squid as squid_cli
from boardline.cli import squid_helper as squid_helper_cli

app = typer.Typer(
    name="boardline",
    help="A school board's policy on electronic resources and social networking, enforced.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
policy_cli.app.command("diff")(redline_cli.diff)
policy_cli.app.command("test")(policytest_cli.run_tests)
app.add_typer(policy_cli.app, name="policy")
app.add_typer(roster_cli.app, name="roster")
app.add_typer(settings_cli.app, name="settings")
app.add_typer(squid_cli.app, name="squid")
app.command("squid-helper")(squid_helper_cli.squid_helper)
app.command("icap")(icap_cli.icap)
app.command("demo")(demo_cli.demo)
app.command("check")(check_cli.check)
app.command("grant")(exceptions_cli.grant)
app.command("emergency")(exceptions_cli.emergency)
app.add_typer(exceptions_cli.app, name="exceptions")
app.add_typer(categories_cli.app, name="categories")
app.add_typer(serve_cli.app, name="serve")
app.add_typer(db_cli.app, name="db")
app.add_typer(decisions_cli.app, name="decisions")
app.command("audit")(audit_cli.audit)
app.add_typer(assets_cli.app, name="assets")
app.command("scan")(scan_cli.scan)


def main() -> None:
    app()
