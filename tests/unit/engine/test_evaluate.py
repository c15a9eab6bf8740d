"""The decision function: combining order, interpretations, ids and citations."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from boardline.engine.compiled import CompiledPack
from boardline.engine.evaluate import evaluate
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope
from boardline.engine.facts import Facts
from boardline.model.events import ContentPost, Finding, Subject, WebAccess
from boardline.policy.pack import Effect, Severity
from tests.demo_facts import compiled_edit

MDT = dt.timezone(dt.timedelta(hours=-6))
SCHOOL = dt.datetime(2026, 10, 6, 10, 0, tzinfo=MDT)
EVENING = dt.datetime(2026, 10, 6, 19, 0, tzinfo=MDT)
LUNCH = dt.datetime(2026, 10, 6, 12, 0, tzinfo=MDT)
FACEBOOK = WebAccess(Subject("mrivera"), "www.facebook.com", "/", event_id="t1")
LAPTOP = WebAccess(Subject(None, "127.10.1.10"), "www.facebook.com", "/", event_id="t2")
PHONE = WebAccess(Subject(None, "127.20.2.20"), "www.facebook.com", "/", event_id="t3")

Demo = tuple[CompiledPack, Facts]


def person_id(facts: Facts, who: str) -> str:
    person = facts.directory.resolve(who)
    assert person is not None
    return person.id


def test_deny_cites_the_clause_with_revision_and_reason(demo: Demo) -> None:
    pack, facts = demo
    decision = evaluate(FACEBOOK, facts, pack, SCHOOL)
    assert decision.effect is Effect.DENY
    assert decision.revision == pack.revision
    assert decision.follow_up == ("5255",)
    assert decision.severity is Severity.MEDIUM
    first = decision.citations[0]
    assert (first.policy, first.clause, first.rule) == (
        "5460",
        "5460.p7",
        "no-social-networking-during-school-hours",
    )
    assert first.quote.startswith("Accessing social networking websites")
    assert first.revision == pack.revision
    assert first.reason == "No social networking for individual use during school hours"


def test_decisions_are_pure_and_ids_deterministic(demo: Demo) -> None:
    pack, facts = demo
    first = evaluate(FACEBOOK, facts, pack, SCHOOL)
    again = evaluate(FACEBOOK, facts, pack, SCHOOL)
    assert first == again
    other = evaluate(replace(FACEBOOK, event_id="t9"), facts, pack, SCHOOL)
    assert other.decision_id != first.decision_id


def test_naive_now_is_refused(demo: Demo) -> None:
    pack, facts = demo
    with pytest.raises(ValueError, match="aware"):
        evaluate(FACEBOOK, facts, pack, dt.datetime(2026, 10, 6, 10, 0))


def test_grant_comes_before_deny_and_is_cited(demo: Demo) -> None:
    pack, facts = demo
    grant = Grant(
        "g1",
        "jcarter",
        Scope.PERSON,
        person_id(facts, "mrivera"),
        SCHOOL - dt.timedelta(hours=1),
        SCHOOL + dt.timedelta(hours=1),
        "yearbook",
    )
    decision = evaluate(FACEBOOK, facts.with_exceptions(ExceptionBook.build([grant])), pack, SCHOOL)
    assert decision.effect is Effect.ALLOW
    assert decision.exception is not None
    assert (decision.exception.kind, decision.exception.id) == ("grant", "g1")
    assert not decision.alert
    assert decision.follow_up == ()


def test_grant_wins_over_emergency_and_emergency_alerts(demo: Demo) -> None:
    pack, facts = demo
    me = person_id(facts, "mrivera")
    window = (SCHOOL - dt.timedelta(minutes=5), SCHOOL + dt.timedelta(minutes=25))
    emergency = Emergency("e1", "mrivera", Scope.PERSON, me, *window, "lockout")
    grant = Grant("g1", "jcarter", Scope.PERSON, me, *window, "yearbook")
    both = facts.with_exceptions(ExceptionBook.build([grant], [emergency]))
    assert evaluate(FACEBOOK, both, pack, SCHOOL).exception.kind == "grant"  # type: ignore[union-attr]
    only = facts.with_exceptions(ExceptionBook.build((), [emergency]))
    decision = evaluate(FACEBOOK, only, pack, SCHOOL)
    assert decision.effect is Effect.ALLOW
    assert decision.alert


def test_outside_hours_follows_the_packs_interpretation(demo: Demo) -> None:
    _, facts = demo
    strict = compiled_edit(
        "district_equipment_outside_hours: allow", "district_equipment_outside_hours: deny"
    )
    assert evaluate(LAPTOP, facts, strict, EVENING).effect is Effect.DENY
    assert evaluate(PHONE, facts, strict, EVENING).effect is Effect.ALLOW
    flagging = compiled_edit(
        "personal_equipment_outside_hours: allow", "personal_equipment_outside_hours: flag"
    )
    decision = evaluate(PHONE, facts, flagging, EVENING)
    assert decision.effect is Effect.FLAG
    assert "personal equipment" in decision.explanation


def test_a_district_that_reads_breaks_as_free_time(demo: Demo) -> None:
    pack, facts = demo
    assert evaluate(FACEBOOK, facts, pack, LUNCH).effect is Effect.DENY
    lenient = compiled_edit("breaks_count: true", "breaks_count: false")
    assert evaluate(FACEBOOK, facts, lenient, LUNCH).effect is Effect.ALLOW
    assert evaluate(FACEBOOK, facts, lenient, SCHOOL).effect is Effect.DENY


def test_flag_effect_lets_the_request_through(demo: Demo) -> None:
    _, facts = demo
    flagging = compiled_edit("    effect: deny\n    honours:", "    effect: flag\n    honours:")
    decision = evaluate(FACEBOOK, facts, flagging, SCHOOL)
    assert decision.effect is Effect.FLAG
    assert decision.allowed


def test_deny_overrides_flag_across_posting_rules(demo: Demo) -> None:
    _, facts = demo
    pack = compiled_edit(
        "findings: [district_logo, district_photo, district_document]\n    effect: deny",
        "findings: [district_logo, district_photo, district_document]\n    effect: flag",
    )
    logo = Finding("district_logo", 0.9)
    ssn = Finding("ssn", 0.9, people=1)
    post = ContentPost(Subject("mrivera"), "www.facebook.com", "/", (logo,), "p1")
    assert evaluate(post, facts, pack, EVENING).effect is Effect.FLAG
    both = evaluate(replace(post, findings=(logo, ssn)), facts, pack, EVENING)
    assert both.effect is Effect.DENY
    assert both.rule == "no-posting-confidential-material"
    assert both.severity is Severity.CRITICAL


def test_disabled_rule_does_not_apply(demo: Demo) -> None:
    _, facts = demo
    pack = compiled_edit(
        "    kind: school_hours_access\n", "    kind: school_hours_access\n    enabled: false\n"
    )
    assert evaluate(FACEBOOK, facts, pack, SCHOOL).effect is Effect.ALLOW


def test_explain_adds_the_facts_used(demo: Demo) -> None:
    pack, facts = demo
    plain = evaluate(FACEBOOK, facts, pack, SCHOOL)
    explained = evaluate(FACEBOOK, facts, pack, SCHOOL, explain=True)
    assert plain.facts == ()
    keys = dict(explained.facts)
    assert keys["identity"] == "proxy_auth"
    assert "Cut Bank High School" in keys["school time"]
    assert explained.effect is plain.effect
