"""Decisions and the citations they rest on.

A :class:`Decision` answers "is this allowed, and which clause says so?". It is
frozen, carries the pack revision it was made under, and every effect cites at
least one clause: the policy, the clause id, the quoted words, the rule that
applied and a plain-English reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from boardline.policy.pack import Effect, Severity


@dataclass(frozen=True, slots=True)
class Citation:
    policy: str
    clause: str
    quote: str
    rule: str
    revision: str
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "clause": self.clause,
            "quote": self.quote,
            "rule": self.rule,
            "revision": self.revision,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ExceptionUsed:
    """The administrator grant or emergency that changed the outcome."""

    kind: str
    id: str
    by: str
    reason: str
    ends: dt.datetime

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "id": self.id,
            "by": self.by,
            "reason": self.reason,
            "ends": self.ends.isoformat(),
        }


class Decision(NamedTuple):
    """Immutable. A ``NamedTuple`` rather than a frozen dataclass: enforcement points
    build one per request, and a frozen dataclass's ``__init__`` costs three times
    as much (measured in ``bench/engine_bench.py``'s notes)."""

    decision_id: str
    effect: Effect
    rule: str
    revision: str
    citations: tuple[Citation, ...]
    explanation: str
    event_kind: str
    at: dt.datetime
    subject: str | None = None
    severity: Severity = Severity.INFO
    exception: ExceptionUsed | None = None
    #: Policies to follow when the decision is a violation (e.g. 5255 Disciplinary Action).
    follow_up: tuple[str, ...] = ()
    #: Raise an alert record (an emergency was used).
    alert: bool = False
    categories: tuple[str, ...] = ()
    #: The facts the engine used, for ``--explain`` (school time, network, matches).
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def allowed(self) -> bool:
        return self.effect is not Effect.DENY

    def as_dict(self) -> dict[str, object]:
        return {
            "decision_id": self.decision_id,
            "effect": self.effect.value,
            "rule": self.rule,
            "revision": self.revision,
            "severity": self.severity.value,
            "event": self.event_kind,
            "at": self.at.isoformat(),
            "subject": self.subject,
            "categories": list(self.categories),
            "citations": [c.as_dict() for c in self.citations],
            "exception": self.exception.as_dict() if self.exception else None,
            "follow_up": list(self.follow_up),
            "alert": self.alert,
            "explanation": self.explanation,
            "facts": dict(self.facts),
        }
