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
from boardline.enforcement.squid.protocol import (
    HelperRequest,
    HelperVerdict,
    escape_value,
    format_reply,
    is_plain,
    reply_template,
)
from boardline.engine.requests import DecisionSink
from boardline.model.decision import Citation, Decision
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect

TokenIssuer = Callable[[Decision, WebAccess], str]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: Stands for the decision id in a cached reply (plain, so escaping leaves it as is).
_PLACEHOLDER = "d-0placeholder0"
#: Bound on the cached reply templates and escaped clauses (cleared when full).
_CACHE_SIZE = 4096
#: Bound on the cached subjects: a district's clients all day (cleared when full).
_SUBJECTS = 65_536


class PolicyDecider:
    """Decides each lookup in full; see the module docstring.

    ``reply`` is the helper's fast path (a
    :class:`~boardline.enforcement.squid.protocol.ReplyingDecider`): the same
    decision and log line as ``decide``, with the reply written from a template
    per (effect, rule, revision) and the decision id dropped in; a denial's
    message adds its token and explanation to a clause escaped once per
    citations. Nothing about the decision itself is cached: every line is
    evaluated, logged and given its own decision id. The templates are keyed by
    the values they render (a new pack revision is a new key), so a reload needs
    no invalidation (``tests/unit/enforcement/squid/test_decider.py``).
    """

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
        self._subjects: dict[tuple[str | None, str | None], Subject] = {}
        self._templates: dict[tuple[Effect, str, str], tuple[str, ...] | None] = {}
        #: citations id -> (the citations, kept so the id stays theirs; the escaped clause)
        self._wheres: dict[int, tuple[tuple[Citation, ...], str]] = {}

    def decide(self, request: HelperRequest) -> HelperVerdict:
        decision, event = self._decide(request)
        return self._verdict(decision, event)

    def reply(self, request: HelperRequest) -> str:
        """``format_reply(None, self.decide(request))``, written from cached parts."""
        decision, event = self._decide(request)
        effect = decision.effect
        key = (effect, decision.rule, decision.revision)
        try:
            parts = self._templates[key]
        except KeyError:
            parts = self._template(key)
        decision_id = decision.decision_id
        if parts is not None and is_plain(decision_id):
            if effect is not Effect.DENY:
                return decision_id.join(parts)
            # parts[0] is "ERR log=": the message goes between the two.
            message = self._escaped_message(decision, event)
            return (
                f"ERR message={message}{parts[0][3:]}{decision_id}{parts[1]}{decision_id}{parts[2]}"
            )
        return format_reply(None, self._verdict(decision, event))

    def _decide(self, request: HelperRequest) -> tuple[Decision, WebAccess]:
        who = (request.user, request.client)
        subject = self._subjects.get(who)
        if subject is None:
            # Frozen and compared by value: one instance per subject serves every line.
            subject = Subject(request.user, request.client)
            if len(self._subjects) >= _SUBJECTS:
                self._subjects.clear()
            self._subjects[who] = subject
        event = WebAccess(
            subject,
            request.host.lower().rstrip("."),
            "" if request.method == "CONNECT" else request.path,
            request.method,
            None,
            f"{self._prefix}{next(self._sequence)}",
        )
        decision = self.policy.evaluator.decide(event, self.clock())
        if self.sink is not None:
            self.sink.write(decision, event)
        return decision, event

    def _verdict(self, decision: Decision, event: WebAccess) -> HelperVerdict:
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

    def _template(self, key: tuple[Effect, str, str]) -> tuple[str, ...] | None:
        """The reply under ``key`` without a message, cut where the decision id goes (twice)."""
        effect, rule, revision = key
        verdict = HelperVerdict(
            allow=effect is not Effect.DENY,
            log=f"{_PLACEHOLDER} {effect.value} {rule}",
            notes={"decision_id": _PLACEHOLDER, "rule": rule, "revision": revision},
        )
        parts = reply_template(verdict, _PLACEHOLDER, 2)
        if parts is not None and not verdict.allow and not parts[0].startswith("ERR "):
            parts = None
        if len(self._templates) >= _CACHE_SIZE:
            self._templates.clear()
        self._templates[key] = parts
        return parts

    def flush(self) -> None:
        if self.sink is not None:
            self.sink.flush()

    def _escaped_message(self, decision: Decision, event: WebAccess) -> str:
        """``escape_value(self._message(decision, event))``, the quoted clause escaped once.

        Exact because escaping works character by character (see
        :func:`~boardline.enforcement.squid.protocol.escape_value`).
        """
        citations = decision.citations
        cached = self._wheres.get(id(citations))
        if cached is None or cached[0] is not citations:
            where = _where(citations[0] if citations else None)
            cached = (citations, escape_value(where) if where else "")
            if len(self._wheres) >= _CACHE_SIZE:
                self._wheres.clear()
            self._wheres[id(citations)] = cached
        head = f"{decision.decision_id} "
        if self.token is not None:
            head = f"{self.token(decision, event)} {head}"
        explanation = decision.explanation
        return escape_value(head) + cached[1] + (escape_value(explanation) if explanation else "")

    def _message(self, decision: Decision, event: WebAccess) -> str:
        """What Squid shows as ``%o``: the decision id, the clause quoted and the reason.

        With a token issuer the signed token comes first (the block page reads the
        first word); the rest keeps Squid's own error page readable without it.
        """
        citation = decision.citations[0] if decision.citations else None
        readable = f"{decision.decision_id} {_where(citation)}{decision.explanation}"
        if self.token is not None:
            return f"{self.token(decision, event)} {readable}"
        return readable


def _where(citation: Citation | None) -> str:
    """The clause a denial quotes, as the message shows it (with a trailing space)."""
    if citation is None:
        return ""
    return f"policy {citation.policy} clause {citation.clause}: \u201c{citation.quote}\u201d "
