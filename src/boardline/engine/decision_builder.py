"""Building one decision: its deterministic id, its parts, and the default for the uncovered.

Shared by the evaluators of each event kind (:mod:`~boardline.engine.web_access`,
:mod:`~boardline.engine.posting`, :mod:`~boardline.engine.interactions`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from boardline.directory.person import Person
from boardline.engine.compiled import CompiledPack
from boardline.engine.facts import Facts
from boardline.model.decision import Citation, Decision, ExceptionUsed
from boardline.model.events import Event
from boardline.policy.pack import Effect, Severity

RANK = {Effect.ALLOW: 0, Effect.FLAG: 1, Effect.DENY: 2}
SEVERITY_RANK = {s: n for n, s in enumerate(Severity)}


#: BLAKE2b states with ``revision|kind|`` already fed, per (revision, kind): copying one
#: is cheaper than hashing the prefix again on every decision.
_PREFIXES: dict[tuple[str, str], hashlib.blake2b] = {}
_PREFIX_CACHE = 64


def decision_id(revision: str, event: Event, now: dt.datetime | float) -> str:
    """Deterministic id: the same event under the same revision at the same instant.

    Adapters give every event an ``event_id`` unique to them (a helper's channel
    and sequence, a log file and offset); without one the event's content is
    hashed instead, which is slower but still unique per distinct event. The
    instant counts in whole microseconds (a datetime's resolution): an integer
    formats several times faster than a float's shortest repr, and this runs once
    per decision.
    """
    ident = event.event_id or repr(event)
    moment = now if isinstance(now, float) else now.timestamp()
    key = (revision, event.kind)
    base = _PREFIXES.get(key)
    if base is None:
        base = hashlib.blake2b(f"{revision}|{event.kind}|".encode(), digest_size=10)
        if len(_PREFIXES) >= _PREFIX_CACHE:
            _PREFIXES.clear()
        _PREFIXES[key] = base
    digest = base.copy()
    digest.update(f"{ident}|{round(moment * 1_000_000)}".encode())
    return "d-" + digest.hexdigest()


class DecisionBuilder:
    """Collects the parts of one decision; keeps the evaluators of each event kind short."""

    __slots__ = ("event", "explain", "facts", "moment", "now", "pack", "subject")

    def __init__(
        self, event: Event, pack: CompiledPack, now: dt.datetime, subject: str | None, explain: bool
    ) -> None:
        self.event = event
        self.pack = pack
        self.now = now
        self.moment = now.timestamp()
        self.subject = subject
        self.explain = explain
        self.facts: list[tuple[str, str]] = []

    def note(self, key: str, value: str) -> None:
        if self.explain:
            self.facts.append((key, value))

    def make(
        self,
        effect: Effect,
        rule: str,
        citations: tuple[Citation, ...],
        explanation: str,
        *,
        severity: Severity = Severity.INFO,
        exception: ExceptionUsed | None = None,
        follow_up: tuple[str, ...] = (),
        alert: bool = False,
        categories: tuple[str, ...] = (),
    ) -> Decision:
        # Positional: a NamedTuple builds noticeably faster that way on the hot path.
        return Decision(
            decision_id(self.pack.revision, self.event, self.moment),
            effect,
            rule,
            self.pack.revision,
            citations,
            explanation,
            self.event.kind,
            self.now,
            self.subject,
            severity,
            exception,
            follow_up if effect is not Effect.ALLOW else (),
            alert,
            categories,
            tuple(self.facts) if self.facts else (),
        )

    def default(self, unknown: bool, who: str) -> Decision:
        pack = self.pack
        rule = pack.default
        if unknown:
            effect = rule.unknown_subject_effect if rule else Effect.ALLOW
            text = f"{who} could not be tied to a person in the directory"
        else:
            effect = rule.not_covered_effect if rule else Effect.ALLOW
            roles = covered_roles_text(pack)
            text = f"{who} is not someone this policy covers (its rules cover {roles})"
        rule_id = rule.id if rule else "default"
        return self.make(effect, rule_id, pack.default_citations, f"{effect.value}: {text}")


@functools.lru_cache(maxsize=64)
def _role_list(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles))


def covered_roles_text(pack: CompiledPack) -> str:
    return _role_list(pack.covered_roles)


def find_person(facts: Facts, who: str) -> Person | None:
    return facts.directory.resolve(who)
