"""``boardline squid-helper``: the external ACL helper process Squid starts.

Squid appends ``--fields`` (the order of the FORMAT tokens) and, with
``concurrency``, ``--concurrent``. The helper never exits on bad input or a
broken pack: if the pack cannot be loaded at start it answers ``BH`` to every
lookup (Squid then applies the district's fail mode per category) and says why
on stderr, which Squid writes to cache.log.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from boardline.bootstrap import bootstrap, make_clock, open_decision_log, state_dir
from boardline.enforcement.decision_token import SECRET_FILE, issue_token, load_secret
from boardline.enforcement.live_policy import LivePolicy
from boardline.enforcement.squid.decider import PolicyDecider
from boardline.enforcement.squid.helper import run_helper
from boardline.enforcement.squid.protocol import HelperRequest, HelperVerdict, check_fields
from boardline.model.decision import Decision
from boardline.model.errors import BoardlineError
from boardline.model.events import WebAccess
from boardline.settings import load_settings

logger = logging.getLogger("boardline.squid_helper")


class _Unavailable:
    """Answers nothing but ``BH``: the configured fail mode takes over in Squid."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def decide(self, request: HelperRequest) -> HelperVerdict:
        raise RuntimeError(self.reason)


def squid_helper(
    fields: Annotated[str, typer.Option("--fields", help="FORMAT token names, comma-separated.")],
    concurrent: Annotated[
        bool, typer.Option("--concurrent", help="Lines carry channel ids.")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file.")] = None,
) -> None:
    """Answer Squid's external ACL lookups with cited policy decisions."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="boardline helper: %(message)s"
    )
    names = tuple(f for f in fields.split(",") if f)
    try:
        check_fields(names)
    except ValueError as exc:
        # The FORMAT in squid.conf and --fields disagree: nothing could be answered right.
        logger.error("--fields %s: %s", fields, exc)
        raise typer.Exit(2) from None
    try:
        settings = load_settings(config)
        runtime = bootstrap(settings)
        secret = load_secret(state_dir(settings) / SECRET_FILE)

        def token(decision: Decision, event: WebAccess) -> str:
            # Signed: the block page trusts the person in it, never a form field.
            return issue_token(decision, decision.subject or "", event.host, secret)

        decider: PolicyDecider | _Unavailable = PolicyDecider(
            LivePolicy(runtime),
            sink=open_decision_log(settings, runtime),
            token=token,
            clock=make_clock(settings),
        )
        logger.info("serving pack revision %s", runtime.pack.revision)
    except BoardlineError as exc:
        logger.error("cannot start the policy, answering BH to every lookup: %s", exc)
        decider = _Unavailable(str(exc))
    flush = decider.flush if isinstance(decider, PolicyDecider) else None
    status = run_helper(
        decider,
        sys.stdin.buffer,
        sys.stdout.buffer,
        concurrency=concurrent,
        fields=names,
        before_reply=flush,
    )
    raise typer.Exit(status)
