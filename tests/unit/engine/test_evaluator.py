"""The reusing evaluator decides exactly as evaluate() does, leases and exceptions included."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.categories.index import CategoryIndexBuilder
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


def with_url_entries(facts: Facts) -> Facts:
    """The demo facts with a category list in which one host's category depends on the path."""
    builder = CategoryIndexBuilder()
    for domain in ("facebook.com", "x.com", "tiktok.com", "pinterest.com"):
        builder.add_domain(domain, "social_networks", "test")
    builder.add_url("www.youtube.com/shorts", "social_networks", "test")
    return dataclasses.replace(facts, categories=builder.build())


PATHS = ["/", "/shorts/abc", "/watch?v=1"]
MINUTES = st.integers(0, 12 * 60) | st.sampled_from([44, 45, 46, 239, 240, 241, 299, 300, 301])
STEPS = st.lists(
    st.tuples(
        MINUTES,
        st.integers(0, 59),
        st.sampled_from(SUBJECTS),
        st.sampled_from(HOSTS),
        st.sampled_from(PATHS),
    ),
    min_size=1,
    max_size=60,
)


def replay(
    pack: CompiledPack, facts: Facts, steps: list[tuple[int, int, Subject, str, str]]
) -> None:
    evaluator = Evaluator(pack, facts)
    # Time mostly moves forward, as at a proxy, but replays may go back: sort half of it.
    ordered = sorted(steps[: len(steps) // 2], key=lambda step: step[:2]) + steps[len(steps) // 2 :]
    for n, (minute, second, subject, host, path) in enumerate(ordered):
        now = T0 + dt.timedelta(minutes=minute, seconds=second)
        event = WebAccess(subject, host, path, event_id=str(n))
        assert evaluator.decide(event, now) == evaluate(event, facts, pack, now)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS)
def test_reuse_never_changes_a_decision(steps: list[tuple[int, int, Subject, str, str]]) -> None:
    pack, base = shared_demo()
    replay(pack, leased_facts(base), steps)


@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
def test_reuse_never_changes_a_decision_where_the_path_decides(
    steps: list[tuple[int, int, Subject, str, str]],
) -> None:
    pack, base = shared_demo()
    replay(pack, with_url_entries(leased_facts(base)), steps)


def test_staff_decisions_follow_the_bell_the_grant_and_the_path() -> None:
    pack, base = shared_demo()
    facts = with_url_entries(leased_facts(base))
    evaluator = Evaluator(pack, facts)
    laptop = Subject(None, "127.10.1.10")  # mrivera's district laptop, Cut Bank High School

    def decide(minutes: float, host: str = "www.facebook.com", path: str = "/") -> str:
        now = T0 + dt.timedelta(minutes=minutes)
        event = WebAccess(laptop, host, path, event_id=f"{host}{path}{minutes}")
        decision = evaluator.decide(event, now)
        assert decision == evaluate(event, facts, pack, now)
        return decision.effect.value

    # Asked twice over the day (identities reused the second time): before school, in school
    # hours, then the building-wide grant's hour (T0 + 4 h to + 5 h), then school hours again.
    assert [decide(m) for m in (10, 20, 60, 120, 239.9, 240, 270, 299.9, 300)] == [
        decide(m) for m in (10, 20, 60, 120, 239.9, 240, 270, 299.9, 300)
    ]
    assert decide(120) == "deny"
    assert decide(240) == "allow"
    assert decide(300) == "deny"
    # One host, two answers by path.
    assert decide(121, "www.youtube.com", "/shorts/abc") == "deny"
    assert decide(122, "www.youtube.com", "/watch?v=1") == "allow"


def test_lease_change_is_seen_at_once(demo: tuple[CompiledPack, Facts]) -> None:
    pack, base = demo
    facts = leased_facts(base)
    evaluator = Evaluator(pack, facts)
    event = WebAccess(Subject(None, "127.10.3.77"), "www.facebook.com", "/", event_id="e")
    before = evaluator.decide(event, T0 + dt.timedelta(hours=2, minutes=59))
    after = evaluator.decide(event, T0 + dt.timedelta(hours=3))
    assert before.subject != after.subject
