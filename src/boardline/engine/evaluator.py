"""An evaluator bound to one pack and one facts snapshot, reusing identities while they hold.

A proxy sees the same few thousand clients all day. Identifying one (parse the
address, find the network, the device, an active lease, the person) costs more
than the rest of a decision, and its answer changes only when a lease on that
address starts or ends. The evaluator keeps each subject's identity between
those boundaries and hands it to :func:`evaluate`, so every decision is still
computed in full — same function, same result — only faster.

The reuse is exact: ``tests/unit/engine/test_evaluator.py`` checks on random
streams (leases starting and ending mid-stream included) that every decision
equals what :func:`evaluate` returns on its own. It is in-memory only (no I/O),
bounded, and dies with its snapshot: new facts mean a new evaluator.

Most of a school's traffic comes from people 5460 does not cover (students and
guests) or from addresses tied to nobody. Their decision is the pack's default,
and every part of it but the id and the instant follows from the identity alone
(the host, the path and the time play no part). So next to an identity the
evaluator keeps that default's parts, and a web request from such a subject is
answered by stamping a new id on them: the same :class:`Decision`, field for
field, without walking the rules (same test). ``explain`` always takes the full
path, since it lists the facts consulted.
"""

from __future__ import annotations

import datetime as dt

from boardline.directory.network import Identity
from boardline.engine.compiled import CompiledPack
from boardline.engine.decision_builder import DecisionBuilder, decision_id
from boardline.engine.evaluate import evaluate
from boardline.engine.facts import Facts
from boardline.model.decision import Decision
from boardline.model.events import Event, Subject, WebAccess

DEFAULT_SIZE = 100_000

#: An identity, the instants between which it holds, and its default decision if uncovered.
_Known = tuple[Identity, float, float, Decision | None]


class Evaluator:
    """``decide(event, now)`` with the pack and facts fixed; safe to share between threads."""

    __slots__ = ("_identities", "facts", "pack", "size")

    def __init__(self, pack: CompiledPack, facts: Facts, size: int = DEFAULT_SIZE) -> None:
        self.pack = pack
        self.facts = facts
        self.size = size
        #: (user, address) -> (identity, valid from, valid until, the default's parts or None)
        self._identities: dict[tuple[str | None, str | None], _Known] = {}

    def decide(self, event: Event, now: dt.datetime, *, explain: bool = False) -> Decision:
        if not isinstance(event, WebAccess):
            return evaluate(event, self.facts, self.pack, now, explain=explain)
        subject = event.subject
        moment = now.timestamp()
        known = self._known(subject.user, subject.address, now, moment)
        uncovered = known[3]
        if uncovered is not None and not explain:
            # Exactly what DecisionBuilder.default builds (positional, as there).
            revision = self.pack.revision
            return Decision(
                decision_id(revision, event, moment),
                uncovered.effect,
                uncovered.rule,
                revision,
                uncovered.citations,
                uncovered.explanation,
                event.kind,
                now,
                uncovered.subject,
            )
        return evaluate(event, self.facts, self.pack, now, explain=explain, identity=known[0])

    def identity(self, user: str | None, address: str | None, now: dt.datetime) -> Identity:
        return self._known(user, address, now, now.timestamp())[0]

    def _known(
        self, user: str | None, address: str | None, now: dt.datetime, moment: float
    ) -> _Known:
        key = (user, address)
        hit = self._identities.get(key)
        if hit is not None and hit[1] <= moment < hit[2]:
            return hit
        networks = self.facts.networks
        found = networks.identify(self.facts.directory, address=address, username=user, at=now)
        low, high = networks.lease_bounds(address, now)
        if len(self._identities) >= self.size:
            self._identities.clear()
        known = (found, low, high, self._default_for(found, user, address, now))
        self._identities[key] = known
        return known

    def _default_for(
        self, identity: Identity, user: str | None, address: str | None, now: dt.datetime
    ) -> Decision | None:
        """The default decision this identity always gets for web access, or None.

        Built by the same code as the full path (``decide_web`` ends in
        ``DecisionBuilder.default`` for exactly these two cases); its id and instant
        are replaced on every use.
        """
        person = identity.person
        pack = self.pack
        if person is not None and person.role in pack.covered_roles:
            return None
        probe = WebAccess(Subject(user, address), "")
        build = DecisionBuilder(probe, pack, now, person.id if person else None, False)
        if person is None:
            return build.default(True, str(probe.subject))
        return build.default(False, f"{person.username} ({person.role.value})")
