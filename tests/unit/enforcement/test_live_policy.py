"""A running enforcement point takes a new pack within a second, whole, and survives a bad one."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from boardline.bootstrap import bootstrap
from boardline.demo.paths import demo_pack_path
from boardline.enforcement.live_policy import LivePolicy
from boardline.engine.exceptions import Grant, Scope
from boardline.model.errors import InputError
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect
from boardline.settings import Settings

SCHOOL = dt.datetime(2026, 10, 6, 16, 0, tzinfo=dt.UTC)  # 10:00 in Cut Bank
EVENT = WebAccess(Subject("mrivera"), "www.facebook.com", "/", event_id="x")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def setup(tmp_path: Path) -> tuple[LivePolicy, Path, FakeClock]:
    pack = tmp_path / "pack.yaml"
    pack.write_text(demo_pack_path().read_text(encoding="utf-8"), encoding="utf-8")
    runtime = bootstrap(Settings(pack=str(pack), state_dir=str(tmp_path / "state")))
    clock = FakeClock()
    assert runtime.pack_file == pack
    return LivePolicy(runtime, clock=clock), pack, clock


def rewrite(pack: Path, old: str, new: str) -> None:
    text = pack.read_text(encoding="utf-8")
    assert old in text
    pack.write_text(text.replace(old, new), encoding="utf-8")
    stat = pack.stat()
    os.utime(pack, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_new_pack_is_served_after_the_next_check(tmp_path: Path) -> None:
    live, pack, clock = setup(tmp_path)
    before = live.evaluator.decide(EVENT, SCHOOL)
    assert before.effect is Effect.DENY
    rewrite(pack, "    effect: deny\n    honours:", "    effect: flag\n    honours:")
    clock.now = 0.5
    assert live.evaluator.decide(EVENT, SCHOOL).revision == before.revision  # not checked yet
    clock.now = 1.0
    after = live.evaluator.decide(EVENT, SCHOOL)
    assert after.effect is Effect.FLAG
    assert after.revision != before.revision
    assert live.problem is None


def test_a_broken_pack_is_refused_and_the_last_good_one_serves(tmp_path: Path) -> None:
    live, pack, clock = setup(tmp_path)
    good = live.evaluator.decide(EVENT, SCHOOL).revision
    rewrite(pack, "clause: 5460.p2}", "clause: 5460.p99}")
    clock.now = 2.0
    decision = live.evaluator.decide(EVENT, SCHOOL)
    assert decision.revision == good
    assert decision.effect is Effect.DENY
    assert live.problem is not None
    assert f"serving revision {good}" in live.problem
    assert "5460.p99" in live.problem


def test_a_new_grant_in_the_store_is_honoured_after_the_next_check(tmp_path: Path) -> None:
    live, _, clock = setup(tmp_path)
    person = live.runtime.facts.directory.resolve("mrivera")
    assert person is not None
    live.runtime.exception_store.add_grant(
        Grant("g1", "jcarter", Scope.PERSON, person.id, SCHOOL, SCHOOL + dt.timedelta(hours=1), "x")
    )
    assert live.evaluator.decide(EVENT, SCHOOL).effect is Effect.DENY
    clock.now = 1.0
    assert live.evaluator.decide(EVENT, SCHOOL).effect is Effect.ALLOW


def test_decisions_never_mix_revisions_under_concurrent_reloads(tmp_path: Path) -> None:
    live, pack, clock = setup(tmp_path)
    revisions: set[tuple[str, str]] = set()
    stop = threading.Event()

    def decide() -> None:
        while not stop.is_set():
            evaluator = live.evaluator
            decision = evaluator.decide(EVENT, SCHOOL)
            # Every citation names the revision of the pack that made the decision.
            for citation in decision.citations:
                revisions.add((decision.revision, citation.revision))

    workers = [threading.Thread(target=decide) for _ in range(3)]
    for worker in workers:
        worker.start()
    for n in range(6):
        rewrite(pack, f"emergency_max_minutes: {60 + n}", f"emergency_max_minutes: {61 + n}")
        clock.now += 1.0
        live.refresh()
    stop.set()
    for worker in workers:
        worker.join()
    assert revisions
    assert all(outer == inner for outer, inner in revisions)


def test_an_unreachable_exception_store_does_not_stop_decisions(tmp_path: Path) -> None:
    live, _, clock = setup(tmp_path)

    class Gone:
        def version(self) -> str:
            raise InputError.at("postgresql://db/boardline", "the database went away")

    live.runtime.exception_store = Gone()  # type: ignore[assignment]
    clock.now = 1.0
    assert live.evaluator.decide(EVENT, SCHOOL).effect is Effect.DENY
    assert live.problem is not None
    assert "exception store unavailable" in live.problem


def test_a_new_packs_category_overrides_apply_to_the_same_lists(tmp_path: Path) -> None:
    live, pack, clock = setup(tmp_path)
    edu = WebAccess(Subject("mrivera"), "edu.pinterest.com", "/", event_id="e")
    assert live.evaluator.decide(edu, SCHOOL).effect is Effect.ALLOW
    base = live.runtime.base_categories
    rewrite(pack, "  - domain: edu.pinterest.com", "  - domain: edu.example.org")
    clock.now = 1.0
    assert live.evaluator.decide(edu, SCHOOL).effect is Effect.DENY
    assert live.runtime.base_categories is base  # the lists were not read again
