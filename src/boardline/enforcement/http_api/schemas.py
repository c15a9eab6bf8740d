"""Version 1 of the decision API's wire schemas, kept apart from the domain objects.

The engine's :class:`~boardline.model.events.Event` and
:class:`~boardline.model.decision.Decision` may change shape with the engine;
these models are the published contract and change only with a new version
(``/v2``). Requests are a union told apart by ``kind`` (one schema per event
kind, so a client's mistake is reported against the field it got wrong), and
every field is bounded so no input can reach the engine in a shape it was not
built for: bad input is a 422 naming the field, never a 500.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from boardline.model.decision import Citation, Decision
from boardline.model.events import (
    Communication,
    ContentPost,
    Direction,
    Event,
    Finding,
    FindingKind,
    Purpose,
    Subject,
    WebAccess,
)
from boardline.policy.pack import Audience, Channel, Effect, Severity

#: Instants the API decides for: wide enough for any audit, narrow enough that
#: time-zone arithmetic never leaves the range ``datetime`` can hold.
EARLIEST = dt.datetime(1971, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)
MAX_URL = 8192

Name = Annotated[str, Field(min_length=1, max_length=256)]
ShortText = Annotated[str, Field(max_length=512)]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def split_url(url: str) -> tuple[str, str]:
    """Host (lower case) and path-with-query of ``url``; a bare host is taken as http."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, path


def _check_url(value: str) -> str:
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        msg = "a URL has no spaces or control characters"
        raise ValueError(msg)
    try:
        host, _ = split_url(value)
    except ValueError as exc:
        msg = f"not a URL: {exc}"
        raise ValueError(msg) from None
    if not host:
        msg = "the URL needs a host name (e.g. https://www.facebook.com/)"
        raise ValueError(msg)
    return value


def _check_address(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        msg = f"{value!r} is not an IPv4 or IPv6 address"
        raise ValueError(msg) from None


class _RequestBase(_Wire):
    at: AwareDatetime | None = Field(
        None,
        description="The instant to decide for, with its offset (default: now).",
        examples=["2026-10-06T10:00:00-06:00"],
    )
    explain: bool = Field(False, description="Add the facts the engine used to the answer.")
    event_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="Your own id for the event; makes the decision id reproducible.",
    )

    @field_validator("at")
    @classmethod
    def _in_range(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and not EARLIEST <= value <= LATEST:
            msg = f"must lie between {EARLIEST.year} and {LATEST.year}"
            raise ValueError(msg)
        return value


class _Someone(_RequestBase):
    user: Name | None = Field(None, description="The proxy login or username, when known.")
    address: str | None = Field(
        None, max_length=64, description="The client's IP address, when known."
    )
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="The URL asked for (a bare host is taken as http).",
        examples=["https://www.facebook.com/"],
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return _check_address(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)


class WebDecisionRequestV1(_Someone):
    """Somebody's browser asks for a URL."""

    kind: Literal["web"]
    method: str = Field("GET", pattern=r"^[A-Z]{1,16}$", description="The HTTP method.")
    top_level: bool | None = Field(
        True, description="A page a person opened (true) or an embedded resource (false)."
    )


class FindingV1(_Wire):
    kind: FindingKind
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    people: int = Field(0, ge=0, le=10_000_000, description="How many people it is about.")
    evidence: ShortText = Field("", description="Masked evidence; never a raw value.")
    scanner: ShortText = ""


class PostDecisionRequestV1(_Someone):
    """An upload or post leaving the district, with what the scanners found in it."""

    kind: Literal["post"]
    findings: tuple[FindingV1, ...] = Field((), max_length=1000)


class CommunicationDecisionRequestV1(_RequestBase):
    """A staff member and a student interacting (directory usernames, ids or e-mail)."""

    kind: Literal["communication"]
    staff: Name
    student: Name
    channel: Channel
    direction: Direction = Direction.STAFF_TO_STUDENT
    audience: Audience = Audience.INDIVIDUAL
    purpose: Purpose = Purpose.UNKNOWN
    district_controlled: bool | None = None


DecisionRequestV1 = Annotated[
    WebDecisionRequestV1 | PostDecisionRequestV1 | CommunicationDecisionRequestV1,
    Field(discriminator="kind"),
]
AnyDecisionRequestV1 = WebDecisionRequestV1 | PostDecisionRequestV1 | CommunicationDecisionRequestV1


def to_event(request: AnyDecisionRequestV1, event_id: str) -> Event:
    """The domain event a request describes; ``event_id`` is used when the client gave none."""
    ident = request.event_id or event_id
    if isinstance(request, WebDecisionRequestV1):
        host, path = split_url(request.url)
        subject = Subject(request.user, request.address)
        method = request.method
        return WebAccess(subject, host, path, method, request.top_level, ident)
    if isinstance(request, PostDecisionRequestV1):
        host, path = split_url(request.url)
        findings = tuple(
            Finding(f.kind.value, f.confidence, None, f.evidence, f.scanner, f.people)
            for f in request.findings
        )
        return ContentPost(Subject(request.user, request.address), host, path, findings, ident)
    return Communication(
        request.staff,
        request.student,
        request.channel,
        request.direction,
        request.audience,
        request.purpose,
        request.district_controlled,
        ident,
    )


class CitationV1(_Wire):
    policy: str
    clause: str
    quote: str
    rule: str
    revision: str
    reason: str

    @classmethod
    def of(cls, citation: Citation) -> CitationV1:
        return cls(**citation.as_dict())


class ExceptionV1(_Wire):
    kind: Literal["grant", "emergency"]
    id: str
    by: str
    reason: str
    ends: dt.datetime


class DecisionResponseV1(_Wire):
    decision_id: str
    effect: Effect
    rule: str
    revision: str = Field(description="The pack revision (a content hash) it was made under.")
    severity: Severity
    at: dt.datetime
    subject: str | None = Field(description="The person's directory id, when identified.")
    categories: tuple[str, ...]
    citations: tuple[CitationV1, ...]
    exception: ExceptionV1 | None
    follow_up: tuple[str, ...] = Field(description="Policies to follow for a violation.")
    alert: bool = Field(description="An emergency was used: administrators are alerted.")
    explanation: str
    facts: dict[str, str] | None = Field(
        None, description="The facts the engine used; only when `explain` was asked for."
    )

    @classmethod
    def of(cls, decision: Decision, *, explained: bool) -> DecisionResponseV1:
        used = decision.exception
        exception = None
        if used is not None:
            kind: Literal["grant", "emergency"] = "grant" if used.kind == "grant" else "emergency"
            exception = ExceptionV1(
                kind=kind, id=used.id, by=used.by, reason=used.reason, ends=used.ends
            )
        return cls(
            decision_id=decision.decision_id,
            effect=decision.effect,
            rule=decision.rule,
            revision=decision.revision,
            severity=decision.severity,
            at=decision.at,
            subject=decision.subject,
            categories=decision.categories,
            citations=tuple(CitationV1.of(c) for c in decision.citations),
            exception=exception,
            follow_up=decision.follow_up,
            alert=decision.alert,
            explanation=decision.explanation,
            facts=dict(decision.facts) if explained else None,
        )


class ProblemV1(_Wire):
    field: str = Field(description="Where in the request, dotted (e.g. `findings.0.kind`).")
    message: str


class ProblemResponseV1(_Wire):
    """Why a request was refused: one line per problem, each naming its field."""

    error: str
    problems: tuple[ProblemV1, ...] = ()


class ExceptionsHealthV1(_Wire):
    reachable: bool
    version: str | None = None
    error: str | None = None


class HealthV1(_Wire):
    status: Literal["ok", "degraded"]
    revision: str
    district: str
    loaded_at: dt.datetime = Field(description="When this process loaded the pack revision.")
    exceptions: ExceptionsHealthV1
