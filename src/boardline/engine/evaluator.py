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
"""

from __future__ import annotations

import datetime as dt

from boardline.directory.network import Identity
from boardline.engine.compiled import CompiledPack
from boardline.engine.evaluate import evaluate
from boardline.engine.facts import Facts
from boardline.model.decision import Decision
from boardline.model.events import Event, WebAccess

DEFAULT_SIZE = 100_000


class Evaluator:
    """``decide(event, now)`` with the pack and facts fixed; safe to share between threads."""

    __slots__ = ("_identities", "facts", "pack", "size")

    def __init__(self, pack: CompiledPack, facts: Facts, size: int = DEFAULT_SIZE) -> None:
        self.pack = pack
        self.facts = facts
        self.size = size
        self._identities: dict[tuple[str | None, str | None], tuple[Identity, float, float]] = {}

    def decide(self, event: Event, now: dt.datetime, *, explain: bool = False) -> Decision:
        if not isinstance(event, WebAccess):
            return evaluate(event, self.facts, self.pack, now, explain=explain)
        return evaluate(
            event,
            self.facts,
            self.pack,
            now,
            explain=explain,
            identity=self.identity(event.subject.user, event.subject.address, now),
        )

    def identity(self, user: str | None, address: str | None, now: dt.datetime) -> Identity:
        key = (user, address)
        moment = now.timestamp()
        hit = self._identities.get(key)
        if hit is not None and hit[1] <= moment < hit[2]:
            return hit[0]
        networks = self.facts.networks
        found = networks.identify(self.facts.directory, address=address, username=user, at=now)
        low, high = networks.lease_bounds(address, now)
        if len(self._identities) >= self.size:
            self._identities.clear()
        self._identities[key] = (found, low, high)
        return found
