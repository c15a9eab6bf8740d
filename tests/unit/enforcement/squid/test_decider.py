"""The policy decider: its fast reply is the reply of its verdict, through reloads and grants.

``PolicyDecider.reply`` writes an allow's reply from a template cached per
(effect, rule, revision) and a denial's message from a cached escaped clause.
Each test runs two deciders in lockstep on the same live policy and the same
instants — one answering through ``decide`` + ``format_reply``, one through
``reply`` — and requires the same bytes on the wire and in the decision log,
before and after the things that change an answer: a new pack, a new grant, a
school-day boundary.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from boardline.bootstrap import bootstrap
from boardline.demo.paths import demo_pack_path
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.enforcement.decision_token import issue_token, read_token
from boardline.enforcement.live_policy import LivePolicy
from boardline.enforcement.squid.decider import PolicyDecider
from boardline.enforcement.squid.helper import run_helper
from boardline.enforcement.squid.protocol import (
    HelperRequest,
    HelperVerdict,
    format_reply,
    parse_reply,
    parse_request,
)
from boardline.engine.exceptions import Grant, Scope
from boardline.model.decision import Decision
from boardline.model.events import WebAccess
from boardline.settings import Settings

KEY = b"decider-test-masking-key-0123456789"
SECRET = b"decider-test-token-secret-0123456789"
MOUNTAIN = dt.timezone(dt.timedelta(hours=-6))
SCHOOL = dt.datetime(2026, 10, 6, 10, 0, tzinfo=MOUNTAIN)  # a Tuesday in school hours
FIELDS = ("src", "user", "method", "host", "port", "path", "bucket")
LINES = (
    "127.10.1.10 - GET www.facebook.com 80 /groups/x?q=1 b",  # staff laptop: social, denied
    "127.10.1.10 - CONNECT www.facebook.com 443 - b",
    "127.10.1.10 - GET www.example.org 80 / b",  # staff, not social: allowed
    "127.20.1.50 mrivera GET instagram.com 80 /p/%E2%9C%93 b",  # staff by login
    "127.30.1.5 - GET www.facebook.com 80 / b",  # a student address
    "127.40.0.9 - GET www.facebook.com 80 / b",  # a guest address
    "10.9.9.9 - GET www.facebook.com 80 /a#frag b",  # nobody known
    "127.20.1.51 nosuchuser CONNECT tiktok.com 443 - b",
)


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ViaVerdict:
    """The decider seen through ``decide`` only: the helper formats its verdicts."""

    def __init__(self, decider: PolicyDecider) -> None:
        self.decider = decider

    def decide(self, request: HelperRequest) -> HelperVerdict:
        return self.decider.decide(request)


class Pair:
    """Two deciders on one live policy, one instant, one decision-id sequence each."""

    def __init__(self, tmp_path: Path) -> None:
        self.pack = tmp_path / "pack.yaml"
        self.pack.write_text(demo_pack_path().read_text(encoding="utf-8"), encoding="utf-8")
        runtime = bootstrap(Settings(pack=str(self.pack), state_dir=str(tmp_path / "state")))
        self.ticks = Ticks()
        self.live = LivePolicy(runtime, clock=self.ticks)
        self.clock = Clock(SCHOOL)
        self.logs = (tmp_path / "slow.jsonl", tmp_path / "fast.jsonl")

        def people(who: str):  # type: ignore[no-untyped-def]
            return runtime.snapshot()[1].directory.resolve(who)

        def token(decision: Decision, event: WebAccess) -> str:
            return issue_token(decision, decision.subject or "", event.host, SECRET)

        self.slow, self.fast = (
            PolicyDecider(
                self.live,
                sink=DecisionLogWriter(log, key=KEY, people=people),
                token=token,
                clock=self.clock,
            )
            for log in self.logs
        )

    def answer(self, line: str) -> tuple[str, str]:
        request = parse_request(line, concurrency=False, fields=FIELDS)
        slow = format_reply(None, self.slow.decide(request))
        fast = self.fast.reply(request)
        return slow, fast

    def check(self) -> list[str]:
        """Every line through both; the replies and the log lines must be equal."""
        replies = []
        for line in LINES:
            slow, fast = self.answer(line)
            assert fast == slow, line
            replies.append(fast)
        self.slow.flush()
        self.fast.flush()
        assert self.logs[1].read_bytes() == self.logs[0].read_bytes()
        return replies

    def rewrite(self, old: str, new: str) -> None:
        text = self.pack.read_text(encoding="utf-8")
        assert old in text
        self.pack.write_text(text.replace(old, new), encoding="utf-8")
        stat = self.pack.stat()
        os.utime(self.pack, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def effects(replies: list[str]) -> list[str]:
    return [parse_reply(r)[1] for r in replies]


def test_the_fast_reply_is_the_verdicts_reply_for_every_kind_of_subject(tmp_path: Path) -> None:
    pair = Pair(tmp_path)
    replies = pair.check()
    assert "ERR" in effects(replies)
    assert "OK" in effects(replies)
    # the same lines again: cached templates and escaped clauses, new decision ids
    again = pair.check()
    assert again != replies
    denied = parse_reply(replies[0])[2]
    assert denied["message"].startswith("b1.")
    claims = read_token(denied["message"].split()[0], SECRET, SCHOOL)
    assert claims.decision_id == denied["decision_id"]
    assert "\u201c" in denied["message"]  # the clause quoted, escaped from the cache


def test_a_new_pack_revision_is_in_the_next_reply(tmp_path: Path) -> None:
    pair = Pair(tmp_path)
    before = pair.check()
    old_revision = parse_reply(before[0])[2]["revision"]
    pair.rewrite("    effect: deny\n    honours:", "    effect: flag\n    honours:")
    pair.ticks.now = 1.0  # the live policy looks at the pack again
    after = pair.check()
    new_revision = parse_reply(after[0])[2]["revision"]
    assert new_revision != old_revision
    assert all(parse_reply(r)[2]["revision"] == new_revision for r in after)
    assert effects(after)[0] == "OK"  # flagged now: let through, logged
    assert parse_reply(after[0])[2]["bl_effect"] == "allow"
    assert " flag " in parse_reply(after[0])[2]["log"]


def test_a_new_grant_turns_the_denial_into_an_allow_at_once(tmp_path: Path) -> None:
    pair = Pair(tmp_path)
    assert effects(pair.check())[0] == "ERR"
    person = pair.live.runtime.facts.directory.resolve("mrivera")
    assert person is not None
    start = SCHOOL.astimezone(dt.UTC)
    pair.live.runtime.exception_store.add_grant(
        Grant("g1", "jcarter", Scope.PERSON, person.id, start, start + dt.timedelta(hours=1), "x")
    )
    pair.ticks.now = 1.0
    after = pair.check()
    assert effects(after)[0] == "OK"
    text = pair.logs[1].read_text(encoding="utf-8")
    assert '"kind":"grant"' in text  # an exception's line takes the general path


def test_answers_follow_the_school_day_across_its_boundaries(tmp_path: Path) -> None:
    pair = Pair(tmp_path)
    seen = []
    for when in (
        SCHOOL.replace(hour=6, minute=59, second=59, microsecond=999_999),
        SCHOOL.replace(hour=10),
        SCHOOL.replace(hour=10, second=1),  # the next second: a new instant prefix
        SCHOOL.replace(hour=20),
        SCHOOL + dt.timedelta(days=4),  # a Saturday
    ):
        pair.clock.now = when
        seen.append(effects(pair.check())[0])
    assert seen[1] == seen[2] == "ERR"
    assert "OK" in seen


def test_the_helper_writes_the_same_bytes_through_reply_as_through_decide(
    tmp_path: Path,
) -> None:
    pair = Pair(tmp_path)
    for concurrency in (False, True):
        data = "".join(
            (f"{n} {line}\n" if concurrency else f"{line}\n") for n, line in enumerate(LINES * 3)
        ).encode()
        outputs = []
        for decider in (ViaVerdict(pair.slow), pair.fast):
            sink = io.BytesIO()
            code = run_helper(
                decider, io.BytesIO(data), sink, concurrency=concurrency, fields=FIELDS
            )
            assert code == 0
            outputs.append(sink.getvalue())
        assert outputs[0] == outputs[1]
        assert outputs[1].count(b"\n") == len(LINES) * 3
