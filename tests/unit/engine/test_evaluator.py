"""The reusing evaluator decides exactly as evaluate() does, leases and exceptions included."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.directory.network import Lease, NetworkMap
from boardline.engine.compiled import CompiledPack
from boardline.engine.evaluate import evaluate
from boardline.engine.evaluator import Evaluator
from boardline.engine.exceptions import ExceptionBook, Grant, Scope
from boardline.engine.facts import Facts
from boardline.model.events import Subject, WebAccess
from tests.demo_facts import demo_facts

T0 = dt.datetime(2026, 10, 6, 13, 0, tzinfo=dt.UTC)  # 07:00 in Cut Bank
HOSTS = ["www.facebook.com", "x.com", "opi.mt.gov", "edu.pinterest.com", "www.tiktok.com"]
SUBJECTS = [
    Subject("mrivera", "127.10.1.10"),
    Subject(None, "127.10.1.10"),
    Subject(None, "127.10.3.77"),
    Subject(None, "127.20.2.20"),
    Subject("noah.hale", "127.30.0.5"),
    Subject(None, "127.40.0.9"),
]


@functools.cache
def shared_demo() -> tuple[CompiledPack, Facts]:
    return demo_facts(Path(tempfile.mkdtemp(prefix="boardline-evaluator-")))


def leased_facts(facts: Facts) -> Facts:
    networks = facts.networks
    assert isinstance(networks, NetworkMap)
    leases = [
        Lease(
            "127.10.3.77",
            "tharper",
            None,
            T0 + dt.timedelta(hours=1),
            T0 + dt.timedelta(hours=3),
            "dhcp",
        ),
        Lease(
            "127.10.3.77",
            "rbenson",
            None,
            T0 + dt.timedelta(hours=3),
            T0 + dt.timedelta(hours=9),
            "dhcp",
        ),
    ]
    grant = Grant(
        "g1",
        "jcarter",
        Scope.BUILDING,
        "cbhs",
        T0 + dt.timedelta(hours=4),
        T0 + dt.timedelta(hours=5),
        "assembly livestream",
    )
    return Facts(
        facts.directory,
        networks.with_leases(leases),
        facts.calendar,
        facts.categories,
        ExceptionBook.build([grant]),
    )


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 12 * 60),
            st.sampled_from(SUBJECTS),
            st.sampled_from(HOSTS),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_reuse_never_changes_a_decision(steps: list[tuple[int, Subject, str]]) -> None:
    pack, base = shared_demo()
    facts = leased_facts(base)
    evaluator = Evaluator(pack, facts)
    # Time mostly moves forward, as at a proxy, but replays may go back: sort half of it.
    ordered = sorted(steps[: len(steps) // 2], key=lambda step: step[0]) + steps[len(steps) // 2 :]
    for n, (minute, subject, host) in enumerate(ordered):
        now = T0 + dt.timedelta(minutes=minute)
        event = WebAccess(subject, host, "/", event_id=str(n))
        assert evaluator.decide(event, now) == evaluate(event, facts, pack, now)


def test_lease_change_is_seen_at_once(demo: tuple[CompiledPack, Facts]) -> None:
    pack, base = demo
    facts = leased_facts(base)
    evaluator = Evaluator(pack, facts)
    event = WebAccess(Subject(None, "127.10.3.77"), "www.facebook.com", "/", event_id="e")
    before = evaluator.decide(event, T0 + dt.timedelta(hours=2, minutes=59))
    after = evaluator.decide(event, T0 + dt.timedelta(hours=3))
    assert before.subject != after.subject
