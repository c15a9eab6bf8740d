"""The decision log's fast path for web decisions writes exactly the general path's line.

The general path (``record`` → ``mask_record`` → ``encode_line``) is the
reference; the fast path assembles the same line from parts cached per rule
shape and per identity. These tests generate decisions, events and subjects
(identifiers inside explanations and paths, non-ASCII, control characters,
lone surrogates) and require byte-equal lines, including after the things that
change the cached parts: a new revision or new citations (a pack reload), a
person whose role changed (a roster change), a new second.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardline.directory.person import Person
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.enforcement.decision_log_record import encode_line, record, utc_text
from boardline.enforcement.decision_log_template import WebLineEncoder
from boardline.enforcement.masking import Pseudonymiser, mask_record
from boardline.model.decision import Citation, Decision, ExceptionUsed
from boardline.model.events import Subject, WebAccess
from boardline.policy.pack import Effect, Role, Severity

KEY = b"decision-log-template-key-0123456789"
MOUNTAIN = dt.timezone(dt.timedelta(hours=-6))
AT = dt.datetime(2026, 10, 6, 10, 0, 0, 123_456, tzinfo=MOUNTAIN)


def cites(
    revision: str = "rev-1", quote: str = "Staff will not \u201csocial\u201d"
) -> tuple[Citation, ...]:
    return (Citation("5460", "5460.p2", quote, "staff-social", revision, "school hours"),)


CITES = cites()


def decision(
    *,
    effect: Effect = Effect.DENY,
    rule: str = "staff-social",
    revision: str = "rev-1",
    citations: tuple[Citation, ...] = CITES,
    explanation: str = "deny: www.facebook.com is social_networks",
    at: dt.datetime = AT,
    subject: str | None = "staff-0003",
    severity: Severity = Severity.MEDIUM,
    exception: ExceptionUsed | None = None,
    follow_up: tuple[str, ...] = ("5255",),
    alert: bool = False,
    categories: tuple[str, ...] = ("social_networks",),
    decision_id: str = "d-00000000000000000001",
) -> Decision:
    return Decision(
        decision_id,
        effect,
        rule,
        revision,
        citations,
        explanation,
        "web",
        at,
        subject,
        severity,
        exception,
        follow_up,
        alert,
        categories,
    )


def web(
    user: str | None = "mrivera",
    client: str | None = "127.10.1.10",
    path: str = "/groups/x?q=1#top",
    *,
    host: str = "www.facebook.com",
    method: str = "GET",
    top_level: bool | None = None,
    event_id: str = "sq1-0",
) -> WebAccess:
    return WebAccess(Subject(user, client), host, path, method, top_level, event_id)


def reference(
    d: Decision, event: WebAccess, role: Role | str | None, username: str | None
) -> bytes:
    return encode_line(mask_record(record(d, event, role, username=username), Pseudonymiser(KEY)))


def check(
    encoder: WebLineEncoder,
    d: Decision,
    event: WebAccess,
    role: Role | str | None,
    username: str | None,
) -> bytes | None:
    line = encoder.line(d, event, role, username)
    if line is not None:
        assert line == reference(d, event, role, username)
    return line


ROLES = st.sampled_from([None, Role.STAFF, Role.ADMINISTRATOR, Role.STUDENT, Role.GUEST, "x"])
IDS = st.sampled_from(["lily.baker", "stu-0001", "127.30.1.5", "mrivera", "staff-0003", "a"])
TEXT = st.text(max_size=40)
SOME_TEXT = st.one_of(TEXT, IDS, st.builds(lambda a, b, c: a + b + c, TEXT, IDS, TEXT))


@settings(max_examples=400, deadline=None)
@given(
    role=ROLES,
    subject=st.none() | IDS,
    username=st.none() | IDS,
    user=st.none() | IDS,
    client=st.none() | IDS,
    explanation=SOME_TEXT,
    path=SOME_TEXT,
    host=SOME_TEXT,
    method=st.sampled_from(["GET", "CONNECT", "PO\u00a7T"]),
    top_level=st.sampled_from([None, True, False]),
    effect=st.sampled_from(list(Effect)),
    severity=st.sampled_from(list(Severity)),
    alert=st.booleans(),
    rule=SOME_TEXT,
    revision=SOME_TEXT,
    quote=TEXT,
    categories=st.lists(TEXT, max_size=2).map(tuple),
    at=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from([dt.UTC, MOUNTAIN]),
    ),
)
def test_the_fast_line_is_the_general_line(
    role: Role | str | None,
    subject: str | None,
    username: str | None,
    user: str | None,
    client: str | None,
    explanation: str,
    path: str,
    host: str,
    method: str,
    top_level: bool | None,
    effect: Effect,
    severity: Severity,
    alert: bool,
    rule: str,
    revision: str,
    quote: str,
    categories: tuple[str, ...],
    at: dt.datetime,
) -> None:
    d = decision(
        effect=effect,
        rule=rule,
        revision=revision,
        citations=cites(revision, quote),
        explanation=explanation,
        at=at,
        subject=subject,
        severity=severity,
        alert=alert,
        categories=categories,
    )
    event = web(user, client, path, host=host, method=method, top_level=top_level)
    encoder = WebLineEncoder(Pseudonymiser(KEY))
    first = check(encoder, d, event, role, username)
    # the second time from the caches, with the values that are new every line
    again = d._replace(decision_id="d-2", at=at + dt.timedelta(microseconds=1))
    second = check(encoder, again, web(user, client, path + "/x", event_id="sq1-1"), role, username)
    if first is not None or second is not None:
        return
    # None only where the general path writes what UTF-8 cannot hold
    assert any(
        "\ud800" <= ch <= "\udfff"
        for ch in (explanation, path, host, rule, revision, quote, *categories)
        for ch in ch
    ) or any("\ud800" <= ch <= "\udfff" for v in (subject, username, user, client) if v for ch in v)


def test_a_decision_with_an_exception_takes_the_general_path() -> None:
    used = ExceptionUsed("grant", "g1", "lily.baker", "asked by lily.baker", AT)
    d = decision(effect=Effect.ALLOW, exception=used, explanation="allow (asked by lily.baker)")
    assert WebLineEncoder(Pseudonymiser(KEY)).line(d, web(), Role.STUDENT, "lily.baker") is None


def test_a_pack_reload_changes_the_cached_parts() -> None:
    encoder = WebLineEncoder(Pseudonymiser(KEY))
    old = check(encoder, decision(), web(), Role.STAFF, "mrivera")
    # a new revision brings new citation objects with the new revision and quote
    new_cites = cites("rev-2", "a new quote")
    new = check(
        encoder,
        decision(revision="rev-2", citations=new_cites, effect=Effect.FLAG),
        web(),
        Role.STAFF,
        "mrivera",
    )
    assert old is not None
    assert new is not None
    assert b'"revision":"rev-2"' in new
    assert b"a new quote" in new
    assert b'"effect":"flag"' in new
    # equal citations in a new tuple (a reload of the same text) still encode the same
    same = check(encoder, decision(citations=cites()), web(), Role.STAFF, "mrivera")
    assert same == old


def test_a_role_change_in_the_roster_changes_the_masking() -> None:
    encoder = WebLineEncoder(Pseudonymiser(KEY))
    d = decision(subject="stu-0001", explanation="allow: lily.baker (student) is not covered")
    masked = check(encoder, d, web("lily.baker", "127.30.1.5"), Role.STUDENT, "lily.baker")
    clear = check(encoder, d, web("lily.baker", "127.30.1.5"), Role.STAFF, "lily.baker")
    assert masked is not None
    assert clear is not None
    assert b"lily.baker" not in masked
    assert b"127.30.1.5" not in masked
    assert b"stu_" in masked
    assert b"lily.baker" in clear


def test_consecutive_instants_across_a_second_keep_their_own_text() -> None:
    encoder = WebLineEncoder(Pseudonymiser(KEY))
    base = dt.datetime(2026, 10, 6, 9, 59, 59, 999_999, tzinfo=MOUNTAIN)
    for step in range(4):
        at = base + dt.timedelta(microseconds=step)
        line = check(encoder, decision(at=at), web(), Role.STAFF, "mrivera")
        assert line is not None
        assert f'"at":"{utc_text(at)}"'.encode() in line
    assert utc_text(base) == "2026-10-06T15:59:59.999999Z"
    assert utc_text(base + dt.timedelta(microseconds=1)) == "2026-10-06T16:00:00Z"


@settings(max_examples=500)
@given(
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([dt.UTC, MOUNTAIN])
        | st.integers(-86_399_999_999, 86_399_999_999).map(
            lambda us: dt.timezone(dt.timedelta(microseconds=us))
        ),
    )
)
def test_utc_text_is_isoformat_in_utc(moment: dt.datetime) -> None:
    text = moment.astimezone(dt.UTC).isoformat()
    assert utc_text(moment) == text[:-6] + "Z"


def test_the_writer_writes_the_general_line_for_each_person(tmp_path: Path) -> None:
    people = {
        "staff-0003": Person("staff-0003", "mrivera", Role.STAFF, "M", "Rivera", None, ("hs",)),
        "stu-0001": Person("stu-0001", "lily.baker", Role.STUDENT, "L", "Baker", None, ("hs",)),
    }
    path = tmp_path / "d.jsonl"
    cases = [
        (decision(), web()),
        (decision(subject="stu-0001", explanation="x lily.baker y"), web("lily.baker")),
        (decision(subject=None, explanation="10.9.9.9 unknown"), web(None, "10.9.9.9")),
    ]
    with DecisionLogWriter(path, key=KEY, people=people.get) as writer:
        for d, event in cases * 2:
            writer.write(d, event)
    expected = b""
    for d, event in cases * 2:
        person = people.get(d.subject) if d.subject else None
        expected += reference(
            d, event, person.role if person else None, person.username if person else None
        )
    assert path.read_bytes() == expected
