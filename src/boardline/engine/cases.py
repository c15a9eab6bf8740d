"""Policy test cases: a district writes what it expects, Boardline checks the engine agrees.

A case file is YAML (format documented in ``docs/policy-tests.md``)::

    facts: {roster: demo, calendar: demo, networks: demo}
    cases:
      - name: staff on Facebook at 10:00 on a school day
        at: 2026-10-06T10:00:00-06:00
        event: {web: {user: mrivera, url: https://www.facebook.com/}}
        expect: {effect: deny, clause: 5460.p7}

The same file format powers ``tests/policy_cases/`` (one parametrised pytest)
and ``boardline policy test DIR`` for districts. Loading the facts a file names
is the caller's job (``FactsLoader``), so this module stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from boardline.engine.compiled import CompiledPack
from boardline.engine.evaluate import evaluate
from boardline.engine.exceptions import Emergency, ExceptionBook, Grant, Scope
from boardline.engine.facts import Facts
from boardline.model.decision import Decision
from boardline.model.errors import InputError, Problem
from boardline.model.events import (
    Communication,
    ContentPost,
    Direction,
    Event,
    Finding,
    Purpose,
    Subject,
    WebAccess,
)
from boardline.policy.pack import Audience, Channel, Effect
from boardline.policy.yaml_source import Located, read_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactsSpec(_Strict):
    """Where a case file's facts come from: ``demo`` or paths relative to the file."""

    pack: str = "demo"
    roster: str = "demo"
    calendar: str = "demo"
    networks: str = "demo"
    ut1: str | None = None
    ut1_categories: tuple[str, ...] = ()


class WebSpec(_Strict):
    user: str | None = None
    address: str | None = None
    url: str
    method: str = "GET"
    top_level: bool | None = True


class FindingSpec(_Strict):
    kind: str
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    people: int = 0


class PostSpec(_Strict):
    user: str | None = None
    address: str | None = None
    url: str
    findings: tuple[FindingSpec, ...] = ()


class CommunicationSpec(_Strict):
    staff: str
    student: str
    channel: Channel
    direction: Direction = Direction.STAFF_TO_STUDENT
    audience: Audience = Audience.INDIVIDUAL
    purpose: Purpose = Purpose.UNKNOWN
    district_controlled: bool | None = None


class EventSpec(_Strict):
    web: WebSpec | None = None
    post: PostSpec | None = None
    communication: CommunicationSpec | None = None


class GrantSpec(_Strict):
    id: str = "grant-1"
    approver: str
    scope: Scope = Scope.PERSON
    target: str = ""
    starts: dt.datetime
    ends: dt.datetime
    reason: str
    categories: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


class EmergencySpec(_Strict):
    id: str = "emergency-1"
    declared_by: str
    scope: Scope = Scope.PERSON
    target: str = ""
    starts: dt.datetime
    ends: dt.datetime
    reason: str


class ClosureSpec(_Strict):
    date: dt.date
    reason: str
    building: str | None = None


class Expectation(_Strict):
    effect: Effect
    rule: str | None = None
    clause: str | None = None
    exception: Literal["grant", "emergency", "none"] | None = None
    alert: bool | None = None
    explanation_contains: str | None = None


class CaseSpec(_Strict):
    name: str = Field(min_length=1)
    at: dt.datetime
    event: EventSpec
    grants: tuple[GrantSpec, ...] = ()
    emergencies: tuple[EmergencySpec, ...] = ()
    closures: tuple[ClosureSpec, ...] = ()
    expect: Expectation


class CaseFile(_Strict):
    facts: FactsSpec = FactsSpec()
    cases: tuple[CaseSpec, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    line: int | None
    index: int
    spec: CaseSpec
    facts: FactsSpec

    @property
    def id(self) -> str:
        return f"{Path(self.file).name}:{self.line}:{self.spec.name}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    decision: Decision | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        where = f"{self.case.file}:{self.case.line}"
        if self.passed:
            return f"{where}: ok: {self.case.spec.name}"
        return f"{where}: FAIL: {self.case.spec.name}: " + "; ".join(self.failures)


FactsLoader = Callable[[FactsSpec, Path], tuple[CompiledPack, Facts]]


def parse_case_file(text: str, file: str) -> list[Case]:
    located = read_yaml(text, file)
    try:
        parsed = CaseFile.model_validate(located.data)
    except ValidationError as exc:
        raise InputError(_problems(exc, located)) from None
    problems: list[Problem] = []
    for n, case in enumerate(parsed.cases):
        chosen = [k for k in ("web", "post", "communication") if getattr(case.event, k) is not None]
        if len(chosen) != 1:
            problems.append(
                Problem(
                    located.place(("cases", n, "event")),
                    "an event is exactly one of web, post or communication",
                )
            )
        if case.at.tzinfo is None:
            problems.append(
                Problem(located.place(("cases", n, "at")), "give the time zone (e.g. -06:00)")
            )
    if problems:
        raise InputError(problems)
    return [
        Case(file, located.line_of(("cases", n)), n, case, parsed.facts)
        for n, case in enumerate(parsed.cases)
    ]


def _problems(exc: ValidationError, located: Located) -> list[Problem]:
    return [
        Problem(located.place(tuple(e["loc"])), str(e["msg"]))
        for e in exc.errors(include_url=False)
    ]


def discover(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    yield from sorted(p for p in root.rglob("*.yaml") if p.is_file())


def load_cases(root: Path) -> list[Case]:
    cases: list[Case] = []
    for path in discover(root):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError.at(str(path), f"cannot read the case file: {exc}") from None
        cases.extend(parse_case_file(text, str(path)))
    return cases


def build_event(spec: EventSpec, index: int) -> Event:
    event_id = f"case-{index}"
    if spec.web is not None:
        host, path = _split(spec.web.url)
        return WebAccess(
            Subject(spec.web.user, spec.web.address),
            host,
            path,
            spec.web.method,
            spec.web.top_level,
            event_id,
        )
    if spec.post is not None:
        host, path = _split(spec.post.url)
        findings = tuple(Finding(f.kind, f.confidence, people=f.people) for f in spec.post.findings)
        return ContentPost(
            Subject(spec.post.user, spec.post.address), host, path, findings, event_id
        )
    comm = spec.communication
    assert comm is not None
    return Communication(
        comm.staff,
        comm.student,
        comm.channel,
        comm.direction,
        comm.audience,
        comm.purpose,
        comm.district_controlled,
        event_id,
    )


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return (parts.hostname or "").lower(), path


def run_case(case: Case, pack: CompiledPack, facts: Facts) -> CaseResult:
    spec = case.spec

    def target(scope: Scope, who: str) -> str:
        if scope is not Scope.PERSON:
            return who
        person = facts.directory.resolve(who)
        return person.id if person is not None else who

    book = ExceptionBook.build(
        (
            Grant(
                g.id,
                g.approver,
                g.scope,
                target(g.scope, g.target),
                g.starts,
                g.ends,
                g.reason,
                g.categories,
                g.domains,
            )
            for g in spec.grants
        ),
        (
            Emergency(
                e.id,
                e.declared_by,
                e.scope,
                target(e.scope, e.target or (e.declared_by if e.scope is Scope.PERSON else "")),
                e.starts,
                e.ends,
                e.reason,
            )
            for e in spec.emergencies
        ),
    )
    calendar: Any = facts.calendar
    for closure in spec.closures:
        calendar = calendar.with_closure(closure.date, closure.reason, closure.building)
    case_facts = Facts(
        facts.directory, facts.networks, calendar, facts.categories, book, facts.default_building
    )
    decision = evaluate(
        build_event(spec.event, case.index), case_facts, pack, spec.at, explain=True
    )
    return CaseResult(case, decision, tuple(_compare(spec.expect, decision)))


def _compare(expect: Expectation, decision: Decision) -> Iterator[str]:
    if decision.effect is not expect.effect:
        got = decision.effect.value
        yield f"expected {expect.effect.value}, got {got} ({decision.explanation})"
    if expect.rule is not None and decision.rule != expect.rule:
        yield f"expected rule {expect.rule}, got {decision.rule}"
    if expect.clause is not None and expect.clause not in {c.clause for c in decision.citations}:
        cited = ", ".join(c.clause for c in decision.citations) or "nothing"
        yield f"expected a citation of {expect.clause}, got {cited}"
    if expect.exception is not None:
        got = decision.exception.kind if decision.exception else "none"
        if got != expect.exception:
            yield f"expected exception {expect.exception}, got {got}"
    if expect.alert is not None and decision.alert != expect.alert:
        yield f"expected alert={expect.alert}, got {decision.alert}"
    if expect.explanation_contains and expect.explanation_contains not in decision.explanation:
        yield f"explanation lacks {expect.explanation_contains!r}: {decision.explanation}"
