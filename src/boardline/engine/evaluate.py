"""``evaluate(event, facts, pack, now) -> Decision``: the pure decision function.

Combining order (tested in ``tests/unit/engine/test_evaluate.py``):

1. **Who.** The subject is identified (proxy login, then an active lease, then a
   static device). Nobody identified: the default rule's ``unknown_subject_effect``.
   A person whose role no rule covers (a student, a guest): ``not_covered_effect``.
2. **What.** Only rules for the event's kind apply: school-hours rules to web
   access, posting rules to content posts, the interaction rule to
   communications.
3. **Exceptions first.** Where a rule would deny or flag and it honours
   exceptions, an active administrator grant (then an active emergency) turns
   it into an allow that cites the grant or emergency next to the clause.
4. **Deny overrides flag overrides allow** across the rules that apply.
5. **Default.** Nothing applies: allow, citing the rule that was considered and
   why it did not apply (every effect cites).

Outside school hours the school-hours rule applies the pack's explicit
interpretation (district vs personal equipment), never a choice made here.
"""

from __future__ import annotations

import datetime as dt

from boardline.directory.network import Identity
from boardline.engine.compiled import CompiledPack
from boardline.engine.decision_builder import decision_id
from boardline.engine.facts import Facts
from boardline.engine.interactions import decide_communication
from boardline.engine.posting import decide_post
from boardline.engine.web_access import decide_web
from boardline.model.decision import Decision
from boardline.model.events import ContentPost, Event, WebAccess

__all__ = ["decision_id", "evaluate"]


def evaluate(
    event: Event,
    facts: Facts,
    pack: CompiledPack,
    now: dt.datetime,
    *,
    explain: bool = False,
    identity: Identity | None = None,
) -> Decision:
    """Decide ``event`` at ``now`` under ``pack`` with ``facts``. Pure: no I/O, no clock.

    ``identity`` lets a caller that already identified the event's subject at
    ``now`` (see :class:`boardline.engine.evaluator.Evaluator`) skip doing it again.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        msg = "evaluate() needs an aware `now`"
        raise ValueError(msg)
    if isinstance(event, WebAccess):
        if identity is None:
            identity = facts.networks.identify(
                facts.directory, address=event.subject.address, username=event.subject.user, at=now
            )
        return decide_web(event, identity, facts, pack, now, explain)
    if isinstance(event, ContentPost):
        return decide_post(event, facts, pack, now, explain)
    return decide_communication(event, facts, pack, now, explain)
