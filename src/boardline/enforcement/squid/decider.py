"""The helper's decider: a Squid lookup in, a cited policy decision out.

Each lookup becomes a :class:`~boardline.model.events.WebAccess` event, is
decided by the live policy's evaluator at the current instant, written to the
decision sink, and answered:

* ``OK`` for allow and flag (a flag lets the request through and is logged for
  review), ``ERR`` for deny;
* ``message=`` carries what the block page needs: a signed token when a token
  issuer is configured (it ties a later exception request or emergency to the
  person the decision was about), else the decision id, rule, clause and reason;
* ``log=`` carries the decision id, effect and rule into Squid's access log;
* notes ``decision_id``, ``rule`` and ``revision`` become transaction annotations.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable

from boardline.enforcement.live_policy import LivePolicy
from boardline.enforcement.squid.protocol import HelperRequest, HelperVerdict
from boardline.engine.requests import DecisionSink
from boardline.model.decision import Decision
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect

TokenIssuer = Callable[[Decision, WebAccess], str]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PolicyDecider:
    def __init__(
        self,
        policy: LivePolicy,
        *,
        sink: DecisionSink | None = None,
        token: TokenIssuer | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.policy = policy
        self.sink = sink
        self.token = token
        self.clock = clock
        # Unique per process and line: decision ids stay unique across helper children.
        self._prefix = f"sq{os.getpid()}-"
        self._sequence = itertools.count()

    def decide(self, request: HelperRequest) -> HelperVerdict:
        event = WebAccess(
            Subject(request.user, request.client),
            request.host.lower().rstrip("."),
            "" if request.method == "CONNECT" else request.path,
            request.method,
            None,
            f"{self._prefix}{next(self._sequence)}",
        )
        decision = self.policy.evaluator.decide(event, self.clock())
        if self.sink is not None:
            self.sink.write(decision, event)
        allowed = decision.effect is not Effect.DENY
        return HelperVerdict(
            allow=allowed,
            message="" if allowed else self._message(decision, event),
            log=f"{decision.decision_id} {decision.effect.value} {decision.rule}",
            notes={
                "decision_id": decision.decision_id,
                "rule": decision.rule,
                "revision": decision.revision,
            },
        )

    def flush(self) -> None:
        if self.sink is not None:
            self.sink.flush()

    def _message(self, decision: Decision, event: WebAccess) -> str:
        """What Squid shows as ``%o``: the decision id, the clause quoted and the reason.

        With a token issuer the signed token comes first (the block page reads the
        first word); the rest keeps Squid's own error page readable without it.
        """
        citation = decision.citations[0] if decision.citations else None
        where = (
            f"policy {citation.policy} clause {citation.clause}: \u201c{citation.quote}\u201d "
            if citation
            else ""
        )
        readable = f"{decision.decision_id} {where}{decision.explanation}"
        if self.token is not None:
            return f"{self.token(decision, event)} {readable}"
        return readable
